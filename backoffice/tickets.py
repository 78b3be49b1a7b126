"""Requests in the back office: the queues (mine, my teams, unassigned, at risk, breached, all)
sorted by the running SLA clock, with their counts; a request's page with the customer's
company beside it, where staff reply, write internal notes, assign, and change status,
priority and SLA. Staff see the requests of their teams (or assigned to them) unless their
role sees all; acting on another team's request is refused (403, audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import MultipleFileField
from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from backoffice import blueprint
from backoffice.company_view import Pending, PendingItem, company_panel, company_pending
from core.extensions import db
from core.forms import Form, SelectField, on_submit, options
from core.navigation import menu_item
from core.pagination import contains, paginate_keys, plain_id, requested_page
from core.permissions import can, requires
from core.request_cache import per_request
from core.scope import of_visible_companies, staff_get
from core.security import deny
from core.storage import send_stored
from core.tickets import attachments
from models.db import utcnow
from models.files import StoredFile
from models.identity import Account, Company, Team, team_members
from models.tickets import (
    ACTIVE,
    PRIORITY_LABELS,
    STAFF_STATUS_LABELS,
    STAFF_STATUSES,
    BusinessCalendar,
    Priority,
    RequestType,
    SLAPolicy,
    Ticket,
    TicketEvent,
    TicketStatus,
    add_note,
    assign,
    change_priority,
    change_sla,
    change_status,
    sla_policies,
    staff_reply,
)
from models.tickets.timeline import MAX_BODY

QUEUES = {
    "mine": _l("Mine"),
    "teams": _l("My teams"),
    "unassigned": _l("Unassigned"),
    "at_risk": _l("At risk"),
    "breached": _l("Breached"),
    "all": _l("All"),
}
SORTS = {"due": _l("Due first"), "newest": _l("Newest first"), "activity": _l("Last activity")}
COMPANY_TICKETS = 10

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


class ReplyForm(Form):
    body = TextAreaField(
        _l("Reply to the customer"),
        validators=[InputRequired(), Length(max=MAX_BODY)],
        render_kw={"rows": 5, "maxlength": MAX_BODY},
    )
    files = MultipleFileField(_l("Attachments (optional)"))
    then = SelectField(
        _l("Then"),
        choices=options(
            [
                ("", _l("Keep the status")),
                (TicketStatus.WAITING.value, _l("Wait for the customer")),
                (TicketStatus.RESOLVED.value, _l("Mark as resolved")),
            ]
        ),
    )


class NoteForm(Form):
    body = TextAreaField(
        _l("Internal note (never shown to the customer)"),
        validators=[InputRequired(), Length(max=MAX_BODY)],
        render_kw={"rows": 3, "maxlength": MAX_BODY},
    )
    files = MultipleFileField(_l("Attachments (optional)"))


class AssignForm(Form):
    team = SelectField(_l("Team"), validators=[InputRequired()])
    assignee = SelectField(_l("Assignee"))


class StatusForm(Form):
    status = SelectField(
        _l("Status"),
        validators=[InputRequired()],
        choices=options((s.value, STAFF_STATUS_LABELS[s]) for s in STAFF_STATUSES),
    )


class PriorityForm(Form):
    priority = SelectField(
        _l("Priority"),
        validators=[InputRequired()],
        choices=options((p.value, PRIORITY_LABELS[p]) for p in Priority),
    )


class SLAForm(Form):
    policy = SelectField(_l("Service level"))


def _ticket(ticket_id: int) -> Ticket:
    """The ticket, if its company is one the staff member may see (else 404, audited) and
    it is theirs to work (else 403, audited)."""
    ticket = staff_get(
        Ticket,
        ticket_id,
        options=[
            joinedload(Ticket.company).joinedload(Company.customer_group),
            joinedload(Ticket.request_type),
            joinedload(Ticket.team),
            joinedload(Ticket.assignee),
            joinedload(Ticket.requested_by),
            joinedload(Ticket.supply_point),
            joinedload(Ticket.follows),
            joinedload(Ticket.sla_policy).selectinload(SLAPolicy.targets),
            joinedload(Ticket.sla_policy)
            .joinedload(SLAPolicy.calendar)
            .selectinload(BusinessCalendar.holidays),
        ],
    )
    if not can("requests.view_all") and not _is_mine(ticket):
        deny(403, ticket=ticket.id)
    return ticket


def _is_mine(ticket: Ticket) -> bool:
    return ticket.assignee_id == current_user.id or ticket.team_id in {
        t.id for t in current_user.teams
    }


def _teams() -> list[Team]:
    return list(
        db.session.scalars(select(Team).order_by(Team.name).options(selectinload(Team.members)))
    )


def _policy_choices(policies: Sequence[Any]) -> list[SelectChoice]:
    """The SLA select's choices from policies (or rows) with an id and a name."""
    return options([("", _("None")), *((p.id, p.name) for p in policies)])


