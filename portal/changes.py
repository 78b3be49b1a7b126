"""Account information: the company's data for invoices and correspondence, read-only, with
"request a change". A change is a request that the back office verifies; the data stays as it
is until then. The customer follows their requests (and the clerk's reason) and may withdraw
a pending one. A supply point's correspondence address changes the same way."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.badges import Badge, badge_provider
from core.cards import Card, overview_card
from core.changes import allowed_fields
from core.extensions import db
from core.forms import act, refusals
from core.i18n import local_today
from core.navigation import menu_item
from core.permissions import can, requires
from core.scope import current_scope
from core.storage import IMAGE_TYPES, PDF, read_upload, send_stored
from models.changes import (
    DETAILS,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    company_changes,
    file_change,
    pending_counts,
    with_details,
    withdraw_change,
)
from models.supply import SupplyPoint
from portal.change_forms import EVIDENCE_MAX_BYTES, ChangeForm, build
from portal.company import blueprint

menu_item(
    "company",
    "company.account_data",
    _l("Account information"),
    permission="company.view",
    order=80,
)

RECENT = dt.timedelta(days=14)  # how long a decided request stays on the overview card


@blueprint.route("/account")
@requires("company.view")
def account_data() -> str:
    scope = current_scope()
    points = (
        db.session.scalars(scope.select(SupplyPoint).order_by(SupplyPoint.code)).all()
        if can("supply.view")
        else []
    )
    return render_template(
        "portal/changes/account.html",
        scope=scope,
        company=scope.company,
        changes=company_changes(db.session, scope.company_id),
        points=points,
        may_change=bool(allowed_fields(ChangeKind.COMPANY_DATA)),
    )


def _form_page(
    form: ChangeForm, point: SupplyPoint | None = None, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "portal/changes/form.html",
        scope=current_scope(),
        form=form,
        point=point,
        max_megabytes=EVIDENCE_MAX_BYTES // (1024 * 1024),
    )
    return page, status


def _file(form: ChangeForm, point: SupplyPoint | None) -> Response | tuple[str, int]:
    """Validates the form and files the request; the form again with the reasons otherwise."""
    if not form.validate_on_submit():
        return _form_page(form, point, 422)
    scope = current_scope()
    with refusals(form):
        evidence = read_upload(
            request.files.get("evidence"),
            allowed={PDF, *IMAGE_TYPES},
            max_bytes=EVIDENCE_MAX_BYTES,
            field="evidence",
        )
        change = file_change(
            db.session,
            actor=current_user._get_current_object(),
            company=scope.company,
            supply_point=point,
            values=form.values(),
            allowed=form.changeable.keys(),
            today=local_today(),
            note=form.note.data or "",
            evidence=evidence,
            effective_on=form.effective_on.data,
        )
        flash(
            _(
                "Your request no. %(id)s is filed. The data changes once our colleagues have "
                "verified it; you will get an e-mail.",
                id=change.id,
            ),
            "success",
        )
        return redirect(url_for("company.account_data_request", change_id=change.id))
    return _form_page(form, point, 422)


@blueprint.route("/account/change", methods=["GET", "POST"])
@requires("changes.request")
def account_data_change() -> Response | tuple[str, int]:
    scope = current_scope()
    fields = allowed_fields(ChangeKind.COMPANY_DATA)
    form = build(fields, scope.company, scope.company, submitted=request.method == "POST")
    if request.method == "GET":
        return _form_page(form)
    return _file(form, None)


@blueprint.route("/supply-points/<code>/correspondence", methods=["GET", "POST"])
@requires("changes.request")
def supply_points_correspondence(code: str) -> Response | tuple[str, int]:
    scope = current_scope()
    point = scope.get(SupplyPoint, code=code)
    fields = allowed_fields(ChangeKind.SUPPLY_POINT_ADDRESS)
    form = build(fields, scope.company, point, submitted=request.method == "POST")
    if request.method == "GET":
        return _form_page(form, point)
    return _file(form, point)


def _change(change_id: int) -> ChangeRequest:
    return current_scope().get(ChangeRequest, options=DETAILS, id=change_id)


@blueprint.route("/account/changes/<int:change_id>")
@requires("company.view")
def account_data_request(change_id: int) -> str:
    return render_template(
        "portal/changes/detail.html", scope=current_scope(), change=_change(change_id)
    )


@blueprint.route("/account/changes/<int:change_id>/withdraw", methods=["POST"])
@requires("changes.request")
def account_data_withdraw(change_id: int) -> Response:
    change = _change(change_id)
    act(
        lambda: withdraw_change(
            db.session, actor=current_user._get_current_object(), change=change
        ),
        lambda: _("Your request no. %(id)s is withdrawn.", id=change.id),
    )
    return redirect(url_for("company.account_data_request", change_id=change_id))


@blueprint.route("/account/changes/<int:change_id>/evidence")
@requires("company.view")
def account_data_evidence(change_id: int) -> Response:
    stored = current_scope().stored_file(ChangeRequest.evidence, ChangeRequest.id == change_id)
    return send_stored(stored)


def _pending_text(count: int, _urgent: int = 0) -> str:
    return ngettext(
        "%(num)d change request waiting for verification",
        "%(num)d change requests waiting for verification",
        count,
    )


@badge_provider("changes_pending", permission="company.view", order=30, summary=_pending_text)
def changes_pending(session: Session, company_ids: list[int]) -> dict[int, Badge]:
    return {
        company_id: Badge(
            short=ngettext("changes pending: %(num)d", "changes pending: %(num)d", count),
            label=_pending_text(count),
            count=count,
            icon="icon-edit",
            endpoint="company.account_data",
        )
        for company_id, count in pending_counts(session, company_ids).items()
    }


@overview_card("changes", permission="company.view", order=50)
def changes_card(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Card]:
    """The company's pending requests and those decided in the last two weeks: one query."""
    since = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC) - RECENT
    shown = session.scalars(
        with_details(
            select(ChangeRequest)
            .where(
                ChangeRequest.company_id.in_(company_ids),
                (ChangeRequest.status == ChangeStatus.PENDING)
                | (ChangeRequest.decided_at >= since),
            )
            .order_by(ChangeRequest.id.desc())
        )
    ).unique()
    by_company: dict[int, list[ChangeRequest]] = {}
    for change in shown:
        by_company.setdefault(change.company_id, []).append(change)
    return {
        company_id: Card("changes", {"changes": changes[:5], "more": len(changes) > 5})
        for company_id, changes in by_company.items()
    }
