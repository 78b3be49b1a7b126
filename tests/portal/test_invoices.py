"""Invoices in the portal: the list and its filters, the badge, and the PDF — read back,
its QR code decoded the way a banking app reads it, served from storage after the first
render, and rendered with a fetcher that reaches nothing but our static files."""

from __future__ import annotations

import io
import threading
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

import core.pdf
from models.billing import InvoicePdf, record_payment
from models.billing.payment_codes import invoice_payment_code
from tests import factories
from tests.helpers import pay_by_square_fields, payment_of


@pytest.fixture
def invoices(session, people):
    """Alfa: 2026-0042 unpaid (due 15 Nov), 2026-0041 paid, 2026-0040 overdue since October."""
    unpaid = factories.invoice(session, people.alfa, "2026-0042", due="2099-11-15")
    paid = factories.invoice(
        session, people.alfa, "2026-0041", issued="2026-10-01", due="2026-10-15"
    )
    record_payment(
        session, actor=people.clerk, invoice=paid, amount=paid.gross_total, expected_version=1
    )
    overdue = factories.invoice(
        session, people.alfa, "2026-0040", issued="2025-09-01", due="2025-09-15"
    )
    session.commit()
    return unpaid, paid, overdue


def numbers(page: str) -> list[str]:
    import re

    return re.findall(r'/invoices/(2026-\d{4})">', page)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("all", ["2026-0042", "2026-0041", "2026-0040"]),
        ("unpaid", ["2026-0042", "2026-0040"]),
        ("overdue", ["2026-0040"]),
        ("paid", ["2026-0041"]),
        ("nonsense", ["2026-0042", "2026-0041", "2026-0040"]),
    ],
)
def test_the_list_filters_by_status(client, people, invoices, status, expected):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/invoices?status={status}").get_data(as_text=True)
    assert numbers(page) == expected


def test_the_list_filters_by_year_and_shows_the_unpaid_total(client, people, invoices):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/invoices?year=2025").get_data(as_text=True)
    assert numbers(page) == ["2026-0040"]
    assert "To pay: €289.20" in page and "1 overdue" in page


def test_the_switcher_badge_counts_unpaid_invoices_with_their_total(client, people, invoices):
    client.login(people.jan.email)
    page = client.get("/companies").get_data(as_text=True)
    main = page[page.index("<main") :]
    alfa = main[main.index("Alfa Trade") : main.index("Beta Services")]
    assert "2 unpaid invoices, 1 overdue" in alfa and "€289.20 to pay" in alfa
    assert 'class="badge badge-alert badge-full"' in alfa  # one is overdue


def test_an_invoice_of_another_company_is_404(client, people, invoices):
    client.login(people.anna.email)  # Alfa's manager
    factories.invoice(factories_session(people), people.beta, "2026-0099")
    factories_session(people).commit()
    assert client.get(f"/c/{people.alfa.slug}/invoices/2026-0099").status_code == 404
    assert client.get(f"/c/{people.alfa.slug}/invoices/2026-0099/pdf").status_code == 404
    assert client.get(f"/c/{people.beta.slug}/invoices/2026-0099").status_code == 404


def test_a_technician_cannot_see_invoices(client, people, session, invoices):
    from models.identity import CustomerRole

    tech = factories.account(session)
    factories.member(session, tech, people.alfa, CustomerRole.TECHNICIAN)
    session.commit()
    client.login(tech.email)
    assert client.get(f"/c/{people.alfa.slug}/invoices").status_code == 403
    assert "unpaid invoice" not in client.get("/companies").get_data(as_text=True)


def test_the_detail_shows_lines_and_payment_details(client, people, invoices):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/invoices/2026-0042").get_data(as_text=True)
    assert "Electricity" in page and "€0.25" in page and "€144.60" in page
    # How to pay: the IBAN grouped as people read it, beside the QR code of what is left.
    assert "SK31 1200 0000 1987 4263 7541" in page and "PAY by square" in page
    assert page.count('<figure class="qr"') == 1


def pdf_of(client, people, number="2026-0042"):
    response = client.get(f"/c/{people.alfa.slug}/invoices/{number}/pdf")
    assert response.status_code == 200
    return response


def test_the_pdf_carries_number_total_and_iban(client, people, invoices):
    client.login(people.jan.email)
    response = pdf_of(client, people)
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "2026-0042" in text and "€144.60" in text
    assert "SK31 1200 0000 1987 4263 7541" in text  # grouped as people read an IBAN
    assert "Alfa Trade s.r.o." in text and "Energia Slovensko" in text


