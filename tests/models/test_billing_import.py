"""Importing invoices: every row checked, all or nothing, idempotent by number and content."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.billing import Invoice, InvoiceLine, import_invoices, read_csv, read_json
from tests import factories
from tests.factories import csv_text, invoice_rows


def run(session, text: str, *, kind: str = "csv"):
    factories.issuer(session)
    reader = read_csv if kind == "csv" else read_json
    return import_invoices(session, *reader(text), actor=None, source="test")


def invoices(session) -> int:
    return session.scalar(select(func.count(Invoice.id)))


def test_a_valid_file_imports_invoices_with_their_lines_and_totals(session, people):
    rows = invoice_rows(people.alfa, "2026-0042") + invoice_rows(people.beta, "2026-0043")
    report = run(session, csv_text(rows))
    assert report.ok and sorted(report.created) == ["2026-0042", "2026-0043"]
    invoice = session.scalars(select(Invoice).where(Invoice.number == "2026-0042")).one()
    assert invoice.company_id == people.alfa.id
    assert [line.line_total for line in invoice.lines] == [Decimal("103.00"), Decimal("17.50")]
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (
        Decimal("120.50"),
        Decimal("24.10"),
        Decimal("144.60"),
    )
    assert isinstance(invoice.gross_total, Decimal)


def test_importing_the_same_file_again_changes_nothing(session, people):
    text = csv_text(invoice_rows(people.alfa, "2026-0042"))
    run(session, text)
    again = run(session, text)
    assert again.ok and again.created == [] and again.unchanged == ["2026-0042"]
    assert invoices(session) == 1
    assert session.scalar(select(func.count(InvoiceLine.id))) == 2


def test_json_imports_the_same_invoices(session, people):
    rows = invoice_rows(people.alfa, "2026-0042")
    header = {
        k: v
        for k, v in rows[0].items()
        if k not in ("description", "quantity", "unit", "unit_price", "vat_rate", "line_total")
    }
    lines = [
        {
            k: r[k]
            for k in ("description", "quantity", "unit", "unit_price", "vat_rate", "line_total")
        }
        for r in rows
    ]
    report = run(session, json.dumps([{**header, "lines": lines}]), kind="json")
    assert report.ok and report.created == ["2026-0042"]
    assert run(session, csv_text(rows)).unchanged == ["2026-0042"]  # same content, same hash


BAD = {
    "wrong total": ({"gross_total": "144.61"}, "gross_total is 144.61"),
    "unknown company": ({"customer_number": "9999999"}, "No company has the customer number"),
    "malformed IBAN": ({"iban": "SK3112000000198742637540"}, "is not a valid IBAN"),
    "malformed date": ({"issue_date": "01.11.2026"}, "is not a date in the form YYYY-MM-DD"),
    "due before issue": ({"due_date": "2026-10-01"}, "The due date is before the issue date"),
    "unknown currency": ({"currency": "XYZ"}, "Unknown currency"),
    "unknown issuer": ({"issuer": "NOBODY"}, "Unknown issuer"),
    "number with a slash": ({"invoice_number": "2026/42"}, "An invoice number has up to 32"),
    "missing column value": ({"variable_symbol": ""}, "variable_symbol is missing"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_invoice_field_refuses_the_whole_file_with_the_row(session, people, case):
    change, message = BAD[case]
    good = invoice_rows(people.beta, "2026-0001")
    bad = invoice_rows(people.alfa, "2026-0042", **change)
    report = run(session, csv_text(good + bad))
    assert not report.ok
    assert invoices(session) == 0  # the good invoice was not written either
    texts = [(p.where, p.message % p.params if p.params else p.message) for p in report.problems]
    assert any(where == "row 4" and message in text for where, text in texts), texts


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (("Energy", "-5", "0.25", "20"), "The quantity cannot be negative"),
        (("Energy", "five", "0.25", "20"), "quantity is not a number"),
        (("Energy", "1", "0.123456", "20"), "unit_price has too many digits"),
        (("Energy", "1", "0.25", "120"), "The VAT rate must be between 0 and 100"),
        (("Energy", "NaN", "0.25", "20"), "quantity is not a number"),
    ],
)
def test_a_bad_line_is_reported_with_its_row(session, people, line, message):
    rows = invoice_rows(people.alfa, "2026-0042")
    bad = dict(rows[1], description=line[0], quantity=line[1], unit_price=line[2], vat_rate=line[3])
    report = run(session, csv_text([rows[0], bad]))
    assert not report.ok and invoices(session) == 0
    texts = [(p.where, p.message % p.params if p.params else p.message) for p in report.problems]
    assert any(where == "row 3" and message in text for where, text in texts), texts


def test_a_line_total_that_does_not_match_quantity_times_price_is_refused(session, people):
    rows = invoice_rows(people.alfa, "2026-0042")
    rows[0]["line_total"] = "103.01"
    report = run(session, csv_text(rows))
    assert any("line_total is 103.01" in p.message % p.params for p in report.problems)


def test_the_same_number_with_other_content_is_refused_in_the_database(session, people):
    run(session, csv_text(invoice_rows(people.alfa, "2026-0042")))
    changed = invoice_rows(people.alfa, "2026-0042", due="2026-11-30")
    report = run(session, csv_text(changed))
    assert not report.ok and "imported before with different content" in report.problems[0].message
    assert session.scalars(select(Invoice.due_date)).one().isoformat() == "2026-11-15"


def test_the_same_number_twice_in_one_file_with_other_content_is_refused(session, people):
    rows = invoice_rows(people.alfa, "2026-0042")
    rows[1] = dict(rows[1], due_date="2026-11-30")
    report = run(session, csv_text(rows))
    assert not report.ok and invoices(session) == 0


def test_every_bad_row_is_reported_not_just_the_first(session, people):
    rows = (
        invoice_rows(people.alfa, "A-1", iban="XX00")
        + invoice_rows(people.alfa, "A-2", issued="yesterday")
        + invoice_rows(people.alfa, "A-3", customer_number="0")
    )
    report = run(session, csv_text(rows))
    assert {p.where for p in report.problems} >= {"row 2", "row 4", "row 6"}


def test_a_file_without_the_required_columns_is_refused(session, people):
    report = run(session, "issuer,invoice_number\nENERGIA,1\n")
    assert not report.ok and report.problems[0].message.startswith("Missing columns")


def test_broken_json_is_reported_with_its_line(session, people):
    report = run(session, '[{"issuer": "ENERGIA",\n "lines": [}', kind="json")
    assert not report.ok and report.problems[0].where == "line 2"


def test_an_import_is_audited_once_with_its_counts(session, people):
    run(session, csv_text(invoice_rows(people.alfa, "A-1") + invoice_rows(people.beta, "B-1")))
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invoices.imported")
    ).one()
    assert event.detail_map["created"] == 2
