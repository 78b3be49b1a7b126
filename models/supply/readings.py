"""Meter readings as they arrive: a register's sequence of readings that count, the rules a
new reading must pass, and submitting all registers of a meter together (all or none, once)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import audit
from models.db import utcnow
from models.errors import N_, DomainError
from models.files import store_file
from models.identity import Account
from models.supply.expected import (
    DEFAULT_TOLERANCE,
    ExpectedRange,
    Step,
    consumption_between,
    expected_range,
    review_reason,
)
from models.supply.tables import (
    Meter,
    MeterRegister,
    Reading,
    ReadingSource,
    ReadingStatus,
    ReadingSubmission,
    ReviewReason,
    SupplyPoint,
)

T = TypeVar("T", bound=tuple[Any, ...])
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


class PhotoFile(Protocol):
    """An upload whose type the web layer has established from its bytes."""

    data: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class RegisterValue:
    """What the customer read on one register; `value` as typed or already a Decimal."""

    register_id: int
    value: str | Decimal
    rollover: bool = False


def _replayed(submission: ReadingSubmission) -> ReadingSubmission:
    """The first submission, marked as what a repeated one leads to."""
    submission.replayed = True
    return submission


def register_field(register_id: int) -> str:
    """The field name a rule about one register's value reports."""
    return f"register-{register_id}"


def counted(stmt: Select[T]) -> Select[T]:
    """Readings that count: accepted and waiting for review, not rejected ones."""
    return stmt.where(Reading.status != ReadingStatus.REJECTED)


def register_history(session: Session, register: MeterRegister) -> list[Reading]:
    """The register's readings that count, oldest first."""
    return list(
        session.scalars(
            counted(select(Reading))
            .where(Reading.register_id == register.id)
            .order_by(Reading.reading_date)
        )
    )


def expected_for(
    session: Session, register: MeterRegister, on: dt.date, *, tolerance: Decimal
) -> ExpectedRange | None:
    readings = register_history(session, register)
    history = [Step(r.reading_date, r.value, r.rollover) for r in readings]
    return expected_range(history, on, wrap=register.wrap, tolerance=tolerance)


def last_reading(session: Session, register: MeterRegister) -> Reading | None:
    return session.scalars(
        counted(select(Reading))
        .where(Reading.register_id == register.id)
        .order_by(Reading.reading_date.desc())
        .limit(1)
    ).first()


def neighbours(
    session: Session, register: MeterRegister, day: dt.date
) -> tuple[Reading | None, Reading | None]:
    """The readings that count just before and just after `day` on `register`."""
    base = counted(select(Reading)).where(Reading.register_id == register.id)
    previous = session.scalars(
        base.where(Reading.reading_date < day).order_by(Reading.reading_date.desc()).limit(1)
    ).first()
    following = session.scalars(
        base.where(Reading.reading_date > day).order_by(Reading.reading_date).limit(1)
    ).first()
    return previous, following


def parse_value(text: str | Decimal, register: MeterRegister) -> Decimal:
    """The number the register shows, checked against what the dial can show. Refuses (on the
    register's field) text that is not a number, a negative number, more decimals than the
    register has and a value at or past 10**digits."""
    field = register_field(register.id)
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = "".join(str(text).split()).replace("\u202f", "")
        if cleaned.startswith("-") and _NUMBER.fullmatch(cleaned):
            raise DomainError(N_("A meter reading cannot be negative."), field)
        if len(cleaned) > 20 or not _NUMBER.fullmatch(cleaned):
            raise DomainError(
                N_("Enter the number shown on the meter, for example 12345 or 12345.6."), field
            )
        try:
            value = Decimal(cleaned.replace(",", "."))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits numbers only
            raise DomainError(N_("Enter the number shown on the meter."), field) from error
    if not value.is_finite():
        raise DomainError(N_("Enter the number shown on the meter."), field)
    if value < 0:
        raise DomainError(N_("A meter reading cannot be negative."), field)
    if value >= register.wrap:
        raise DomainError(
            N_("The meter shows %(digits)s digits: the value must be below %(limit)s."),
            field,
            digits=register.digits,
            limit=register.wrap,
        )
    if value != value.quantize(Decimal(1).scaleb(-register.decimals)):
        if register.decimals == 0:
            raise DomainError(N_("This register shows whole numbers only."), field)
        raise DomainError(
            N_("This register shows at most %(decimals)s decimal places."),
            field,
            decimals=register.decimals,
        )
    return value


