"""The demo tells one story, whatever day it is loaded on: its invoices bill the supply
points' own commodities, at the prices the price lists give the company on the day, the
quantities its readings count, with the VAT of the day; nothing is issued after today;
advance payers get settlements that deduct exactly the advances they paid; and the open
invoices are the ones the rest of the portal relies on. Each pinned day loads the demo once
for all the rules (and once for the real today)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from itertools import pairwise

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from demo import ZONE, load_demo, story
from demo.billing import ADVANCES_PAID, ENERGY, FEE, ON_TOTAL
from demo.story import Period
from models.billing import AdvancePayment, AppliedPrice, Invoice, InvoiceStatus, effective_prices
from models.identity import Company
from models.supply import SupplyPoint, add_months, monthly_consumption, readings_with_consumption
from models.supply.history import month_end

PINNED = [dt.date(2026, 12, 2), dt.date(2027, 1, 3), dt.date(2026, 3, 31)]
VAT_RISE = dt.date(2025, 1, 1)
CENT = Decimal("0.01")
# "Name[, 11/2025[-12/2025]][ (supply point code)]"
DESCRIPTION = re.compile(
    r"(?P<name>.+?)(?:, (?P<first>\d\d/\d{4})(?:-(?P<last>\d\d/\d{4}))?)?"
    r"(?: \((?P<point>[0-9A-Z]{16,18})\))?"
)


@dataclass(frozen=True)
class Billed:
    """An invoice line as the customer reads it: for which point and months, at which price
    of the company's price lists (None for the deducted advances)."""

    invoice: Invoice
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    line_total: Decimal
    point: SupplyPoint | None
    months: Period
    price: AppliedPrice | None


@dataclass
class Story:
    session: Session
    today: dt.date
    companies: dict[str, Company]
    invoices: dict[str, list[Invoice]]  # by customer number, oldest first
    lines: list[Billed]

    def prices(self, company: Company, day: dt.date) -> list[AppliedPrice]:
        return _prices(self.session, company.id, day)


@cache
def _cached_prices(session: Session, company_id: int, day: dt.date) -> tuple[AppliedPrice, ...]:
    return tuple(effective_prices(session, session.get(Company, company_id), day))


def _prices(session: Session, company_id: int, day: dt.date) -> list[AppliedPrice]:
    return list(_cached_prices(session, company_id, day))


def _month(text: str) -> dt.date:
    month, year = text.split("/")
    return dt.date(int(year), int(month), 1)


def _billed(session: Session, invoice: Invoice) -> list[Billed]:
    points = {p.code: p for p in session.scalars(select(SupplyPoint))}
    own = session.get(SupplyPoint, invoice.supply_point_id) if invoice.supply_point_id else None
    assert invoice.period_start and invoice.period_end
    found = []
    for line in invoice.lines:
        match = DESCRIPTION.fullmatch(line.description)
        assert match, line.description
        first = _month(match["first"]) if match["first"] else invoice.period_start
        last = month_end(_month(match["last"] or match["first"])) if match["first"] else None
        months = Period(first, last or invoice.period_end)
        if line.description.startswith(ADVANCES_PAID):
            point, price = None, None
        else:
            point = points[match["point"]] if match["point"] else own
            assert point is not None, f"{line.description} names no supply point"
            assert point.company_id == invoice.company_id, line.description
            [price] = [
                p
                for p in _prices(session, invoice.company_id, months.start)
                if p.commodity == point.commodity.value and p.name == match["name"]
            ] or [None]
        found.append(
            Billed(
                invoice,
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                line.vat_rate,
                line.line_total,
                point,
                months,
                price,
            )
        )
    return found