def test_the_pdf_download_is_private_and_never_sniffed(client, people, invoices):
    client.login(people.jan.email)
    headers = pdf_of(client, people).headers
    assert headers["Content-Disposition"] == "attachment; filename=invoice-2026-0042.pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "private, no-store"


def decode_qr(pdf: bytes) -> str:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=300 / 72).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert found, "no barcode found on the page"
    return found[0].text


def test_the_qr_code_is_the_payment_a_slovak_banking_app_reads(client, people, invoices):
    """The issuer's account is Slovak: PAY by square, with the same payload the overview
    shows for the invoice."""
    client.login(people.jan.email)
    payload = decode_qr(pdf_of(client, people).data)
    assert payment_of(payload) == (factories.ISSUER_IBAN, Decimal("144.60"), "20260042")
    fields = pay_by_square_fields(payload)
    assert "2026-0042" in fields and "Energia Slovensko, a.s." in fields
    assert payload == invoice_payment_code(invoices[0]).payload
    text = PdfReader(io.BytesIO(pdf_of(client, people).data)).pages[0].extract_text()
    assert "PAY by square" in text  # the scheme is named beside the code


@pytest.mark.parametrize(
    ("iban", "scheme", "starts"),
    [
        ("CZ6508000000192000145399", "QR Platba", "SPD*1.0*"),
        ("DE89370400440532013000", "EPC QR (SEPA)", "BCD\n002\n1\nSCT"),
    ],
)
def test_a_czech_or_german_account_gets_its_countrys_code(
    client, people, session, iban, scheme, starts
):
    invoice = factories.invoice(session, people.alfa, "2026-0043", due="2099-11-15", iban=iban)
    session.commit()
    client.login(people.jan.email)
    pdf = pdf_of(client, people, "2026-0043").data
    payload = decode_qr(pdf)
    assert payload.startswith(starts) and payload == invoice_payment_code(invoice).payload
    assert payment_of(payload) == (iban, Decimal("144.60"), "20260043")
    assert scheme in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_second_download_serves_the_stored_bytes_without_rendering(
    client, people, invoices, monkeypatch, session, bound_app
):
    client.login(people.jan.email)
    first = pdf_of(client, people).data
    # A new session, as the next request has: the stored PDF must have been committed.
    with bound_app.app_context():
        from core.extensions import db

        assert db.session.scalar(select(func.count(InvoicePdf.id))) == 1
    renders = []
    monkeypatch.setattr(core.pdf, "render_pdf", lambda *a, **k: renders.append(a) or b"")
    second = pdf_of(client, people).data
    assert second == first and renders == []
    session.expire_all()  # what was committed, not what this session saw
    assert session.scalar(select(func.count(InvoicePdf.id))) == 1


@pytest.fixture
def committed_invoice(engine):
    """A company, its owner and an invoice committed for real, for requests that run in
    parallel outside the test's transaction; deleted afterwards."""
    from sqlalchemy import delete
    from sqlalchemy.orm import Session

    from models.audit import AuditEvent
    from models.billing import Issuer
    from models.identity import Account, Company

    with Session(engine) as s:
        first_event = s.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        first_issuer = s.scalar(select(func.coalesce(func.max(Issuer.id), 0)))
        company = factories.company(s, "Parallel Downloads s.r.o.", customer_number="9000042")
        owner = factories.account(s)
        factories.member(s, owner, company)
        factories.invoice(s, company, "2026-0042", due="2099-11-15")
        s.commit()
        ids = (company.id, owner.id, owner.email, company.slug)
    yield ids
    with Session(engine) as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id > first_event))
        s.execute(delete(Company).where(Company.id == ids[0]))
        s.execute(delete(Account).where(Account.id == ids[1]))
        s.execute(delete(Issuer).where(Issuer.id > first_issuer))  # the invoice's, if new
        s.commit()


