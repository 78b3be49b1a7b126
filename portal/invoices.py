"""Invoices of the current company: a filtered list with the unpaid total, the detail, the
PDF (rendered once per version, then served as stored), and the switcher badge."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_babel import format_currency, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, extract, func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from core import pdf
from core.badges import Badge, badge_provider
from core.errors import render_error
from core.extensions import db, limiter
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import paginate, requested_page
from core.pdf import PdfUnavailable
from core.permissions import requires
from core.scope import current_scope
from core.storage import send_stored
from models.billing import Invoice, InvoiceStatus, overdue_filter, unpaid_summary
from models.billing.documents import invoice_pdf, stored_invoice_pdf
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
    unpaid = unpaid_summary(db.session, [scope.company_id], local_today()).get(scope.company_id)
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
        "portal/invoices/detail.html", scope=current_scope(), invoice=invoice, today=local_today()
    )


@blueprint.route("/invoices/<number>/pdf")
@requires("invoices.view")
@limiter.limit("60 per minute")
def invoices_pdf(number: str) -> Response | tuple[str, int]:
    # The usual case, one query: the stored PDF of the invoice's current version.
    stored = stored_invoice_pdf(db.session, _invoice_query(number))
    if stored is not None:
        return send_stored(stored)
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


@badge_provider("invoices", permission="invoices.view")
def unpaid_invoices(session: Session, company_ids: list[int]) -> dict[int, Badge]:
    badges = {}
    for company_id, unpaid in unpaid_summary(session, company_ids, local_today()).items():
        badges[company_id] = Badge(
            label=ngettext("unpaid invoice", "unpaid invoices", unpaid.count),
            count=unpaid.count,
            tone="alert" if unpaid.overdue else "attention",
            endpoint="company.invoices",
            detail=format_currency(unpaid.balance, "EUR"),
        )
    return badges
