"""The reading review queue: customers' readings that did not match what the register's history
predicts wait here with the reason, the register's latest readings, the point's consumption
(the same block as on the portal) and the meter photo. A clerk accepts or rejects each with a
note; the customer sees the decision on the supply point page and gets it by e-mail."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from backoffice import blueprint
from core.consumption import consumption_block
from core.extensions import db
from core.forms import Form, SelectField, options, refusals
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import paginate, requested_page
from core.permissions import requires
from core.scope import of_visible_companies, staff_get
from core.storage import send_stored
from models.supply import (
    MeterRegister,
    Reading,
    ReadingStatus,
    ReadingSubmission,
    SupplyPoint,
    history_table,
    readings_with_consumption,
    review_reading,
)

menu_item(
    "backoffice",
    "backoffice.readings",
    _l("Readings to review"),
    permission="readings.review",
    order=30,
)

HISTORY_MONTHS = 24
REGISTER_ROWS = 13  # a year of monthly readings before the one to decide


class DecisionForm(Form):
    decision = SelectField(
        _l("Decision"),
        validators=[InputRequired()],
        choices=options([("accept", _l("Accept")), ("reject", _l("Reject"))]),
    )
    note = TextAreaField(
        _l("Note for the customer"),
        validators=[Length(max=1000)],
        render_kw={"maxlength": 1000, "rows": 4},
    )


def _visible(stmt: Select[tuple[Reading]]) -> Select[tuple[Reading]]:
    """Only readings of companies the staff member may see."""
    return stmt.where(of_visible_companies(Reading.company_id))


def _reading(reading_id: int) -> Reading:
    return staff_get(
        Reading,
        reading_id,
        options=[
            joinedload(Reading.supply_point).joinedload(SupplyPoint.company),
            joinedload(Reading.register).joinedload(MeterRegister.meter),
            joinedload(Reading.submission).joinedload(ReadingSubmission.submitted_by),
        ],
    )


@blueprint.route("/readings")
@requires("readings.review")
def readings() -> str:
    stmt = (
        _visible(select(Reading))
        .where(Reading.status == ReadingStatus.PENDING_REVIEW)
        .options(
            joinedload(Reading.supply_point).joinedload(SupplyPoint.company),
            joinedload(Reading.register),
            joinedload(Reading.submission),
        )
        .order_by(Reading.id)
    )
    page = paginate(db.session, stmt, number=requested_page(), size=current_app.config["PAGE_SIZE"])
    return render_template("backoffice/readings/index.html", page=page)


def _detail_page(reading: Reading, form: DecisionForm, status: int = 200) -> tuple[str, int]:
    point = reading.supply_point
    # The register by its code, across a meter exchange: the old meter's readings lead up to
    # the new one's, and each row names its meter then.
    register_rows = [
        pair
        for pair in readings_with_consumption(db.session, point)
        if pair[0].register.code == reading.register.code
    ][:REGISTER_ROWS]
    page = render_template(
        "backoffice/readings/detail.html",
        reading=reading,
        point=point,
        form=form,
        consumption=consumption_block(
            db.session,
            point,
            today=local_today(),
            months=HISTORY_MONTHS,
            title=_(
                "Monthly consumption of %(code)s, last %(months)s months",
                code=point.code,
                months=HISTORY_MONTHS,
            ),
        ),
        register_history=history_table(register_rows),
    )
    return page, status


@blueprint.route("/readings/<int:reading_id>")
@requires("readings.review")
def readings_detail(reading_id: int) -> tuple[str, int]:
    return _detail_page(_reading(reading_id), DecisionForm(formdata=None))


@blueprint.route("/readings/<int:reading_id>/decision", methods=["POST"])
@requires("readings.review")
def readings_decide(reading_id: int) -> Response | tuple[str, int]:
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose whether to accept or reject the reading."), "error")
        return redirect(url_for("backoffice.readings_detail", reading_id=reading_id))
    reading = _reading(reading_id)
    accept = form.decision.data == "accept"
    with refusals(form):
        review_reading(
            db.session,
            actor=current_user._get_current_object(),
            reading=reading,
            accept=accept,
            note=form.note.data or "",
        )
        flash(
            _("The reading was accepted.") if accept else _("The reading was rejected."), "success"
        )
        return redirect(url_for("backoffice.readings"))
    return _detail_page(_reading(reading_id), form, 422)


@blueprint.route("/readings/<int:reading_id>/photo")
@requires("readings.review")
def readings_photo(reading_id: int) -> Response:
    photo = _reading(reading_id).submission.photo
    if photo is None:
        abort(404)
    return send_stored(photo, inline=True)
