"""What the readings add up to: each reading's consumption and the history table, monthly
totals for the history chart, the latest reading of each register, and which supply points
are due for a reading. Only accepted readings count; a pending one is shown, counted nowhere."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from models.supply.expected import THOUSANDTH
from models.supply.sequence import counted, counted_intervals, in_sequence
from models.supply.tables import Meter, MeterRegister, Reading, ReadingSubmission, SupplyPoint


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _by_register(readings: list[Reading]) -> list[list[Reading]]:
    """The registers' sequences in `readings` (any order), each oldest first."""
    sequences: dict[int, list[Reading]] = defaultdict(list)
    for reading in sorted(readings, key=lambda r: r.reading_date):
        if reading.in_sequence:
            sequences[reading.register_id].append(reading)
    return list(sequences.values())


def readings_with_consumption(
    session: Session, point: SupplyPoint, *, since: dt.date | None = None
) -> list[tuple[Reading, Decimal | None]]:
    """The point's readings (pending, rejected and replaced ones too), newest first, those of one
    submission together (on a day with several, the new meter's and the newer submission's
    first), each with what its register counted since the accepted reading before it: None
    for the first one and for any reading not accepted. With `since`, only the readings from
    that day on, read with the earlier ones their consumption needs, not the whole history
    (_needed_for)."""
    mine = Reading.supply_point_id == point.id
    stmt = (
        select(Reading)
        .join(MeterRegister, MeterRegister.id == Reading.register_id)
        .join(Meter, Meter.id == MeterRegister.meter_id)
        .where(mine)
        .options(
            joinedload(Reading.register).joinedload(MeterRegister.meter),
            joinedload(Reading.submission),
        )
        .order_by(
            Reading.reading_date.desc(),
            Meter.installed_on.desc(),
            Reading.submission_id.desc(),
            MeterRegister.position,
        )
    )
    if since is not None:
        stmt = _needed_for(stmt, mine, since)
    readings = list(session.scalars(stmt))
    consumption = {
        after.id: used
        for sequence in _by_register(readings)
        for _before, after, used in counted_intervals(sequence, sequence[0].register.wrap)
    }
    shown = [r for r in readings if since is None or r.reading_date >= since]
    return [(r, consumption.get(r.id)) for r in shown]


@dataclass(frozen=True)
class HistoryTable:
    """Readings as a history table shows them: each submission (newest first) with its rows
    of (reading, consumption). `several_meters` when the rows come from more than one meter
    (a meter exchange), so that each row names its meter."""

    groups: list[tuple[ReadingSubmission, list[tuple[Reading, Decimal | None]]]]
    several_meters: bool


def history_table(rows: list[tuple[Reading, Decimal | None]]) -> HistoryTable:
    """`rows` as readings_with_consumption gives them (or some of them), grouped for a table."""
    groups = []
    for _submission_id, grouped in groupby(rows, key=lambda row: row[0].submission_id):
        group = list(grouped)
        groups.append((group[0][0].submission, group))
    meters = {reading.register.meter_id for reading, _ in rows}
    return HistoryTable(groups, len(meters) > 1)


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date  # the first day of the month
    consumption: Decimal | None  # None: no reading interval covers any day of the month


def monthly_consumption(
    session: Session, point: SupplyPoint, *, today: dt.date, months: int = 24
) -> list[MonthTotal]:
    """The point's consumption per calendar month (all registers together) for the `months`
    months up to `today`'s, from its accepted readings. Between two accepted readings of a
    register, consumption is spread evenly over the days, so an interval that spans months
    contributes to each by its days."""
    mine = Reading.supply_point_id == point.id
    readings = list(
        session.scalars(
            _needed_for(
                in_sequence(select(Reading)).where(mine), mine, _first(today, months)
            ).options(joinedload(Reading.register))
        )
    )
    return _month_totals(readings, today=today, months=months)


def _first(today: dt.date, months: int) -> dt.date:
    """The first day of the first of the `months` months up to `today`'s."""
    return add_months(today, -(months - 1))


def _needed_for(
    stmt: Select[Reading], whose: ColumnElement[bool], first: dt.date
) -> Select[Reading]:
    """Only the readings that months from `first` on need: of each register, those from its
    last accepted reading before `first` on (where the interval that reaches into the first
    month starts). A register with years of readings costs what the months shown cost."""
    starts = (
        counted(select(Reading.register_id, func.max(Reading.reading_date).label("since")))
        .where(whose, Reading.reading_date < first)
        .group_by(Reading.register_id)
        .subquery()
    )
    return stmt.outerjoin(starts, starts.c.register_id == Reading.register_id).where(
        or_(starts.c.since.is_(None), Reading.reading_date >= starts.c.since)
    )


