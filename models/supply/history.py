"""What the readings add up to: each reading's consumption, monthly totals for the history
chart, the latest reading of each register, and which supply points are due for a reading."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, joinedload

from models.supply.expected import THOUSANDTH, consumption_between
from models.supply.readings import counted
from models.supply.tables import (
    Meter,
    MeterRegister,
    Reading,
    ReadingStatus,
    SupplyPoint,
    SupplyPointStatus,
)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def readings_with_consumption(
    session: Session, point: SupplyPoint, *, since: dt.date | None = None
) -> list[tuple[Reading, Decimal | None]]:
    """The point's readings (rejected ones too), newest first, each with what its register
    counted since the reading before it that counts (None for the first and for rejected)."""
    stmt = (
        select(Reading)
        .join(MeterRegister, MeterRegister.id == Reading.register_id)
        .where(Reading.supply_point_id == point.id)
        .options(
            joinedload(Reading.register).joinedload(MeterRegister.meter),
            joinedload(Reading.submission),
        )
        .order_by(Reading.reading_date.desc(), MeterRegister.position)
    )
    readings = list(session.scalars(stmt))
    consumption: dict[int, Decimal] = {}
    by_register: dict[int, list[Reading]] = defaultdict(list)
    for reading in reversed(readings):
        if reading.status != ReadingStatus.REJECTED:
            by_register[reading.register_id].append(reading)
    for sequence in by_register.values():
        wrap = sequence[0].register.wrap
        for before, after in pairwise(sequence):
            consumption[after.id] = consumption_between(
                before.value, after.value, rollover=after.rollover, wrap=wrap
            )
    shown = [r for r in readings if since is None or r.reading_date >= since]
    return [(r, consumption.get(r.id)) for r in shown]


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date  # the first day of the month
    consumption: Decimal | None  # None: no reading interval covers any day of the month


def monthly_consumption(
    session: Session, point: SupplyPoint, *, today: dt.date, months: int = 24
) -> list[MonthTotal]:
    """The point's consumption per calendar month (all registers together) for the `months`
    months up to `today`'s. Between two readings, consumption is spread evenly over the
    days, so a reading interval that spans months contributes to each by its days."""
    first = add_months(today, -(months - 1))
    totals: dict[dt.date, Decimal] = defaultdict(Decimal)
    covered: set[dt.date] = set()
    rows = session.execute(
        counted(select(Reading.register_id, Reading.reading_date, Reading.value, Reading.rollover))
        .where(Reading.supply_point_id == point.id)
        .order_by(Reading.register_id, Reading.reading_date)
    ).all()
    digits = dict(
        session.execute(
            select(MeterRegister.id, MeterRegister.digits)
            .join(Meter, Meter.id == MeterRegister.meter_id)
            .where(Meter.supply_point_id == point.id)
        ).all()
    )
    for before, after in pairwise(rows):
        if before.register_id != after.register_id or after.reading_date < first:
            continue
        used = consumption_between(
            before.value, after.value, rollover=after.rollover, wrap=10 ** digits[after.register_id]
        )
        days = (after.reading_date - before.reading_date).days
        # The interval is the days after the earlier reading up to the later one.
        start = before.reading_date + dt.timedelta(days=1)
        month = start.replace(day=1)
        while month <= after.reading_date:
            overlap = (min(month_end(month), after.reading_date) - max(month, start)).days + 1
            if overlap > 0 and month >= first:
                totals[month] += used * overlap / days
                covered.add(month)
            month = add_months(month, 1)
    result = []
    for i in range(months):
        month = add_months(first, i)
        value = totals[month].quantize(THOUSANDTH) if month in covered else None
        result.append(MonthTotal(month, value))
    return result


def latest_readings(session: Session, point_ids: list[int]) -> dict[int, list[Reading]]:
    """For each point, the latest reading that counts of each register of its current meter,
    in register order (one query for all the points)."""
    if not point_ids:
        return {}
    latest = (
        counted(select(Reading.register_id, func.max(Reading.reading_date).label("day")))
        .where(Reading.supply_point_id.in_(point_ids))
        .group_by(Reading.register_id)
        .subquery()
    )
    stmt = (
        select(Reading)
        .join(
            latest,
            and_(Reading.register_id == latest.c.register_id, Reading.reading_date == latest.c.day),
        )
        .join(MeterRegister, MeterRegister.id == Reading.register_id)
        .join(Meter, Meter.id == MeterRegister.meter_id)
        .where(Meter.removed_on.is_(None))
        .options(joinedload(Reading.register))
        .order_by(MeterRegister.position)
    )
    found: dict[int, list[Reading]] = defaultdict(list)
    for reading in session.scalars(stmt):
        found[reading.supply_point_id].append(reading)
    return dict(found)


# When readings are due. A reading period is a calendar month. Its reading window, when the
# portal reminds customers, opens WINDOW_DAYS days before the month ends and closes on the
# WINDOW_DAYS-th day of the next month. A reading counts for the period when it is dated from
# the day after the previous window closed (the 8th) to the day its window closes, so a
# reading taken mid-month is not asked for again.

WINDOW_DAYS = 7


@dataclass(frozen=True)
class ReadingWindow:
    period: dt.date  # the first day of the month the reading is for
    opens: dt.date
    closes: dt.date
    counts_from: dt.date


def reading_window(today: dt.date) -> ReadingWindow | None:
    """The reading window open on `today`, or None between windows."""
    if today.day <= WINDOW_DAYS:
        period = add_months(today, -1)
    elif today >= month_end(today) - dt.timedelta(days=WINDOW_DAYS - 1):
        period = today.replace(day=1)
    else:
        return None
    return ReadingWindow(
        period=period,
        opens=month_end(period) - dt.timedelta(days=WINDOW_DAYS - 1),
        closes=add_months(period, 1).replace(day=WINDOW_DAYS),
        counts_from=period.replace(day=WINDOW_DAYS + 1),
    )


def points_due(session: Session, company_ids: list[int], today: dt.date) -> dict[int, set[int]]:
    """{company_id: ids of its supply points due for a self-reading}, in one query: active
    points that allow self-readings, have a meter, and have no reading that counts in the
    open window's period. Empty between windows."""
    window = reading_window(today)
    if window is None or not company_ids:
        return {}
    has_reading = exists().where(
        Reading.supply_point_id == SupplyPoint.id,
        Reading.status != ReadingStatus.REJECTED,
        Reading.reading_date >= window.counts_from,
        Reading.reading_date <= window.closes,
    )
    has_meter = exists().where(Meter.supply_point_id == SupplyPoint.id, Meter.removed_on.is_(None))
    rows = session.execute(
        select(SupplyPoint.company_id, SupplyPoint.id).where(
            SupplyPoint.company_id.in_(company_ids),
            SupplyPoint.status == SupplyPointStatus.ACTIVE,
            SupplyPoint.self_reading_allowed.is_(True),
            has_meter,
            ~has_reading,
        )
    )
    due: dict[int, set[int]] = defaultdict(set)
    for company_id, point_id in rows:
        due[company_id].add(point_id)
    return dict(due)


def recent_decisions(session: Session, point: SupplyPoint, *, since: dt.datetime) -> list[Reading]:
    """The point's readings a clerk decided since `since`, newest first."""
    return list(
        session.scalars(
            select(Reading)
            .where(Reading.supply_point_id == point.id, Reading.reviewed_at >= since)
            .options(joinedload(Reading.register))
            .order_by(Reading.reviewed_at.desc())
        )
    )
