"""Supply points for customers: the company's points with their last readings, a point's page
(contracts to download, meters, reading history, the consumption chart and a CSV export), and
the self-reading form for points that allow it."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, FieldList, FileField, FormField, HiddenField, StringField
from wtforms import Form as PlainForm
from wtforms.fields import DateField, IntegerField
from wtforms.validators import InputRequired, Length, Optional, Regexp
from wtforms.widgets import HiddenInput

from core.badges import Badge, badge_provider
from core.cards import Card, overview_card
from core.consumption import added_up, consumption_block, register_label, year_on_year
from core.exports import csv_response
from core.extensions import db
from core.forms import Form, refusals, show_domain_error
from core.i18n import local_today
from core.navigation import menu_item
from core.permissions import can, companies_allowing, requires
from core.request_cache import per_request
from core.scope import current_scope, my_memberships
from core.storage import IMAGE_TYPES, read_upload, send_stored
from core.unit_of_work import writes
from models import audit
from models.db import utcnow
from models.errors import DomainError
from models.labels import label_of
from models.supply import (
    Commodity,
    Contract,
    Meter,
    MonthTotal,
    ReadingSubmission,
    ReadingWindow,
    RegisterValue,
    SupplyPoint,
    add_months,
    expected_for,
    history_table,
    last_reading,
    latest_readings,
    pending_submissions,
    points_due,
    reading_window,
    readings_with_consumption,
    recent_decisions,
    register_field,
    submit_reading,
)
from models.supply.history import monthly_consumption_by_point, self_reading_points
from portal.company import blueprint

menu_item(
    "company", "company.supply_points", _l("Supply points"), permission="supply.view", order=30
)

PHOTO_MAX_BYTES = 5 * 1024 * 1024
HISTORY_MONTHS = 24  # the chart's
HISTORY_TABLE_MONTHS = 12  # the page's table of readings; the CSV has them all

# Billing fills this with functions (session, supply point ids) -> {id: "next advance, as
# shown"}; the list shows a "Next advance" column when one is registered. Supply does not
# import billing.
NEXT_ADVANCE: list[Callable[[Session, list[int]], dict[int, str]]] = []


def tolerance() -> Decimal:
    return Decimal(str(current_app.config["READING_TOLERANCE"]))


def _point(code: str) -> SupplyPoint:
    return current_scope().get(SupplyPoint, code=code)


@blueprint.route("/supply-points")
@requires("supply.view")
def supply_points() -> str:
    scope = current_scope()
    points = list(
        db.session.scalars(scope.select(SupplyPoint).order_by(SupplyPoint.status, SupplyPoint.code))
    )
    ids = [p.id for p in points]
    advances: dict[int, str] = {}
    for hook in NEXT_ADVANCE:
        advances.update(hook(db.session, ids))
    return render_template(
        "portal/supply/index.html",
        scope=scope,
        points=points,
        latest=latest_readings(db.session, ids),
        due=_due_here(),
        show_advances=bool(NEXT_ADVANCE),
        advances=advances,
    )


@blueprint.route("/supply-points/<code>")
@requires("supply.view")
def supply_points_detail(code: str) -> str:
    scope = current_scope()
    point = _point(code)
    today = local_today()
    history = readings_with_consumption(
        db.session, point, since=add_months(today, -HISTORY_TABLE_MONTHS)
    )
    return render_template(
        "portal/supply/detail.html",
        scope=scope,
        point=point,
        today=today,
        history=history_table(history),
        consumption=consumption_block(
            db.session,
            point,
            today=today,
            months=HISTORY_MONTHS,
            title=_("Monthly consumption, last %(months)s months", months=HISTORY_MONTHS),
        ),
        decisions=recent_decisions(db.session, point, since=utcnow() - dt.timedelta(days=60)),
        due=point.id in _due_here(),
        window=reading_window(today),
        history_months=HISTORY_TABLE_MONTHS,
        can_submit=can("readings.submit") and point.accepts_self_readings,
    )


@blueprint.route("/supply-points/<code>/contracts/<int:contract_id>")
@requires("supply.view")
def supply_points_contract(code: str, contract_id: int) -> Response:
    document = current_scope().stored_file(
        Contract.document, Contract.id == contract_id, Contract.supply_point.has(code=code)
    )
    return send_stored(document)


class RegisterEntry(PlainForm):
    """One register's value; the register is named by its id, checked by the operation."""

    register_id = IntegerField(widget=HiddenInput())
    value = StringField(
        _l("Reading"),
        validators=[
            InputRequired(message=_l("Enter the number shown on this register.")),
            Length(max=30),
        ],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    rollover = BooleanField(_l("Meter rolled over"))


class ReadingForm(Form):
    reading_date = DateField(
        _l("Date of the reading"),
        validators=[InputRequired(message=_l("Enter the date you read the meter."))],
        invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2026-03-31."),
    )
    registers = FieldList(FormField(RegisterEntry), max_entries=12)
    photo = FileField(_l("Photo of the meter (optional)"))
    idempotency_key = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])


