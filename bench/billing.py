"""Billing at scale: one invoice PDF rendered cold, the same PDF served from storage, and the
invoice list of a company with 10,000 invoices (time and SQL statements per page)."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal

from sqlalchemy import insert, select

from bench.common import PASSWORD, count_statements, fresh_app, login
from core.pdf import render_pdf
from models.billing import Invoice, InvoiceLine, InvoiceStatus, Issuer
from models.billing.documents import payment_qr
from models.identity import CustomerRole, create_account, create_company
from models.memberships import grant_membership
from models.passwords import hash_password

INVOICES = 10_000


def _seed(db) -> str:  # type: ignore[no-untyped-def]
    session = db.session
    owner = create_account(session, email="owner@example.com", full_name="Owner")
    owner.password_hash = hash_password(PASSWORD)
    company = create_company(session, legal_name="Big Customer s.r.o.", customer_number="1000001")
    grant_membership(session, account=owner, company=company, role=CustomerRole.OWNER)
    issuer = Issuer(
        code="ENERGIA",
        name="Energia Slovensko, a.s.",
        address="Bratislava",
        iban="SK3112000000198742637541",
        bic="TATRSKBX",
    )
    session.add(issuer)
    session.flush()
    start = dt.date(2000, 1, 1)
    rows = [
        {
            "issuer_id": issuer.id,
            "number": f"F{n:06d}",
            "company_id": company.id,
            "issue_date": start + dt.timedelta(days=n),
            "due_date": start + dt.timedelta(days=n + 21),
            "currency": "EUR",
            "net_total": Decimal("100.00"),
            "vat_total": Decimal("23.00"),
            "gross_total": Decimal("123.00"),
            "paid_amount": Decimal("0.00"),
            "status": InvoiceStatus.ISSUED,
            "iban": issuer.iban,
            "variable_symbol": str(n),
            "version": 1,
            "content_hash": str(n),
        }
        for n in range(INVOICES)
    ]
    session.execute(insert(Invoice), rows)
    last = session.scalar(select(Invoice).order_by(Invoice.id.desc()).limit(1))
    session.add(
        InvoiceLine(
            invoice=last,
            position=1,
            description="Electricity",
            unit="kWh",
            quantity=Decimal(400),
            unit_price=Decimal("0.25"),
            vat_rate=Decimal(23),
            line_total=Decimal("100.00"),
        )
    )
    session.commit()
    return last.number


def _timed(client, url: str, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def main() -> None:
    app, db, label = fresh_app("billing")
    print(f"\n== billing ({label})")
    with app.app_context():
        number = _seed(db)
    client = app.test_client()
    login(client, "owner@example.com")
    pdf_url = f"/c/big-customer/invoices/{number}/pdf"
    for label in ("first in the process: WeasyPrint and fonts load", "warm"):
        with app.app_context():
            invoice = db.session.scalar(select(Invoice).where(Invoice.number == number))
            start = time.perf_counter()
            render_pdf("invoice.html", invoice=invoice, qr=payment_qr(invoice))
            print(f"invoice PDF render, {label}: {(time.perf_counter() - start) * 1000:.0f} ms")
    client.get(pdf_url)  # renders once more and stores
    served = _timed(client, pdf_url, 50)
    print(
        f"invoice PDF, stored: median {statistics.median(served):.2f} ms, "
        f"p95 {sorted(served)[47]:.2f} ms"
    )
    print(f"{'list page':>12} {'median ms':>10} {'SQL statements':>15}")
    for page in (1, 200, 400):
        url = f"/c/big-customer/invoices?page={page}"
        statements = count_statements(app, lambda url=url: client.get(url))
        timings = _timed(client, url, 20)
        print(f"{page:>12} {statistics.median(timings):>10.1f} {statements:>15}")
    for status in ("unpaid", "overdue"):
        url = f"/c/big-customer/invoices?status={status}"
        statements = count_statements(app, lambda url=url: client.get(url))
        print(f"{status:>12} {statistics.median(_timed(client, url, 20)):>10.1f} {statements:>15}")
