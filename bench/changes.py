"""The clerk's change-request queue and a request's diff page at 10,000 requests across 1,000
companies: SQL statements per page (on the demo, then at that size: they must not grow) and
server time in process, then, with wrk installed, each page against the bare-Flask ceiling
(../shared/bench/compare.py, the ratio portal / bare from one run).

    .venv/bin/python -m bench.changes [--requests 10000] [--companies 1000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import datetime as dt

from sqlalchemy import func, insert, select, text

from bench.pages import compare
from bench.scale import Page, measure, statement_counts
from demo import load_demo
from models.changes import ChangedField, ChangeKind, ChangeRequest, ChangeStatus
from models.db import utcnow
from models.identity import Account, Company, CustomerGroup

CLERK = "clerk@example.com"
BATCH = 2_000


def pages(session) -> list[Page]:  # type: ignore[no-untyped-def]
    """The queue (first page, a deep page, filtered by company name and by team) and the
    diff of the oldest pending request, of a four-eyes one and of one with a conflict."""
    pending = select(ChangeRequest.id).where(ChangeRequest.status == ChangeStatus.PENDING)
    oldest = session.scalar(pending.order_by(ChangeRequest.id).limit(1))
    four_eyes = session.scalar(
        pending.where(ChangeRequest.four_eyes.is_(True)).order_by(ChangeRequest.id).limit(1)
    )
    team = session.scalar(select(CustomerGroup.responsible_team_id).limit(1))
    total = session.scalar(select(func.count()).select_from(pending.subquery()))
    deep = max(1, total // 20 // 2)  # the middle of the queue, at 20 a page
    return [
        Page(CLERK, "queue", "/backoffice/changes"),
        Page(CLERK, f"queue page {deep}", f"/backoffice/changes?page={deep}"),
        Page(CLERK, "queue: company", "/backoffice/changes?q=bench+company+7"),
        Page(CLERK, "queue: team", f"/backoffice/changes?team={team}"),
        Page(CLERK, "diff", f"/backoffice/changes/{oldest}"),
        Page(CLERK, "diff: four eyes", f"/backoffice/changes/{four_eyes}"),
    ]


def fill(session, requests: int, companies: int) -> None:  # type: ignore[no-untyped-def]
    """`companies` companies in the demo's groups and `requests` pending requests spread over
    them (every tenth one for a bank account: four eyes), in bulk."""
    jan = session.scalars(select(Account).where(Account.email == "jan.novak@example.com")).one()
    groups = session.scalars(select(CustomerGroup.id).order_by(CustomerGroup.id)).all()
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
                "created_at": now,
            }
            for n in range(companies)
        ],
    )
    company_ids = session.scalars(
        select(Company.id).where(Company.slug.like("bench-company-%")).order_by(Company.id)
    ).all()
    first = (session.scalar(select(func.max(ChangeRequest.id))) or 0) + 1
    for start in range(0, requests, BATCH):
        rows = range(start, min(start + BATCH, requests))
        session.execute(
            insert(ChangeRequest),
            [
                {
                    "id": first + n,
                    "company_id": company_ids[n % len(company_ids)],
                    "kind": ChangeKind.COMPANY_DATA,
                    "requested_by_id": jan.id,
                    "requested_at": now - dt.timedelta(minutes=requests - n),
                    "status": ChangeStatus.PENDING,
                    "four_eyes": n % 10 == 0,
                }
                for n in rows
            ],
        )
        session.execute(
            insert(ChangedField),
            [
                {
                    "change_request_id": first + n,
                    "field": "bank_account" if n % 10 == 0 else "contact_person",
                    "old_value": None,
                    "new_value": "SK24 1100 0000 0026 1234 5678" if n % 10 == 0 else f"P{n}",
                }
                for n in rows
            ],
        )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":  # as autovacuum would, in time
        session.execute(text("ANALYZE change_requests, changed_fields, companies"))
        session.commit()


def main(argv: list[str] | None = None) -> None:
    from bench.common import fresh_app

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=1_000)
    parser.add_argument("--seconds", type=int, default=5, help="wrk's time per page")
    parser.add_argument("--no-compare", action="store_true", help="in process only")
    args = parser.parse_args(argv)
    app, db, label = fresh_app("changes")
    print(f"\n== change requests ({label})")
    # Requests are counted outside the app context: inside it they would share its session,
    # which already holds the signed-in login, and leave out the statement that loads it.
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
        on_the_demo = pages(db.session)
    small = statement_counts(app, on_the_demo)
    with app.app_context():
        fill(db.session, args.requests, args.companies)
        shown = pages(db.session)
        url = db.engine.url.render_as_string(hide_password=False)
    large = statement_counts(app, shown)
    print(f"{args.requests:,} pending requests across {args.companies:,} companies")
    print(f"{'page':>18} {'median ms':>10} {'p95 ms':>8} {'SQL':>4} {'SQL on the demo':>16}")
    for result, few, many in zip(measure(app, shown), small.values(), large.values(), strict=True):
        print(
            f"{result.page.name:>18} {result.median:>10.1f} {result.p95:>8.1f} {many:>4} {few:>16}"
        )
    if not args.no_compare:
        compare(url, shown, args.seconds)


if __name__ == "__main__":
    main()