@pytest.fixture(scope="module", params=[*PINNED, None], ids=[*map(str, PINNED), "today"])
def told(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Story]:
    """The demo loaded as of the day (rolled back after the module's tests)."""
    today = request.param or dt.datetime.now(ZONE).date()
    connection = engine.connect()
    outer = connection.begin()
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        assert load_demo(session, today)
        companies = {c.customer_number or "": c for c in session.scalars(select(Company))}
        invoices = {
            number: list(
                session.scalars(
                    select(Invoice)
                    .where(Invoice.company_id == company.id)
                    .order_by(Invoice.issue_date)
                )
            )
            for number, company in companies.items()
        }
        lines = [b for group in invoices.values() for i in group for b in _billed(session, i)]
        yield Story(session, today, companies, invoices, lines)
        _cached_prices.cache_clear()
    outer.rollback()
    connection.close()


def all_invoices(told: Story) -> list[Invoice]:
    return [i for group in told.invoices.values() for i in group]


def test_every_line_has_the_price_the_price_lists_give_the_company_on_its_days(told):
    for line in told.lines:
        if line.point is None:
            continue
        assert line.price is not None, f"{line.description}: no such item on the price lists"
        assert (line.unit_price, line.unit, line.vat_rate) == (
            line.price.unit_price,
            line.price.unit,
            line.price.vat_rate,
        ), line.description
        month = line.months.start
        while month <= line.months.end:  # the same price on every month the line bills
            assert line.price in told.prices(line.invoice.company, month), line.description
            month = add_months(month, 1)


def test_every_line_bills_a_commodity_of_one_of_the_companys_supply_points(told):
    for line in told.lines:
        if line.point is not None:
            assert line.point.company_id == line.invoice.company_id
            assert line.price is not None and line.price.commodity == line.point.commodity.value
    for invoice in all_invoices(told):
        points = told.session.scalars(
            select(SupplyPoint).where(SupplyPoint.company_id == invoice.company_id)
        ).all()
        billed = {b.point.id for b in told.lines if b.invoice is invoice and b.point is not None}
        assert billed == {p.id for p in points}, invoice.number  # and each point is billed


def test_no_invoice_is_issued_after_today_or_before_its_period_ends(told):
    invoices = all_invoices(told)
    assert invoices
    for invoice in invoices:
        assert invoice.period_end is not None
        assert invoice.period_end < invoice.issue_date <= told.today, invoice.number
    # The months billed are the MONTHS whose invoices are out: none is missing.
    alfa = told.invoices["1000001"]
    assert [i.period_start for i in alfa] == [p.start for p in story.billed_months(told.today)]


def test_the_billed_quantities_are_what_the_readings_count(told):
    groups: dict[tuple[int, int, Period], dict[str, Decimal]] = defaultdict(dict)
    for line in told.lines:
        if line.point is not None and line.price is not None:
            groups[(line.invoice.id, line.point.id, line.months)][line.price.code] = line.quantity
    assert groups
    supply_page: dict[int, dict[dt.date, Decimal | None]] = {}
    for (_invoice, point_id, months), billed in groups.items():
        point = told.session.get(SupplyPoint, point_id)
        used: dict[str, Decimal] = defaultdict(Decimal)
        for reading, counted in readings_with_consumption(told.session, point):
            if counted is not None and reading.reading_date in months:
                used[reading.register.code] += counted
        expected = {ENERGY[(point.commodity, register)]: q for register, q in used.items()}
        total = sum(used.values(), Decimal(0))
        expected |= {code: total for code in ON_TOTAL[point.commodity]}
        expected[FEE[point.commodity]] = Decimal(months.months)
        assert billed == expected, (point.code, months)
        if months.months == 1:  # the same number as the supply point page's month
            if point_id not in supply_page:
                totals = monthly_consumption(told.session, point, today=told.today, months=30)
                supply_page[point_id] = {t.month: t.consumption for t in totals}
            assert supply_page[point_id][months.start] == total, (point.code, months)


