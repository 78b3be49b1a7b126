"""How values read to people: one registry of label tables, each complete for its enum and
kept apart from another enum's that shares a value, filled by each area once; and the status
predicates that pages ask instead of comparing strings."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import pytest
from sqlalchemy import select

from models.billing import AdvancePayment, AdvanceStatus, Invoice, InvoiceStatus
from models.billing.labels import INVOICE_STATUS_LABELS
from models.labels import LABELS, label_of, register
from models.supply import Commodity, ReadingSource, ReadingStatus, register_label
from tests import factories


class Light(enum.StrEnum):
    ON = "on"
    OFF = "off"


class Switch(enum.StrEnum):
    ON = "on"


@pytest.fixture
def registry():
    """The registry as it is, restored after a test that adds to it."""
    before = dict(LABELS)
    yield
    LABELS.clear()
    LABELS.update(before)


def test_two_enums_sharing_a_value_keep_their_own_labels(registry):
    register({Light.ON: "Lit", Light.OFF: "Dark"})
    register({Switch.ON: "Switched on"})
    assert (label_of(Light.ON), label_of(Switch.ON)) == ("Lit", "Switched on")
    # The same holds for the areas' own: an invoice's and an advance's "paid".
    assert label_of(InvoiceStatus.ISSUED) == "Unpaid" and label_of(AdvanceStatus.DUE) == "Due"


def test_a_label_table_must_cover_every_member_of_its_enum(registry):
    with pytest.raises(ValueError, match="Light has no label for OFF"):
        register({Light.ON: "Lit"})
    with pytest.raises(ValueError, match="exactly one enum"):
        register({Light.ON: "Lit", Light.OFF: "Dark", Commodity.GAS: "Gas"})


@pytest.mark.parametrize("kind", [Commodity, ReadingStatus, ReadingSource, InvoiceStatus])
def test_every_value_shown_by_the_areas_has_a_label(kind):
    assert all(label_of(member) for member in kind)


def test_the_supply_labels_read_as_before():
    assert label_of(ReadingStatus.PENDING_REVIEW) == "Being checked"
    assert label_of(ReadingStatus.SUPERSEDED) == "Replaced"
    assert label_of(Commodity.GAS) == "Gas"
    assert register_label("HT") == "High tariff (HT)"
    assert register_label("X9") == "X9"
    assert register_label("NT", str.upper) == "LOW TARIFF (NT)"  # translated by the caller


def test_invoice_status_labels_read_as_people_say_them():
    assert INVOICE_STATUS_LABELS[InvoiceStatus.PARTIALLY_PAID] == "Partially paid"


def test_an_invoice_is_open_while_something_is_left_to_pay(session, people):
    invoice = factories.invoice(session, people.alfa, due="2026-11-15")
    assert invoice.is_open and not invoice.is_paid
    assert invoice.is_overdue(dt.date(2026, 11, 16)) and not invoice.is_overdue(
        dt.date(2026, 11, 15)
    )
    assert session.scalars(select(Invoice.id).where(Invoice.is_open)).all() == [invoice.id]
    for status, is_open in [
        (InvoiceStatus.PARTIALLY_PAID, True),
        (InvoiceStatus.PAID, False),
        (InvoiceStatus.CANCELLED, False),
    ]:
        invoice.status = status
        session.flush()
        assert invoice.is_open is is_open
        assert (session.scalars(select(Invoice.id).where(Invoice.is_open)).all() != []) is is_open
        assert not invoice.is_overdue(dt.date(2027, 1, 1)) or is_open


def test_an_advance_is_due_until_paid(session, people):
    advance = AdvancePayment(
        company_id=people.alfa.id,
        due_date=dt.date(2026, 11, 15),
        amount=Decimal("45.00"),
        variable_symbol="1",
    )
    session.add(advance)
    session.flush()
    assert advance.is_due and not advance.is_paid and advance.is_overdue(dt.date(2026, 11, 16))
    assert session.scalars(select(AdvancePayment.id).where(AdvancePayment.is_due)).all() == [
        advance.id
    ]
    advance.status = AdvanceStatus.PAID
    assert advance.is_paid and not advance.is_due and not advance.is_overdue(dt.date(2027, 1, 1))
