"""Invoices in the back office: the import page (all or nothing, every problem listed) and
recording payments."""

from __future__ import annotations

import io

from sqlalchemy import select

from models.billing import Invoice, InvoiceStatus
from tests import factories
from tests.factories import csv_text, invoice_rows
from tests.helpers import count


def upload(client, text: str, name: str = "invoices.csv"):
    return client.post_form(
        "/backoffice/invoices/import",
        {"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def test_a_clerk_imports_a_file_and_a_second_import_changes_nothing(client, people, session):
    factories.issuer(session)
    session.commit()
    client.login(people.clerk.email)
    text = csv_text(invoice_rows(people.alfa, "2026-0042") + invoice_rows(people.beta, "B-1"))
    done = upload(client, text)
    assert done.status_code == 302
    assert "Imported 2 invoice(s)" in client.get(done.location).get_data(as_text=True)
    again = upload(client, text)
    assert "Imported 0 invoice(s); 2 were already there" in client.get(again.location).get_data(
        as_text=True
    )
    assert count(session, Invoice) == 2


def test_a_file_with_a_bad_row_imports_nothing_and_lists_every_problem(client, people, session):
    factories.issuer(session)
    session.commit()
    client.login(people.clerk.email)
    rows = invoice_rows(people.alfa, "OK-1") + invoice_rows(
        people.alfa, "BAD-1", iban="SK00", gross_total="1.00"
    )
    page = upload(client, csv_text(rows))
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "nothing was imported" in text
    assert "row 4: SK00 is not a valid IBAN." in text
    assert "row 4: gross_total is 1.00" in text
    assert count(session, Invoice) == 0


def test_a_binary_file_is_refused_next_to_the_field(client, people, session):
    client.login(people.clerk.email)
    response = client.post_form(
        "/backoffice/invoices/import",
        {"file": (io.BytesIO(b"\xff\xfe\x00garbage"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_a_clerk_records_a_partial_then_the_full_payment(client, people, session):
    invoice = factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.clerk.email)
    url = f"/backoffice/invoices/{invoice.id}"
    assert client.post_form(url, {"amount": "44.60", "version": "1"}).status_code == 302
    assert client.post_form(url, {"amount": "100", "version": "2"}).status_code == 302
    session.expire_all()
    assert session.get(Invoice, invoice.id).status == InvoiceStatus.PAID


def test_a_payment_from_a_stale_page_is_refused(client, people, session):
    invoice = factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.clerk.email)
    url = f"/backoffice/invoices/{invoice.id}"
    client.post_form(url, {"amount": "10", "version": "1"})
    page = client.post_form(url, {"amount": "10", "version": "1"})
    assert page.status_code == 422
    assert "changed in the meantime" in page.get_data(as_text=True)
    session.expire_all()
    assert str(session.get(Invoice, invoice.id).paid_amount) == "10.00"


def test_a_bad_amount_is_refused_next_to_the_field(client, people, session):
    invoice = factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.clerk.email)
    for amount in ("abc", "-5", "0", "1000000"):
        page = client.post_form(
            f"/backoffice/invoices/{invoice.id}", {"amount": amount, "version": "1"}
        )
        assert page.status_code == 422, amount
        assert 'id="amount-error"' in page.get_data(as_text=True), amount
    session.expire_all()
    assert session.get(Invoice, invoice.id).status == InvoiceStatus.ISSUED


def test_the_payment_is_audited(client, people, session):
    from models.audit import AuditEvent

    invoice = factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.clerk.email)
    client.post_form(f"/backoffice/invoices/{invoice.id}", {"amount": "5", "version": "1"})
    session.expire_all()
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invoice.payment_recorded")
    ).one()
    assert event.actor_id == people.clerk.id and event.detail_map["amount"] == "5.00"


def test_searching_finds_an_invoice_by_number_and_by_customer_number(client, people, session):
    factories.invoice(session, people.alfa, "2026-0042")
    factories.invoice(session, people.beta, "2026-0043")
    session.commit()
    client.login(people.clerk.email)
    by_number = client.get("/backoffice/invoices?q=2026-0042").get_data(as_text=True)
    assert "2026-0042" in by_number and "2026-0043" not in by_number
    by_customer = client.get("/backoffice/invoices?q=1000002").get_data(as_text=True)
    assert "2026-0043" in by_customer and "2026-0042" not in by_customer
