"""Billing commands: importing an invoice file (all or nothing, a bounded list of problems),
adding an issuer through the domain operation, rendering the PDFs of new invoices, reversing
a payment."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select

from models.audit import AuditEvent
from models.billing import Invoice, InvoicePdf, InvoiceStatus, Issuer, Payment, record_payment
from tests import factories
from tests.factories import csv_text, invoice_rows
from tests.helpers import count


def test_import_invoices_imports_a_good_file_and_refuses_a_bad_one_whole(
    flask_command, session, people, tmp_path
):
    factories.issuer(session)
    session.commit()
    good = tmp_path / "good.csv"
    good.write_text(csv_text(invoice_rows(people.alfa, "A-1") + invoice_rows(people.beta, "B-1")))
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(invoice_rows(people.alfa, "A-2", iban="SK00")))

    refused = flask_command("import-invoices", str(bad))
    assert refused.exit_code == 1
    assert "row 2: SK00 is not a valid IBAN." in refused.output
    assert "Error: 1 problem(s); nothing was imported." in refused.output
    assert count(session, Invoice) == 0

    done = flask_command("import-invoices", str(good))
    assert done.exit_code == 0, done.output
    assert "Imported 2 invoice(s); 0 were already there unchanged." in done.output
    again = flask_command("import-invoices", str(good))
    assert "Imported 0 invoice(s); 2 were already there unchanged." in again.output
    assert count(session, Invoice) == 2


def test_import_invoices_prints_a_bounded_list_of_problems(flask_command, session, tmp_path):
    numbers = tmp_path / "numbers.json"
    numbers.write_text(json.dumps(list(range(1_000))))
    refused = flask_command("import-invoices", str(numbers))
    assert refused.exit_code == 1
    assert refused.output.count("An invoice must be an object") == 100
    assert "… and 900 more problem(s)." in refused.output
    assert "Error: 1,000 problem(s); nothing was imported." in refused.output


def test_import_invoices_refuses_a_file_that_is_not_text(flask_command, tmp_path):
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    refused = flask_command("import-invoices", str(binary))
    assert refused.exit_code == 1 and "Error: The file is not UTF-8 text." in refused.output


def test_import_invoices_refuses_deeply_nested_json_with_a_message(flask_command, tmp_path):
    nested = tmp_path / "x.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    refused = flask_command("import-invoices", str(nested))
    assert refused.exit_code == 1
    assert "Error: The file is nested too deeply to hold invoices." in refused.output


def test_add_issuer_registers_it_through_the_operation(flask_command, session):
    done = flask_command(
        "add-issuer",
        "VODA",
        "--name",
        "Voda, a.s.",
        "--address",
        "Hlavná 1\\n040 01 Košice",
        "--iban",
        "SK31 1200 0000 1987 4263 7541",
        "--bic",
        "TATRSKBX",
    )
    assert done.exit_code == 0, done.output
    assert "Issuer VODA added." in done.output
    session.expire_all()
    issuer = session.scalars(select(Issuer).where(Issuer.code == "VODA")).one()
    assert issuer.address == "Hlavná 1\n040 01 Košice"
    assert issuer.iban == "SK3112000000198742637541"
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "issuer.added")).one()


def test_add_issuer_refuses_a_bad_iban_and_a_taken_code(flask_command, session):
    factories.issuer(session)
    session.commit()
    common = ["--name", "X", "--address", "Y", "--iban"]
    bad = flask_command("add-issuer", "NEW", *common, "SK3112000000198742637540")
    assert bad.exit_code == 1
    assert "Error: SK3112000000198742637540 is not a valid IBAN." in bad.output
    taken = flask_command("add-issuer", "energia", *common, "SK3112000000198742637541")
    assert "Error: An issuer with the code energia exists already." in taken.output
    assert count(session, Issuer) == 1


def test_render_pdfs_renders_each_new_invoice_once(flask_command, session, people):
    factories.invoice(session, people.alfa, "A-1")
    session.commit()
    done = flask_command("render-pdfs")
    assert done.exit_code == 0, done.output
    assert "Rendered 1 PDF(s)." in done.output
    assert count(session, InvoicePdf) == 1
    assert "Every invoice has its PDF." in flask_command("render-pdfs").output


def test_reverse_payment_reverses_once_and_says_why_it_refuses(flask_command, session, people):
    invoice = factories.invoice(session, people.alfa)
    payment = record_payment(
        session, actor=people.clerk, invoice=invoice, amount=invoice.gross_total, expected_version=1
    )
    session.commit()
    blank = flask_command("reverse-payment", str(payment.id), "--reason", " ")
    assert blank.exit_code == 1 and "Say why the payment is reversed." in blank.output
    done = flask_command("reverse-payment", str(payment.id), "--reason", "Returned by the bank")
    assert done.exit_code == 0, done.output
    assert f"invoice {invoice.number} is now issued, 144.60 left to pay." in done.output
    session.expire_all()
    reopened = session.get(Invoice, invoice.id)
    assert reopened.status == InvoiceStatus.ISSUED and reopened.paid_amount == Decimal("0.00")
    again = flask_command("reverse-payment", str(payment.id), "--reason", "Twice")
    assert again.exit_code == 1 and "reversed already" in again.output
    missing = flask_command("reverse-payment", "999999", "--reason", "x")
    assert missing.exit_code == 1 and "There is no payment 999999." in missing.output
    assert count(session, Payment) == 2