def test_advance_payers_get_no_monthly_invoices_but_settlements_deducting_the_advances_paid(
    told,
):
    payers = set(told.session.scalars(select(AdvancePayment.company_id)))
    gamma = told.companies["1000003"]
    assert payers == {gamma.id}
    for invoice in all_invoices(told):
        assert invoice.is_settlement == (invoice.company_id in payers), invoice.number
    settlements = told.invoices["1000003"]
    assert len(settlements) == 2
    for settlement in settlements:
        assert settlement.period_start and settlement.period_end
        period = Period(settlement.period_start, settlement.period_end)
        assert period.months == 12
        lines = [b for b in told.lines if b.invoice is settlement]
        [deducted] = [b for b in lines if b.point is None]
        advances = told.session.scalars(
            select(AdvancePayment).where(
                AdvancePayment.company_id == gamma.id,
                AdvancePayment.due_date >= period.start,
                AdvancePayment.due_date <= period.end,
            )
        ).all()
        assert len(advances) == 12 and all(a.is_paid for a in advances)
        assert deducted.line_total == -sum(a.amount for a in advances)
        assert deducted.vat_rate == 0 and lines[-1] == deducted
        # The consumption lines bill the whole period, in runs of months under one price.
        runs = sorted({b.months for b in lines if b.point is not None}, key=lambda m: m.start)
        assert runs[0].start == period.start and runs[-1].end == period.end
        for before, after in pairwise(runs):
            assert after.start == before.end + dt.timedelta(days=1)


def test_the_advances_of_the_year_running_are_paid_up_to_today(told):
    running = story.current_settlement_year(told.today)
    advances = told.session.scalars(
        select(AdvancePayment)
        .where(AdvancePayment.due_date >= running.start)
        .order_by(AdvancePayment.due_date)
    ).all()
    assert len(advances) == 12 and advances[-1].due_date <= running.end
    for advance in advances:
        assert advance.is_paid == (advance.due_date < told.today)
        assert not advance.is_overdue(told.today)


def test_vat_is_20_percent_for_supply_before_2025_and_23_percent_from_then(told):
    for line in told.lines:
        if line.point is None:
            assert line.vat_rate == 0  # the advances were paid with their VAT
            continue
        assert (line.months.start < VAT_RISE) == (line.months.end < VAT_RISE), line.description
        rate = Decimal(20) if line.months.start < VAT_RISE else Decimal(23)
        assert line.vat_rate == rate, line.description


def test_the_totals_add_up(told):
    for invoice in all_invoices(told):
        by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
        for line in invoice.lines:
            assert line.line_total == (line.quantity * line.unit_price).quantize(
                CENT, ROUND_HALF_UP
            )
            by_rate[line.vat_rate] += line.line_total
        assert sum(by_rate.values()) == invoice.net_total, invoice.number
        vat = sum(
            (base * rate / 100).quantize(CENT, ROUND_HALF_UP) for rate, base in by_rate.items()
        )
        assert vat == invoice.vat_total, invoice.number
        assert invoice.net_total + invoice.vat_total == invoice.gross_total, invoice.number


def test_alfa_has_two_open_invoices_the_older_overdue_since_a_week(told):
    alfa = told.invoices["1000001"]
    assert all(i.is_paid for i in alfa[:-2])
    older, newer = alfa[-2:]
    assert older.status == newer.status == InvoiceStatus.ISSUED
    assert older.due_date == told.today - dt.timedelta(days=7)
    assert older.is_overdue(told.today) and not newer.is_overdue(told.today)


def test_beta_has_one_partly_paid_invoice(told):
    beta = told.invoices["1000002"]
    assert all(i.is_paid for i in beta[:-1])
    last = beta[-1]
    assert last.status == InvoiceStatus.PARTIALLY_PAID
    assert 0 < last.paid_amount < last.gross_total and not last.is_overdue(told.today)


def test_gammas_open_invoice_is_its_latest_settlement_with_something_to_pay(told):
    older, latest = told.invoices["1000003"]
    assert older.is_paid
    assert latest.status == InvoiceStatus.ISSUED and latest.is_settlement
    assert latest.balance > 0 and not latest.is_overdue(told.today)


