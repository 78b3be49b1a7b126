"""The billing demo: one issuer, 24 months of invoices for every demo company (imported as
CSV through the same operation as a real import, then paid through the clerk's operation),
and this year's advance-payment schedules."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.billing import (
    Invoice,
    InvoiceStatus,
    add_issuer,
    import_invoices,
    mark_advance_paid,
    read_csv,
    record_payment,
    schedule_advances,
)
from models.billing.imports import CSV_COLUMNS
from models.identity import Company
from models.imports import file_lines
from models.supply import SupplyPoint

if TYPE_CHECKING:
    from demo import Cast

ISSUER = {
    "code": "ENERGIA",
    "name": "Energia Slovensko, a.s.",
    "address": "Mlynské nivy 44\n821 09 Bratislava\nSlovakia",
    "company_number": "50123456",
    "vat_id": "SK2120123456",
    "iban": "SK3112000000198742637541",
    "bic": "TATRSKBX",
}
# (monthly kWh, price per kWh, monthly fee) per company: a firm, a service office, a home.
PROFILES = {
    "1000001": (Decimal(2400), Decimal("0.1650"), Decimal("12.90")),
    "1000002": (Decimal(900), Decimal("0.1720"), Decimal("8.40")),
    "1000003": (Decimal(210), Decimal("0.1580"), Decimal("4.50")),
}
CENT = Decimal("0.01")


def vat_rate(period: dt.date) -> Decimal:
    # Slovakia raised its standard VAT rate from 20 % to 23 % on 1 January 2025.
    return Decimal(23) if period >= dt.date(2025, 1, 1) else Decimal(20)


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` whole months before `today`'s month, oldest first."""
    firsts = []
    year, month = today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        firsts.append(dt.date(year, month, 1))
    return firsts[::-1]


def _rows(
    company: Company, supply_point: str, today: dt.date, *, overdue: bool = False
) -> list[dict[str, str]]:
    """The CSV rows of the company's invoices for the 24 months before `today`'s; with
    `overdue`, the one before the last was due a week ago (it stays unpaid)."""
    customer_number = company.customer_number or ""
    kwh_base, price, fee = PROFILES[customer_number]
    rows = []
    periods = months_back(today, 24)
    for period in periods:
        end = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
        issued = end + dt.timedelta(days=5)
        due = issued + dt.timedelta(21)
        if overdue and period == periods[-2]:
            due = min(due, today - dt.timedelta(days=7))
        season = Decimal(str(round(1 + 0.35 * math.cos((period.month - 1) / 12 * 2 * math.pi), 3)))
        kwh = (kwh_base * season).quantize(Decimal(1))
        rate = vat_rate(period)
        lines = [
            (f"Electricity {period:%m/%Y}", kwh, "kWh", price),
            ("Monthly fee", Decimal(1), "month", fee),
        ]
        totals = [(q * p).quantize(CENT, rounding=ROUND_HALF_UP) for _, q, _, p in lines]
        net = sum(totals, Decimal(0))
        vat = (net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        number = f"{period:%Y%m}{customer_number[-3:]}"
        for (text, quantity, unit, unit_price), total in zip(lines, totals, strict=True):
            rows.append(
                {
                    "issuer": ISSUER["code"],
                    "invoice_number": f"F{number}",
                    "customer_number": customer_number,
                    "supply_point": supply_point,
                    "issue_date": issued.isoformat(),
                    "due_date": due.isoformat(),
                    "period_start": period.isoformat(),
                    "period_end": end.isoformat(),
                    "currency": "EUR",
                    "iban": ISSUER["iban"],
                    "bic": ISSUER["bic"],
                    "variable_symbol": number,
                    "status": "issued",
                    "net_total": str(net),
                    "vat_total": str(vat),
                    "gross_total": str(net + vat),
                    "description": text,
                    "quantity": str(quantity),
                    "unit": unit,
                    "unit_price": str(unit_price),
                    "vat_rate": str(rate),
                    "line_total": str(total),
                }
            )
    return rows


def _first_supply_point(session: Session, company: Company) -> SupplyPoint | None:
    return session.scalar(
        select(SupplyPoint).where(SupplyPoint.company_id == company.id).order_by(SupplyPoint.id)
    )


def load(session: Session, cast: Cast, today: dt.date | None = None) -> None:
    """Invoices: all paid but Alfa's last two (one overdue), Beta's last (partly paid) and
    Gamma's last; advances for this year, paid up to last month."""
    today = today or dt.date.today()
    add_issuer(session, actor=cast.admin, **ISSUER)
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for company in (cast.alfa, cast.beta, cast.gamma):
        point = _first_supply_point(session, company)
        code = point.code if point else ""
        writer.writerows(_rows(company, code, today, overdue=company is cast.alfa))
    report = import_invoices(session, *read_csv(output.getvalue()), actor=cast.admin, source="demo")
    assert report.ok, file_lines(report)
    for company in (cast.alfa, cast.beta, cast.gamma):
        invoices = list(
            session.scalars(
                select(Invoice).where(Invoice.company_id == company.id).order_by(Invoice.issue_date)
            )
        )
        open_ = 2 if company is cast.alfa else 1
        for invoice in invoices[:-open_]:
            record_payment(
                session,
                actor=cast.clerk,
                invoice=invoice,
                amount=invoice.gross_total,
                expected_version=invoice.version,
            )
        if company is cast.beta:
            last = invoices[-1]
            record_payment(
                session,
                actor=cast.clerk,
                invoice=last,
                amount=(last.gross_total / 2).quantize(CENT),
                expected_version=last.version,
            )
        assert all(i.status != InvoiceStatus.CANCELLED for i in invoices)
    for company, amount in ((cast.alfa, "420.00"), (cast.beta, "160.00"), (cast.gamma, "45.00")):
        advances = schedule_advances(
            session,
            actor=cast.admin,
            company=company,
            supply_point_id=getattr(_first_supply_point(session, company), "id", None),
            first_due=dt.date(today.year, 1, 15),
            months=12,
            amount=Decimal(amount),
            variable_symbol=f"9{company.customer_number}",
        )
        for advance in advances:
            if advance.due_date < today.replace(day=1):
                mark_advance_paid(session, actor=cast.clerk, advance=advance)
