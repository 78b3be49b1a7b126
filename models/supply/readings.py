"""Meter readings as they arrive: the rules a new reading must pass against its register's
sequence (sequence.py), and submitting all registers of a meter together: all or none, once
per form, again for a date whose reading was rejected, or to replace the sender's own reading
that waits for review."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from models import audit
from models.db import utcnow
from models.errors import N_, DomainError
from models.files import CheckedFile, store_checked
from models.identity import Account
from models.supply.expected import (
    DEFAULT_TOLERANCE,
    ExpectedRange,
    consumption_between,
    expected_range,
    review_reason,
)
from models.supply.sequence import accepted_steps, in_sequence, register_sequence, totals_at
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

_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


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
    value: Decimal,
    rollover: bool,
    day: dt.date,
    tolerance: Decimal,
) -> _Checked:
    """Checks `value` (parsed) of `register` on `day` against the register's sequence."""
    field = register_field(register.id)
    sequence = register_sequence(session, register)
    earlier = [r for r in sequence if r.reading_date < day]
    previous = earlier[-1] if earlier else None
    following = next((r for r in sequence if r.reading_date > day), None)
    if rollover:
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
            date=previous.reading_date,
        )
    if following is not None and (
        value <= following.value if following.rollover else value > following.value
    ):
        raise DomainError(
            N_("The value does not fit before the later reading (%(next)s on %(date)s)."),
            field,
            next=following.value,
            date=following.reading_date,
        )
    # Consumption and the expected range come from the accepted readings: since the last
    # accepted one, through any pending one in between (whose rollover counts too).
    steps = accepted_steps(earlier, register.wrap)
    consumption = None
    if previous is not None and steps:
        total = totals_at(earlier, register.wrap)[previous.id] + consumption_between(
            previous.value, value, rollover=rollover, wrap=register.wrap
        )
        consumption = total - steps[-1].value
    expected = expected_range(steps, day, wrap=register.wrap, tolerance=tolerance)
    reason = review_reason(consumption, expected) if consumption is not None else None
    return _Checked(register, value, rollover, consumption, expected, reason)


def _by_key(session: Session, point: SupplyPoint, key: str | None) -> ReadingSubmission | None:
    """The submission that already holds this form (found by its idempotency key)."""
    if not key:
        return None
    return session.scalars(
        select(ReadingSubmission).where(
            ReadingSubmission.supply_point_id == point.id,
            ReadingSubmission.idempotency_key == key,
        )
    ).first()


@dataclass(frozen=True)
class _Date:
    """What a submission finds on its date: the sender's pending readings it replaces, and the
    registers whose accepted reading there already shows the value sent (kept as they are)."""

    replaced: list[Reading]
    kept: set[int]


def _clear_the_date(
    session: Session,
    *,
    actor: Account | None,
    sent: dict[int, Decimal],
    day: dt.date,
    may_replace: bool,
) -> _Date:
    """What the readings of the registers in `sent` (register id -> value) on `day` leave to
    write. Nothing there, or only rejected and replaced readings: the date is free. An accepted
    reading with the value sent is kept; the readings waiting for review that `actor` sent
    are replaced, when `may_replace`. Raises (on `reading_date`) when an accepted reading
    shows another value, or every register's is already there, or a pending reading that
    someone else sent is there."""
    there = list(
        session.scalars(
            in_sequence(select(Reading))
            .where(Reading.register_id.in_(list(sent)), Reading.reading_date == day)
            .options(joinedload(Reading.submission))
        )
    )
    accepted = [r for r in there if r.is_accepted]
    kept = {r.register_id for r in accepted if r.value == sent[r.register_id]}
    if len(kept) < len(accepted) or len(kept) == len(sent):
        raise DomainError(
            N_(
                "A reading of %(date)s is already recorded. Choose another date, or contact us "
                "to correct it."
            ),
            "reading_date",
            date=day,
        )
    pending = [r for r in there if r.is_pending]
    senders = {r.submission.submitted_by_id for r in pending}
    if pending and not (may_replace and actor is not None and senders == {actor.id}):
        raise DomainError(
            N_(
                "A reading of %(date)s is waiting for review. Only the person who sent it can "
                "correct it; choose another date, or wait for our decision."
            ),
            "reading_date",
            date=day,
        )
    return _Date(pending, kept)


