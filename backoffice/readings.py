"""The reading review queue: customers' readings that did not match what the register's history
predicts wait here with the reason, the point's consumption chart and the meter photo. A clerk
accepts or rejects each with a note; the customer sees the decision on the supply point page
and gets it by e-mail."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from backoffice import blueprint
from core import charts
from core.extensions import db
from core.forms import Form, options, refusals
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import paginate, requested_page
from core.permissions import requires
from core.scope import staff_get, visible_companies
from core.storage import send_stored
from models.identity import Company
from models.supply import (
    MeterRegister,
    Reading,
    ReadingStatus,
    ReadingSubmission,
    SupplyPoint,
    monthly_consumption,
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
    return stmt.where(Reading.company_id.in_(visible_companies().with_only_columns(Company.id)))


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


def _context() -> dict[str, object]:
    return {
        "commodity_label": charts.COMMODITY_LABELS.get,
        "register_label": charts.register_label,
        "status_label": charts.STATUS_LABELS.get,
        "source_label": charts.SOURCE_LABELS.get,
        "quantity": charts.quantity,
        "reason_text": charts.reason_text,
    }


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
    return render_template("backoffice/readings/index.html", page=page, **_context())


def _detail_page(reading: Reading, form: DecisionForm, status: int = 200) -> tuple[str, int]:
    point = reading.supply_point
    today = local_today()
    months = monthly_consumption(db.session, point, today=today, months=HISTORY_MONTHS)
    unit = point.commodity.unit
    chart = charts.bar_chart(
        charts.month_bars(months, unit),
        chart_id="consumption",
        title=_(
            "Monthly consumption of %(code)s, last %(months)s months",
            code=point.code,
            months=HISTORY_MONTHS,
        ),
        description=_(
            "Bars show the consumption in %(unit)s of each month; the table below gives the "
            "same numbers.",
            unit=unit,
        ),
        unit=unit,
    )
    register_rows = [
        pair
        for pair in readings_with_consumption(db.session, point)
        if pair[0].register_id == reading.register_id
    ][:13]
    page = render_template(
        "backoffice/readings/detail.html",
        reading=reading,
        point=point,
        form=form,
        chart=chart,
        months=months,
        unit=unit,
        register_rows=register_rows,
        **_context(),
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
