"""Invoices in the back office: searching and filtering, recording payments, the payment
history and reversing a payment (importing them: test_imports.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from models.billing import Invoice, InvoiceStatus, Payment, record_payment
from tests import factories
from tests.helpers import field_error, text_of

TODAY = dt.date.today()


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


def test_the_payment_keeps_the_day_the_money_arrived_and_the_reference(client, people, session):
    invoice = factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.clerk.email)
    url = f"/backoffice/invoices/{invoice.id}"
    form = client.get(url).get_data(as_text=True)
    assert f'name="paid_on" type="date" value="{TODAY.isoformat()}"' in form
    arrived = TODAY - dt.timedelta(days=3)
    response = client.post_form(
        url,
        {"amount": "44.60", "version": "1", "paid_on": arrived.isoformat(), "reference": "VY42"},
    )
    assert response.status_code == 302
    session.expire_all()
    payment = session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)).one()
    assert (payment.paid_on, payment.reference, payment.recorded_by_id) == (
        arrived,
        "VY42",
        people.clerk.id,
    )


@pytest.mark.parametrize(
    ("paid_on", "reference", "field"),
    [
        ((TODAY + dt.timedelta(days=2)).isoformat(), "", "paid_on"),
        ("31.11.2026", "", "paid_on"),
        ("", "x" * 141, "reference"),
    ],
)
def test_a_bad_date_or_reference_is_refused_next_to_its_field(
    client, people, session, paid_on, reference, field
):
    invoice = factories.invoice(session, people.alfa)
    session.commit()
    client.login(people.clerk.email)
    page = client.post_form(
        f"/backoffice/invoices/{invoice.id}",
        {"amount": "10", "version": "1", "paid_on": paid_on, "reference": reference},
    )
    assert page.status_code == 422
    assert field_error(page, field)
    session.expire_all()
    assert session.scalars(select(Payment)).all() == []
    assert session.get(Invoice, invoice.id).paid_amount == Decimal("0.00")


def _paid_and_reversed(session, people):  # type: ignore[no-untyped-def]
    invoice = factories.invoice(session, people.alfa)
    first = record_payment(
        session,
        actor=people.clerk,
        invoice=invoice,
        amount=Decimal("44.60"),
        expected_version=1,
        paid_on=TODAY - dt.timedelta(days=5),
        reference="BANK-1",
    )
    record_payment(
        session, actor=people.admin, invoice=invoice, amount=Decimal("50"), expected_version=2
    )
    return invoice, first


def test_the_invoice_page_shows_the_payment_history_and_the_balance(client, people, session):
    invoice, first = _paid_and_reversed(session, people)
    session.commit()
    client.login(people.clerk.email)
    url = f"/backoffice/invoices/{invoice.id}"
    page = text_of(client.get(url))
    history = page[page.index('id="payments"') :]
    assert "BANK-1" in history and "Clerk" in history and people.admin.full_name in history
    assert "€44.60" in history and "€50.00" in history and "Balance: €50.00" in history
    reverse_url = f"{url}/payments/{first.id}/reverse"
    assert reverse_url in history
    confirm = client.get(reverse_url)
    assert confirm.status_code == 200
    assert "Reverse the payment of €44.60" in text_of(confirm)

    response = client.post_form(reverse_url, {"reason": "Returned by the bank", "version": "3"})
    assert response.status_code == 302
    page = text_of(client.get(url))
    history = page[page.index('id="payments"') :]
    assert re.search(r"[-\u2212]€44\.60", history)
    assert "Returned by the bank" in history and f'href="#payment-{first.id}"' in history
    assert "Balance: €94.60" in history
    # The reversed payment offers no second reversal; the other one still does.
    assert reverse_url not in history and "/reverse" in history


def test_a_reversal_through_the_page_reopens_the_invoice_and_is_refused_twice(
    client, people, session
):
    invoice, first = _paid_and_reversed(session, people)
    session.commit()
    client.login(people.clerk.email)
    reverse_url = f"/backoffice/invoices/{invoice.id}/payments/{first.id}/reverse"
    assert (
        client.post_form(reverse_url, {"reason": "Wrong invoice", "version": "3"}).status_code
        == 302
    )
    session.expire_all()
    reopened = session.get(Invoice, invoice.id)
    assert reopened.status == InvoiceStatus.PARTIALLY_PAID
    assert reopened.paid_amount == Decimal("50.00") and reopened.version == 4
    again = client.post_form(reverse_url, {"reason": "Again", "version": "4"})
    assert again.status_code == 422
    assert "reversed already" in text_of(again)
    session.expire_all()
    assert len(session.scalars(select(Payment).where(Payment.reverses_id.is_not(None))).all()) == 1


def test_a_reversal_without_a_reason_or_from_a_stale_page_saves_nothing(client, people, session):
    invoice, first = _paid_and_reversed(session, people)
    session.commit()
    client.login(people.clerk.email)
    reverse_url = f"/backoffice/invoices/{invoice.id}/payments/{first.id}/reverse"
    blank = client.post_form(reverse_url, {"reason": "  ", "version": "3"})
    assert blank.status_code == 422 and field_error(blank, "reason")
    stale = client.post_form(reverse_url, {"reason": "Bounced", "version": "2"})
    assert stale.status_code == 422 and "changed in the meantime" in text_of(stale)
    session.expire_all()
    assert session.get(Invoice, invoice.id).paid_amount == Decimal("94.60")
    assert session.scalars(select(Payment).where(Payment.reverses_id.is_not(None))).all() == []


def test_a_payment_of_another_invoice_cannot_be_reversed_through_this_one(client, people, session):
    _invoice, first = _paid_and_reversed(session, people)
    other = factories.invoice(session, people.alfa, "2026-0043")
    session.commit()
    client.login(people.clerk.email)
    response = client.post_form(
        f"/backoffice/invoices/{other.id}/payments/{first.id}/reverse",
        {"reason": "x", "version": "1"},
    )
    assert response.status_code == 404


def _numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<td class="key"[^>]*><a [^>]*>([^<]+)</a>', response.get_data(as_text=True))


@pytest.fixture
def assorted(session, people):  # type: ignore[no-untyped-def]
    """One invoice of each kind: overdue, open not yet due, partly paid and overdue, paid,
    cancelled."""
    past, future = (
        (TODAY - dt.timedelta(days=10)).isoformat(),
        (TODAY + dt.timedelta(days=10)).isoformat(),
    )
    issued = (TODAY - dt.timedelta(days=30)).isoformat()
    made = {
        "OVER-1": factories.invoice(session, people.alfa, "OVER-1", issued=issued, due=past),
        "OPEN-2": factories.invoice(session, people.alfa, "OPEN-2", issued=issued, due=future),
        "PART-3": factories.invoice(session, people.beta, "PART-3", issued=issued, due=past),
        "PAID-4": factories.invoice(session, people.beta, "PAID-4", issued=issued, due=past),
        "CANC-5": factories.invoice(
            session, people.alfa, "CANC-5", issued=issued, due=past, status="cancelled"
        ),
    }
    for number, amount in (("PART-3", Decimal("10")), ("PAID-4", None)):
        invoice = made[number]
        record_payment(
            session,
            actor=people.clerk,
            invoice=invoice,
            amount=amount or invoice.gross_total,
            expected_version=1,
        )
    session.commit()
    return made


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("all", {"OVER-1", "OPEN-2", "PART-3", "PAID-4", "CANC-5"}),
        ("open", {"OVER-1", "OPEN-2", "PART-3"}),
        ("overdue", {"OVER-1", "PART-3"}),
        ("partially_paid", {"PART-3"}),
        ("paid", {"PAID-4"}),
        ("cancelled", {"CANC-5"}),
        ("nonsense", {"OVER-1", "OPEN-2", "PART-3", "PAID-4", "CANC-5"}),
    ],
)
def test_the_list_filters_by_status(client, people, assorted, status, expected):
    client.login(people.clerk.email)
    assert set(_numbers(client.get(f"/backoffice/invoices?status={status}"))) == expected


def test_the_list_shows_overdue_invoices_as_overdue(client, people, assorted):
    client.login(people.clerk.email)
    page = client.get("/backoffice/invoices").get_data(as_text=True)
    rows = {
        number: row
        for row in page.split("<tr>")[1:]
        for number in re.findall(r">((?:OVER|OPEN|PART|PAID|CANC)-\d)</a>", row)
    }
    assert "Overdue" in rows["OVER-1"] and "Overdue" in rows["PART-3"]
    assert "Partially paid" in rows["PART-3"]
    for number in ("OPEN-2", "PAID-4", "CANC-5"):
        assert "Overdue" not in rows[number], number
    assert "Unpaid" in rows["OPEN-2"] and "Cancelled" in rows["CANC-5"]


def test_the_status_filter_keeps_the_search_the_company_and_the_page(
    client, people, assorted, app, monkeypatch
):
    # The app is shared by the tests of its database: change its page size for this test only.
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    client.login(people.clerk.email)
    searched = client.get(f"/backoffice/invoices?status=open&company={people.alfa.id}")
    assert set(_numbers(searched)) <= {"OVER-1", "OPEN-2"}
    html = searched.get_data(as_text=True)
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html)
    assert next_link is not None
    href = next_link.group(1).replace("&amp;", "&")
    assert "status=open" in href and f"company={people.alfa.id}" in href and "page=2" in href
    second = client.get(href)
    assert set(_numbers(searched)) | set(_numbers(second)) == {"OVER-1", "OPEN-2"}
    by_name = client.get("/backoffice/invoices?status=overdue&q=PART-3")
    assert _numbers(by_name) == ["PART-3"]
    assert 'value="PART-3"' in by_name.get_data(as_text=True)
    assert 'value="overdue" checked' in by_name.get_data(as_text=True)
