"""Requests and service tickets in the portal: the company's requests with their status (they
belong to the company: every login with the permission sees them), filing one from its
type's form, and a request's page: its public timeline, who handles it, what the SLA
promises, a reply with attachments, and confirming, reopening and rating a resolution."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.wrappers import Response

from core.badges import Badge, badge_provider
from core.cards import Card, overview_card
from core.extensions import db
from core.forms import Form, act, on_submit, refusals
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import paginate, plain_id, requested_page
from core.permissions import requires
from core.scope import current_scope
from core.storage import send_stored
from core.tickets import attachments
from models.files import StoredFile
from models.identity import Account
from models.supply import SupplyPoint
from models.tickets import (
    ACTIVE,
    RequestType,
    Ticket,
    TicketEvent,
    TicketStatus,
    active_types,
    confirm_resolution,
    customer_reply,
    open_ticket,
    rate_ticket,
    reopen_ticket,
)
from portal.company import blueprint
from portal.request_forms import RatingForm, ReopenForm, ReplyForm, request_form

menu_item("company", "company.requests", _l("Requests"), permission="requests.view", order=40)

# What the list's status filter offers: the active requests, the resolved, the closed, all.
STATUS_FILTERS: dict[str, tuple[TicketStatus, ...]] = {
    "active": ACTIVE,
    "resolved": (TicketStatus.RESOLVED,),
    "closed": (TicketStatus.CLOSED,),
    "all": tuple(TicketStatus),
}
FILTER_LABELS = {
    "active": _l("Open"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "all": _l("All"),
}


@blueprint.route("/requests")
@requires("requests.view")
def requests() -> str:
    scope = current_scope()
    shown = request.args.get("status", "active")
    shown = shown if shown in STATUS_FILTERS else "active"
    type_id = plain_id(request.args.get("type", ""))
    stmt = (
        scope.select(Ticket)
        .where(Ticket.status.in_(STATUS_FILTERS[shown]))
        .options(joinedload(Ticket.request_type), joinedload(Ticket.team))
        .order_by(Ticket.id.desc())
    )
    if type_id is not None:
        stmt = stmt.where(Ticket.request_type_id == type_id)
    page = paginate(db.session, stmt, number=requested_page(), size=25)
    return render_template(
        "portal/requests/index.html",
        scope=scope,
        page=page,
        shown=shown,
        filters=FILTER_LABELS,
        types=db.session.scalars(select(RequestType).order_by(RequestType.position)).all(),
        type_id=type_id,
    )


def _follows() -> Ticket | None:
    """The closed request a new one follows up (?follows=<id>), of this company only."""
    follows_id = plain_id(request.values.get("follows", ""))
    if follows_id is None:
        return None
    return db.session.scalar(current_scope().select(Ticket).where(Ticket.id == follows_id))


@blueprint.route("/requests/new")
@requires("requests.create")
def request_new() -> str:
    return render_template(
        "portal/requests/types.html",
        scope=current_scope(),
        types=active_types(db.session),
        follows=_follows(),
    )


def _active_type(code: str) -> RequestType:
    found = db.session.scalar(
        select(RequestType).where(RequestType.code == code, RequestType.active.is_(True))
    )
    if found is None:
        abort(404)
    return found


def _me() -> Account:
    return current_user._get_current_object()


@blueprint.route("/requests/new/<code>", methods=["GET", "POST"])
@requires("requests.create")
def request_file(code: str) -> Response | tuple[str, int]:
    scope = current_scope()
    request_type = _active_type(code)
    points = list(db.session.scalars(scope.select(SupplyPoint).order_by(SupplyPoint.code)))
    form = request_form(request_type, points)
    follows = _follows()
    if request.method == "POST" and form.validate():
        with refusals(form):
            ticket = open_ticket(
                db.session,
                actor=_me(),
                company=scope.company,
                request_type=request_type,
                subject=form.subject.data,
                description=form.description.data,
                values=form.values(),
                today=local_today(),
                files=attachments(),
                follows=follows,
            )
            flash(
                _(
                    "Your request %(ref)s is filed. We will e-mail you when there is news.",
                    ref=ticket.reference,
                ),
                "success",
            )
            return redirect(url_for("company.request", ticket_id=ticket.id))
    page = render_template(
        "portal/requests/form.html",
        scope=scope,
        form=form,
        request_type=request_type,
        follows=follows,
    )
    return page, 422 if request.method == "POST" else 200


def _ticket(ticket_id: int) -> Ticket:
    return current_scope().get(
        Ticket,
        options=(
            joinedload(Ticket.request_type),
            joinedload(Ticket.team),
            joinedload(Ticket.supply_point),
            joinedload(Ticket.follows),
        ),
        id=ticket_id,
    )


def _page(ticket: Ticket, status: int = 200, **forms: Form) -> tuple[str, int]:
    events = db.session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.public.is_(True))
        .order_by(TicketEvent.id)
        .options(joinedload(TicketEvent.actor), selectinload(TicketEvent.files))
    ).unique()
    forms.setdefault("reply_form", ReplyForm(formdata=None))
    forms.setdefault("reopen_form", ReopenForm(formdata=None, prefix="reopen"))
    forms.setdefault("rating_form", RatingForm(formdata=None))
    page = render_template(
        "portal/requests/detail.html",
        scope=current_scope(),
        ticket=ticket,
        events=list(events),
        follow_ups=db.session.scalars(
            current_scope().select(Ticket).where(Ticket.follows_id == ticket.id)
        ).all(),
        **forms,
    )
    return page, status


@blueprint.route("/requests/<int:ticket_id>", endpoint="request")
@requires("requests.view")
def request_detail(ticket_id: int) -> tuple[str, int]:
    return _page(_ticket(ticket_id))


def _back(ticket: Ticket, message: str, anchor: str | None = None) -> Callable[[], Response]:
    def back() -> Response:
        flash(message, "success")
        return redirect(url_for("company.request", ticket_id=ticket.id, _anchor=anchor))

    return back


@blueprint.route("/requests/<int:ticket_id>/reply", methods=["POST"])
@requires("requests.create")
def request_reply(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), ReplyForm()
    return on_submit(
        form,
        lambda: customer_reply(
            db.session, actor=_me(), ticket=ticket, body=form.body.data, files=attachments()
        ),
        _back(ticket, _("Your reply is sent."), "latest"),
    ) or _page(ticket, 422, reply_form=form)


@blueprint.route("/requests/<int:ticket_id>/confirm", methods=["POST"])
@requires("requests.create")
def request_confirm(ticket_id: int) -> Response:
    ticket = _ticket(ticket_id)
    act(
        lambda: confirm_resolution(db.session, actor=_me(), ticket=ticket),
        lambda: _("Thank you: the request %(ref)s is closed.", ref=ticket.reference),
    )
    return redirect(url_for("company.request", ticket_id=ticket.id, _anchor="rating"))


@blueprint.route("/requests/<int:ticket_id>/reopen", methods=["POST"])
@requires("requests.create")
def request_reopen(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), ReopenForm(prefix="reopen")
    return on_submit(
        form,
        lambda: reopen_ticket(db.session, actor=_me(), ticket=ticket, body=form.body.data),
        _back(ticket, _("The request %(ref)s is open again.", ref=ticket.reference)),
    ) or _page(ticket, 422, reopen_form=form)


@blueprint.route("/requests/<int:ticket_id>/rating", methods=["POST"])
@requires("requests.create")
def request_rate(ticket_id: int) -> Response | tuple[str, int]:
    ticket, form = _ticket(ticket_id), RatingForm()
    return on_submit(
        form,
        lambda: rate_ticket(
            db.session,
            actor=_me(),
            ticket=ticket,
            satisfied=form.satisfied.data == "yes",
            comment=form.comment.data or "",
        ),
        _back(ticket, _("Thank you for your rating.")),
    ) or _page(ticket, 422, rating_form=form)


@blueprint.route("/requests/<int:ticket_id>/files/<int:file_id>")
@requires("requests.view")
def request_attachment(ticket_id: int, file_id: int) -> Response:
    """An attachment of a public event of the request (never of an internal note)."""
    stored = current_scope().stored_file(
        TicketEvent.files,
        TicketEvent.ticket_id == ticket_id,
        TicketEvent.public.is_(True),
        StoredFile.id == file_id,
    )
    return send_stored(stored)


def _open_text(count: int, waiting: int = 0) -> str:
    if waiting:
        return ngettext(
            "%(num)d open request, %(waiting)d of them waiting for your reply",
            "%(num)d open requests, %(waiting)d of them waiting for your reply",
            count,
            waiting=waiting,
        )
    return ngettext("%(num)d open request", "%(num)d open requests", count)


def open_counts(session: Session, company_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per company: its active requests, and how many of them wait for the customer."""
    waiting = func.count().filter(Ticket.status == TicketStatus.WAITING)
    rows = session.execute(
        select(Ticket.company_id, func.count(), waiting)
        .where(Ticket.company_id.in_(company_ids), Ticket.status.in_(ACTIVE))
        .group_by(Ticket.company_id)
    )
    return {company_id: (count, waits) for company_id, count, waits in rows}