def test_two_first_downloads_at_once_render_once_and_store_one_pdf(
    app, engine, committed_invoice, monkeypatch
):
    """The first request renders with the write lock held (SQLite) or races on the unique
    (invoice, version) (PostgreSQL); either way both answer the one stored PDF."""
    _company_id, _owner_id, email, slug = committed_invoice
    entered = threading.Barrier(2)
    renders: list[int] = []
    real = core.pdf.render_pdf

    def render(*args, **kwargs):  # type: ignore[no-untyped-def]
        renders.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(core.pdf, "render_pdf", render)
    clients = [app.test_client(), app.test_client()]
    for each in clients:
        each.login(email)
    answers: list = [None, None]

    def download(n: int) -> None:
        entered.wait(timeout=10)
        answers[n] = clients[n].get(f"/c/{slug}/invoices/2026-0042/pdf")

    threads = [threading.Thread(target=download, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].data == answers[1].data and answers[0].data.startswith(b"%PDF")
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        assert s.scalar(select(func.count(InvoicePdf.id))) == 1
    if engine.dialect.name == "sqlite":
        assert renders == [1]  # the second waited for the first and found its PDF


def test_a_payment_makes_a_new_version_with_a_new_pdf(client, people, invoices, session):
    client.login(people.jan.email)
    first = pdf_of(client, people).data
    unpaid = invoices[0]
    record_payment(
        session, actor=people.clerk, invoice=unpaid, amount=Decimal("44.60"), expected_version=1
    )
    session.commit()
    second = pdf_of(client, people).data
    assert second != first
    _iban, amount, _vs = payment_of(decode_qr(second))
    assert amount == Decimal("100.00")  # the QR asks for what is left
    assert session.scalar(select(func.count(InvoicePdf.id))) == 2


def test_a_paid_invoice_pdf_has_no_payment_qr(client, people, invoices):
    client.login(people.jan.email)
    pdf = pdf_of(client, people, "2026-0041").data
    assert zxingcpp.read_barcodes(pypdfium2.PdfDocument(pdf)[0].render(scale=4).to_pil()) == []


def test_without_weasyprint_the_pdf_link_shows_a_clear_page(client, people, invoices, monkeypatch):
    def missing():
        raise core.pdf.PdfUnavailable("libpango-1.0.so.0: cannot open shared object file")

    monkeypatch.setattr(core.pdf, "_weasyprint", missing)
    client.login(people.jan.email)
    response = client.get(f"/c/{people.alfa.slug}/invoices/2026-0042/pdf")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Invoice PDFs cannot be produced right now" in page and "libpango" not in page


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://example.com/x.png",
        "https://pdf.invalid/static/../../app.py",
        "https://pdf.invalid/static/%2e%2e/app.py",
        "https://pdf.invalid/etc/passwd",
        "https://pdf.invalid/static/css/pdf.css?x=1",
    ],
)
def test_the_pdf_fetcher_serves_nothing_but_static_files(bound_app, url):
    with bound_app.app_context():
        fetcher = core.pdf.static_only_fetcher()
        with pytest.raises(ValueError):
            fetcher.fetch(url)
        assert fetcher.fetch("https://pdf.invalid/static/css/pdf.css").status == 200


def test_markup_in_imported_data_is_printed_as_text_and_fetches_nothing(
    client, people, session, monkeypatch
):
    fetched = []
    original = core.pdf.static_only_fetcher

    def spy():
        fetcher = original()
        real = fetcher.fetch
        fetcher.fetch = lambda url, headers=None: fetched.append(url) or real(url, headers)
        return fetcher

    monkeypatch.setattr(core.pdf, "static_only_fetcher", spy)
    evil = '<img src="file:///etc/passwd"><link rel=stylesheet href="http://evil/">'
    factories.invoice(session, people.alfa, "2026-0666", lines=((evil, "1", "10.00", "20"),))
    session.commit()
    client.login(people.jan.email)
    text = PdfReader(io.BytesIO(pdf_of(client, people, "2026-0666").data)).pages[0].extract_text()
    assert "<img src=" in text
    assert fetched == ["https://pdf.invalid/static/css/pdf.css"]


def factories_session(people):
    from sqlalchemy.orm import object_session

    return object_session(people.jan)


def test_the_summary_says_what_is_left_to_pay_in_each_currency(client, people, session):
    factories.invoice(session, people.alfa, "E-1", due="2099-01-10")
    factories.invoice(session, people.alfa, "K-1", due="2099-01-10", currency="CZK")
    session.commit()
    client.login(people.jan.email)
    page = client.get(f"/c/{people.alfa.slug}/invoices").get_data(as_text=True)
    summary = page[page.index('class="card summary"') :]
    summary = summary[: summary.index("</section>")]
    # Never one sum of euros and crowns: each currency on its own.
    assert "To pay: CZK144.60 + €144.60" in summary
    assert "2 unpaid invoices" in summary
