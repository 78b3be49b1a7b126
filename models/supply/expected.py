"""What a register's history predicts: the consumption between two readings (across a
rollover too), the expected range for a new reading, and the reason a reading outside it
waits for a person. Pure functions, no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import pairwise

from models.errors import N_
from models.supply.tables import Reading, ReviewReason

DEFAULT_TOLERANCE = Decimal("0.5")
# The expected range averages at most this much history before the last reading.
HISTORY_DAYS = 365
# No consumption at all for longer than this, where the meter normally turns, needs a person.
NO_CONSUMPTION_DAYS = 60
THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class Step:
    """One reading in a register's sequence."""

    day: dt.date
    value: Decimal
    rollover: bool = False


def consumption_between(previous: Decimal, value: Decimal, *, rollover: bool, wrap: int) -> Decimal:
    """What the meter counted from `previous` to `value`; across a rollover the dial went
    past its last digit and started again from zero."""
    return (Decimal(wrap) - previous + value) if rollover else value - previous


def running_totals(steps: Sequence[Step], *, wrap: int) -> list[Decimal]:
    """What the register had counted at each step of its sequence (oldest first), from the
    first step's value on: a total that only grows, through rollovers, and equals the dial's
    value modulo `wrap`, so the difference of two totals is the consumption between them."""
    totals = [steps[0].value] if steps else []
    for before, step in pairwise(steps):
        used = consumption_between(before.value, step.value, rollover=step.rollover, wrap=wrap)
        totals.append(totals[-1] + used)
    return totals


@dataclass(frozen=True)
class ExpectedRange:
    """The consumption a reading on `on` should show, from the register's history. The
    `previous` step's value may be a running total (see running_totals) rather than the dial's
    value: the value bounds are taken modulo `wrap`."""

    previous: Step
    on: dt.date
    daily: Decimal  # average daily consumption over the history used
    expected: Decimal  # daily times the days since the previous reading
    low: Decimal  # consumption bounds, rounded outwards to the meter's thousandths
    high: Decimal
    wrap: int

    @property
    def days(self) -> int:
        return (self.on - self.previous.day).days

    @property
    def value_low(self) -> Decimal:
        """The lowest meter value in range (past a rollover it starts from zero again)."""
        return (self.previous.value + self.low) % self.wrap

    @property
    def value_high(self) -> Decimal:
        return (self.previous.value + self.high) % self.wrap


def expected_range(
    history: Sequence[Step], on: dt.date, *, wrap: int, tolerance: Decimal
) -> ExpectedRange | None:
    """The expected consumption from the last reading before `on` to `on`: the average daily
    consumption over the readings of the last HISTORY_DAYS before that last reading (at least
    the two latest), times the days since it, ± `tolerance` (0.5 = ±50 %). None with fewer
    than two earlier readings: there is no average yet."""
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    earlier = sorted((s for s in history if s.day < on), key=lambda s: s.day)
    if len(earlier) < 2:
        return None
    last = earlier[-1]
    horizon = last.day - dt.timedelta(days=HISTORY_DAYS)
    start = next(i for i, s in enumerate(earlier) if s.day >= horizon)
    used = earlier[min(start, len(earlier) - 2) :]
    total = sum(
        (consumption_between(a.value, b.value, rollover=b.rollover, wrap=wrap))
        for a, b in pairwise(used)
    )
    daily = Decimal(total) / (last.day - used[0].day).days
    expected = daily * (on - last.day).days
    low = max(Decimal(0), expected * (1 - tolerance)).quantize(THOUSANDTH, ROUND_FLOOR)
    high = (expected * (1 + tolerance)).quantize(THOUSANDTH, ROUND_CEILING)
    return ExpectedRange(
        previous=last, on=on, daily=daily, expected=expected, low=low, high=high, wrap=wrap
    )


def review_reason(consumption: Decimal, expected: ExpectedRange | None) -> ReviewReason | None:
    """Why a reading with `consumption` needs a person, or None when it is as expected (or
    there is nothing to expect yet)."""
    if expected is None:
        return None
    if consumption == 0 and expected.days > NO_CONSUMPTION_DAYS and expected.daily > 0:
        return ReviewReason.NO_CONSUMPTION
    if consumption < expected.low:
        return ReviewReason.BELOW_EXPECTED
    if consumption > expected.high:
        return ReviewReason.ABOVE_EXPECTED
    return None


REASON_MESSAGES = {
    ReviewReason.ABOVE_EXPECTED: N_(
        "Consumption of %(consumption)s %(unit)s is above the expected range of "
        "%(low)s to %(high)s %(unit)s."
    ),
    ReviewReason.BELOW_EXPECTED: N_(
        "Consumption of %(consumption)s %(unit)s is below the expected range of "
        "%(low)s to %(high)s %(unit)s."
    ),
    ReviewReason.NO_CONSUMPTION: N_(
        "No consumption for more than %(days)s days, although the earlier readings show "
        "regular use (expected %(low)s to %(high)s %(unit)s)."
    ),
}


def reason_message(reading: Reading) -> tuple[str, dict[str, object]] | None:
    """The review reason of `reading` as a translatable message and its parameters."""
    if reading.review_reason is None:
        return None
    return REASON_MESSAGES[reading.review_reason], {
        "consumption": reading.consumption,
        "low": reading.expected_low,
        "high": reading.expected_high,
        "unit": reading.supply_point.commodity.unit,
        "days": NO_CONSUMPTION_DAYS,
    }
