"""The company overview, the page every customer opens, against the invoice list: server
time and SQL statements on the demo, then again after the company gets 10,000 more invoices
(the statement count must not change and the overview must stay at most 10 statements)."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal

from sqlalchemy import insert, select

from bench.billing import _timed
from bench.common import count_statements, fresh_app, login
from demo import PASSWORD as DEMO_PASSWORD
from demo import load_demo
from models.billing import Invoice, InvoiceStatus, Issuer
from models.identity import Company

PAGES = {
    "overview": "/c/alfa-trade/",
    "all companies": "/companies",
    "invoice list": "/c/alfa-trade/invoices",
}
MORE_INVOICES = 10_000


def _more_invoices(db) -> None:  # type: ignore[no-untyped-def]
    session = db.session
    alfa = session.scalars(select(Company).where(Company.slug == "alfa-trade")).one()
    issuer = session.scalars(select(Issuer)).first()
    start = dt.date(2000, 1, 1)
    session.execute(
        insert(Invoice),
        [
            {
                "issuer_id": issuer.id,
                "number": f"B{n:06d}",
                "company_id": alfa.id,
                "issue_date": start + dt.timedelta(days=n % 9000),
                "due_date": start + dt.timedelta(days=n % 9000 + 21),
                "currency": "EUR",
                "net_total": Decimal("100.00"),
                "vat_total": Decimal("23.00"),
                "gross_total": Decimal("123.00"),
                "paid_amount": Decimal("123.00"),
                "status": InvoiceStatus.PAID,
                "iban": issuer.iban,
                "variable_symbol": str(n),
                "version": 1,
                "content_hash": f"bench{n}",
            }
            for n in range(MORE_INVOICES)
        ],
    )
    session.commit()


def _measure(app, client, title: str) -> None:  # type: ignore[no-untyped-def]
    print(f"-- {title}")
    print(f"{'page':>14} {'median ms':>10} {'p95 ms':>8} {'SQL statements':>15}")
    for name, url in PAGES.items():
        statements = count_statements(app, lambda url=url: client.get(url))
        timings = sorted(_timed(client, url, 30))
        print(
            f"{name:>14} {statistics.median(timings):>10.1f} {timings[28]:>8.1f} {statements:>15}"
        )


def main() -> None:
    app, db, label = fresh_app("overview")
    print(f"\n== overview ({label})")
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
    client = app.test_client()
    login(client, "jan.novak@example.com", DEMO_PASSWORD)
    _measure(app, client, "the demo (Ján Novák, three companies)")
    with app.app_context():
        _more_invoices(db)
    _measure(app, client, f"after {MORE_INVOICES:,} more invoices for Alfa")


if __name__ == "__main__":
    main()
