"""Business hours: working days, opening hours and public holidays in one time zone, and the
SLA clock's arithmetic on them (time zones and daylight saving included)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = frozenset(range(5))

# How far `add` looks ahead before it gives up on a calendar that never reaches the amount.
HORIZON_DAYS = 3660

_ONE_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)


@dataclass(frozen=True)
class BusinessHours:
    """When the SLA clock runs: `weekdays` from `opens` to `closes` local time in `timezone`,
    except on `holidays`."""

    timezone: str  # IANA name, e.g. "Europe/Bratislava"
    weekdays: frozenset[int]  # working days, 0 = Monday ... 6 = Sunday
    opens: dt.time  # local opening time, e.g. 08:00
    closes: dt.time  # local closing time, e.g. 16:00 (same day, after opens)
    holidays: frozenset[dt.date] = frozenset()  # local dates with no business hours

    def __post_init__(self) -> None:
        # Plain sets (and lists) are accepted and frozen, so the calendar stays hashable.
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.weekdays:
            raise ValueError("a business calendar needs at least one working day")
        if any(not isinstance(day, int) or not 0 <= day <= 6 for day in self.weekdays):
            raise ValueError("working days are 0 (Monday) to 6 (Sunday)")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening and closing times are local times, without a time zone")
        if self.closes <= self.opens:
            raise ValueError("the closing time must come after the opening time")
        # fold=0: a local time that a clock change skips or repeats takes the earlier offset.
        object.__setattr__(self, "opens", self.opens.replace(fold=0))
        object.__setattr__(self, "closes", self.closes.replace(fold=0))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time from start to end (zero when end <= start)."""
        start, end = _utc(start), _utc(end)
        if end <= start:
            return _ZERO
        zone = ZoneInfo(self.timezone)
        # A day to spare either side, for clock changes at midnight that shift local dates.
        first = start.astimezone(zone).date() - _ONE_DAY
        last = end.astimezone(zone).date() + _ONE_DAY
        total = _ZERO
        for opens, closes in self._windows(zone, first, last):
            if opens >= end:
                break
            if closes > start:
                total += min(closes, end) - max(opens, start)
        return total

    def add(self, start: dt.datetime, business: dt.timedelta) -> dt.datetime:
        """The earliest moment t >= start such that between(start, t) == business.
        add(start, 0) == start. Result in UTC."""
        start = _utc(start)
        if business < _ZERO:
            raise ValueError("business time to add must not be negative")
        if not business:
            return start
        zone = ZoneInfo(self.timezone)
        first = start.astimezone(zone).date()
        limit = first + dt.timedelta(days=HORIZON_DAYS)
        remaining = business
        for opens, closes in self._windows(zone, first - _ONE_DAY, limit):
            if closes <= start:
                continue
            begin = max(opens, start)
            # `<=` so that an amount ending exactly at closing time stays on that day.
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise ValueError(
            f"{business} of business time is not reached within {HORIZON_DAYS} days of {start}"
        )

    def is_open(self, moment: dt.datetime) -> bool:
        """Whether `moment` falls in business hours (opens inclusive, closes exclusive)."""
        moment = _utc(moment)
        zone = ZoneInfo(self.timezone)
        day = moment.astimezone(zone).date()
        return any(
            opens <= moment < closes
            for opens, closes in self._windows(zone, day - _ONE_DAY, day + _ONE_DAY)
        )

    def _windows(
        self, zone: ZoneInfo, first: dt.date, last: dt.date
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The UTC opening windows of the business days from `first` to `last` (inclusive), in
        order; days off are skipped without touching the time zone."""
        day = first
        while day <= last:
            if day.weekday() in self.weekdays and day not in self.holidays:
                opens = dt.datetime.combine(day, self.opens, zone).astimezone(dt.UTC)
                closes = dt.datetime.combine(day, self.closes, zone).astimezone(dt.UTC)
                # Hours inside a spring-forward gap can map to a closing before the opening.
                if closes > opens:
                    yield opens, closes
            day += _ONE_DAY


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment} has no time zone: business hours need aware datetimes")
    return moment.astimezone(dt.UTC)
