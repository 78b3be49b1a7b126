"""Readings from the distributor, imported from a CSV file all or nothing: every row is
checked and reported (see models.imports for the report and the limits), and if any row is
refused nothing is kept. Importing the same file again changes nothing (its rows are
reported as unchanged)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.errors import N_, DomainError
from models.identity import Account
from models.imports import ImportReport, Item, Outcome, chunks, csv_rows
from models.supply.points import normalize_code
from models.supply.readings import RegisterValue, parse_value, register_field, submit_reading
from models.supply.tables import Meter, MeterRegister, Reading, ReadingSource, SupplyPoint

COLUMNS = ("supply_point", "meter", "register", "date", "value")
MAX_ROWS = 100_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YES = {"1", "yes", "y", "true"}
_NO = {"", "0", "no", "n", "false"}


@dataclass
class _Row:
    item: Item
    point: SupplyPoint
    meter: Meter
    register: MeterRegister
    day: dt.date
    value: Decimal
    rollover: bool

    @property
    def number(self) -> int | None:
        return self.item.where.number


def _resolve(
    raw: dict[str, str], item: Item, report: ImportReport, points: dict[str, SupplyPoint]
) -> _Row | None:
    """The row's point (from `points`, by code), meter, register, date and value, or None after
    refusing `item`."""
    point = points.get(normalize_code(raw["supply_point"]))
    if point is None:
        report.refuse(item, N_("Unknown supply point %(code)s."), code=raw["supply_point"][:40])
        return None
    meter = next((m for m in point.meters if m.serial_number == raw["meter"]), None)
    if meter is None:
        report.refuse(
            item,
            N_("Supply point %(code)s has no meter %(serial)s."),
            code=point.code,
            serial=raw["meter"][:40],
        )
        return None
    register = next((r for r in meter.registers if r.code == raw["register"].upper()), None)
    if register is None:
        report.refuse(
            item,
            N_("Meter %(serial)s has no register %(register)s."),
            serial=meter.serial_number,
            register=raw["register"][:40],
        )
        return None
    try:
        if not _ISO_DATE.fullmatch(raw["date"]):
            raise ValueError(raw["date"])
        day = dt.date.fromisoformat(raw["date"])
    except ValueError:
        report.refuse(
            item, N_("Write the date as YYYY-MM-DD, not “%(date)s”."), date=raw["date"][:40]
        )
        return None
    try:
        value = parse_value(raw["value"], register)
    except DomainError as error:
        report.refuse(item, error.message, **error.params)
        return None
    flag = raw.get("rollover", "").lower()
    if flag not in _YES | _NO:
        report.refuse(item, N_("Write rollover as 1 or 0."))
        return None
    return _Row(item, point, meter, register, day, value, flag in _YES)


def import_readings(
    session: Session, text: str, *, actor: Account | None = None, today: dt.date | None = None
) -> ImportReport:
    """Imports the distributor's readings from CSV `text` (columns supply_point, meter,
    register, date as YYYY-MM-DD, value, and optionally rollover as 1/0; comma or semicolon
    separated; at most MAX_ROWS rows). The rows of one meter and date become one submission;
    they pass the same rules as a customer's reading (dates, digits, decimals, no decrease
    without rollover) but are accepted without review. A row whose register already has that
    value on that date is unchanged; another value there is refused. Returns the report, one
    item per row; when it is not ok, nothing of the import was kept. Audited as
    `readings.imported`."""
    report = ImportReport()
    records = csv_rows(text, report, columns=COLUMNS, max_rows=MAX_ROWS)
    if report.error is not None:
        return report
    codes = {normalize_code(raw["supply_point"]) for _, raw, readable in records if readable}
    points = {
        point.code: point
        for chunk in chunks(codes)
        for point in session.scalars(select(SupplyPoint).where(SupplyPoint.code.in_(chunk)))
    }
    savepoint = session.begin_nested()
    rows: list[_Row] = []
    for where, raw, readable in records:
        item = report.add(where)
        if not readable:  # reported already
            item.outcome = Outcome.REFUSED
            continue
        resolved = _resolve(raw, item, report, points)
        if resolved is not None:
            rows.append(resolved)
    groups: dict[tuple[int, dt.date], list[_Row]] = defaultdict(list)
    for one in rows:
        groups[(one.meter.id, one.day)].append(one)
    for (_meter_id, day), group in sorted(groups.items(), key=lambda entry: entry[0][1]):
        _import_group(session, report, group, day, actor=actor, today=today)
    if not report.ok:
        savepoint.rollback()
        return report
    savepoint.commit()
    audit.record(
        session,
        "readings.imported",
        actor=actor,
        imported=report.count(Outcome.IMPORTED),
        unchanged=report.count(Outcome.UNCHANGED),
    )
    return report


def _import_group(
    session: Session,
    report: ImportReport,
    group: list[_Row],
    day: dt.date,
    *,
    actor: Account | None,
    today: dt.date | None,
) -> None:
    """Submits the rows of one meter and date as one reading, or refuses them."""
    existing = {
        r.register_id: r
        for r in session.scalars(
            select(Reading).where(
                Reading.register_id.in_([one.register.id for one in group]),
                Reading.reading_date == day,
                Reading.in_sequence,
            )
        )
    }
    new: dict[int, _Row] = {}
    for one in group:
        known = existing.get(one.register.id)
        first = new.get(one.register.id)
        if known is not None:
            if known.value == one.value:
                one.item.outcome = Outcome.UNCHANGED
            else:
                report.refuse(
                    one.item,
                    N_("Another value (%(value)s) is already recorded for this register and date."),
                    value=known.value,
                )
        elif first is not None:
            if first.value == one.value:
                one.item.outcome = Outcome.UNCHANGED
            else:
                report.refuse(
                    one.item,
                    N_("Row %(row)s gives this register another value for the same date."),
                    row=first.number,
                )
        else:
            new[one.register.id] = one
    if not new:
        return
    anchor = next(iter(new.values()))
    try:
        submit_reading(
            session,
            actor=actor,
            point=anchor.point,
            meter=anchor.meter,
            reading_date=day,
            values=[RegisterValue(r.register.id, r.value, r.rollover) for r in new.values()],
            today=today,
            source=ReadingSource.DISTRIBUTOR,
        )
    except DomainError as error:
        culprit = next(
            (r for r in new.values() if register_field(r.register.id) == error.field), None
        )
        for one in new.values():
            if culprit is None or one is culprit:
                report.refuse(one.item, error.message, **error.params)
            else:
                report.refuse(
                    one.item,
                    N_("Not imported: row %(row)s of the same reading was refused."),
                    row=culprit.number,
                )
        return
    for one in new.values():
        one.item.outcome = Outcome.IMPORTED