def _show_error(form: ReadingForm, error: DomainError) -> None:
    """A rule about one register goes next to that register's value; others as usual."""
    for entry in form.registers:
        if error.field and error.field == register_field(entry.form.register_id.data or 0):
            show_domain_error(entry.form, DomainError(error.message, "value", **error.params))
            return
    show_domain_error(form, error)


def _reading_page(
    point: SupplyPoint, meter: Meter | None, form: ReadingForm, status: int = 200
) -> tuple[str, int]:
    today = local_today()
    form.reading_date.render_kw = {"max": today.isoformat()}
    registers = {r.id: r for r in meter.registers} if meter else {}
    hints: dict[int, dict[str, object]] = {}
    for entry in form.registers:
        register = registers.get(entry.form.register_id.data or 0)
        if register is None:
            entry.form.value.label.text = _("Register")
            continue
        entry.form.value.label.text = register_label(register.code)
        expected = expected_for(db.session, register, today, tolerance=tolerance())
        shown = Decimal(1).scaleb(-register.decimals)  # as precise as the dial
        hints[register.id] = {
            "last": last_reading(db.session, register),
            "expected": expected,
            "low": expected.value_low.quantize(shown, ROUND_FLOOR) if expected else None,
            "high": expected.value_high.quantize(shown, ROUND_CEILING) if expected else None,
            "daily": expected.daily.quantize(Decimal("0.01")) if expected else None,
            "register": register,
        }
    page = render_template(
        "portal/supply/reading.html",
        scope=current_scope(),
        point=point,
        meter=meter,
        form=form,
        hints=hints,
        waiting=pending_submissions(db.session, meter) if meter else [],
        today=today,
        tolerance_percent=int(tolerance() * 100),
        max_megabytes=PHOTO_MAX_BYTES // (1024 * 1024),
    )
    return page, status


@blueprint.route("/supply-points/<code>/readings/new", methods=["GET", "POST"])
@requires("readings.submit")
def supply_points_reading(code: str) -> Response | tuple[str, int]:
    point = _point(code)
    meter = point.current_meter
    if request.method == "GET":
        form = ReadingForm(
            formdata=None,
            data={
                "reading_date": local_today(),
                "idempotency_key": secrets.token_urlsafe(24),
                "registers": [{"register_id": r.id} for r in meter.registers] if meter else [],
            },
        )
        return _reading_page(point, meter, form)
    form = ReadingForm()
    if meter is None or not form.validate_on_submit():
        return _reading_page(point, meter, form, 422)
    with refusals(form, show=_show_error):
        photo = read_upload(
            request.files.get("photo"),
            allowed=set(IMAGE_TYPES),
            max_bytes=PHOTO_MAX_BYTES,
            field="photo",
        )
        submission = submit_reading(
            db.session,
            actor=current_user._get_current_object(),
            point=point,
            meter=meter,
            reading_date=form.reading_date.data,
            values=[
                RegisterValue(e.form.register_id.data or 0, e.form.value.data, e.form.rollover.data)
                for e in form.registers
            ],
            tolerance=tolerance(),
            today=local_today(),
            idempotency_key=form.idempotency_key.data or None,
            photo=photo,
        )
        return _submitted(point, submission)
    return _reading_page(point, meter, form, 422)


def _submitted(point: SupplyPoint, submission: ReadingSubmission) -> Response:
    """Where a submission leads: the history, or the first submission when this one was a
    repeat of it (the same idempotency key: a double click, a reload)."""
    if submission.replayed:
        flash(_("This reading had already been received. Here it is."), "info")
        return redirect(
            url_for(
                "company.supply_points_submission", code=point.code, submission_id=submission.id
            )
        )
    pending = any(r.is_pending for r in submission.readings)
    if pending:
        saved = _(
            "Thank you, your reading is saved. It is not what we expected, so a colleague "
            "will check it; you will get an e-mail with the result."
        )
    else:
        saved = _("Thank you, your reading is saved.")
    if submission.replaces_pending:
        replaces = _("It replaces the reading that was waiting for review.")
        saved = f"{saved} {replaces}"
    flash(saved, "info" if pending else "success")
    return redirect(url_for("company.supply_points_detail", code=point.code, _anchor="history"))


@blueprint.route("/supply-points/<code>/readings/<int:submission_id>")
@requires("supply.view")
def supply_points_submission(code: str, submission_id: int) -> str:
    point = _point(code)
    submission = current_scope().get(ReadingSubmission, id=submission_id, supply_point_id=point.id)
    return render_template(
        "portal/supply/submission.html",
        scope=current_scope(),
        point=point,
        submission=submission,
    )