@badge_provider("requests_open", permission="requests.view", order=25, summary=_open_text)
def requests_open(session: Session, company_ids: list[int]) -> dict[int, Badge]:
    return {
        company_id: Badge(
            short=ngettext("open requests: %(num)d", "open requests: %(num)d", count),
            label=_open_text(count, waiting),
            count=count,
            icon="icon-request",
            tone="attention" if waiting else "info",
            endpoint="company.requests",
            urgent=waiting,
        )
        for company_id, (count, waiting) in open_counts(session, company_ids).items()
    }


@overview_card("requests", permission="requests.view", order=45)
def requests_card(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Card]:
    """The company's active requests, those waiting for the customer first: one query."""
    shown = session.scalars(
        select(Ticket)
        .where(Ticket.company_id.in_(company_ids), Ticket.status.in_(ACTIVE))
        .order_by((Ticket.status == TicketStatus.WAITING).desc(), Ticket.id.desc())
        .options(joinedload(Ticket.request_type))
    )
    by_company: dict[int, list[Ticket]] = {}
    for ticket in shown:
        by_company.setdefault(ticket.company_id, []).append(ticket)
    return {
        company_id: Card("requests", {"tickets": tickets[:5], "more": len(tickets) - 5})
        for company_id, tickets in by_company.items()
    }
