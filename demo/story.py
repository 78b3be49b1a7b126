"""The demo's calendar, relative to `today`, so that its areas tell one story: which months
are billed, when their invoices are issued and due, the households' settlement years, and
the days prices change (each 1 January, when each year's price lists begin)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.supply import add_months
from models.supply.history import month_end

MONTHS = 24  # of invoices, and of readings behind them
ISSUED_AFTER_DAYS = 5  # the billing run after a month's end
PAYMENT_DAYS = 30


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def label(self) -> str:
        """ "12/2025", or "01/2026-11/2026" for several months."""
        first, last = f"{self.start:%m/%Y}", f"{self.end:%m/%Y}"
        return first if first == last else f"{first}-{last}"


def issued_on(period_end: dt.date) -> dt.date:
    return period_end + dt.timedelta(days=ISSUED_AFTER_DAYS)


def due_on(issued: dt.date) -> dt.date:
    return issued + dt.timedelta(days=PAYMENT_DAYS)


def billed_to(today: dt.date) -> dt.date:
    """The end of the last month whose invoices are issued by `today`: no invoice is dated
    after today. The newest invoice is then never due yet (PAYMENT_DAYS covers a month)."""
    end = add_months(today, 0) - dt.timedelta(days=1)
    while issued_on(end) > today:
        end = add_months(end, 0) - dt.timedelta(days=1)
    return end


def billed_months(today: dt.date) -> list[Period]:
    """The MONTHS calendar months billed by `today`, oldest first."""
    last = billed_to(today)
    firsts = [add_months(last, -back) for back in range(MONTHS - 1, -1, -1)]
    return [Period(first, month_end(first)) for first in firsts]


def settlement_years(today: dt.date) -> list[Period]:
    """The households' two settled years (twelve months each, oldest first): the latest ends
    with the last billed month, so its settlement is the newest invoice."""
    months = billed_months(today)
    return [Period(months[0].start, months[11].end), Period(months[12].start, months[23].end)]


def current_settlement_year(today: dt.date) -> Period:
    """The settlement year running on `today`, whose advances are being paid."""
    start = billed_to(today) + dt.timedelta(days=1)
    return Period(start, add_months(start, 12) - dt.timedelta(days=1))


def first_reading_day(today: dt.date) -> dt.date:
    """The day of the meter readings the first billed month starts from."""
    return billed_months(today)[0].start - dt.timedelta(days=1)


def month_ends(today: dt.date) -> list[dt.date]:
    """Every month's end from first_reading_day up to yesterday, then yesterday: the monthly
    readings the invoices are billed from, and the latest one."""
    yesterday = today - dt.timedelta(days=1)
    days = []
    day = first_reading_day(today)
    while day <= yesterday:
        days.append(day)
        day = month_end(add_months(day, 1))
    return days if days[-1] == yesterday else [*days, yesterday]


def price_years(today: dt.date) -> list[int]:
    """The years whose price lists the billed months need, and the current year."""
    return list(range(billed_months(today)[0].start.year, today.year + 1))
