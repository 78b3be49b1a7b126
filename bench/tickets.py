"""The request pages at 10,000 requests with their follow-ups across 100 companies and the
demo's 3 teams: the staff queue (all, a team's, a deep page), a request's staff page, the
queues' overview, and the customer's list and request page. SQL statements per page (on the
demo, then at that size: they must not grow) and server time in process, then, with wrk
installed, each page against the bare-Flask ceiling (../shared/bench/compare.py, the ratio
portal / bare from one run, under gunicorn with 2 workers).

    .venv/bin/python -m bench.tickets [--tickets 10000] [--companies 100] [--seconds 5]

The same data size for the peer, django-helpdesk 2.6.1: ../shared/bench/peer-django-helpdesk/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random

from sqlalchemy import func, insert, select, text

from bench.pages import compare
from bench.scale import Page, measure, statement_counts
from demo import load_demo
from models.db import utcnow
from models.identity import Account, Company, CustomerGroup, CustomerRole, Membership, Team
from models.tickets import (
    ACTIVE,
    EventKind,
    RequestType,
    SLAPolicy,
    Ticket,
    TicketEvent,
    TicketStatus,
)

ADMIN = "admin@example.com"
CLERK = "clerk@example.com"
CUSTOMER = "jan.novak@example.com"
BATCH = 2_000
# Of every 10 requests: 1 new, 1 open, 1 waiting for the customer, 2 resolved, 5 closed.
STATUSES = (
    [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING]
    + [TicketStatus.RESOLVED] * 2
    + [TicketStatus.CLOSED] * 5
)


def pages(session) -> list[Page]:  # type: ignore[no-untyped-def]
    """The pages measured, on whatever data is there: the customer's company is the one of
    Jan's with the most requests, the request pages show its active request with the most
    events."""
    per_company = (
        select(Ticket.company_id, func.count().label("n"))
        .join(Membership, Membership.company_id == Ticket.company_id)
        .join(Account, Account.id == Membership.account_id)
        .where(Account.email == CUSTOMER)
        .group_by(Ticket.company_id)
        .order_by(func.count().desc(), Ticket.company_id)
        .limit(1)
    )
    company_id = session.execute(per_company).first()[0]
    slug = session.get(Company, company_id).slug
    events = (
        select(TicketEvent.ticket_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.company_id == company_id, Ticket.status.in_(ACTIVE))
        .group_by(TicketEvent.ticket_id)
        .order_by(func.count().desc(), TicketEvent.ticket_id)
        .limit(1)
    )
    ticket = session.scalar(events)
    active = session.scalar(select(func.count()).where(Ticket.status.in_(ACTIVE)))
    deep = max(1, active // 20 // 2)  # the middle of the active requests, at 20 a page
    return [
        Page(ADMIN, "queue: all", "/backoffice/requests?queue=all"),
        Page(ADMIN, f"queue page {deep}", f"/backoffice/requests?queue=all&page={deep}"),
        Page(ADMIN, "overview", "/backoffice/requests/overview"),
        Page(ADMIN, "staff request", f"/backoffice/requests/{ticket}"),
        Page(CLERK, "queue: my teams", "/backoffice/requests?queue=teams"),
        Page(CUSTOMER, "my requests", f"/c/{slug}/requests"),
        Page(CUSTOMER, "my requests: all", f"/c/{slug}/requests?status=all"),
        Page(CUSTOMER, "my request", f"/c/{slug}/requests/{ticket}"),
    ]


def fill(session, tickets: int, companies: int) -> None:  # type: ignore[no-untyped-def]
    """`companies` companies in the demo's groups, Jan the owner of every tenth, and
    `tickets` requests over the last year spread over them and the demo's teams, in the mix of
    STATUSES, each with its description and 0-3 follow-ups (replies and notes), in bulk."""
    rng = random.Random(2026)
    jan = session.scalars(select(Account).where(Account.email == CUSTOMER)).one()
    staff = session.scalars(select(Account).where(Account.staff_role.is_not(None))).all()
    groups = session.scalars(select(CustomerGroup.id).order_by(CustomerGroup.id)).all()
    teams = session.scalars(select(Team.id).order_by(Team.id)).all()
    types = session.scalars(select(RequestType).order_by(RequestType.id)).all()
    policy = session.scalars(select(SLAPolicy.id).order_by(SLAPolicy.id)).first()
    now = utcnow()
    session.execute(
        insert(Company),
        [
            {
                "slug": f"bench-company-{n}",
                "legal_name": f"Bench Company {n} s.r.o.",
                "billing_address": f"Street {n}\n811 01 Bratislava\nSlovakia",
                "country": "SK",
                "customer_group_id": groups[n % len(groups)],
                "created_at": now - dt.timedelta(days=800),
            }
            for n in range(companies)
        ],
    )
    company_ids = session.scalars(
        select(Company.id).where(Company.slug.like("bench-company-%")).order_by(Company.id)
    ).all()
    session.execute(
        insert(Membership),
        [
            {"account_id": jan.id, "company_id": company_id, "role": CustomerRole.OWNER}
            for company_id in company_ids[::10]
        ],
    )
    first = (session.scalar(select(func.max(Ticket.id))) or 0) + 1
    for start in range(0, tickets, BATCH):
        rows, events = [], []
        for n in range(start, min(start + BATCH, tickets)):
            status = STATUSES[n % len(STATUSES)]
            created = now - dt.timedelta(minutes=(tickets - n) * 50)
            kind = types[n % len(types)]
            responded = None if status == TicketStatus.NEW else created + dt.timedelta(hours=2)
            due = created + dt.timedelta(hours=8 if responded is None else 40)
            rows.append(
                {
                    "id": first + n,
                    "company_id": company_ids[n % len(company_ids)],
                    "request_type_id": kind.id,
                    "requested_by_id": jan.id,
                    "subject": f"Bench request {n}",
                    "details": "{}",
                    "priority": kind.default_priority,
                    "status": status,
                    "team_id": teams[n % len(teams)],
                    "assignee_id": staff[n % len(staff)].id if n % 3 else None,
                    "sla_policy_id": policy,
                    "created_at": created,
                    "last_activity_at": created + dt.timedelta(hours=3),
                    "first_response_due_at": created + dt.timedelta(hours=8),
                    "resolution_due_at": created + dt.timedelta(hours=40),
                    "due_at": due if status in ACTIVE else None,
                    "risk_at": due - dt.timedelta(hours=2) if status in ACTIVE else None,
                    "paused_at": created if status == TicketStatus.WAITING else None,
                    "paused_seconds": 0,
                    "first_responded_at": responded,
                    "resolved_at": created + dt.timedelta(hours=6)
                    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
                    else None,
                }
            )
            events.append(_event(first + n, rows[-1], EventKind.CREATED, jan.id, created))
            for k in range(0 if status == TicketStatus.NEW else rng.randint(0, 3)):
                author = staff[(n + k) % len(staff)].id if k % 2 == 0 else jan.id
                note = k == 2
                events.append(
                    _event(
                        first + n,
                        rows[-1],
                        EventKind.NOTE if note else EventKind.REPLY,
                        author,
                        created + dt.timedelta(hours=1 + k),
                        public=not note,
                    )
                )
        session.execute(insert(Ticket), rows)
        session.execute(insert(TicketEvent), events)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":  # as autovacuum would, in time
        session.execute(text("ANALYZE tickets, ticket_events, companies, memberships"))
        session.commit()


def _event(  # type: ignore[no-untyped-def]
    ticket_id: int, row, kind: EventKind, actor_id: int, at: dt.datetime, public: bool = True
) -> dict[str, object]:
    return {
        "ticket_id": ticket_id,
        "company_id": row["company_id"],
        "kind": kind,
        "public": public,
        "actor_id": actor_id,
        "body": f"{kind.value} of bench request {ticket_id}: " + "text " * 40,
        "created_at": at,
    }


def main(argv: list[str] | None = None) -> None:
    from bench.common import fresh_app

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=5, help="wrk's time per page")
    parser.add_argument("--no-compare", action="store_true", help="in process only")
    args = parser.parse_args(argv)
    app, db, label = fresh_app("tickets")
    print(f"\n== requests ({label})")
    # Requests are counted outside the app context: inside it they would share its session,
    # which already holds the signed-in login, and leave out the statement that loads it.
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
        on_the_demo = pages(db.session)
    small = statement_counts(app, on_the_demo)
    with app.app_context():
        fill(db.session, args.tickets, args.companies)
        shown = pages(db.session)
        url = db.engine.url.render_as_string(hide_password=False)
        followups = db.session.scalar(
            select(func.count()).where(TicketEvent.kind != EventKind.CREATED)
        )
    large = statement_counts(app, shown)
    print(
        f"{args.tickets:,} requests with {followups:,} events after the first, across "
        f"{args.companies:,} companies"
    )
    print(f"{'page':>18} {'median ms':>10} {'p95 ms':>8} {'SQL':>4} {'SQL on the demo':>16}")
    for result, few, many in zip(measure(app, shown), small.values(), large.values(), strict=True):
        print(
            f"{result.page.name:>18} {result.median:>10.1f} {result.p95:>8.1f} {many:>4} {few:>16}"
        )
    if not args.no_compare:
        compare(url, shown, args.seconds)


if __name__ == "__main__":
    main()