class _Taken(Exception):
    """A parallel request wrote first: the same form, a reading for the same register and
    date, or a decision on the reading this submission was to replace."""


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
    photo: CheckedFile | None = None,
    source: ReadingSource = ReadingSource.CUSTOMER,
) -> ReadingSubmission:
    """Records the values of `meter`'s registers read on `reading_date`, all or none.

    Returns the first submission, marked `replayed` and writing nothing, when the form's
    `idempotency_key` is already recorded (a resent form), also when a parallel request with
    the same key wins the race. A date whose reading was rejected is free again. A customer's
    submission replaces their own readings of that date that wait for review: those become
    superseded (kept, counted nowhere) and the new readings name them (`replaces`). A
    register whose accepted reading of that date shows the value sent keeps it (a meter's
    registers are sent together, also when only one of them was rejected).
    Raises DomainError when:
    - customers only: the point does not accept self-readings (see
      SupplyPoint.self_reading_refusal);
    - the meter is not on `point` (`meter`); a value names a register of another meter, a
      register is missing or named twice (that register's field);
    - the date is after `today`, before the meter's installation or after its removal, or a
      register has an accepted reading of another value on that date (or every register has
      its value there already), or a pending one someone else sent, or one decided while this
      submission was replacing it (`reading_date`);
    - a value is not a number, is negative, has more decimals than the register, does not fit
      the dial, is below the previous reading without `rollover`, claims a rollover that
      cannot be, or does not fit before a later reading (the register's field).
    A customer's value whose consumption since the last accepted reading falls outside the
    range the accepted history predicts (`tolerance`), or that shows no consumption for over
    NO_CONSUMPTION_DAYS, is kept as pending_review with its reason; everything else, and
    every distributor value, is accepted."""
    today = today or utcnow().date()
    found = _by_key(session, point, idempotency_key)
    if found is not None:
        return _replayed(found)
    if source == ReadingSource.CUSTOMER and point.self_reading_refusal is not None:
        raise DomainError(point.self_reading_refusal)
    if meter.supply_point_id != point.id:
        raise DomainError(N_("This meter is not installed at this supply point."), "meter")
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
            date=meter.installed_on,
        )
    if meter.removed_on is not None and reading_date > meter.removed_on:
        raise DomainError(
            N_("Meter %(serial)s was removed on %(date)s: the reading cannot be later."),
            "reading_date",
            serial=meter.serial_number,
            date=meter.removed_on,
        )
    sent = {e.register_id: parse_value(e.value, registers[e.register_id]) for e in values}
    date = _clear_the_date(
        session,
        actor=actor,
        sent=sent,
        day=reading_date,
        may_replace=source == ReadingSource.CUSTOMER,
    )

    checked = [
        _check_register(
            session,
            registers[e.register_id],
            sent[e.register_id],
            e.rollover,
            reading_date,
            tolerance,
        )
        for e in values
        if e.register_id not in date.kept
    ]
    try:
        submission = _insert(
            session,
            actor=actor,
            point=point,
            meter=meter,
            reading_date=reading_date,
            checked=checked,
            replaced=date.replaced,
            idempotency_key=idempotency_key,
            photo=photo,
            source=source,
        )
    except _Taken:
        found = _by_key(session, point, idempotency_key)
        if found is not None:
            return _replayed(found)
        # Says what is there now, the winner's reading (a replacement is no longer possible).
        _clear_the_date(session, actor=actor, sent=sent, day=reading_date, may_replace=False)
        # The date is free again: the reading it was to replace was rejected meanwhile.
        raise DomainError(N_("This reading has already been decided."), "reading_date") from None
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
        replaced=[r.id for r in date.replaced] or None,
        kept=[registers[i].code for i in sorted(date.kept)] or None,
    )
    return submission


def _supersede(session: Session, replaced: list[Reading]) -> None:
    """Marks the sender's pending readings as replaced, atomically: only if they still wait
    for review (a clerk deciding at the same moment wins, and this submission is refused)."""
    ids = [r.id for r in replaced]
    result = session.execute(
        update(Reading)
        .where(Reading.id.in_(ids), Reading.status == ReadingStatus.PENDING_REVIEW)
        .values(status=ReadingStatus.SUPERSEDED),
        execution_options={"synchronize_session": False},
    )
    done = cast(CursorResult[Any], result).rowcount
    for reading in replaced:
        session.expire(reading)
    if done != len(ids):
        raise _Taken


def _insert(
    session: Session,
    *,
    actor: Account | None,
    point: SupplyPoint,
    meter: Meter,
    reading_date: dt.date,
    checked: list[_Checked],
    replaced: list[Reading],
    idempotency_key: str | None,
    photo: CheckedFile | None,
    source: ReadingSource,
) -> ReadingSubmission:
    """Writes the submission in a SAVEPOINT, after marking the readings it replaces: if a
    parallel request wrote the same key, or register and date, first, the unique constraints
    refuse ours (raises _Taken, and nothing of it is kept)."""
    replaces = {r.register_id: r.id for r in replaced}
    try:
        with session.begin_nested():
            if replaced:
                _supersede(session, replaced)
            stored = store_checked(session, photo, point.company_id) if photo is not None else None
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
                        replaces_id=replaces.get(c.register.id),
                    )
                )
            session.flush()
    except IntegrityError as error:
        raise _Taken from error
    return submission