def monthly_consumption_by_point(
    session: Session, company_ids: list[int], *, today: dt.date, months: int = 24
) -> dict[SupplyPoint, list[MonthTotal]]:
    """`monthly_consumption` of every supply point of the companies that has readings, in one
    query for all of them."""
    if not company_ids:
        return {}
    by_point: dict[SupplyPoint, list[Reading]] = defaultdict(list)
    theirs = Reading.company_id.in_(company_ids)
    for reading in session.scalars(
        _needed_for(
            in_sequence(select(Reading)).where(theirs), theirs, _first(today, months)
        ).options(joinedload(Reading.register), joinedload(Reading.supply_point))
    ):
        by_point[reading.supply_point].append(reading)
    return {
        point: _month_totals(readings, today=today, months=months)
        for point, readings in sorted(by_point.items(), key=lambda item: item[0].code)
    }


def _month_totals(readings: list[Reading], *, today: dt.date, months: int) -> list[MonthTotal]:
    first = _first(today, months)
    totals: dict[dt.date, Decimal] = defaultdict(Decimal)
    covered: set[dt.date] = set()
    for sequence in _by_register(readings):
        for before, after, used in counted_intervals(sequence, sequence[0].register.wrap):
            if after.reading_date < first:
                continue
            days = (after.reading_date - before.reading_date).days
            # The interval is the days after the earlier reading up to the later one.
            start = before.reading_date + dt.timedelta(days=1)
            month = start.replace(day=1)
            while month <= after.reading_date:
                end = min(month_end(month), after.reading_date)
                overlap = (end - max(month, start)).days + 1
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
    """For each point, the latest accepted reading of each register of its current meter, in
    register order (one query for all the points)."""
    if not point_ids:
        return {}
    latest = (
        counted(select(Reading.register_id, func.max(Reading.reading_date).label("day")))
        .where(Reading.supply_point_id.in_(point_ids))
        .group_by(Reading.register_id)
        .subquery()
    )
    # The outer query repeats the status: a rejected reading may share the latest date, and
    # with it PostgreSQL reaches each register's row through the partial unique index instead
    # of scanning every reading (bench/scale.py).
    stmt = (
        counted(select(Reading))
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
    """{company_id: ids of its supply points due for a self-reading}, in one query: points
    that accept self-readings and have no accepted or pending reading in the open window's
    period (a reading waiting for review was sent: nobody is asked for it again; a rejected
    one leaves the point due). Empty between windows."""
    due: dict[int, set[int]] = defaultdict(set)
    window = reading_window(today)
    if window is not None and company_ids:
        stmt = select(SupplyPoint.company_id, SupplyPoint.id).where(
            SupplyPoint.company_id.in_(company_ids),
            SupplyPoint.accepts_self_readings,
            _due_clause(window),
        )
        for company_id, point_id in session.execute(stmt):
            due[company_id].add(point_id)
    return dict(due)


def self_reading_points(
    session: Session, company_ids: list[int], today: dt.date
) -> dict[int, list[tuple[SupplyPoint, bool]]]:
    """{company_id: its points that accept self-readings, by code, each with whether it is due
    for a reading as `points_due` says}, in one query (for a page that lists them)."""
    window = reading_window(today)
    due = _due_clause(window) if window is not None else false()
    found: dict[int, list[tuple[SupplyPoint, bool]]] = defaultdict(list)
    if company_ids:
        stmt = (
            select(SupplyPoint, due.label("due"))
            .where(SupplyPoint.company_id.in_(company_ids), SupplyPoint.accepts_self_readings)
            .order_by(SupplyPoint.code)
        )
        for point, is_due in session.execute(stmt):
            found[point.company_id].append((point, bool(is_due)))
    return dict(found)


def _due_clause(window: ReadingWindow) -> ColumnElement[bool]:
    """A supply point (that accepts self-readings) has no reading counting for `window`."""
    return ~exists().where(
        Reading.supply_point_id == SupplyPoint.id,
        Reading.in_sequence,
        Reading.reading_date >= window.counts_from,
        Reading.reading_date <= window.closes,
    )


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