def _forms(ticket: Ticket, given: Mapping[str, Form]) -> dict[str, Form]:
    forms: dict[str, Form] = {
        "reply_form": ReplyForm(formdata=None),
        "note_form": NoteForm(formdata=None, prefix="note"),
        "assign_form": AssignForm(
            formdata=None, team=ticket.team_id, assignee=ticket.assignee_id or ""
        ),
        "status_form": StatusForm(formdata=None, status=ticket.status.value),
        "priority_form": PriorityForm(formdata=None, priority=ticket.priority.value),
        "sla_form": SLAForm(formdata=None, policy=ticket.sla_policy_id or ""),
        **given,
    }
    _choices(forms["assign_form"], forms["sla_form"], _teams())
    return forms


def _choices(assign_form: Any, sla_form: Any, teams: list[Team]) -> None:
    """The choices of the team, assignee and SLA selects: every team, every active member
    of one (the operation checks the assignee is of the chosen team), every policy."""
    assign_form.team.choices = options((t.id, t.name) for t in teams)
    people = sorted(
        {m.id: m for t in teams for m in t.members if m.is_usable}.values(),
        key=lambda p: p.full_name,
    )
    assign_form.assignee.choices = options(
        [("", _("Nobody yet")), *((p.id, p.full_name) for p in people)]
    )
    named = db.session.execute(select(SLAPolicy.id, SLAPolicy.name).order_by(SLAPolicy.name))
    sla_form.policy.choices = _policy_choices(named.all())


def _page(ticket: Ticket, status: int = 200, **given: Form) -> tuple[str, int]:
    events = db.session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id)
        .options(joinedload(TicketEvent.actor), selectinload(TicketEvent.files))
    ).unique()
    others = db.session.scalars(
        select(Ticket)
        .where(Ticket.company_id == ticket.company_id, Ticket.id != ticket.id, visible_tickets())
        .order_by(Ticket.status.in_(ACTIVE).desc(), Ticket.id.desc())
        .limit(COMPANY_TICKETS)
        .options(joinedload(Ticket.request_type))
    ).all()
    page = render_template(
        "backoffice/tickets/detail.html",
        ticket=ticket,
        events=list(events),
        others=others,
        **_forms(ticket, given),
    )
    return page, status


@blueprint.route("/requests/<int:ticket_id>", endpoint="ticket")
@requires("requests.work")
def ticket_detail(ticket_id: int) -> tuple[str, int]:
    return _page(_ticket(ticket_id))


def _done(ticket: Ticket, message: str) -> Callable[[], Response]:
    def done() -> Response:
        flash(message, "success")
        return redirect(url_for("backoffice.ticket", ticket_id=ticket.id))

    return done


def _me() -> Account:
    return current_user._get_current_object()


@blueprint.route("/requests/<int:ticket_id>/reply", methods=["POST"])
@requires("requests.work")
def ticket_reply(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), ReplyForm()
    return on_submit(
        form,
        lambda: staff_reply(
            db.session,
            actor=_me(),
            ticket=ticket,
            body=form.body.data,
            files=attachments(),
            then=TicketStatus(form.then.data) if form.then.data else None,
        ),
        _done(ticket, _("The reply is sent; the customer is told.")),
    ) or _page(ticket, 422, reply_form=form)


@blueprint.route("/requests/<int:ticket_id>/note", methods=["POST"])
@requires("requests.work")
def ticket_note(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), NoteForm(prefix="note")
    return on_submit(
        form,
        lambda: add_note(
            db.session,
            actor=_me(),
            ticket=ticket,
            body=form.body.data,
            files=attachments(form.files.name),
        ),
        _done(ticket, _("The note is added.")),
    ) or _page(ticket, 422, note_form=form)


