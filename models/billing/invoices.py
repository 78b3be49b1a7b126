"""What happens to invoices after import: payments recorded by the back office, the
customer's unpaid summary, and the versions that still need a PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, func, select, update
from sqlalchemy.orm import Session

from models import audit
from models.billing.tables import OPEN_STATUSES, Invoice, InvoicePdf, InvoiceStatus
from models.db import changed_rows
from models.errors import N_, DomainError
from models.identity import Account

CENT = Decimal("0.01")


def record_payment(
    session: Session, *, actor: Account, invoice: Invoice, amount: Decimal, expected_version: int
) -> None:
    """Adds a payment of `amount` (field `amount`): the invoice becomes partially paid or
    paid. Refuses a non-positive amount, more than the balance, and a cancelled or paid
    invoice. Atomic: the update applies only to the version the clerk saw, so two clerks
    recording at once cannot both succeed ("already changed")."""
    if invoice.status in (InvoiceStatus.CANCELLED, InvoiceStatus.PAID):
        raise DomainError(
            N_("This invoice is paid or cancelled; no payment can be recorded."),
            "amount",
        )
    if amount <= 0:
        raise DomainError(N_("Enter an amount greater than zero."), "amount")
    if amount != amount.quantize(CENT):
        raise DomainError(N_("Enter the amount in whole cents."), "amount")
    amount = amount.quantize(CENT)
    if amount > invoice.balance:
        raise DomainError(
            N_("The amount is more than the balance of %(balance)s."),
            "amount",
            balance=str(invoice.balance),
        )
    paid = invoice.paid_amount + amount
    status = InvoiceStatus.PAID if paid == invoice.gross_total else InvoiceStatus.PARTIALLY_PAID
    changed = changed_rows(
        session,
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.version == expected_version)
        .values(paid_amount=paid, status=status, version=Invoice.version + 1),
    )
    if changed != 1:
        raise DomainError(N_("This invoice was changed in the meantime. Reload it and try again."))
    session.refresh(invoice)
    audit.record(
        session,
        "invoice.payment_recorded",
        actor=actor,
        target=invoice,
        company_id=invoice.company_id,
        number=invoice.number,
        amount=str(amount),
        status=status.value,
    )


@dataclass(frozen=True)
class Unpaid:
    count: int
    overdue: int
    balance: Decimal


def unpaid_summary(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Unpaid]:
    """Per company with open invoices: how many, how many overdue, the balance to pay."""
    rows = session.execute(
        select(
            Invoice.company_id,
            func.count(Invoice.id),
            func.sum(case((Invoice.due_date < today, 1), else_=0)),
            func.sum(Invoice.gross_total - Invoice.paid_amount),
        )
        .where(Invoice.company_id.in_(company_ids), Invoice.status.in_(OPEN_STATUSES))
        .group_by(Invoice.company_id)
    )
    return {
        cid: Unpaid(count, int(overdue or 0), Decimal(total or 0))
        for cid, count, overdue, total in rows
    }


def pending_pdf_invoices(session: Session) -> Select[Invoice]:
    """Invoices whose current version has no rendered PDF yet."""
    rendered = select(InvoicePdf.id).where(
        InvoicePdf.invoice_id == Invoice.id, InvoicePdf.version == Invoice.version
    )
    return select(Invoice).where(~rendered.exists()).order_by(Invoice.id)


def overdue_filter(today: dt.date) -> ColumnElement[bool]:
    return Invoice.status.in_(OPEN_STATUSES) & (Invoice.due_date < today)
