"""Advance payments (zálohy) of the current company: this year's schedule as a table, as an
iCalendar file for reminders in the customer's own calendar, and as a PDF."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Alarm, Calendar, Event
from sqlalchemy import extract, select
from sqlalchemy.orm import Session
from stdnum import iban as stdnum_iban
from werkzeug.wrappers import Response

from core.cards import Card, overview_card
from core.errors import render_error
from core.extensions import db, limiter
from core.i18n import date_text, local_today, money_text
from core.navigation import menu_item
from core.pdf import PdfUnavailable, render_pdf
from core.permissions import requires
from core.scope import current_scope
from core.storage import download
from models.billing import AdvancePayment, Invoice, Issuer, year_schedule
from models.billing.payment_codes import advance_payment_code
from portal.company import blueprint
from portal.supply import NEXT_ADVANCE

menu_item(
    "company", "company.advances", _l("Advance payments"), permission="invoices.view", order=15
)


YEARS_AROUND = 5  # how far from this year a schedule may be asked for


def _year() -> int:
    today = local_today()
    raw = request.args.get("year", "")
    if raw.isascii() and raw.isdecimal() and abs(int(raw) - today.year) <= YEARS_AROUND:
        return int(raw)
    return today.year


def _schedule(year: int) -> list[AdvancePayment]:
    return year_schedule(db.session, current_scope().company_id, year)


def _scheduled_years(company_id: int) -> list[int]:
    """The years in which the company has advance payments, within reach of this year."""
    this_year = local_today().year
    year = extract("year", AdvancePayment.due_date)
    found = db.session.scalars(
        select(year).where(AdvancePayment.company_id == company_id).distinct().order_by(year)
    )
    return [int(y) for y in found if abs(int(y) - this_year) <= YEARS_AROUND]


@blueprint.route("/advances")
@requires("invoices.view")
def advances() -> str:
    year = _year()
    schedule = _schedule(year)
    today = local_today()
    # The year links lead only to years with a schedule (the nearest ones), never to an empty one.
    years = _scheduled_years(current_scope().company_id)
    return render_template(
        "portal/advances/index.html",
        scope=current_scope(),
        year=year,
        schedule=schedule,
        today=today,
        total=sum((a.amount for a in schedule), start=0),
        to_pay=sum((a.amount for a in schedule if a.is_due), start=0),
        previous_year=max((y for y in years if y < year), default=None),
        next_year=min((y for y in years if y > year), default=None),
        years=years,
    )


def _payee(company_id: int) -> Issuer | None:
    """Who the company's advances are paid to: the issuer of its latest invoice."""
    return db.session.scalar(
        select(Issuer)
        .join(Invoice, Invoice.issuer_id == Issuer.id)
        .where(Invoice.company_id == company_id)
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
        .limit(1)
    )


def _event_description(advance: AdvancePayment, payee: Issuer | None) -> str:
    """What a reminder needs to pay from a banking app: amount, account, reference."""
    lines = [_("Amount: %(amount)s", amount=_amount(advance))]
    if payee is not None:
        lines.append(_("IBAN: %(iban)s", iban=stdnum_iban.format(payee.iban)))
        lines.append(_("Payee: %(name)s", name=payee.name))
    lines.append(_("Variable symbol: %(vs)s", vs=advance.variable_symbol))
    return "\n".join(lines)


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
    payee = _payee(scope.company_id)
    for advance in _schedule(year):
        if not advance.is_due:
            continue
        event = Event()
        event.add("uid", f"advance-{advance.id}@{host}")
        event.add("summary", _("Advance payment %(amount)s", amount=_amount(advance)))
        event.add("description", _event_description(advance, payee))
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
            advance.supply_point_id, f"{date_text(advance.due_date)} · {_amount(advance)}"
        )
    return shown


NEXT_ADVANCE.append(next_advances)


def _amount(advance: AdvancePayment) -> str:
    return money_text(advance.amount, advance.currency)


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


@overview_card("next_advance", permission="invoices.view", order=20)
def next_advance_card(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Card]:
    """The next advance payment still due (those of one day together: one per supply point),
    with its payment code for the issuer of the company's latest invoice: one query."""
    issuer_id = (
        select(Invoice.issuer_id)
        .where(Invoice.company_id == AdvancePayment.company_id)
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
        .limit(1)
        .correlate(AdvancePayment)
        .scalar_subquery()
    )
    due: dict[int, list[tuple[AdvancePayment, Issuer | None]]] = defaultdict(list)
    # A company that paid no advance in the last year and owes none pays no advances: it
    # gets no card (rather than "nothing is due", which would suggest it does).
    paying: set[int] = set()
    for advance, issuer in session.execute(
        select(AdvancePayment, Issuer)
        .outerjoin(Issuer, Issuer.id == issuer_id)
        .where(
            AdvancePayment.company_id.in_(company_ids),
            AdvancePayment.is_due | (AdvancePayment.due_date >= today - dt.timedelta(days=366)),
        )
        .order_by(AdvancePayment.due_date, AdvancePayment.supply_point_id)
    ):
        paying.add(advance.company_id)
        if advance.is_due:
            due[advance.company_id].append((advance, issuer))
    cards = {}
    for company_id in paying:
        schedule = due.get(company_id, [])
        first = schedule[0][0].due_date if schedule else None
        shown = [
            (advance, advance_payment_code(advance, issuer) if issuer else None)
            for advance, issuer in schedule
            if advance.due_date == first
        ]
        cards[company_id] = Card(
            "next_advance",
            {
                "next": shown,
                "later": len(schedule) - len(shown),
                "year": first.year if first else today.year,
                "today": today,
            },
        )
    return cards
