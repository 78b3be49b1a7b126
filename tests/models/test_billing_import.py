"""Importing invoices: every row checked, all or nothing, idempotent by number and content, and
a file that is too large, malformed or full of problems refused in bounded time and space."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.billing import (
    Invoice,
    InvoiceLine,
    import_invoices,
    read_csv,
    read_invoice_file,
    read_json,
)
from models.billing.imports import LINE_FIELDS, MAX_FILE_INVOICES
from models.imports import MAX_PROBLEMS, Outcome
from tests import factories
from tests.factories import csv_text, invoice_rows


def run(session, text: str, *, kind: str = "csv"):
    factories.issuer(session)
    reader = read_csv if kind == "csv" else read_json
    return import_invoices(session, *reader(text), actor=None, source="test")


def texts(report) -> list[tuple[str, str]]:
    """(where, message) of each problem kept, as the command line prints them."""
    return [(str(p.where), p.text()) for p in report.problems]


def invoice_json(company, number: str = "2026-0042", **change) -> dict:
    """One invoice of `invoice_rows` as a JSON object with its lines."""
    rows = invoice_rows(company, number)
    header = {k: v for k, v in rows[0].items() if k not in LINE_FIELDS}
    return {**header, "lines": [{k: r[k] for k in LINE_FIELDS} for r in rows], **change}


def invoices(session) -> int:
    return session.scalar(select(func.count(Invoice.id)))


def test_a_valid_file_imports_invoices_with_their_lines_and_totals(session, people):
    rows = invoice_rows(people.alfa, "2026-0042") + invoice_rows(people.beta, "2026-0043")
    report = run(session, csv_text(rows))
    assert report.ok and sorted(report.names(Outcome.IMPORTED)) == ["2026-0042", "2026-0043"]
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
    assert again.ok and again.names(Outcome.IMPORTED) == []
    assert again.names(Outcome.UNCHANGED) == ["2026-0042"]
    assert invoices(session) == 1
    assert session.scalar(select(func.count(InvoiceLine.id))) == 2


def test_json_imports_the_same_invoices(session, people):
    report = run(session, json.dumps([invoice_json(people.alfa)]), kind="json")
    assert report.ok and report.names(Outcome.IMPORTED) == ["2026-0042"]
    again = run(session, csv_text(invoice_rows(people.alfa, "2026-0042")))
    assert again.names(Outcome.UNCHANGED) == ["2026-0042"]  # same content, same hash


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
    found = texts(report)
    assert any(where == "row 4" and message in text for where, text in found), found


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
    found = texts(report)
    assert any(where == "row 3" and message in text for where, text in found), found


def test_a_line_total_that_does_not_match_quantity_times_price_is_refused(session, people):
    rows = invoice_rows(people.alfa, "2026-0042")
    rows[0]["line_total"] = "103.01"
    report = run(session, csv_text(rows))
    assert any("line_total is 103.01" in text for _, text in texts(report))


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
    assert {where for where, _ in texts(report)} >= {"row 2", "row 4", "row 6"}
    assert report.count(Outcome.REFUSED) == 3


def test_a_file_without_the_required_columns_is_refused(session, people):
    report = run(session, "issuer,invoice_number\nENERGIA,1\n")
    assert not report.ok and "it lacks customer_number" in report.error.text()


def test_broken_json_is_reported_with_its_line(session, people):
    report = run(session, '[{"issuer": "ENERGIA",\n "lines": [}', kind="json")
    assert not report.ok and report.error.params["line"] == 2


def test_an_import_is_audited_once_with_its_counts(session, people):
    run(session, csv_text(invoice_rows(people.alfa, "A-1") + invoice_rows(people.beta, "B-1")))
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invoices.imported")
    ).one()
    assert event.detail_map["created"] == 2


def test_a_file_of_a_single_invoice_object_imports_it(session, people):
    report = run(session, json.dumps(invoice_json(people.alfa)), kind="json")
    assert report.ok and report.names(Outcome.IMPORTED) == ["2026-0042"]


def test_json_numbers_are_taken_as_written(session, people):
    text = json.dumps([invoice_json(people.alfa)])
    for number in ("412", "0.2500", "17.50", "144.60"):
        text = text.replace(f'"{number}"', number)  # JSON numbers, not strings
    report = run(session, text, kind="json")
    assert report.ok, texts(report)
    lines = session.scalars(select(InvoiceLine).order_by(InvoiceLine.position)).all()
    assert [(line.quantity, line.unit_price) for line in lines] == [
        (Decimal(412), Decimal("0.25")),
        (Decimal(1), Decimal("17.50")),
    ]


def test_a_file_is_read_as_json_or_csv_by_its_name_or_its_first_character(session, people):
    as_json = json.dumps([invoice_json(people.alfa)])
    assert read_invoice_file("invoices.txt", "\n  " + as_json).drafts[0].header["currency"] == "EUR"
    assert read_invoice_file("export.json", "x").report.error is not None  # JSON, broken
    csv_file = read_invoice_file("invoices.txt", csv_text(invoice_rows(people.alfa)))
    assert len(csv_file.drafts) == 1 and csv_file.report.ok


# Bounded: a hostile or broken file is refused quickly, with a bounded report ----------------


def test_many_bad_invoices_keep_a_page_of_problems_and_count_the_rest(session, people):
    report = run(session, json.dumps(list(range(1_000))), kind="json")
    assert not report.ok
    assert len(report.problems) == MAX_PROBLEMS and report.more_problems == 900
    assert report.problem_count == 1_000 and report.count(Outcome.REFUSED) == 1_000
    assert texts(report)[0] == ("invoice 1", "An invoice must be an object with a list of lines.")


def test_a_file_of_more_invoices_than_allowed_is_refused_whole_and_at_once(session, people):
    report = run(session, "[" + ",".join(["1"] * 300_000) + "]", kind="json")
    assert report.error.text() == f"At most {MAX_FILE_INVOICES} invoices per file."
    assert report.problems == [] and report.items == []


def test_deeply_nested_json_is_refused_not_a_crash(session, people):
    report = run(session, "[" * 100_000 + "]" * 100_000, kind="json")
    assert not report.ok and "nested too deeply" in report.error.text()


def test_a_line_that_is_not_an_object_is_refused_with_its_place(session, people):
    invoice = invoice_json(people.alfa, lines=["x", *invoice_json(people.alfa)["lines"]])
    report = run(session, json.dumps([invoice]), kind="json")
    assert texts(report) == [("invoice 1, line 1", "A line must be an object.")]
    assert invoices(session) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["EUR"], "currency must be text or a number."),
        ({"code": "EUR"}, "currency must be text or a number."),
        (True, "currency must be text or a number."),
        ("EU\u0000R", "currency contains control characters."),
        ("E" * 1_001, "currency is longer than 1000 characters."),
    ],
)
def test_a_field_that_is_not_plain_text_is_refused(session, people, value, message):
    report = run(session, json.dumps([invoice_json(people.alfa, currency=value)]), kind="json")
    assert texts(report) == [("invoice 1", message)]


def test_a_nested_value_inside_a_field_is_refused_not_a_crash(session, people):
    text = json.dumps([invoice_json(people.alfa, currency="@")]).replace(
        '"@"', "[" * 900 + "]" * 900
    )
    report = run(session, text, kind="json")
    assert texts(report) == [("invoice 1", "currency must be text or a number.")]


@pytest.mark.parametrize("top", ['"invoices"', "42", "null", "true"])
def test_a_json_file_that_holds_no_list_of_invoices_is_refused(session, people, top):
    report = run(session, top, kind="json")
    assert report.error.text() == "The file must hold a list of invoices."


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_as_not_json(session, people, constant):
    text = json.dumps([invoice_json(people.alfa)]).replace('"0.2500"', constant)
    report = run(session, text, kind="json")
    assert report.error.text() == f"The file is not valid JSON: {constant} is not a number."


def test_a_csv_field_over_the_csv_limit_is_refused_with_its_row(session, people):
    rows = invoice_rows(people.alfa, "OK-1")
    rows[1] = dict(rows[1], description="x" * 200_000)
    report = run(session, csv_text(rows))
    assert ("row 3", "A field is longer than 1000 characters.") in texts(report)
    assert invoices(session) == 0


def test_control_characters_in_a_csv_field_are_refused(session, people):
    rows = invoice_rows(people.alfa, "OK-1")
    rows[0] = dict(rows[0], description="Electricity\x00")
    report = run(session, csv_text(rows))
    assert texts(report) == [("row 2", "description contains control characters.")]


def test_an_invoice_with_too_many_lines_is_refused_without_checking_each(session, people):
    row = invoice_rows(people.alfa, "BIG-1")[0]
    report = run(session, csv_text([dict(row, quantity="x")] * 501))
    assert texts(report) == [("row 2", "An invoice may have at most 500 lines.")]


def test_a_text_larger_than_an_import_file_is_refused(session, people, monkeypatch):
    monkeypatch.setattr("models.imports.MAX_FILE_BYTES", 2**20)
    report = run(session, csv_text(invoice_rows(people.alfa)) + " " * 2**20)
    assert report.error.text() == "The file is larger than 1 MB."


def test_a_settlement_deducting_the_advances_paid_may_end_in_a_credit(session, people):
    lines = (
        ("Electricity, 10/2025-09/2026", "412", "0.2500", "20"),
        ("Monthly fee, 10/2025-09/2026", "12", "17.50", "20"),
        ("Advance payments paid, 10/2025-09/2026", "12", "-35.00", "0"),
    )
    report = run(session, csv_text(invoice_rows(people.alfa, "2026-0042", lines=lines)))
    assert report.ok, texts(report)
    invoice = session.scalars(select(Invoice)).one()
    assert invoice.lines[-1].line_total == Decimal("-420.00")
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (
        Decimal("-107.00"),
        Decimal("62.60"),
        Decimal("-44.40"),
    )
