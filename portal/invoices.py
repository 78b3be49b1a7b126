"""Invoices of the current company: a filtered list with the unpaid total, the detail, the
PDF (rendered once per version, then served as stored), the switcher badge and the
overview's "To pay" card."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, extract, func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.wrappers import Response

from core import pdf
from core.badges import Badge, badge_provider
from core.cards import Card, overview_card
from core.errors import render_error
from core.extensions import db, limiter
from core.i18n import local_today, money_text
from core.navigation import menu_item
from core.pagination import paginate, requested_page
from core.pdf import PdfUnavailable
from core.permissions import companies_allowing, requires
from core.request_cache import per_request
from core.scope import current_scope, my_memberships
from core.storage import send_stored
from models.billing import Invoice, InvoiceStatus, Unpaid, overdue_filter, unpaid_summary
from models.billing.documents import invoice_pdf, stored_invoice_pdf
from models.billing.payment_codes import invoice_payment_code
from models.db import begin_writing
from portal.company import blueprint

menu_item("company", "company.invoices", _l("Invoices"), permission="invoices.view", order=10)

FILTERS = {
    "all": _l("All"),
    "unpaid": _l("Unpaid"),
    "overdue": _l("Overdue"),
    "paid": _l("Paid"),
}


@blueprint.route("/invoices")
@requires("invoices.view")
def invoices() -> str:
    scope = current_scope()
    shown = request.args.get("status", "all")
    shown = shown if shown in FILTERS else "all"
    year = request.args.get("year", "")
    stmt = scope.select(Invoice)
    if shown == "unpaid":
        stmt = stmt.where(Invoice.is_open)
    elif shown == "overdue":
        stmt = stmt.where(overdue_filter(local_today()))
    elif shown == "paid":
        stmt = stmt.where(Invoice.status == InvoiceStatus.PAID)
    if year.isascii() and year.isdecimal() and len(year) == 4:
        stmt = stmt.where(extract("year", Invoice.issue_date) == int(year))
    else:
        year = ""
    page = paginate(
        db.session,
        stmt.order_by(Invoice.issue_date.desc(), Invoice.id.desc()),
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
    )
    years = db.session.scalars(
        select(func.distinct(extract("year", Invoice.issue_date)))
        .where(Invoice.company_id == scope.company_id)
        .order_by(extract("year", Invoice.issue_date).desc())
    ).all()
    mine = companies_allowing("invoices.view", my_memberships())
    unpaid = _unpaid(mine).get(scope.company_id)
    return render_template(
        "portal/invoices/index.html",
        scope=scope,
        page=page,
        shown=shown,
        filters=FILTERS,
        year=year,
        years=[int(y) for y in years],
        unpaid=unpaid,
        today=local_today(),
    )


def _invoice_query(number: str) -> Select[tuple[Invoice]]:
    """The company's invoice with this number (numbers are unique per issuer: `?issuer=`
    picks one when two issuers used the same number)."""
    stmt = current_scope().select(Invoice).where(Invoice.number == number)
    issuer = request.args.get("issuer")
    if issuer:
        stmt = stmt.where(Invoice.issuer.has(code=issuer))
    return stmt.order_by(Invoice.id).limit(1)


def _invoice(number: str) -> Invoice:
    found = db.session.scalars(_invoice_query(number).options(selectinload(Invoice.lines))).first()
    if found is None:
        abort(404)
    return found


@blueprint.route("/invoices/<number>")
@requires("invoices.view")
def invoices_detail(number: str) -> str:
    invoice = _invoice(number)
    return render_template(
        "portal/invoices/detail.html",
        scope=current_scope(),
        invoice=invoice,
        today=local_today(),
        payment_code_of=invoice_payment_code,
    )


@blueprint.route("/invoices/<number>/pdf")
@requires("invoices.view")
@limiter.limit("60 per minute")
def invoices_pdf(number: str) -> Response | tuple[str, int]:
    # The usual case, one query: the stored PDF of the invoice's current version.
    stored = stored_invoice_pdf(db.session, _invoice_query(number))
    if stored is not None:
        return send_stored(stored)
    # The first download stores what it renders: on SQLite it waits for the write lock now,
    # so that two first downloads at once render once (the second finds the first's PDF),
    # instead of failing to upgrade a read transaction another request wrote past.
    begin_writing(db.session)
    invoice = db.session.scalars(_invoice_query(number)).first()
    if invoice is None:
        abort(404)
    try:
        stored, _rendered = invoice_pdf(db.session, invoice, render=pdf.render_pdf)
    except PdfUnavailable:
        current_app.logger.exception("PDF rendering is not available")
        return render_error(
            503,
            _l(
                "Invoice PDFs cannot be produced right now. Please try "
                "again later; the invoice details are on its page."
            ),
        )
    return send_stored(stored)


def _unpaid_text(count: int, overdue: int) -> str:
    """ "3 unpaid invoices, 1 overdue": the badge's sentence and the summary's."""
    unpaid = ngettext("%(num)d unpaid invoice", "%(num)d unpaid invoices", count)
    if not overdue:
        return unpaid
    late = ngettext("%(num)d overdue", "%(num)d overdue", overdue)
    return _("%(unpaid)s, %(overdue)s", unpaid=unpaid, overdue=late)


def _unpaid(company_ids: list[int]) -> dict[int, Unpaid]:
    """The switcher's badge and the invoice list's summary ask about the same companies
    (every company of the login where its role sees invoices): one query a request."""
    return per_request(
        "unpaid",
        tuple(company_ids),
        lambda: unpaid_summary(db.session, company_ids, local_today()),
    )


@badge_provider(
    "invoices",
    permission="invoices.view",
    order=10,
    summary=lambda count, late: _unpaid_text(count, late),
)
def unpaid_invoices(session: Session, company_ids: list[int]) -> dict[int, Badge]:
    badges = {}
    for company_id, unpaid in _unpaid(company_ids).items():
        short = ngettext("%(num)d unpaid", "%(num)d unpaid", unpaid.count)
        if unpaid.overdue:
            late = ngettext("%(num)d overdue", "%(num)d overdue", unpaid.overdue)
            short = _("%(unpaid)s, %(overdue)s", unpaid=short, overdue=late)
        badges[company_id] = Badge(
            short=short,
            label=_unpaid_text(unpaid.count, unpaid.overdue),
            count=unpaid.count,
            icon="icon-invoice",
            tone="alert" if unpaid.overdue else "attention",
            endpoint="company.invoices",
            detail=" + ".join(money_text(left, currency) for currency, left in unpaid.to_pay),
            urgent=unpaid.overdue,
            to_pay=unpaid.to_pay,
        )
    return badges


TO_PAY_SHOWN = 5  # open invoices listed on the card; the invoice list has them all


@overview_card("to_pay", permission="invoices.view", order=10)
def to_pay_card(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Card]:
    """What is left to pay, per currency, and the open invoices, the most urgent first (the
    overdue ones, then by due date), each with its payment code: one query for all the
    companies."""
    open_invoices: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in session.scalars(
        select(Invoice)
        .where(Invoice.company_id.in_(company_ids), Invoice.is_open)
        .options(joinedload(Invoice.issuer))
        .order_by(Invoice.due_date, Invoice.issue_date, Invoice.id)
    ):
        open_invoices[invoice.company_id].append(invoice)
    cards = {}
    for company_id in company_ids:
        invoices = open_invoices.get(company_id, [])
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for invoice in invoices:
            totals[invoice.currency] += invoice.balance
        shown = invoices[:TO_PAY_SHOWN]
        # What can be paid (a credit, a settlement in the customer's favour, cannot).
        payable = [(i, invoice_payment_code(i)) for i in shown if i.balance > 0]
        cards[company_id] = Card(
            "to_pay",
            {
                "totals": dict(sorted(totals.items())),
                "invoices": shown,
                "count": len(invoices),
                "more": len(invoices) - len(shown),
                "overdue": sum(1 for i in invoices if i.is_overdue(today)),
                "payable": payable,
                "today": today,
            },
            size="wide",
        )
    return cards