@dataclass
class _Checked:
    register: MeterRegister
    value: Decimal
    rollover: bool
    consumption: Decimal | None
    expected: ExpectedRange | None
    reason: ReviewReason | None


def _check_register(
    session: Session,
    register: MeterRegister,
    entry: RegisterValue,
    day: dt.date,
    tolerance: Decimal,
) -> _Checked:
    field = register_field(register.id)
    value = parse_value(entry.value, register)
    previous, following = neighbours(session, register, day)
    if entry.rollover:
        if previous is None:
            raise DomainError(
                N_("There is no earlier reading this meter could have rolled over from."), field
            )
        if value >= previous.value:
            raise DomainError(
                N_(
                    "The meter cannot have rolled over: the value is not below the previous "
                    "reading (%(previous)s)."
                ),
                field,
                previous=previous.value,
            )
        if following is not None:
            raise DomainError(N_("A rollover can be reported on the latest reading only."), field)
    elif previous is not None and value < previous.value:
        raise DomainError(
            N_(
                "The value is below the previous reading (%(previous)s on %(date)s). If the "
                "meter went past its last digit and started again from zero, tick “meter "
                "rolled over”."
            ),
            field,
            previous=previous.value,
            date=previous.reading_date.isoformat(),
        )
    if following is not None and (
        value <= following.value if following.rollover else value > following.value
    ):
        raise DomainError(
            N_("The value does not fit before the later reading (%(next)s on %(date)s)."),
            field,
            next=following.value,
            date=following.reading_date.isoformat(),
        )
    consumption = (
        None
        if previous is None
        else consumption_between(previous.value, value, rollover=entry.rollover, wrap=register.wrap)
    )
    expected = expected_for(session, register, day, tolerance=tolerance)
    reason = review_reason(consumption, expected) if consumption is not None else None
    return _Checked(register, value, entry.rollover, consumption, expected, reason)


def _existing(
    session: Session, point: SupplyPoint, key: str | None, register_ids: list[int], day: dt.date
) -> ReadingSubmission | None:
    """The submission that already holds this form (by its key) or one of these registers on
    this date."""
    if key:
        found = session.scalars(
            select(ReadingSubmission).where(
                ReadingSubmission.supply_point_id == point.id,
                ReadingSubmission.idempotency_key == key,
            )
        ).first()
        if found is not None:
            return found
    if register_ids:
        return session.scalars(
            select(ReadingSubmission)
            .join(Reading, Reading.submission_id == ReadingSubmission.id)
            .where(Reading.register_id.in_(register_ids), Reading.reading_date == day)
            .limit(1)
        ).first()
    return None


