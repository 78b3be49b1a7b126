"""What happens to invoices after import: payments recorded by the back office (and their
reversals), the customer's unpaid summary, and the versions that still need a PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, case, func, select, update
from sqlalchemy.orm import Session

from models import audit
from models.billing.tables import OPEN_STATUSES, Invoice, InvoicePdf, InvoiceStatus, Payment
from models.db import changed_rows, utcnow
from models.errors import N_, DomainError
from models.identity import Account

CENT = Decimal("0.01")
REFERENCE_LENGTH = 140
REASON_LENGTH = 500


def record_payment(
    session: Session,
    *,
    actor: Account | None,
    invoice: Invoice,
    amount: Decimal,
    expected_version: int,
    paid_on: dt.date | None = None,
    reference: str | None = None,
    today: dt.date | None = None,
) -> Payment:
    """Records a payment of `amount` that arrived on `paid_on` (default `today`, itself by
    default today in UTC), with an optional bank `reference`: the invoice becomes partially
    paid or paid. Refuses a non-positive amount, more than the balance, and a cancelled or
    paid invoice (`amount`), a day in the future (`paid_on`), a reference longer than 140
    characters (`reference`). Atomic: the update applies only to the version the clerk saw,
    so two clerks recording at once cannot both succeed ("changed in the meantime")."""
    today = today or utcnow().date()
    paid_on = paid_on or today
    reference = (reference or "").strip() or None
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
            balance=invoice.balance,
        )
    if paid_on > today:
        raise DomainError(N_("The payment date cannot be in the future."), "paid_on")
    if reference is not None and len(reference) > REFERENCE_LENGTH:
        raise DomainError(
            N_("Shorten the reference to %(max)s characters."), "reference", max=REFERENCE_LENGTH
        )
    status = _settle(session, invoice, expected_version, invoice.paid_amount + amount)
    payment = Payment(
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        recorded_by_id=getattr(actor, "id", None),
    )
    session.add(payment)
    session.flush()
    session.refresh(invoice)
    audit.record(
        session,
        "invoice.payment_recorded",
        actor=actor,
        target=invoice,
        company_id=invoice.company_id,
        number=invoice.number,
        amount=str(amount),
        paid_on=paid_on.isoformat(),
        reference=reference,
        payment=payment.id,
        status=status.value,
    )
    return payment


def reverse_payment(
    session: Session,
    *,
    actor: Account | None,
    payment: Payment,
    reason: str,
    expected_version: int,
) -> Payment:
    """Takes `payment` back (the bank returned it, it belonged to another invoice): writes a
    reversal row of the negative amount with the `reason`, lowers what the invoice has been
    paid and reopens it (issued, or partially paid), as a new version of the invoice (its PDF
    is rendered again). Refuses a missing or too long reason (`reason`), a payment reversed
    already and a reversal (`payment`), and an invoice changed since the clerk saw
    `expected_version`."""
    reason = reason.strip()
    if not reason:
        raise DomainError(N_("Say why the payment is reversed."), "reason")
    if len(reason) > REASON_LENGTH:
        raise DomainError(
            N_("Shorten the reason to %(max)s characters."), "reason", max=REASON_LENGTH
        )
    if payment.is_reversal:
        raise DomainError(N_("A reversal cannot be reversed."), "payment")
    if session.scalar(select(Payment.id).where(Payment.reverses_id == payment.id)) is not None:
        raise DomainError(N_("This payment has been reversed already."), "payment")
    invoice = payment.invoice
    status = _settle(session, invoice, expected_version, invoice.paid_amount - payment.amount)
    reversal = Payment(
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        amount=-payment.amount,
        paid_on=payment.paid_on,
        reference=payment.reference,
        recorded_by_id=getattr(actor, "id", None),
        reverses_id=payment.id,
        reason=reason,
    )
    session.add(reversal)
    session.flush()
    session.refresh(invoice)
    session.refresh(payment)
    audit.record(
        session,
        "invoice.payment_reversed",
        actor=actor,
        target=invoice,
        company_id=invoice.company_id,
        number=invoice.number,
        amount=str(payment.amount),
        reason=reason,
        payment=payment.id,
        status=status.value,
    )
    return reversal


def _settle(
    session: Session, invoice: Invoice, expected_version: int, paid: Decimal
) -> InvoiceStatus:
    """Sets what the invoice has been paid, and the status that follows, in one conditional
    update of the version the clerk saw (which is the one in hand, so `paid` was computed from
    the stored amount), and bumps the version; refuses when either moved on meanwhile."""
    stale = DomainError(N_("This invoice was changed in the meantime. Reload it and try again."))
    if invoice.version != expected_version:
        raise stale
    if paid == invoice.gross_total:
        status = InvoiceStatus.PAID
    elif paid == 0:
        status = InvoiceStatus.ISSUED
    else:
        status = InvoiceStatus.PARTIALLY_PAID
    changed = changed_rows(
        session,
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.version == expected_version)
        .values(paid_amount=paid, status=status, version=Invoice.version + 1),
    )
    if changed != 1:
        raise stale
    return status


@dataclass(frozen=True)
class Unpaid:
    count: int
    overdue: int
    to_pay: tuple[tuple[str, Decimal], ...]  # (currency, left to pay), never added across


def unpaid_summary(session: Session, company_ids: list[int], today: dt.date) -> dict[int, Unpaid]:
    """Per company with open invoices: how many, how many overdue, what is left to pay in each
    currency; one query for all the companies."""
    rows = session.execute(
        select(
            Invoice.company_id,
            Invoice.currency,
            func.count(Invoice.id),
            func.sum(case((Invoice.due_date < today, 1), else_=0)),
            func.sum(Invoice.gross_total - Invoice.paid_amount),
        )
        .where(Invoice.company_id.in_(company_ids), Invoice.status.in_(OPEN_STATUSES))
        .group_by(Invoice.company_id, Invoice.currency)
        .order_by(Invoice.company_id, Invoice.currency)
    )
    found: dict[int, Unpaid] = {}
    for company_id, currency, count, overdue, left in rows:
        before = found.get(company_id, Unpaid(0, 0, ()))
        found[company_id] = Unpaid(
            before.count + count,
            before.overdue + int(overdue or 0),
            (*before.to_pay, (currency, Decimal(left or 0))),
        )
    return found


def pending_pdf_invoices(session: Session) -> Select[Invoice]:
    """Invoices whose current version has no rendered PDF yet."""
    rendered = select(InvoicePdf.id).where(
        InvoicePdf.invoice_id == Invoice.id, InvoicePdf.version == Invoice.version
    )
    return select(Invoice).where(~rendered.exists()).order_by(Invoice.id)


def overdue_filter(today: dt.date) -> ColumnElement[bool]:
    return Invoice.status.in_(OPEN_STATUSES) & (Invoice.due_date < today)
