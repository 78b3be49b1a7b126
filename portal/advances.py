"""Advance payments (zálohy) of the current company: this year's schedule as a table, as an
iCalendar file for reminders in the customer's own calendar, and as a PDF."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, request
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.errors import render_error
from core.extensions import db, limiter
from core.i18n import local_today
from core.navigation import menu_item
from core.pdf import PdfUnavailable, render_pdf
from core.permissions import requires
from core.scope import current_scope
from core.storage import download
from models.billing import AdvancePayment, year_schedule
from portal.company import blueprint
from portal.supply import NEXT_ADVANCE

menu_item(
    "company", "company.advances", _l("Advance payments"), permission="invoices.view", order=15
)


def _year() -> int:
    today = local_today()
    raw = request.args.get("year", "")
    if raw.isascii() and raw.isdecimal() and abs(int(raw) - today.year) <= 5:
        return int(raw)
    return today.year


def _schedule(year: int) -> list[AdvancePayment]:
    return year_schedule(db.session, current_scope().company_id, year)


@blueprint.route("/advances")
@requires("invoices.view")
def advances() -> str:
    year = _year()
    schedule = _schedule(year)
    today = local_today()
    return render_template(
        "portal/advances/index.html",
        scope=current_scope(),
        year=year,
        schedule=schedule,
        today=today,
        total=sum((a.amount for a in schedule), start=0),
        to_pay=sum((a.amount for a in schedule if a.is_due), start=0),
    )


@blueprint.route("/advances.ics")
@requires("invoices.view")
def advances_ics() -> Response:
    """One all-day event per advance still due, with a reminder two days before."""
    scope = current_scope()
    year = _year()
    calendar = Calendar()
    calendar.add("prodid", "-//Customer portal//advance payments//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "x-wr-calname", _("Advance payments: %(company)s", company=scope.company.legal_name)
    )
    host = current_app.config["PUBLIC_URL"].split("://", 1)[-1]
    for advance in _schedule(year):
        if not advance.is_due:
            continue
        event = Event()
        event.add("uid", f"advance-{advance.id}@{host}")
        event.add("summary", _("Advance payment %(amount)s", amount=_amount(advance)))
        event.add("description", _("Variable symbol %(vs)s", vs=advance.variable_symbol))
        event.add("dtstart", advance.due_date)
        event.add("dtend", advance.due_date + dt.timedelta(days=1))
        event.add("dtstamp", dt.datetime.now(dt.UTC))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Advance payment due"))
        alarm.add("trigger", dt.timedelta(days=-2))
        event.add_component(alarm)
        calendar.add_component(event)
    return download(
        calendar.to_ical(),
        filename=f"advances-{scope.company.slug}-{year}.ics",
        content_type="text/calendar",
    )


def next_advances(session: Session, point_ids: list[int]) -> dict[int, str]:
    """The next advance still due for each supply point, as the list shows it."""
    due = session.scalars(
        select(AdvancePayment)
        .where(
            AdvancePayment.supply_point_id.in_(point_ids),
            AdvancePayment.is_due,
            AdvancePayment.due_date >= local_today(),
        )
        .order_by(AdvancePayment.due_date)
    )
    shown: dict[int, str] = {}
    for advance in due:
        shown.setdefault(
            advance.supply_point_id, f"{format_date(advance.due_date)} · {_amount(advance)}"
        )
    return shown


NEXT_ADVANCE.append(next_advances)


def _amount(advance: AdvancePayment) -> str:
    return format_currency(advance.amount, advance.currency)


@blueprint.route("/advances.pdf")
@requires("invoices.view")
@limiter.limit("30 per minute")
def advances_pdf() -> Response | tuple[str, int]:
    scope = current_scope()
    year = _year()
    schedule = _schedule(year)
    try:
        pdf = render_pdf(
            "advances.html",
            company=scope.company,
            year=year,
            schedule=schedule,
            total=sum((a.amount for a in schedule), start=0),
        )
    except PdfUnavailable:
        current_app.logger.exception("PDF rendering is not available")
        return render_error(
            503,
            _l(
                "PDFs cannot be produced right now. Please try again "
                "later; the schedule is on its page."
            ),
        )
    return download(
        pdf, filename=f"advances-{scope.company.slug}-{year}.pdf", content_type="application/pdf"
    )