def submit_reading(
    session: Session,
    *,
    actor: Account | None,
    point: SupplyPoint,
    meter: Meter,
    reading_date: dt.date,
    values: Sequence[RegisterValue],
    tolerance: Decimal = DEFAULT_TOLERANCE,
    today: dt.date | None = None,
    idempotency_key: str | None = None,
    photo: PhotoFile | None = None,
    source: ReadingSource = ReadingSource.CUSTOMER,
) -> ReadingSubmission:
    """Records the values of `meter`'s registers read on `reading_date`, all or none.

    Returns the first submission, marked `replayed` and writing nothing, when the form's
    `idempotency_key` or a register on that date is already recorded, also when a parallel
    request wins the race.
    Raises DomainError when:
    - the meter is not on `point` (`meter`); a value names a register of another meter, a
      register is missing or named twice (that register's field);
    - customers only: the point does not allow self-readings or is terminated;
    - the date is after `today`, before the meter's installation or after its removal
      (`reading_date`);
    - a value is not a number, is negative, has more decimals than the register, does not fit
      the dial, is below the previous reading without `rollover`, claims a rollover that
      cannot be, or does not fit before a later reading (the register's field).
    A customer's value whose consumption falls outside the expected range (`tolerance`), or
    that shows no consumption for over NO_CONSUMPTION_DAYS, is kept as pending_review with
    its reason; everything else, and every distributor value, is accepted."""
    today = today or utcnow().date()
    if idempotency_key:
        found = _existing(session, point, idempotency_key, [], reading_date)
        if found is not None:
            return _replayed(found)
    if meter.supply_point_id != point.id:
        raise DomainError(N_("This meter is not installed at this supply point."), "meter")
    if source == ReadingSource.CUSTOMER:
        if not point.self_reading_allowed:
            raise DomainError(N_("Self-readings are not enabled for this supply point."))
        if not point.is_active:
            raise DomainError(
                N_("This supply point is terminated: readings can no longer be sent for it.")
            )
    registers = {r.id: r for r in meter.registers}
    seen: set[int] = set()
    for entry in values:
        if entry.register_id not in registers:
            raise DomainError(
                N_("This register belongs to another meter."), register_field(entry.register_id)
            )
        if entry.register_id in seen:
            raise DomainError(
                N_("Each register can be read once per date."), register_field(entry.register_id)
            )
        seen.add(entry.register_id)
    if source == ReadingSource.CUSTOMER:
        for register in meter.registers:
            if register.id not in seen:
                raise DomainError(
                    N_("Enter the readings of all registers together."),
                    register_field(register.id),
                )
    elif not values:
        raise DomainError(N_("There is no value to record."))
    if reading_date > today:
        raise DomainError(N_("The reading date cannot be in the future."), "reading_date")
    if reading_date < meter.installed_on:
        raise DomainError(
            N_("Meter %(serial)s was installed on %(date)s: the reading cannot be earlier."),
            "reading_date",
            serial=meter.serial_number,
            date=meter.installed_on.isoformat(),
        )
    if meter.removed_on is not None and reading_date > meter.removed_on:
        raise DomainError(
            N_("Meter %(serial)s was removed on %(date)s: the reading cannot be later."),
            "reading_date",
            serial=meter.serial_number,
            date=meter.removed_on.isoformat(),
        )
    found = _existing(session, point, None, list(seen), reading_date)
    if found is not None:
        return _replayed(found)

    checked = [
        _check_register(session, registers[e.register_id], e, reading_date, tolerance)
        for e in values
    ]
    submission = _insert(
        session,
        actor=actor,
        point=point,
        meter=meter,
        reading_date=reading_date,
        checked=checked,
        idempotency_key=idempotency_key,
        photo=photo,
        source=source,
    )
    audit.record(
        session,
        "reading.submitted",
        actor=actor,
        target=submission,
        company_id=point.company_id,
        supply_point=point.code,
        source=source.value,
        date=reading_date.isoformat(),
        values={c.register.code: str(c.value) for c in checked},
        pending=[c.register.code for c in checked if c.reason] or None,
        rollover=[c.register.code for c in checked if c.rollover] or None,
    )
    return submission


def _insert(
    session: Session,
    *,
    actor: Account | None,
    point: SupplyPoint,
    meter: Meter,
    reading_date: dt.date,
    checked: list[_Checked],
    idempotency_key: str | None,
    photo: PhotoFile | None,
    source: ReadingSource,
) -> ReadingSubmission:
    """Writes the submission in a SAVEPOINT: if a parallel request wrote the same key or
    register and date first, the unique constraints refuse ours and the first one is found."""
    try:
        with session.begin_nested():
            stored = (
                store_file(
                    session,
                    data=photo.data,
                    filename=photo.filename,
                    content_type=photo.content_type,
                    company_id=point.company_id,
                )
                if photo is not None
                else None
            )
            submission = ReadingSubmission(
                company_id=point.company_id,
                supply_point_id=point.id,
                meter_id=meter.id,
                reading_date=reading_date,
                source=source,
                submitted_by_id=actor.id if actor else None,
                idempotency_key=idempotency_key or None,
                photo=stored,
            )
            session.add(submission)
            for c in checked:
                review = source == ReadingSource.CUSTOMER and c.reason is not None
                session.add(
                    Reading(
                        company_id=point.company_id,
                        supply_point_id=point.id,
                        submission=submission,
                        register_id=c.register.id,
                        reading_date=reading_date,
                        value=c.value,
                        rollover=c.rollover,
                        status=ReadingStatus.PENDING_REVIEW if review else ReadingStatus.ACCEPTED,
                        consumption=c.consumption,
                        expected_low=c.expected.low if c.expected else None,
                        expected_high=c.expected.high if c.expected else None,
                        review_reason=c.reason if review else None,
                    )
                )
            session.flush()
    except IntegrityError:
        found = _existing(
            session, point, idempotency_key, [c.register.id for c in checked], reading_date
        )
        if found is None:
            raise
        return _replayed(found)
    return submission
