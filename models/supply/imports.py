"""Readings from the distributor, imported from a CSV file all or nothing: every row is
checked and reported, and if any row is refused nothing is kept. Importing the same file
again changes nothing (its rows are reported as unchanged)."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.errors import N_, DomainError
from models.identity import Account
from models.supply.points import normalize_code
from models.supply.readings import RegisterValue, parse_value, register_field, submit_reading
from models.supply.tables import Meter, MeterRegister, Reading, ReadingSource, SupplyPoint

COLUMNS = ("supply_point", "meter", "register", "date", "value")
MAX_ROWS = 100_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YES = {"1", "yes", "y", "true"}
_NO = {"", "0", "no", "n", "false"}


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass
class RowReport:
    """What happened to one line of the file; `message` is translatable, with `params`."""

    line: int
    outcome: Outcome | None = None
    message: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    def refuse(self, message: str, **params: object) -> None:
        self.outcome, self.message, self.params = Outcome.REFUSED, message, params


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)
    error: tuple[str, dict[str, object]] | None = None  # the file itself cannot be read

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.outcome != Outcome.REFUSED for r in self.rows)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)


@dataclass
class _Row:
    report: RowReport
    point: SupplyPoint
    meter: Meter
    register: MeterRegister
    day: dt.date
    value: Decimal
    rollover: bool


def _read(text: str, report: ImportReport) -> list[dict[str, str]] | None:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        report.error = (N_("The file is empty."), {})
        return None
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in reader.fieldnames]
    if missing:
        report.error = (
            N_("The file needs the columns %(columns)s; it lacks %(missing)s."),
            {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)},
        )
        return None
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            report.error = (N_("The file has more than %(limit)s rows."), {"limit": MAX_ROWS})
            return None
        rows.append({k: (v or "").strip() for k, v in row.items() if isinstance(k, str)})
    if not rows:
        report.error = (N_("The file has no rows."), {})
        return None
    return rows


def _resolve(session: Session, raw: dict[str, str], report: RowReport) -> _Row | None:
    point = session.scalars(
        select(SupplyPoint).where(SupplyPoint.code == normalize_code(raw["supply_point"]))
    ).first()
    if point is None:
        report.refuse(N_("Unknown supply point %(code)s."), code=raw["supply_point"])
        return None
    meter = next((m for m in point.meters if m.serial_number == raw["meter"]), None)
    if meter is None:
        report.refuse(
            N_("Supply point %(code)s has no meter %(serial)s."),
            code=point.code,
            serial=raw["meter"],
        )
        return None
    register = next((r for r in meter.registers if r.code == raw["register"].upper()), None)
    if register is None:
        report.refuse(
            N_("Meter %(serial)s has no register %(register)s."),
            serial=meter.serial_number,
            register=raw["register"],
        )
        return None
    try:
        if not _ISO_DATE.fullmatch(raw["date"]):
            raise ValueError(raw["date"])
        day = dt.date.fromisoformat(raw["date"])
    except ValueError:
        report.refuse(N_("Write the date as YYYY-MM-DD, not “%(date)s”."), date=raw["date"])
        return None
    try:
        value = parse_value(raw["value"], register)
    except DomainError as error:
        report.refuse(error.message, **error.params)
        return None
    flag = raw.get("rollover", "").lower()
    if flag not in _YES | _NO:
        report.refuse(N_("Write rollover as 1 or 0."))
        return None
    return _Row(report, point, meter, register, day, value, flag in _YES)


def import_readings(
    session: Session, text: str, *, actor: Account | None = None, today: dt.date | None = None
) -> ImportReport:
    """Imports the distributor's readings from CSV `text` (columns supply_point, meter,
    register, date as YYYY-MM-DD, value, and optionally rollover as 1/0; comma or semicolon
    separated). The rows of one meter and date become one submission; they pass the same
    rules as a customer's reading (dates, digits, decimals, no decrease without rollover) but
    are accepted without review. A row whose register already has that value on that date is
    unchanged; another value there is refused. Returns the report; when it is not ok,
    nothing of the import was kept."""
    report = ImportReport()
    raws = _read(text, report)
    if raws is None:
        return report
    savepoint = session.begin_nested()
    rows: list[_Row] = []
    for line, raw in enumerate(raws, start=2):
        row_report = RowReport(line)
        report.rows.append(row_report)
        resolved = _resolve(session, raw, row_report)
        if resolved is not None:
            rows.append(resolved)
    groups: dict[tuple[int, dt.date], list[_Row]] = defaultdict(list)
    for row in rows:
        groups[(row.meter.id, row.day)].append(row)
    for (_meter_id, day), group in sorted(groups.items(), key=lambda item: item[0][1]):
        _import_group(session, group, day, actor=actor, today=today)
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
    group: list[_Row],
    day: dt.date,
    *,
    actor: Account | None,
    today: dt.date | None,
) -> None:
    existing = {
        r.register_id: r
        for r in session.scalars(
            select(Reading).where(
                Reading.register_id.in_([row.register.id for row in group]),
                Reading.reading_date == day,
            )
        )
    }
    new: dict[int, _Row] = {}
    for row in group:
        first = new.get(row.register.id)
        known = existing.get(row.register.id)
        if known is not None or first is not None:
            same = known.value == row.value if known is not None else first.value == row.value
            if same:
                row.report.outcome = Outcome.UNCHANGED
            elif known is not None:
                row.report.refuse(
                    N_("Another value (%(value)s) is already recorded for this register and date."),
                    value=known.value,
                )
            else:
                row.report.refuse(
                    N_("Line %(line)s gives this register another value for the same date."),
                    line=first.report.line,
                )
            continue
        new[row.register.id] = row
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
        for row in new.values():
            if culprit is None or row is culprit:
                row.report.refuse(error.message, **error.params)
            else:
                row.report.refuse(
                    N_("Not imported: line %(line)s of the same reading was refused."),
                    line=culprit.report.line,
                )
        return
    for row in new.values():
        row.report.outcome = Outcome.IMPORTED
