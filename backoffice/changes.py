"""Change requests in the back office: the queue of pending requests (oldest first, by type,
company and team), a request's diff (old → new per field; the value that holds now where it
changed since the request was filed), and the decision: approve, or reject with a reason for
the customer. Sensitive fields need a second clerk; nobody decides their own request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length

from backoffice import blueprint
from backoffice.company_view import Pending, PendingItem, company_panel, company_pending
from core.changes import change_summary
from core.extensions import db
from core.forms import Form, SelectField, options, refusals
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import contains, paginate_keys, plain_id, requested_page
from core.permissions import can, requires
from core.request_cache import per_request
from core.scope import of_visible_companies, staff_get
from core.storage import send_stored
from models.changes import (
    CHANGE_KIND_LABELS,
    ChangeConflict,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    approve_change,
    company_changes,
    conflicts,
    field_history,
    reject_change,
)
from models.changes.decisions import MAX_REASON
from models.identity import Company, CustomerGroup, Team

PANEL_ROWS = 20
# Where a request stands: waiting for its (first) look, or for the second of two clerks.
STEPS = {"first": _l("Waiting for a first decision"), "second": _l("Waiting for a second clerk")}

menu_item(
    "backoffice", "backoffice.changes", _l("Change requests"), permission="changes.review", order=25
)


class DecisionForm(Form):
    decision = SelectField(
        _l("Decision"),
        validators=[InputRequired()],
        choices=options([("approve", _l("Approve")), ("reject", _l("Reject"))]),
    )
    reason = TextAreaField(
        _l("Reason for the customer"),
        validators=[Length(max=MAX_REASON)],
        render_kw={"maxlength": MAX_REASON, "rows": 3},
    )
    overwrite = BooleanField(_l("Yes, replace the current values with the requested ones"))


@blueprint.route("/changes")
@requires("changes.review")
def changes() -> str:
    kind = request.args.get("kind", "")
    kind = kind if kind in ChangeKind.__members__.values() else ""
    query = request.args.get("q", "").strip()[:60]
    team_id = plain_id(request.args.get("team", ""))
    step = request.args.get("step", "")
    step = step if step in STEPS else ""
    keys = (
        select(ChangeRequest.id)
        .join(ChangeRequest.company)
        .where(
            ChangeRequest.status == ChangeStatus.PENDING,
            of_visible_companies(ChangeRequest.company_id),
        )
        .order_by(ChangeRequest.id)
    )
    if kind:
        keys = keys.where(ChangeRequest.kind == ChangeKind(kind))
    if query:
        keys = keys.where(
            or_(
                contains(Company.legal_name, query),
                Company.company_number == query,
                Company.customer_number == query,
            )
        )
    if step == "first":
        keys = keys.where(ChangeRequest.first_approved_by_id.is_(None))
    elif step == "second":
        keys = keys.where(ChangeRequest.first_approved_by_id.is_not(None))
    if team_id is not None:
        responsible = select(CustomerGroup.id).where(CustomerGroup.responsible_team_id == team_id)
        keys = keys.where(Company.customer_group_id.in_(responsible))
    page = paginate_keys(
        db.session,
        keys,
        _queue_rows,
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
        count_ahead=current_app.config["COUNT_AHEAD"],
    )
    return render_template(
        "backoffice/changes/index.html",
        page=page,
        kinds=CHANGE_KIND_LABELS,
        kind=kind,
        query=query,
        teams=db.session.scalars(select(Team).order_by(Team.name)).all(),
        team_id=team_id,
        steps=STEPS,
        step=step,
        today=local_today(),
    )


def _queue_rows(ids: list[int]) -> list[ChangeRequest]:
    """The queue's rows with what they show: their company and people in one query, their
    fields in one more."""
    stmt = (
        select(ChangeRequest)
        .where(ChangeRequest.id.in_(ids))
        .options(
            joinedload(ChangeRequest.company),
            joinedload(ChangeRequest.requested_by),
            joinedload(ChangeRequest.first_approved_by),
            joinedload(ChangeRequest.supply_point),
            selectinload(ChangeRequest.fields),
        )
    )
    return list(db.session.scalars(stmt))


def _change(change_id: int) -> ChangeRequest:
    return staff_get(
        ChangeRequest,
        change_id,
        options=[
            joinedload(ChangeRequest.company).joinedload(Company.customer_group),
            joinedload(ChangeRequest.requested_by),
            joinedload(ChangeRequest.first_approved_by),
            joinedload(ChangeRequest.decided_by),
            joinedload(ChangeRequest.supply_point),
            selectinload(ChangeRequest.fields),
        ],
    )


def _detail_page(change: ChangeRequest, form: DecisionForm, status: int = 200) -> tuple[str, int]:
    found = conflicts(change) if change.is_pending else []
    page = render_template(
        "backoffice/changes/detail.html",
        change=change,
        form=form,
        conflicts={c.field: c.current for c in found},
        today=local_today(),
    )
    return page, status


@blueprint.route("/changes/<int:change_id>")
@requires("changes.review")
def changes_detail(change_id: int) -> tuple[str, int]:
    return _detail_page(_change(change_id), DecisionForm(formdata=None))


@blueprint.route("/changes/<int:change_id>/decision", methods=["POST"])
@requires("changes.review")
def changes_decide(change_id: int) -> Response | tuple[str, int]:
    change = _change(change_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail_page(change, form, 422)
    actor = current_user._get_current_object()
    approve = form.decision.data == "approve"
    outcome = refusals(form)
    with outcome:
        if approve:
            approve_change(
                db.session,
                actor=actor,
                change=change,
                today=local_today(),
                reason=form.reason.data or "",
                overwrite=form.overwrite.data,
            )
        else:
            reject_change(db.session, actor=actor, change=change, reason=form.reason.data or "")
        if change.is_pending:
            flash(
                _("Your approval is recorded. A second clerk decides the request now."),
                "success",
            )
        else:
            flash(
                _("The request is approved and the new data applies.")
                if approve
                else _("The request is rejected; the customer is told why."),
                "success",
            )
        return redirect(url_for("backoffice.changes"))
    refused = outcome.refused
    status = refused.status if refused is not None else 422
    if isinstance(refused, ChangeConflict):
        form.overwrite.data = False
    return _detail_page(_change(change_id), form, status)


@blueprint.route("/changes/<int:change_id>/evidence")
@requires("changes.review")
def changes_evidence(change_id: int) -> Response:
    evidence = _change(change_id).evidence
    if evidence is None:
        abort(404)
    return send_stored(evidence)


def _company_requests(session: Session, company: Company) -> list[ChangeRequest]:
    """The company's requests, asked once a request: the panel and "Waiting" both show them."""
    return per_request(
        "company_changes",
        company.id,
        lambda: company_changes(session, company.id, limit=PANEL_ROWS),
    )


@company_panel("changes", permission="backoffice.access", order=15, wide=True)
def company_changes_panel(session: Session, company: Company, today: dt.date) -> Mapping[str, Any]:
    """The company's requests, pending first, and its data's history: per field, who
    approved the change, when and through which request."""
    return {
        "changes": _company_requests(session, company),
        "history": field_history(session, company.id, limit=PANEL_ROWS),
    }


@company_pending("changes", permission="backoffice.access", order=5)
def changes_to_verify(session: Session, company: Company, today: dt.date) -> Pending | None:
    pending = [c for c in _company_requests(session, company) if c.is_pending]
    if not pending:
        return None
    may_open = can("changes.review")
    return Pending(
        title=_("Change requests waiting for verification"),
        items=[
            PendingItem(
                text=_("No. %(id)s: %(fields)s", id=c.id, fields=change_summary(c)),
                since=c.requested_at,
                url=url_for("backoffice.changes_detail", change_id=c.id) if may_open else None,
            )
            for c in reversed(pending)
        ],
        total=len(pending),
        url=url_for("backoffice.changes", q=company.company_number or company.legal_name)
        if may_open
        else None,
    )
