"""The billing demo: one issuer and the invoices of the billed months (see demo.story), written
as the supplier's billing system sends them and imported as CSV through the same operation as
a real import, then paid through the clerk's operation. Each line is priced from the price
list in force for the company on its day (models.billing.pricing.effective_prices, what the
price list pages show) and bills what the readings of demo/supply.py count, point by point.
Alfa and Beta get an invoice a month. Gamma, a household, pays monthly advances instead and
gets a settlement for each year: the year's consumption at the prices in force, less the
advances paid for it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from demo import story
from demo.story import Period
from models.billing import (
    AdvancePayment,
    AppliedPrice,
    Invoice,
    InvoiceStatus,
    add_issuer,
    effective_prices,
    import_invoices,
    mark_advance_paid,
    read_csv,
    record_payment,
    schedule_advances,
)
from models.billing.imports import CSV_COLUMNS
from models.identity import Company
from models.imports import file_lines
from models.supply import Commodity, Reading, SupplyPoint, add_months, readings_with_consumption
from models.supply.history import month_end

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
CENT = Decimal("0.01")
# The price list item that bills a register's consumption, by commodity and register code.
ENERGY = {
    (Commodity.ELECTRICITY, "HT"): "ee-ht",
    (Commodity.ELECTRICITY, "NT"): "ee-lt",
    (Commodity.ELECTRICITY, "T1"): "ee-single",
    (Commodity.GAS, "T1"): "gas-m3",
    (Commodity.WATER, "T1"): "water",
}
# The items billed on a point's whole consumption, and its monthly fee.
ON_TOTAL = {Commodity.ELECTRICITY: ("ee-tps",), Commodity.GAS: (), Commodity.WATER: ("sewage",)}
FEE = {Commodity.ELECTRICITY: "ee-fee", Commodity.GAS: "gas-fee", Commodity.WATER: "water-fee"}
# A settlement's last line: the advances paid for its period, deducted at their full amount
# (they were paid with VAT included), so outside the VAT summary's rates: 0 %.
ADVANCES_PAID = "Advance payments paid"
ADVANCE_DAY = 15
PAID_AFTER_DAYS = 10


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Draft:
    """An invoice as the billing system writes it."""

    company: Company
    period: Period
    lines: list[Line]
    supply_point: str = ""  # when the invoice is for one point only

    @property
    def number(self) -> str:
        return f"{self.period.end:%Y%m}{(self.company.customer_number or '')[-3:]}"

    @property
    def issued(self) -> dt.date:
        return story.issued_on(self.period.end)

    def totals(self) -> tuple[Decimal, Decimal]:
        """Without VAT, and the VAT: per rate, rounded once, as the importer checks it."""
        by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            by_rate[line.vat_rate] += line.total
        vat = sum((_cents(base * rate / 100) for rate, base in by_rate.items()), Decimal(0))
        return sum(by_rate.values(), Decimal(0)), vat

    def rows(self, due: dt.date) -> list[dict[str, str]]:
        net, vat = self.totals()
        header = {
            "issuer": ISSUER["code"],
            "invoice_number": f"F{self.number}",
            "customer_number": self.company.customer_number or "",
            "supply_point": self.supply_point,
            "issue_date": self.issued.isoformat(),
            "due_date": due.isoformat(),
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "currency": "EUR",
            "iban": ISSUER["iban"],
            "bic": ISSUER["bic"],
            "variable_symbol": self.number,
            "status": "issued",
            "net_total": str(net),
            "vat_total": str(vat),
            "gross_total": str(net + vat),
        }
        return [
            {
                **header,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "vat_rate": str(line.vat_rate),
                "line_total": str(line.total),
            }
            for line in self.lines
        ]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Meters:
    """What the supply points' accepted readings count, the numbers their pages show."""

    def __init__(self, session: Session):
        self.session = session
        self._rows: dict[int, list[tuple[Reading, Decimal | None]]] = {}

    def used(self, point: SupplyPoint, period: Period) -> dict[str, Decimal]:
        """Register code -> consumption in `period`, in register order. Nothing is estimated:
        the point must have accepted readings on the day before the period and on its last
        day (demo/supply.py reads them)."""
        if point.id not in self._rows:
            self._rows[point.id] = readings_with_consumption(self.session, point)
        rows = self._rows[point.id]
        read_on = {r.reading_date for r, _ in rows if r.is_accepted}
        before = period.start - dt.timedelta(days=1)
        if before not in read_on or period.end not in read_on:
            raise AssertionError(f"{point.code} has no reading on {before} or {period.end}")
        used: dict[str, Decimal] = {}
        for reading, counted in sorted(rows, key=lambda row: row[0].register.position):
            if counted is not None and reading.reading_date in period:
                code = reading.register.code
                used[code] = used.get(code, Decimal(0)) + counted
        return used


def _prices(
    session: Session, company: Company, day: dt.date
) -> dict[tuple[str, str], AppliedPrice]:
    return {(p.commodity, p.code): p for p in effective_prices(session, company, day)}


def _point_lines(
    prices: dict[tuple[str, str], AppliedPrice],
    point: SupplyPoint,
    used: dict[str, Decimal],
    months: int,
    suffix: str,
) -> list[Line]:
    """One line per register's consumption, per item billed on the whole consumption, and the
    monthly fee, each at the price `prices` give for the point's commodity."""

    def line(code: str, quantity: Decimal) -> Line:
        price = prices[(point.commodity.value, code)]
        return Line(f"{price.name}{suffix}", quantity, price.unit, price.unit_price, price.vat_rate)

    lines = [line(ENERGY[(point.commodity, register)], used[register]) for register in used]
    total = sum(used.values(), Decimal(0))
    lines += [line(code, total) for code in ON_TOTAL[point.commodity]]
    return [*lines, line(FEE[point.commodity], Decimal(months))]


