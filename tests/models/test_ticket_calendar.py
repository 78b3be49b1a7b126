"""Business-hours arithmetic of the SLA clock, table-driven: every expected moment below was
worked out by hand and is written in UTC (Bratislava is UTC+1 in winter, UTC+2 in summer)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.tickets.calendar import WEEKDAYS, BusinessHours

BRATISLAVA = ZoneInfo("Europe/Bratislava")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

HOLIDAYS = frozenset(
    {
        dt.date(2026, 12, 24),
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 26),
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 6),
    }
)
OFFICE = BusinessHours("Europe/Bratislava", WEEKDAYS, dt.time(8), dt.time(16), HOLIDAYS)
SUNDAYS_ONLY = BusinessHours("Europe/Bratislava", frozenset({6}), dt.time(8), dt.time(16))
NIGHTS = BusinessHours("Europe/Bratislava", frozenset(range(7)), dt.time(1), dt.time(4))
# 02:30 does not exist on the spring-forward Sunday: the clock jumps from 02:00 to 03:00.
IN_THE_GAP = BusinessHours("Europe/Bratislava", frozenset(range(7)), dt.time(2, 30), dt.time(3))
# West of UTC, an evening's UTC date is already the next day.
NY_EVENINGS = BusinessHours("America/New_York", frozenset(range(7)), dt.time(18), dt.time(23))

ZERO = dt.timedelta(0)


def local(
    y: int, m: int, d: int, hour: int = 0, minute: int = 0, s: int = 0, us: int = 0
) -> dt.datetime:
    """A wall-clock moment in Bratislava."""
    return dt.datetime(y, m, d, hour, minute, s, us, tzinfo=BRATISLAVA)


def utc(
    y: int, m: int, d: int, hour: int = 0, minute: int = 0, s: int = 0, us: int = 0
) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, s, us, tzinfo=dt.UTC)


def hours(amount: float) -> dt.timedelta:
    return dt.timedelta(hours=amount)


ADD_CASES = [
    pytest.param(local(2026, 12, 1, 9), hours(3), utc(2026, 12, 1, 11), id="within-one-day"),
    pytest.param(
        local(2026, 12, 1, 9, 15, 30, 250000),
        dt.timedelta(hours=1, minutes=2, seconds=3, microseconds=500000),
        utc(2026, 12, 1, 9, 17, 33, 750000),
        id="keeps-microseconds",
    ),
    pytest.param(local(2026, 12, 3, 15), hours(2), utc(2026, 12, 4, 8), id="across-a-night"),
    pytest.param(local(2026, 12, 4, 15), hours(2), utc(2026, 12, 7, 8), id="across-a-weekend"),
    pytest.param(local(2026, 12, 5, 11), hours(1.5), utc(2026, 12, 7, 8, 30), id="on-saturday"),
    pytest.param(local(2026, 12, 6, 23, 59), hours(1), utc(2026, 12, 7, 8), id="sunday-night"),
    pytest.param(local(2026, 12, 8, 6, 30), hours(1), utc(2026, 12, 8, 8), id="before-opening"),
    pytest.param(local(2026, 12, 8, 17, 45), hours(1), utc(2026, 12, 9, 8), id="after-closing"),
    pytest.param(local(2026, 12, 10, 16), hours(1), utc(2026, 12, 11, 8), id="at-closing"),
    pytest.param(local(2026, 12, 9, 14), hours(2), utc(2026, 12, 9, 15), id="ends-at-closing"),
    pytest.param(local(2026, 12, 10, 8), hours(8), utc(2026, 12, 10, 15), id="opening-to-closing"),
    pytest.param(local(2026, 12, 10, 6), hours(8), utc(2026, 12, 10, 15), id="early-to-closing"),
    pytest.param(
        local(2026, 12, 11, 14), hours(10), utc(2026, 12, 14, 15), id="ends-at-closing-on-monday"
    ),
    pytest.param(local(2026, 12, 23, 15), hours(2), utc(2026, 12, 28, 8), id="across-christmas"),
    pytest.param(
        local(2026, 12, 23, 15), hours(1), utc(2026, 12, 23, 15), id="closing-before-christmas"
    ),
    pytest.param(local(2026, 12, 24, 10), hours(1), utc(2026, 12, 28, 8), id="on-a-holiday"),
    pytest.param(local(2026, 12, 31, 15), hours(2), utc(2027, 1, 4, 8), id="across-new-year"),
    pytest.param(local(2027, 1, 5, 15), hours(2), utc(2027, 1, 7, 8), id="across-epiphany"),
    pytest.param(local(2026, 12, 14, 8), hours(40), utc(2026, 12, 18, 15), id="five-days"),
    pytest.param(
        local(2026, 12, 14, 10), hours(80), utc(2026, 12, 30, 9), id="ten-days-over-christmas"
    ),
    pytest.param(local(2026, 12, 1, 10), ZERO, utc(2026, 12, 1, 9), id="zero"),
    pytest.param(local(2026, 12, 5, 11), ZERO, utc(2026, 12, 5, 10), id="zero-on-saturday"),
    pytest.param(utc(2026, 12, 3, 14), hours(2), utc(2026, 12, 4, 8), id="given-in-utc"),
    pytest.param(
        dt.datetime(2026, 12, 3, 9, tzinfo=NEW_YORK),
        hours(2),
        utc(2026, 12, 4, 8),
        id="given-in-new-york",
    ),
    pytest.param(
        dt.datetime(2026, 12, 4, 23, 30, tzinfo=TOKYO),
        hours(1),
        utc(2026, 12, 7, 7, 30),
        id="given-in-tokyo",
    ),
    pytest.param(
        local(2027, 3, 26, 15), hours(2), utc(2027, 3, 29, 7), id="across-spring-dst-change"
    ),
    pytest.param(
        local(2027, 3, 26, 10), hours(40), utc(2027, 4, 2, 8), id="week-across-spring-dst-change"
    ),
    pytest.param(
        local(2027, 10, 29, 15), hours(2), utc(2027, 11, 1, 8), id="across-autumn-dst-change"
    ),
]


@pytest.mark.parametrize(("start", "business", "expected"), ADD_CASES)
def test_add(start: dt.datetime, business: dt.timedelta, expected: dt.datetime) -> None:
    result = OFFICE.add(start, business)
    assert result == expected
    assert result.tzinfo is dt.UTC


@pytest.mark.parametrize(("start", "business", "end"), ADD_CASES)
def test_between_undoes_add(start: dt.datetime, business: dt.timedelta, end: dt.datetime) -> None:
    assert OFFICE.between(start, end) == business


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(local(2026, 12, 1, 12), local(2026, 12, 1, 10), ZERO, id="end-before-start"),
        pytest.param(local(2026, 12, 1, 12), local(2026, 12, 1, 12), ZERO, id="empty"),
        pytest.param(local(2026, 12, 1, 17), local(2026, 12, 2, 7), ZERO, id="one-night"),
        pytest.param(local(2026, 12, 5), local(2026, 12, 7), ZERO, id="a-weekend"),
        pytest.param(local(2026, 12, 8, 6, 30), local(2026, 12, 8, 9), hours(1), id="early-start"),
        pytest.param(
            utc(2026, 12, 1, 7, 30),
            utc(2026, 12, 1, 8, 45, 10),
            dt.timedelta(hours=1, minutes=15, seconds=10),
            id="part-of-a-morning",
        ),
        pytest.param(local(2026, 12, 7), local(2026, 12, 14), hours(40), id="a-whole-week"),
        pytest.param(local(2026, 12, 21), local(2026, 12, 28), hours(24), id="christmas-week"),
        pytest.param(local(2026, 12, 24), local(2026, 12, 28), ZERO, id="holidays-and-weekend"),
        pytest.param(local(2026, 12, 1), local(2027, 1, 1), hours(168), id="december"),
        pytest.param(local(2026, 12, 28), local(2027, 1, 11), hours(64), id="new-year-fortnight"),
        pytest.param(local(2027, 3, 22), local(2027, 3, 29), hours(40), id="spring-dst-week"),
        pytest.param(local(2027, 10, 25), local(2027, 11, 1), hours(40), id="autumn-dst-week"),
        pytest.param(
            dt.datetime(2026, 12, 3, 9, tzinfo=NEW_YORK),
            dt.datetime(2026, 12, 4, 17, tzinfo=TOKYO),
            hours(2),
            id="new-york-to-tokyo",
        ),
    ],
)
def test_between(start: dt.datetime, end: dt.datetime, expected: dt.timedelta) -> None:
    assert OFFICE.between(start, end) == expected


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        pytest.param(OFFICE, dt.date(2026, 12, 7), hours(8), id="office-monday"),
        pytest.param(OFFICE, dt.date(2026, 12, 5), ZERO, id="office-saturday"),
        pytest.param(OFFICE, dt.date(2026, 12, 24), ZERO, id="office-christmas-eve"),
        pytest.param(SUNDAYS_ONLY, dt.date(2027, 3, 28), hours(8), id="sunday-spring-forward"),
        pytest.param(SUNDAYS_ONLY, dt.date(2027, 10, 31), hours(8), id="sunday-fall-back"),
        # A window around the change itself is as long as the time that really passes.
        pytest.param(NIGHTS, dt.date(2027, 3, 27), hours(3), id="night-before-spring-forward"),
        pytest.param(NIGHTS, dt.date(2027, 3, 28), hours(2), id="night-of-spring-forward"),
        pytest.param(NIGHTS, dt.date(2027, 10, 31), hours(4), id="night-of-fall-back"),
        pytest.param(IN_THE_GAP, dt.date(2027, 3, 27), hours(0.5), id="gap-hours-on-a-saturday"),
        pytest.param(IN_THE_GAP, dt.date(2027, 3, 28), ZERO, id="gap-hours-swallowed"),
    ],
)
def test_length_of_a_day(calendar: BusinessHours, day: dt.date, expected: dt.timedelta) -> None:
    midnight = dt.datetime.combine(day, dt.time(0), BRATISLAVA)
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), BRATISLAVA)
    assert calendar.between(midnight, next_midnight) == expected


@pytest.mark.parametrize(
    ("calendar", "start", "business", "expected"),
    [
        pytest.param(
            SUNDAYS_ONLY, local(2027, 3, 27, 12), hours(8), utc(2027, 3, 28, 14), id="spring"
        ),
        pytest.param(
            SUNDAYS_ONLY, local(2027, 10, 30, 12), hours(8), utc(2027, 10, 31, 15), id="autumn"
        ),
        pytest.param(
            SUNDAYS_ONLY, local(2027, 3, 28, 15), hours(2), utc(2027, 4, 4, 7), id="next-sunday"
        ),
        pytest.param(NIGHTS, local(2027, 3, 28, 1), hours(2), utc(2027, 3, 28, 2), id="nights"),
        pytest.param(NIGHTS, local(2027, 3, 28, 1), hours(3), utc(2027, 3, 29, 0), id="nights-2"),
        pytest.param(
            IN_THE_GAP, local(2027, 3, 27, 12), hours(1), utc(2027, 3, 30, 1), id="gap-skipped"
        ),
        pytest.param(
            NY_EVENINGS,
            dt.datetime(2026, 12, 1, 20, tzinfo=NEW_YORK),
            hours(1),
            utc(2026, 12, 2, 2),
            id="new-york-evening",
        ),
        pytest.param(
            NY_EVENINGS,
            dt.datetime(2026, 12, 1, 20, tzinfo=NEW_YORK),
            hours(4),
            utc(2026, 12, 3, 0),
            id="new-york-next-evening",
        ),
    ],
)
def test_add_on_other_calendars(
    calendar: BusinessHours, start: dt.datetime, business: dt.timedelta, expected: dt.datetime
) -> None:
    assert calendar.add(start, business) == expected
    assert calendar.between(start, expected) == business


STEP = dt.timedelta(hours=7, minutes=13)
# Three weeks over Christmas and New Year, and one over the spring change to summer time.
STARTS = [utc(2026, 12, 13, 23) + k * STEP for k in range(70)] + [
    utc(2027, 3, 21, 23) + k * STEP for k in range(24)
]
DURATIONS = [
    ZERO,
    dt.timedelta(microseconds=1),
    dt.timedelta(seconds=1),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=7, minutes=59, seconds=59),
    hours(8),
    hours(13),
    hours(40),
    dt.timedelta(hours=81, minutes=17, seconds=5, microseconds=3),
]
SPANS = [
    ZERO,
    dt.timedelta(microseconds=1),
    dt.timedelta(minutes=45),
    hours(9),
    dt.timedelta(days=2, hours=3),
    dt.timedelta(days=11, hours=5, minutes=1),
]


@pytest.mark.parametrize("start", STARTS, ids=lambda start: start.strftime("%a-%Y%m%d-%H%MZ"))
def test_add_and_between_agree(start: dt.datetime) -> None:
    for business in DURATIONS:
        end = OFFICE.add(start, business)
        assert end >= start
        assert OFFICE.between(start, end) == business
        if business:
            # Nothing earlier would do: `add` gives the earliest such moment.
            assert OFFICE.between(start, end - dt.timedelta(microseconds=1)) < business
            assert OFFICE.is_open(end - dt.timedelta(microseconds=1))
    for span in SPANS:
        end = start + span
        assert OFFICE.add(start, OFFICE.between(start, end)) <= end


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(local(2026, 12, 1, 8), True, id="at-opening"),
        pytest.param(local(2026, 12, 1, 7, 59, 59, 999999), False, id="just-before-opening"),
        pytest.param(local(2026, 12, 1, 12), True, id="midday"),
        pytest.param(local(2026, 12, 1, 15, 59, 59, 999999), True, id="just-before-closing"),
        pytest.param(local(2026, 12, 1, 16), False, id="at-closing"),
        pytest.param(local(2026, 12, 1, 23), False, id="at-night"),
        pytest.param(local(2026, 12, 24, 10), False, id="christmas-eve"),
        pytest.param(local(2027, 1, 1, 10), False, id="new-years-day"),
        pytest.param(local(2026, 12, 5, 10), False, id="saturday"),
        pytest.param(local(2026, 12, 6, 10), False, id="sunday"),
        pytest.param(utc(2026, 12, 1, 7), True, id="opening-in-utc"),
        pytest.param(utc(2026, 12, 1, 15), False, id="closing-in-utc"),
        pytest.param(dt.datetime(2026, 12, 1, 16, tzinfo=TOKYO), True, id="opening-from-tokyo"),
        pytest.param(utc(2027, 3, 29, 5, 59, 59), False, id="summer-before-opening"),
        pytest.param(utc(2027, 3, 29, 6), True, id="summer-opening"),
        pytest.param(utc(2027, 3, 29, 14), False, id="summer-closing"),
    ],
)
def test_is_open(moment: dt.datetime, expected: bool) -> None:
    assert OFFICE.is_open(moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(utc(2026, 12, 2, 3, 59), True, id="before-closing"),
        pytest.param(utc(2026, 12, 2, 4), False, id="at-closing"),
    ],
)
def test_is_open_west_of_utc(moment: dt.datetime, expected: bool) -> None:
    assert NY_EVENINGS.is_open(moment) is expected


VALID: dict[str, Any] = {
    "timezone": "Europe/Bratislava",
    "weekdays": WEEKDAYS,
    "opens": dt.time(8),
    "closes": dt.time(16),
}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"weekdays": frozenset()}, id="no-weekdays"),
        pytest.param({"weekdays": frozenset({0, 7})}, id="weekday-7"),
        pytest.param({"weekdays": frozenset({-1})}, id="weekday-minus-1"),
        pytest.param({"closes": dt.time(7)}, id="closes-before-opens"),
        pytest.param({"closes": dt.time(8)}, id="closes-at-opening"),
        pytest.param({"opens": dt.time(8, tzinfo=dt.UTC)}, id="opening-with-time-zone"),
        pytest.param({"timezone": "Europe/Atlantis"}, id="unknown-zone"),
        pytest.param({"timezone": ""}, id="empty-zone"),
    ],
)
def test_invalid_calendars_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        BusinessHours(**(VALID | change))


def test_plain_sets_are_frozen() -> None:
    weekdays: Any = {0, 1}
    holidays: Any = {dt.date(2026, 12, 1)}
    calendar = BusinessHours("Europe/Bratislava", weekdays, dt.time(8), dt.time(16), holidays)
    assert calendar.weekdays == frozenset({0, 1})
    assert calendar.holidays == frozenset({dt.date(2026, 12, 1)})
    assert hash(calendar) == hash(calendar)
    assert sorted(WEEKDAYS) == [0, 1, 2, 3, 4]


NAIVE = dt.datetime(2026, 12, 1, 9)
AWARE = local(2026, 12, 1, 9)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: OFFICE.add(NAIVE, hours(1)), id="add-naive"),
        pytest.param(lambda: OFFICE.add(NAIVE, ZERO), id="add-zero-naive"),
        pytest.param(lambda: OFFICE.between(NAIVE, AWARE), id="between-naive-start"),
        pytest.param(lambda: OFFICE.between(AWARE, NAIVE), id="between-naive-end"),
        pytest.param(lambda: OFFICE.is_open(NAIVE), id="is-open-naive"),
        pytest.param(lambda: OFFICE.add(AWARE, hours(-1)), id="add-negative"),
    ],
)
def test_bad_arguments_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()


def sundays(first: dt.date, last: dt.date) -> frozenset[dt.date]:
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(day for day in days if day.weekday() == 6)


def test_a_calendar_that_never_opens_stops_instead_of_looping() -> None:
    closed = BusinessHours(
        "Europe/Bratislava",
        frozenset({6}),
        dt.time(8),
        dt.time(16),
        sundays(dt.date(2027, 1, 1), dt.date(2037, 12, 31)),
    )
    with pytest.raises(ValueError, match="not reached"):
        closed.add(local(2027, 1, 1), hours(1))
    assert closed.between(local(2027, 1, 1), local(2038, 1, 1)) == ZERO


def test_a_calendar_that_opens_after_nine_years_is_still_reached() -> None:
    rare = BusinessHours(
        "Europe/Bratislava",
        frozenset({6}),
        dt.time(8),
        dt.time(16),
        sundays(dt.date(2027, 1, 1), dt.date(2035, 12, 31)),
    )
    assert rare.add(local(2027, 1, 1), hours(1)) == utc(2036, 1, 6, 8)


def test_thousands_of_calls_a_second() -> None:
    began = time.perf_counter()
    for _ in range(2000):
        OFFICE.add(local(2026, 12, 14, 10), hours(80))
        OFFICE.between(local(2026, 12, 1), local(2027, 1, 1))
    # About 0.1 s on a laptop; the bound leaves room for a busy CI machine.
    assert time.perf_counter() - began < 2.0
