"""Invoice payments: partial and full, never more than the balance, never on a stale view;
overdue is derived from the due date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models.billing import InvoiceStatus, record_payment, unpaid_summary
from models.errors import DomainError
from tests import factories


def test_a_partial_payment_leaves_the_balance_and_a_full_one_settles(session, people):
    invoice = factories.invoice(session, people.alfa)
    record_payment(
        session, actor=people.clerk, invoice=invoice, amount=Decimal("44.60"), expected_version=1
    )
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.balance == Decimal("100.00") and invoice.version == 2
    record_payment(
        session, actor=people.clerk, invoice=invoice, amount=Decimal("100.00"), expected_version=2
    )
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == 0


@pytest.mark.parametrize("amount", ["0", "-1", "144.61", "0.001"])
def test_a_payment_must_be_positive_and_at_most_the_balance(session, people, amount):
    invoice = factories.invoice(session, people.alfa)
    with pytest.raises(DomainError) as refused:
        record_payment(
            session, actor=people.clerk, invoice=invoice, amount=Decimal(amount), expected_version=1
        )
    assert refused.value.field == "amount"
    assert invoice.status == InvoiceStatus.ISSUED


def test_a_payment_on_a_version_someone_else_changed_is_refused(session, people):
    invoice = factories.invoice(session, people.alfa)
    record_payment(
        session, actor=people.clerk, invoice=invoice, amount=Decimal("10"), expected_version=1
    )
    with pytest.raises(DomainError) as refused:
        record_payment(
            session, actor=people.admin, invoice=invoice, amount=Decimal("10"), expected_version=1
        )
    assert "changed in the meantime" in refused.value.message
    assert invoice.paid_amount == Decimal("10.00")


def test_a_cancelled_invoice_takes_no_payment(session, people):
    invoice = factories.invoice(session, people.alfa, status="cancelled")
    with pytest.raises(DomainError):
        record_payment(
            session, actor=people.clerk, invoice=invoice, amount=Decimal("1"), expected_version=1
        )


def test_overdue_is_derived_from_the_due_date(session, people):
    invoice = factories.invoice(session, people.alfa, due="2026-11-15")
    assert not invoice.is_overdue(dt.date(2026, 11, 15))
    assert invoice.is_overdue(dt.date(2026, 11, 16))
    record_payment(
        session, actor=people.clerk, invoice=invoice, amount=invoice.gross_total, expected_version=1
    )
    assert not invoice.is_overdue(dt.date(2026, 12, 1))


def test_the_unpaid_summary_counts_open_invoices_and_their_balance(session, people):
    factories.invoice(session, people.alfa, "A-1", due="2026-11-10")
    partly = factories.invoice(session, people.alfa, "A-2", due="2026-12-10")
    paid = factories.invoice(session, people.alfa, "A-3")
    record_payment(
        session, actor=people.clerk, invoice=partly, amount=Decimal("44.60"), expected_version=1
    )
    record_payment(
        session, actor=people.clerk, invoice=paid, amount=paid.gross_total, expected_version=1
    )
    summary = unpaid_summary(session, [people.alfa.id, people.beta.id], dt.date(2026, 11, 23))
    assert set(summary) == {people.alfa.id}
    alfa = summary[people.alfa.id]
    assert (alfa.count, alfa.overdue, alfa.to_pay) == (2, 1, (("EUR", Decimal("244.60")),))


def test_the_unpaid_summary_never_adds_up_two_currencies(session, people):
    factories.invoice(session, people.alfa, "A-1", due="2026-12-10")
    factories.invoice(session, people.alfa, "C-1", due="2026-11-10", currency="CZK")
    summary = unpaid_summary(session, [people.alfa.id], dt.date(2026, 11, 23))[people.alfa.id]
    assert (summary.count, summary.overdue) == (2, 1)
    assert summary.to_pay == (("CZK", Decimal("144.60")), ("EUR", Decimal("144.60")))
