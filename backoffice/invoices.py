"""Invoices in the back office: search, and recording payments (the billing system's files are
imported on the Imports page, backoffice/imports.py)."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import DecimalField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from backoffice import blueprint
from core.extensions import db
from core.forms import Form, form_status, refusals
from core.navigation import menu_item
from core.pagination import contains, paginate, requested_page
from core.permissions import requires
from core.scope import staff_get, visible_companies
from models.billing import Invoice, record_payment
from models.identity import Company
from models.labels import label_of

menu_item(
    "backoffice", "backoffice.invoices", _l("Invoices"), permission="invoices.manage", order=20
)


class PaymentForm(Form):
    amount = DecimalField(
        _l("Amount received"),
        places=2,
        validators=[DataRequired(), NumberRange(min=Decimal("0.01"))],
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


def _visible_invoice(invoice_id: int) -> Invoice:
    return staff_get(
        Invoice, invoice_id, options=[selectinload(Invoice.lines), joinedload(Invoice.company)]
    )


@blueprint.route("/invoices")
@requires("invoices.manage")
def invoices() -> str:
    query = request.args.get("q", "").strip()[:60]
    companies = visible_companies().with_only_columns(Company.id)
    stmt = (
        select(Invoice)
        .join(Invoice.company)
        .where(Invoice.company_id.in_(companies))
        .options(joinedload(Invoice.company))
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
    page = paginate(
        db.session,
        stmt.order_by(Invoice.issue_date.desc(), Invoice.id.desc()),
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "backoffice/invoices/index.html",
        page=page,
        query=query,
    )


@blueprint.route("/invoices/<int:invoice_id>", methods=["GET", "POST"])
@requires("invoices.manage")
def invoices_detail(invoice_id: int) -> Response | tuple[str, int]:
    invoice = _visible_invoice(invoice_id)
    form = PaymentForm(data=None if request.method == "POST" else {"version": invoice.version})
    if form.validate_on_submit():
        with refusals(form):
            record_payment(
                db.session,
                actor=current_user._get_current_object(),
                invoice=invoice,
                amount=form.amount.data,
                expected_version=form.version.data,
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
    page = render_template(
        "backoffice/invoices/detail.html",
        invoice=invoice,
        form=form,
    )
    return page, form_status(form)
