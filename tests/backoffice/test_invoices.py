"""Invoices in the back office: searching and recording payments (importing them:
test_imports.py)."""

from __future__ import annotations

from sqlalchemy import select

from models.billing import Invoice, InvoiceStatus
from tests import factories


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


def test_a_payment_with_a_mangled_version_is_refused_not_a_500(client, people, session):
    invoice = factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.clerk.email)
    page = client.post_form(
        f"/backoffice/invoices/{invoice.id}", {"amount": "10", "version": "abc"}
    )
    assert page.status_code == 422
    assert "This page is out of date." in page.get_data(as_text=True)
    session.expire_all()
    assert str(session.get(Invoice, invoice.id).paid_amount) == "0.00"
