"""A request's page in the back office, with the customer's company beside it: staff reply,
write internal notes, assign, and change status, priority and SLA. Acting on another team's
request is refused (403, audited) unless the role sees all."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from backoffice import blueprint
from backoffice.tickets.queues import visible_tickets
from core.extensions import db
from core.forms import Form, SelectField, on_submit, options
from core.permissions import can, requires
from core.scope import staff_get
from core.security import deny
from core.storage import send_stored
from core.tickets import assignable, attachments, teams_with_members
from models.files import StoredFile
from models.identity import Account, Company, Team
from models.tickets import (
    ACTIVE,
    PRIORITY_LABELS,
    STAFF_STATUS_LABELS,
    STAFF_STATUSES,
    BusinessCalendar,
    Priority,
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

COMPANY_TICKETS = 10


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
    _assign_choices(forms["assign_form"], teams_with_members())
    named = db.session.execute(select(SLAPolicy.id, SLAPolicy.name).order_by(SLAPolicy.name))
    sla_form: Any = forms["sla_form"]
    sla_form.policy.choices = _policy_choices(named.all())
    return forms


def _assign_choices(form: Any, teams: list[Team]) -> None:
    """Every team, and every active member of one, as the assignment form's choices."""
    form.team.choices = options((t.id, t.name) for t in teams)
    form.assignee.choices = options(
        [("", _("Nobody yet")), *((p.id, p.full_name) for p in assignable(teams))]
    )


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
    teams = teams_with_members()
    _assign_choices(form, teams)
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