def test_the_change_requests_tell_a_past_and_what_waits(told):
    """Alfa waits for a new billing address, Beta for a new IBAN (two clerks); the decided
    requests lie in the past, in order, and the data holds what was approved."""
    from models.changes import COMPANY_FIELDS, ChangeRequest, ChangeStatus, field_history

    alfa, beta, gamma = (told.companies[n] for n in ("1000001", "1000002", "1000003"))
    changes = list(told.session.scalars(select(ChangeRequest).order_by(ChangeRequest.id)))
    pending = [c for c in changes if c.is_pending]
    assert [(c.company_id, [f.field for f in c.fields], c.four_eyes) for c in pending] == [
        (alfa.id, ["billing_address"], False),
        (beta.id, ["bank_account"], True),
    ]
    assert all(c.first_approved_by_id is None for c in pending)
    now = dt.datetime.combine(told.today, dt.time(23, 59), ZONE)
    for change in changes:
        assert change.requested_at <= now
        if change.decided_at:
            assert change.requested_at < change.decided_at <= now
        if change.first_approved_at:
            assert change.requested_at < change.first_approved_at < change.decided_at
            assert change.first_approved_by_id != change.decided_by_id
        assert change.requested_by_id not in (change.decided_by_id, change.first_approved_by_id)
    assert {c.status for c in changes} == {
        ChangeStatus.PENDING,
        ChangeStatus.APPROVED,
        ChangeStatus.REJECTED,
    }
    for company in (alfa, beta, gamma):
        # A customer since before anything of theirs: invoices, requests.
        first_invoice = told.invoices[company.customer_number][0].issue_date
        assert company.created_at.astimezone(ZONE).date() < first_invoice
        assert all(
            company.created_at < c.requested_at for c in changes if c.company_id == company.id
        )
        latest: dict[str, str | None] = {}
        for h in reversed(field_history(told.session, company.id)):
            latest[h.field] = h.new_value
        for field, value in latest.items():
            assert getattr(company, field) == value, (company.legal_name, field)
        # Every value of the demo companies passes the rule a change of it would meet.
        for name, rule in COMPANY_FIELDS.items():
            current = getattr(company, name)
            if current:
                assert rule.check(current, company.country, name) == current, (name, current)


def test_the_requests_tell_every_status_with_one_at_risk_and_one_breached(told):
    """A dozen requests across the companies, in every status, their timelines in order up to
    the demo's now; one running request at risk, one breached, each recorded once."""
    from demo.tickets import demo_now
    from models.tickets import ACTIVE, EventKind, Ticket, TicketStatus, promise

    now = demo_now(told.today)
    tickets = list(told.session.scalars(select(Ticket).order_by(Ticket.id)))
    assert len(tickets) == 12
    assert {t.status for t in tickets} == set(TicketStatus)
    assert {t.company_id for t in tickets} == {c.id for c in told.companies.values()}
    promises = {t.id: promise(t, now) for t in tickets if t.status in ACTIVE}
    at_risk = [i for i, p in promises.items() if p and p.at_risk and not p.breached]
    breached = [i for i, p in promises.items() if p and p.breached]
    assert len(at_risk) == 1 and len(breached) == 1
    for ticket in tickets:
        assert ticket.company.created_at < ticket.created_at <= now
        assert ticket.team is not None and ticket.sla_policy is not None
        times = [e.created_at for e in ticket.events]
        assert times == sorted(times) and times[-1] <= now
        assert ticket.events[0].kind == EventKind.CREATED
        if ticket.rated_at:
            assert ticket.status == TicketStatus.CLOSED
        recorded = [e for e in ticket.events if e.kind in (EventKind.AT_RISK, EventKind.BREACH)]
        assert len(recorded) == len({(e.kind, e.new_value) for e in recorded})
        assert all(not e.public for e in recorded)
    assert {t.satisfied for t in tickets if t.rated_at} == {True, False}
    [late] = [t for t in tickets if t.id in breached]
    assert late.first_response_breached_at is not None
    assert [e.kind for e in late.events if e.kind == EventKind.BREACH] == [EventKind.BREACH]
