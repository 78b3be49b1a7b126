"""Payments as a history: each payment is a row, a reversal is a row of its own, and an
invoice's paid amount is always the sum of its rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.database import alembic_config
from models.audit import AuditEvent
from models.billing import (
    Invoice,
    InvoiceStatus,
    Payment,
    pending_pdf_invoices,
    record_payment,
    reverse_payment,
)
from models.billing.documents import invoice_pdf
from models.db import make_engine
from models.errors import DomainError
from tests import factories
from tests.conftest import fresh_database, migrate

TODAY = dt.date(2026, 11, 20)


def pay(session, people, invoice, amount, **kwargs):  # type: ignore[no-untyped-def]
    return record_payment(
        session,
        actor=people.clerk,
        invoice=invoice,
        amount=Decimal(amount),
        expected_version=invoice.version,
        today=TODAY,
        **kwargs,
    )


def reverse(session, people, payment, reason="Returned by the bank", **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("expected_version", payment.invoice.version)
    return reverse_payment(session, actor=people.clerk, payment=payment, reason=reason, **kwargs)


def paid_in_rows(session, invoice: Invoice) -> Decimal:  # type: ignore[no-untyped-def]
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.invoice_id == invoice.id)
    )
    return Decimal(total).quantize(Decimal("0.01"))


def test_each_payment_is_a_row_with_its_date_reference_and_clerk(session, people):
    invoice = factories.invoice(session, people.alfa)
    first = pay(
        session, people, invoice, "44.60", paid_on=dt.date(2026, 11, 18), reference=" VY-1 "
    )
    second = pay(session, people, invoice, "100")
    assert [p.id for p in invoice.payments] == [first.id, second.id]
    assert (first.amount, first.paid_on, first.reference) == (
        Decimal("44.60"),
        dt.date(2026, 11, 18),
        "VY-1",
    )
    assert second.paid_on == TODAY and second.reference is None
    assert first.recorded_by_id == people.clerk.id and first.company_id == people.alfa.id
    assert first.recorded_at.tzinfo is not None
    assert invoice.status == InvoiceStatus.PAID


def test_the_paid_amount_is_always_the_sum_of_the_rows(session, people):
    invoice = factories.invoice(session, people.alfa)
    first = pay(session, people, invoice, "10")
    assert invoice.paid_amount == paid_in_rows(session, invoice) == Decimal("10.00")
    pay(session, people, invoice, "20.50")
    assert invoice.paid_amount == paid_in_rows(session, invoice) == Decimal("30.50")
    reverse(session, people, first)
    assert invoice.paid_amount == paid_in_rows(session, invoice) == Decimal("20.50")


def test_a_payment_dated_in_the_future_is_refused(session, people):
    invoice = factories.invoice(session, people.alfa)
    with pytest.raises(DomainError) as refused:
        pay(session, people, invoice, "10", paid_on=TODAY + dt.timedelta(days=1))
    assert refused.value.field == "paid_on"
    assert invoice.payments == [] and invoice.version == 1


def test_a_reference_longer_than_a_bank_statement_line_is_refused(session, people):
    invoice = factories.invoice(session, people.alfa)
    with pytest.raises(DomainError) as refused:
        pay(session, people, invoice, "10", reference="x" * 141)
    assert refused.value.field == "reference"


def test_reversing_restores_the_balance_and_reopens_the_invoice(session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, invoice.gross_total)
    assert invoice.status == InvoiceStatus.PAID and invoice.version == 2
    reversal = reverse(session, people, payment, reason="  Meant for invoice 2026-0099  ")
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.balance == invoice.gross_total and invoice.version == 3
    assert reversal.amount == -payment.amount and reversal.reverses_id == payment.id
    assert reversal.reason == "Meant for invoice 2026-0099"
    assert reversal.recorded_by_id == people.clerk.id
    assert payment.reversed_by is reversal and invoice.standing_payments == []


def test_reversing_one_of_two_payments_leaves_the_invoice_partially_paid(session, people):
    invoice = factories.invoice(session, people.alfa)
    first = pay(session, people, invoice, "44.60")
    pay(session, people, invoice, "100")
    reverse(session, people, first)
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.balance == Decimal("44.60")
    assert [p.amount for p in invoice.standing_payments] == [Decimal("100.00")]


def test_a_reversed_invoice_past_its_due_date_is_overdue_again(session, people):
    invoice = factories.invoice(session, people.alfa, due="2026-11-15")
    payment = pay(session, people, invoice, invoice.gross_total)
    assert not invoice.is_overdue(TODAY)
    reverse(session, people, payment)
    assert invoice.is_overdue(TODAY)


def test_a_payment_is_reversed_once_and_a_reversal_never(session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, "10")
    reversal = reverse(session, people, payment)
    with pytest.raises(DomainError) as twice:
        reverse(session, people, payment)
    assert twice.value.field == "payment" and "reversed already" in twice.value.message
    with pytest.raises(DomainError) as of_reversal:
        reverse(session, people, reversal)
    assert of_reversal.value.field == "payment"
    assert invoice.paid_amount == Decimal("0.00") and invoice.version == 3


def test_the_database_holds_one_reversal_per_payment_whatever_the_code_does(session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, "10")
    reverse(session, people, payment)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            Payment(
                invoice_id=invoice.id,
                company_id=invoice.company_id,
                amount=Decimal("-10.00"),
                paid_on=TODAY,
                reverses_id=payment.id,
                reason="again",
            )
        )
        session.flush()


def test_a_reversal_needs_a_reason(session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, "10")
    with pytest.raises(DomainError) as refused:
        reverse(session, people, payment, reason="   ")
    assert refused.value.field == "reason"
    assert invoice.paid_amount == Decimal("10.00") and payment.reversed_by is None


def test_a_reversal_from_a_stale_page_is_refused(session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, "10")
    pay(session, people, invoice, "5")  # another clerk, meanwhile
    with pytest.raises(DomainError) as refused:
        reverse(session, people, payment, expected_version=2)
    assert "changed in the meantime" in refused.value.message
    assert invoice.paid_amount == Decimal("15.00") and invoice.version == 3
    assert paid_in_rows(session, invoice) == Decimal("15.00")


def test_a_version_changed_in_the_database_meanwhile_is_refused(session, people):
    # The invoice in hand says version 2, but another transaction moved the row on.
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, "10")
    session.execute(Invoice.__table__.update().where(Invoice.id == invoice.id).values(version=3))
    with pytest.raises(DomainError) as refused:
        reverse(session, people, payment, expected_version=2)
    assert "changed in the meantime" in refused.value.message


def test_the_reversal_is_audited_with_number_amount_and_reason(session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, "12.50", reference="VY-7")
    reverse(session, people, payment, reason="Bounced")
    recorded, reversed_ = (
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["invoice.payment_recorded", "invoice.payment_reversed"]))
            .order_by(AuditEvent.id)
        )
    ).all()
    assert recorded.detail_map["reference"] == "VY-7"
    assert reversed_.action == "invoice.payment_reversed"
    assert reversed_.actor_id == people.clerk.id and reversed_.company_id == people.alfa.id
    assert reversed_.detail_map["number"] == invoice.number
    assert reversed_.detail_map["amount"] == "12.50"
    assert reversed_.detail_map["reason"] == "Bounced"


def test_after_a_reversal_the_invoice_pdf_is_rendered_again(session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = pay(session, people, invoice, "10")
    versions: list[int] = []

    def render(template: str, *, invoice: Invoice, qr: object) -> bytes:
        versions.append(invoice.version)
        return f"%PDF-1.7 version {invoice.version}".encode()

    paid_pdf, _ = invoice_pdf(session, invoice, render=render)
    assert invoice_pdf(session, invoice, render=render) == (paid_pdf, False)
    reverse(session, people, payment)
    assert invoice.id in [i.id for i in session.scalars(pending_pdf_invoices(session))]
    reopened_pdf, rendered = invoice_pdf(session, invoice, render=render)
    assert rendered and reopened_pdf.id != paid_pdf.id
    assert versions == [2, 3]


def test_the_migration_rebuilds_the_history_of_payments_recorded_before_it(
    database_url, tmp_path_factory
):
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url = fresh_database(kind, tmp_path_factory, "payment_history")
    migrate(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as s:
        people = factories.people(s)
        invoice = factories.invoice(s, people.alfa)
        untold = factories.invoice(s, people.beta, "2026-0043")
        pay(s, people, invoice, "44.60")
        pay(s, people, invoice, "50")
        s.commit()
    with engine.begin() as conn:
        command.downgrade(alembic_config(url, conn), "0006_reading_replacements")
        # Paid before any audit event told of it (none should be): one row of the amount.
        conn.execute(
            Invoice.__table__.update().where(Invoice.id == untold.id).values(paid_amount=12)
        )
        command.upgrade(alembic_config(url, conn), "head")
    with Session(engine) as s:
        rows = s.scalars(select(Payment).order_by(Payment.id)).all()
        assert [(p.invoice_id, p.amount, p.recorded_by_id) for p in rows] == [
            (invoice.id, Decimal("44.60"), people.clerk.id),
            (invoice.id, Decimal("50.00"), people.clerk.id),
            (untold.id, Decimal("12.00"), None),
        ]
        assert rows[0].recorded_at.tzinfo is not None and rows[2].paid_on == untold.issue_date
        for each in s.scalars(select(Invoice)):
            assert each.paid_amount == paid_in_rows(s, each)
    engine.dispose()
