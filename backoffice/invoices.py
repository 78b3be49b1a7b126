"""Invoices in the back office: search and filter by status, the payment history, recording
payments and reversing them (the billing system's files are imported on the Imports page,
backoffice/imports.py)."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from backoffice import blueprint
from core.extensions import db
from core.forms import Form, form_status, refusals
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import contains, paginate, plain_id, requested_page
from core.permissions import requires
from core.scope import of_visible_companies, staff_get
from models.billing import (
    Invoice,
    InvoiceStatus,
    Payment,
    overdue_filter,
    record_payment,
    reverse_payment,
)
from models.billing.invoices import REASON_LENGTH, REFERENCE_LENGTH
from models.identity import Company
from models.labels import label_of

menu_item(
    "backoffice", "backoffice.invoices", _l("Invoices"), permission="invoices.manage", order=20
)

FILTERS = {
    "all": _l("All"),
    "open": _l("Open"),
    "overdue": _l("Overdue"),
    "partially_paid": _l("Partially paid"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
}


class PaymentForm(Form):
    amount = DecimalField(
        _l("Amount received"),
        places=2,
        validators=[DataRequired(), NumberRange(min=Decimal("0.01"))],
    )
    paid_on = DateField(
        _l("Received on"),
        # Empty means today (the form starts with today's date).
        validators=[Optional()],
        invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2026-03-31."),
    )
    reference = StringField(
        _l("Reference (optional)"),
        validators=[Optional(), Length(max=REFERENCE_LENGTH)],
        render_kw={"maxlength": REFERENCE_LENGTH, "autocomplete": "off"},
    )
    # The version the clerk saw: a page that went stale meanwhile is refused.
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.version.errors:  # a hidden field: its message goes to the top of the form
            self.form_errors.append(
                _("This page is out of date. Reload it and enter the payment again.")
            )
        return valid


class ReversalForm(Form):
    reason = TextAreaField(
        _l("Why is the payment reversed?"),
        validators=[
            InputRequired(message=_l("Say why the payment is reversed.")),
            Length(max=REASON_LENGTH),
        ],
        render_kw={"maxlength": REASON_LENGTH, "rows": 3},
    )
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.version.errors:
            self.form_errors.append(_("This page is out of date. Reload it and try again."))
        return valid


def _visible_invoice(invoice_id: int) -> Invoice:
    return staff_get(
        Invoice,
        invoice_id,
        options=[
            selectinload(Invoice.lines),
            selectinload(Invoice.payments).joinedload(Payment.recorded_by),
            joinedload(Invoice.company),
        ],
    )


def _filtered(stmt: Select[tuple[Invoice]], shown: str) -> Select[tuple[Invoice]]:
    if shown == "open":
        return stmt.where(Invoice.is_open)
    if shown == "overdue":
        return stmt.where(overdue_filter(local_today()))
    if shown in ("partially_paid", "paid", "cancelled"):
        return stmt.where(Invoice.status == InvoiceStatus(shown))
    return stmt


@blueprint.route("/invoices")
@requires("invoices.manage")
def invoices() -> str:
    query = request.args.get("q", "").strip()[:60]
    shown = request.args.get("status", "all")
    shown = shown if shown in FILTERS else "all"
    # A company's invoices (the link from its page); anything but a plain id is ignored.
    company_id = plain_id(request.args.get("company", ""))
    stmt = (
        select(Invoice)
        .join(Invoice.company)
        .where(of_visible_companies(Invoice.company_id))
        .options(contains_eager(Invoice.company))
    )
    if query:
        stmt = stmt.where(
            or_(
                Invoice.number == query,
                Invoice.variable_symbol == query,
                Company.customer_number == query,
                contains(Company.legal_name, query),
            )
        )
    if company_id is not None:
        stmt = stmt.where(Invoice.company_id == company_id)
    page = paginate(
        db.session,
        _filtered(stmt, shown).order_by(Invoice.issue_date.desc(), Invoice.id.desc()),
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
        count_ahead=current_app.config["COUNT_AHEAD"],
    )
    return render_template(
        "backoffice/invoices/index.html",
        page=page,
        query=query,
        shown=shown,
        filters=FILTERS,
        company_id=company_id,
        today=local_today(),
    )


def _detail_page(invoice: Invoice, form: PaymentForm, status: int) -> tuple[str, int]:
    today = local_today()
    form.paid_on.render_kw = {"max": today.isoformat()}
    page = render_template(
        "backoffice/invoices/detail.html",
        invoice=invoice,
        form=form,
        reversals={p.reverses_id: p for p in invoice.payments if p.reverses_id is not None},
        today=today,
    )
    return page, status


@blueprint.route("/invoices/<int:invoice_id>", methods=["GET", "POST"])
@requires("invoices.manage")
def invoices_detail(invoice_id: int) -> Response | tuple[str, int]:
    invoice = _visible_invoice(invoice_id)
    form = PaymentForm(
        data=None
        if request.method == "POST"
        else {"version": invoice.version, "paid_on": local_today()}
    )
    if form.validate_on_submit():
        with refusals(form):
            record_payment(
                db.session,
                actor=current_user._get_current_object(),
                invoice=invoice,
                amount=form.amount.data,
                expected_version=form.version.data,
                paid_on=form.paid_on.data,
                reference=form.reference.data,
                today=local_today(),
            )
            flash(
                _(
                    "Payment recorded. Invoice %(number)s is now %(status)s.",
                    number=invoice.number,
                    status=_(label_of(invoice.status)),
                ),
                "success",
            )
            return redirect(url_for("backoffice.invoices_detail", invoice_id=invoice.id))
        invoice = _visible_invoice(invoice_id)
    return _detail_page(invoice, form, form_status(form))


@blueprint.route(
    "/invoices/<int:invoice_id>/payments/<int:payment_id>/reverse", methods=["GET", "POST"]
)
@requires("invoices.manage")
def invoices_reverse_payment(invoice_id: int, payment_id: int) -> Response | tuple[str, int]:
    """A confirmation page: what is reversed, why (required), and a button saying what it does."""
    invoice = _visible_invoice(invoice_id)
    payment = _payment_of(invoice, payment_id)
    form = ReversalForm(data=None if request.method == "POST" else {"version": invoice.version})
    if form.validate_on_submit():
        with refusals(form):
            reverse_payment(
                db.session,
                actor=current_user._get_current_object(),
                payment=payment,
                reason=form.reason.data or "",
                expected_version=form.version.data,
            )
            flash(
                _(
                    "The payment of %(amount)s was reversed. Invoice %(number)s is now %(status)s.",
                    amount=format_currency(payment.amount, invoice.currency),
                    number=invoice.number,
                    status=_(label_of(invoice.status)),
                ),
                "success",
            )
            return redirect(url_for("backoffice.invoices_detail", invoice_id=invoice.id))
        invoice = _visible_invoice(invoice_id)
        payment = _payment_of(invoice, payment_id)
    page = render_template(
        "backoffice/invoices/reverse.html",
        invoice=invoice,
        payment=payment,
        reversal=next((p for p in invoice.payments if p.reverses_id == payment.id), None),
        form=form,
    )
    return page, form_status(form)


def _payment_of(invoice: Invoice, payment_id: int) -> Payment:
    """One of the invoice's payments (loaded with it, so through the staff scope), else 404."""
    found = next((p for p in invoice.payments if p.id == payment_id), None)
    if found is None:
        abort(404)
    return found