@blueprint.route("/supply-points/<code>/readings/<int:submission_id>/photo")
@requires("supply.view")
def supply_points_photo(code: str, submission_id: int) -> Response:
    photo = current_scope().stored_file(
        ReadingSubmission.photo,
        ReadingSubmission.id == submission_id,
        ReadingSubmission.supply_point.has(code=code),
    )
    return send_stored(photo, inline=True)


@blueprint.route("/supply-points/<code>/readings.csv")
@requires("supply.view")
@writes  # the export's audit event
def supply_points_export(code: str) -> Response:
    point = _point(code)
    rows = readings_with_consumption(db.session, point)
    in_order = sorted(rows, key=lambda pair: (pair[0].reading_date, pair[0].register.position))
    audit.record(
        db.session,
        "readings.exported",
        actor=current_user._get_current_object(),
        target=point,
        company_id=point.company_id,
        rows=len(rows),
    )
    return csv_response(
        (
            (
                reading.reading_date,
                reading.register.meter.serial_number,
                reading.register.code,
                reading.value.normalize(),
                consumption.normalize() if consumption is not None else None,
                point.commodity.unit,
                _("yes") if reading.rollover else "",
                _(label_of(reading.status)),
                _(label_of(reading.submission.source)),
                reading.submission.submitted_at,
                reading.review_note or "",
            )
            for reading, consumption in in_order
        ),
        [
            _("Date"),
            _("Meter"),
            _("Register"),
            _("Value"),
            _("Consumption"),
            _("Unit"),
            _("Rolled over"),
            _("Status"),
            _("Source"),
            _("Received (UTC)"),
            _("Note"),
        ],
        filename=f"readings-{point.code}.csv",
    )


def _points_due(company_ids: list[int]) -> dict[int, set[int]]:
    """The switcher's badge and the supply pages ask about the same companies (those of the
    login where its role submits readings): one query a request."""
    return per_request(
        "points_due",
        tuple(company_ids),
        lambda: points_due(db.session, company_ids, local_today()),
    )


def _due_here() -> set[int]:
    """The current company's supply points that need a reading now."""
    here = current_scope().company_id
    asked = companies_allowing("readings.submit", my_memberships())
    return _points_due(asked if here in asked else [here]).get(here, set())


def _due_text(count: int, _urgent: int = 0) -> str:
    return ngettext(
        "%(num)d supply point needs a reading", "%(num)d supply points need a reading", count
    )


@badge_provider("readings_due", permission="readings.submit", order=20, summary=_due_text)
def readings_due(session: Session, company_ids: list[int]) -> dict[int, Badge]:
    """Supply points whose reading window is open and that have no reading for the period
    (see models.supply.history for the window)."""
    return {
        company_id: Badge(
            short=ngettext("%(num)d reading due", "%(num)d readings due", len(point_ids)),
            label=_due_text(len(point_ids)),
            count=len(point_ids),
            icon="icon-meter",
            tone="attention",
            endpoint="company.supply_points",
        )
        for company_id, point_ids in _points_due(company_ids).items()
    }


def _next_window(today: dt.date) -> ReadingWindow | None:
    """The reading window open on `today`, or the next one to open."""
    for days in range(32):
        window = reading_window(today + dt.timedelta(days=days))
        if window is not None:
            return window
    return None


@overview_card("readings_due", permission="readings.submit", order=30)
def readings_due_card(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Card]:
    """The supply points that need a reading now, each with the way to submit it, for the
    companies that read their own meters: one query."""
    window = reading_window(today)
    return {
        company_id: Card(
            "readings_due",
            {
                "points": [point for point, due in points if due],
                "open": window is not None,
                "window": window or _next_window(today),
            },
        )
        for company_id, points in self_reading_points(session, company_ids, today).items()
    }


CONSUMPTION_MONTHS = 24  # the overview compares the last 12 months with the 12 before


@overview_card("consumption", permission="supply.view", order=40)
def consumption_card(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Card]:
    """Per commodity, the company's consumption of the last 12 whole months against the same
    months a year earlier, all its supply points together: one query for all the companies."""
    series: dict[int, dict[Commodity, list[list[MonthTotal]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    # Whole months: this month's first days would look like a drop against a full month.
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    by_point = monthly_consumption_by_point(
        session, company_ids, today=last_month, months=CONSUMPTION_MONTHS
    )
    for point, months in by_point.items():
        series[point.company_id][point.commodity].append(months)
    cards = {}
    for company_id in company_ids:
        blocks = []
        for commodity, point_months in sorted(series[company_id].items()):
            name = _(label_of(commodity))
            block = year_on_year(
                added_up(point_months),
                unit=commodity.unit,
                block_id=f"consumption-{commodity.value}",
                title=_("%(commodity)s: the last 12 months and a year earlier", commodity=name),
            )
            blocks.append((name, block))
        cards[company_id] = Card("consumption", {"blocks": blocks}, size="wide")
    return cards
