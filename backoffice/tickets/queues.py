"""The request queues of the back office: mine, my teams, unassigned, at risk, breached and
all, sorted by the running SLA clock, with their counts in one statement, and the queues by
team. Staff see the requests of their teams (or assigned to them) unless their role sees all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from backoffice import blueprint
from core.extensions import db
from core.navigation import menu_item
from core.pagination import contains, paginate_keys, plain_id, requested_page
from core.permissions import can, requires
from core.scope import of_visible_companies
from models.db import utcnow
from models.identity import Company, Team, team_members
from models.tickets import (
    ACTIVE,
    PRIORITY_LABELS,
    STAFF_STATUS_LABELS,
    Priority,
    RequestType,
    Ticket,
    TicketStatus,
)

QUEUES = {
    "mine": _l("Mine"),
    "teams": _l("My teams"),
    "unassigned": _l("Unassigned"),
    "at_risk": _l("At risk"),
    "breached": _l("Breached"),
    "all": _l("All"),
}
SORTS = {"due": _l("Due first"), "newest": _l("Newest first"), "activity": _l("Last activity")}

menu_item("backoffice", "backoffice.tickets", _l("Requests"), permission="requests.work", order=20)


def _my_teams() -> Any:
    return select(team_members.c.team_id).where(team_members.c.account_id == current_user.id)


def visible_tickets() -> ColumnElement[bool]:
    """The tickets the signed-in staff member may see: of their teams or assigned to them,
    or with `requests.view_all` every ticket of the companies they may see."""
    if can("requests.view_all"):
        return of_visible_companies(Ticket.company_id)
    return or_(Ticket.team_id.in_(_my_teams()), Ticket.assignee_id == current_user.id)


def _running(now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        Ticket.status.in_((TicketStatus.NEW, TicketStatus.OPEN)), Ticket.paused_at.is_(None)
    )


def _at_risk(now: dt.datetime) -> ColumnElement[bool]:
    return and_(_running(now), Ticket.risk_at <= now, Ticket.due_at > now)


def _breached(now: dt.datetime) -> ColumnElement[bool]:
    """Active tickets whose running clock is past due, or whose breach was recorded."""
    return and_(
        Ticket.status.in_(ACTIVE),
        or_(
            and_(_running(now), Ticket.due_at <= now),
            and_(
                Ticket.first_responded_at.is_(None),
                Ticket.first_response_breached_at.is_not(None),
            ),
            and_(
                Ticket.first_responded_at.is_not(None),
                Ticket.resolution_breached_at.is_not(None),
            ),
        ),
    )


def queue_condition(queue: str, now: dt.datetime) -> ColumnElement[bool]:
    active = Ticket.status.in_(ACTIVE)
    if queue == "mine":
        return and_(active, Ticket.assignee_id == current_user.id)
    if queue == "teams":
        return and_(active, Ticket.team_id.in_(_my_teams()))
    if queue == "unassigned":
        return and_(active, Ticket.assignee_id.is_(None))
    if queue == "at_risk":
        return _at_risk(now)
    if queue == "breached":
        return _breached(now)
    return true()


def queue_counts(session: Session, now: dt.datetime) -> dict[str, int]:
    """How many tickets each queue holds (all: the active ones), in one statement."""
    counted = [
        func.count().filter(queue_condition(queue, now)) if queue != "all" else func.count()
        for queue in QUEUES
    ]
    row = session.execute(
        select(*counted).where(visible_tickets(), Ticket.status.in_(ACTIVE))
    ).one()
    return dict(zip(QUEUES, row, strict=True))


@blueprint.route("/requests")
@requires("requests.work")
def tickets() -> str:
    now = utcnow()
    queue = request.args.get("queue", "")
    if queue not in QUEUES:
        queue = "all" if can("requests.view_all") else "teams"
    sort = request.args.get("sort", "due")
    sort = sort if sort in SORTS else "due"
    status = request.args.get("status", "")
    status = status if status in TicketStatus.__members__.values() else ""
    priority = request.args.get("priority", "")
    priority = priority if priority in Priority.__members__.values() else ""
    type_id = plain_id(request.args.get("type", ""))
    team_id = plain_id(request.args.get("team", ""))
    query = request.args.get("q", "").strip()[:80]
    keys = select(Ticket.id).where(visible_tickets(), queue_condition(queue, now))
    if status:
        keys = keys.where(Ticket.status == TicketStatus(status))
    elif queue == "all":
        keys = keys.where(Ticket.status.in_(ACTIVE))
    if priority:
        keys = keys.where(Ticket.priority == Priority(priority))
    if type_id is not None:
        keys = keys.where(Ticket.request_type_id == type_id)
    if team_id is not None:
        keys = keys.where(Ticket.team_id == team_id)
    if query:
        number = plain_id(query.removeprefix("#"))
        named = select(Company.id).where(
            or_(contains(Company.legal_name, query), Company.customer_number == query)
        )
        keys = keys.where(
            or_(
                Ticket.id == number if number is not None else false(),
                contains(Ticket.subject, query),
                Ticket.company_id.in_(named),
            )
        )
    if sort == "due":
        keys = keys.order_by(Ticket.due_at.is_(None), Ticket.due_at, Ticket.id)
    elif sort == "activity":
        keys = keys.order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
    else:
        keys = keys.order_by(Ticket.id.desc())
    page = paginate_keys(
        db.session,
        keys,
        _queue_rows,
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
        count_ahead=current_app.config["COUNT_AHEAD"],
    )
    return render_template(
        "backoffice/tickets/index.html",
        page=page,
        queues=QUEUES,
        queue=queue,
        counts=queue_counts(db.session, now),
        sorts=SORTS,
        sort=sort,
        statuses=STAFF_STATUS_LABELS,
        status=status,
        priorities=PRIORITY_LABELS,
        priority=priority,
        types=db.session.scalars(select(RequestType).order_by(RequestType.position)).all(),
        type_id=type_id,
        teams=db.session.scalars(select(Team).order_by(Team.name)).all(),
        team_id=team_id,
        query=query,
        now=now,
        filters={
            "queue": queue,
            "sort": sort,
            "status": status,
            "priority": priority,
            "type": type_id or "",
            "team": team_id or "",
            "q": query,
        },
    )


def _queue_rows(ids: list[int]) -> list[Ticket]:
    order = {ticket_id: n for n, ticket_id in enumerate(ids)}
    rows = db.session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(ids))
        .options(
            joinedload(Ticket.company),
            joinedload(Ticket.request_type),
            joinedload(Ticket.team),
            joinedload(Ticket.assignee),
        )
    ).all()
    return sorted(rows, key=lambda t: order[t.id])


@blueprint.route("/requests/overview")
@requires("requests.work")
def tickets_overview() -> str:
    """Per team: its active requests, new, waiting, unassigned, at risk and breached; one
    statement."""
    now = utcnow()
    stmt = (
        select(
            Ticket.team_id,
            func.count(),
            func.count().filter(Ticket.status == TicketStatus.NEW),
            func.count().filter(Ticket.status == TicketStatus.WAITING),
            func.count().filter(Ticket.assignee_id.is_(None)),
            func.count().filter(_at_risk(now)),
            func.count().filter(_breached(now)),
            func.min(Ticket.due_at),
        )
        .where(visible_tickets(), Ticket.status.in_(ACTIVE))
        .group_by(Ticket.team_id)
    )
    rows = {row[0]: row[1:] for row in db.session.execute(stmt)}
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.id.in_(rows.keys())))}
    lines = sorted(
        ((teams.get(team_id), figures) for team_id, figures in rows.items()),
        key=lambda line: line[0].name if line[0] else "",
    )
    return render_template(
        "backoffice/tickets/overview.html",
        lines=lines,
        counts=queue_counts(db.session, now),
        queues=QUEUES,
    )