@blueprint.route("/requests/<int:ticket_id>/assign", methods=["POST"])
@requires("requests.work")
def ticket_assign(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), AssignForm()
    teams = _teams()
    _choices(form, SLAForm(formdata=None), teams)
    people = {str(m.id): m for t in teams for m in t.members}
    return on_submit(
        form,
        lambda: assign(
            db.session,
            actor=_me(),
            ticket=ticket,
            team=next(t for t in teams if str(t.id) == form.team.data),
            assignee=people.get(form.assignee.data or ""),
        ),
        _done(ticket, _("The assignment is saved.")),
    ) or _page(ticket, 422, assign_form=form)


@blueprint.route("/requests/<int:ticket_id>/status", methods=["POST"])
@requires("requests.work")
def ticket_status(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), StatusForm()
    return on_submit(
        form,
        lambda: change_status(
            db.session, actor=_me(), ticket=ticket, status=TicketStatus(form.status.data)
        ),
        _done(ticket, _("The status is changed; the customer is told.")),
    ) or _page(ticket, 422, status_form=form)


@blueprint.route("/requests/<int:ticket_id>/priority", methods=["POST"])
@requires("requests.work")
def ticket_priority(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), PriorityForm()
    return on_submit(
        form,
        lambda: change_priority(
            db.session, actor=_me(), ticket=ticket, priority=Priority(form.priority.data)
        ),
        _done(ticket, _("The priority is changed; the due times follow it.")),
    ) or _page(ticket, 422, priority_form=form)


@blueprint.route("/requests/<int:ticket_id>/sla", methods=["POST"])
@requires("requests.work")
def ticket_sla(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), SLAForm()
    policies = sla_policies(db.session)
    form.policy.choices = _policy_choices(policies)
    return on_submit(
        form,
        lambda: change_sla(
            db.session,
            actor=_me(),
            ticket=ticket,
            policy=next((p for p in policies if str(p.id) == form.policy.data), None),
        ),
        _done(ticket, _("The service level is changed; the due times follow it.")),
    ) or _page(ticket, 422, sla_form=form)


@blueprint.route("/requests/<int:ticket_id>/files/<int:file_id>")
@requires("requests.work")
def ticket_attachment(ticket_id: int, file_id: int) -> Response:
    ticket = _ticket(ticket_id)
    stored = db.session.scalar(
        select(StoredFile)
        .join_from(TicketEvent, StoredFile, TicketEvent.files)
        .where(TicketEvent.ticket_id == ticket.id, StoredFile.id == file_id)
    )
    if stored is None:
        deny(404, requested=f"stored_files:{file_id}")
    return send_stored(stored)


def _company_tickets(session: Session, company: Company) -> tuple[list[Ticket], int]:
    """The company's latest requests the staff member may see, those waiting for the provider
    first (by due time), then the other active ones, then the newest; and how many wait. One
    statement, asked once a request: the panel and "Waiting" both show them."""
    waits = Ticket.status.in_((TicketStatus.NEW, TicketStatus.OPEN))

    def load() -> tuple[list[Ticket], int]:
        rank = case((waits, 0), (Ticket.status.in_(ACTIVE), 1), else_=2)
        rows = session.execute(
            select(Ticket, func.count().filter(waits).over())
            .where(Ticket.company_id == company.id, visible_tickets())
            .order_by(rank, Ticket.due_at.is_(None), Ticket.due_at, Ticket.id.desc())
            .limit(COMPANY_TICKETS)
            .options(joinedload(Ticket.request_type), joinedload(Ticket.team))
        ).all()
        return [row[0] for row in rows], rows[0][1] if rows else 0

    return per_request("company_tickets", company.id, load)


@company_panel("tickets", permission="requests.work", order=12, wide=True)
def company_tickets_panel(session: Session, company: Company, today: dt.date) -> Mapping[str, Any]:
    return {"tickets": _company_tickets(session, company)[0]}


@company_pending("tickets", permission="requests.work", order=3)
def tickets_waiting(session: Session, company: Company, today: dt.date) -> Pending | None:
    """The company's requests that wait for the provider (new or open), soonest due first."""
    shown, waiting = _company_tickets(session, company)
    if not waiting:
        return None
    return Pending(
        title=_("Requests waiting for an answer"),
        items=[
            PendingItem(
                text=f"{t.reference} {t.subject}",
                since=t.created_at,
                url=url_for("backoffice.ticket", ticket_id=t.id),
            )
            for t in shown
            if t.status in (TicketStatus.NEW, TicketStatus.OPEN)
        ],
        total=waiting,
        url=url_for(
            "backoffice.tickets", queue="all", q=company.customer_number or company.legal_name
        ),
    )