def _points(session: Session, company: Company) -> list[SupplyPoint]:
    return list(
        session.scalars(
            select(SupplyPoint).where(SupplyPoint.company_id == company.id).order_by(SupplyPoint.id)
        )
    )


def _monthly(session: Session, meters: Meters, company: Company, period: Period) -> Draft:
    """One invoice for the month, with lines per supply point (each naming its point when the
    company has several)."""
    points = _points(session, company)
    prices = _prices(session, company, period.start)
    lines = []
    for point in points:
        suffix = f" ({point.code})" if len(points) > 1 else ""
        lines += _point_lines(prices, point, meters.used(point, period), 1, suffix)
    return Draft(company, period, lines, points[0].code if len(points) == 1 else "")


def _price_runs(session: Session, company: Company, year: Period) -> list[Period]:
    """The year's months in runs under the same prices (the demo's lists change on the first
    of a month)."""
    runs: list[Period] = []
    previous = None
    month = year.start
    while month <= year.end:
        prices = sorted(
            (p.commodity, p.code, p.name, p.unit_price, p.vat_rate)
            for p in effective_prices(session, company, month)
        )
        if runs and prices == previous:
            runs[-1] = Period(runs[-1].start, month_end(month))
        else:
            runs.append(Period(month, month_end(month)))
        previous = prices
        month = add_months(month, 1)
    return runs


def _settled_consumption(
    session: Session, meters: Meters, company: Company, year: Period
) -> list[Line]:
    """A settlement's consumption lines: per run of months under the same prices, what the
    readings count, at those prices."""
    points = _points(session, company)
    lines = []
    for run in _price_runs(session, company, year):
        prices = _prices(session, company, run.start)
        for point in points:
            suffix = f", {run.label()}" + (f" ({point.code})" if len(points) > 1 else "")
            lines += _point_lines(prices, point, meters.used(point, run), run.months, suffix)
    return lines


def _schedule(
    session: Session, cast: Cast, company: Company, year: Period, amount: Decimal, today: dt.date
) -> list[AdvancePayment]:
    """The year's advances, on the 15th of each of its months; those due by `today` are
    paid."""
    advances = schedule_advances(
        session,
        actor=cast.admin,
        company=company,
        supply_point_id=_points(session, company)[0].id,
        first_due=year.start.replace(day=ADVANCE_DAY),
        months=year.months,
        amount=amount,
        variable_symbol=f"9{company.customer_number}",
    )
    for advance in advances:
        if advance.due_date < today:
            mark_advance_paid(session, actor=cast.clerk, advance=advance)
    return advances


def _settlements(session: Session, cast: Cast, meters: Meters, today: dt.date) -> list[Draft]:
    """Gamma's settlements of its two settled years, and the advances of the year running.
    Each year's advances are a twelfth of what the year before cost (the first year's a
    little less), so each settlement leaves something to pay: prices rise every year."""
    company = cast.gamma
    drafts = []
    cost = None
    for year in story.settlement_years(today):
        lines = _settled_consumption(session, meters, company, year)
        net, vat = Draft(company, year, lines).totals()
        if cost is None:
            cost = (net + vat) * Decimal("0.95")
        advances = _schedule(session, cast, company, year, _twelfth(cost), today)
        paid = [a for a in advances if a.is_paid and a.due_date in year]
        [amount] = {a.amount.quantize(CENT) for a in paid}
        lines.append(
            Line(
                f"{ADVANCES_PAID}, {year.label()}", Decimal(len(paid)), "month", -amount, Decimal(0)
            )
        )
        drafts.append(Draft(company, year, lines, _points(session, company)[0].code))
        cost = net + vat
    assert cost is not None
    _schedule(session, cast, company, story.current_settlement_year(today), _twelfth(cost), today)
    return drafts


def _twelfth(cost: Decimal) -> Decimal:
    return (cost / 12).quantize(Decimal(1), rounding=ROUND_FLOOR)


def _pay(session: Session, cast: Cast, invoice: Invoice, amount: Decimal, today: dt.date) -> None:
    record_payment(
        session,
        actor=cast.clerk,
        invoice=invoice,
        amount=amount,
        expected_version=invoice.version,
        paid_on=min(invoice.issue_date + dt.timedelta(days=PAID_AFTER_DAYS), today),
        today=today,
    )


def load(session: Session, cast: Cast, today: dt.date) -> None:
    """Invoices: all paid but Alfa's last two (the older overdue since a week), Beta's last
    (half paid) and Gamma's last settlement; Gamma's advances paid up to today."""
    add_issuer(session, actor=cast.admin, **ISSUER)
    meters = Meters(session)
    drafts = [
        _monthly(session, meters, company, period)
        for company in (cast.alfa, cast.beta)
        for period in story.billed_months(today)
    ]
    drafts += _settlements(session, cast, meters, today)
    overdue = [d for d in drafts if d.company is cast.alfa][-2]
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for draft in drafts:
        due = today - dt.timedelta(days=7) if draft is overdue else story.due_on(draft.issued)
        writer.writerows(draft.rows(due))
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
            _pay(session, cast, invoice, invoice.gross_total, today)
        if company is cast.beta:
            _pay(session, cast, invoices[-1], (invoices[-1].gross_total / 2).quantize(CENT), today)
        assert all(i.status != InvoiceStatus.CANCELLED for i in invoices)
