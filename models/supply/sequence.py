"""A register's sequence: its accepted and pending readings, oldest first, among which the rules
hold (one per date, no decrease without a rollover), and what of it counts: the accepted
readings, with what the register counted between them (through the pending ones, whose
rollovers count too), the expected range they predict and the last of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise
from typing import TypeVarTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models.supply.expected import ExpectedRange, Step, expected_range, running_totals
from models.supply.tables import Meter, MeterRegister, Reading, ReadingStatus, ReadingSubmission

Ts = TypeVarTuple("Ts")


def in_sequence(stmt: Select[*Ts]) -> Select[*Ts]:
    """Readings of the registers' sequences: accepted and pending, which the rules hold among."""
    return stmt.where(Reading.in_sequence)


def counted(stmt: Select[*Ts]) -> Select[*Ts]:
    """Readings that count (consumption, chart, expected range, last reading): accepted ones."""
    return stmt.where(Reading.status == ReadingStatus.ACCEPTED)


def register_sequence(session: Session, register: MeterRegister) -> list[Reading]:
    """The register's sequence (accepted and pending readings), oldest first."""
    return list(
        session.scalars(
            in_sequence(select(Reading))
            .where(Reading.register_id == register.id)
            .order_by(Reading.reading_date)
        )
    )


def totals_at(sequence: Sequence[Reading], wrap: int) -> dict[int, Decimal]:
    """Reading id -> the register's running total at it, for a register's `sequence` (see
    running_totals)."""
    steps = [Step(r.reading_date, r.value, r.rollover) for r in sequence]
    totals = running_totals(steps, wrap=wrap)
    return {r.id: total for r, total in zip(sequence, totals, strict=True)}


def accepted_steps(sequence: Sequence[Reading], wrap: int) -> list[Step]:
    """The accepted readings of a register's sequence (oldest first) as steps of its running
    total: the history an expected range is computed from. A pending reading is no history
    yet, but a rollover it reports still counts between the accepted ones around it."""
    totals = totals_at(sequence, wrap)
    return [Step(r.reading_date, totals[r.id]) for r in sequence if r.is_accepted]


def counted_intervals(
    sequence: Sequence[Reading], wrap: int
) -> list[tuple[Reading, Reading, Decimal]]:
    """Each accepted reading of a register's sequence (oldest first) after the first one, with
    the accepted reading before it and what the register counted between the two, through
    any pending readings in between."""
    totals = totals_at(sequence, wrap)
    accepted = [r for r in sequence if r.is_accepted]
    return [(a, b, totals[b.id] - totals[a.id]) for a, b in pairwise(accepted)]


def expected_for(
    session: Session, register: MeterRegister, on: dt.date, *, tolerance: Decimal
) -> ExpectedRange | None:
    """What a reading of `register` on `on` should show, from its accepted readings."""
    steps = accepted_steps(register_sequence(session, register), register.wrap)
    return expected_range(steps, on, wrap=register.wrap, tolerance=tolerance)


def last_reading(session: Session, register: MeterRegister) -> Reading | None:
    """The register's latest accepted reading."""
    return session.scalars(
        counted(select(Reading))
        .where(Reading.register_id == register.id)
        .order_by(Reading.reading_date.desc())
        .limit(1)
    ).first()


def pending_submissions(session: Session, meter: Meter) -> list[ReadingSubmission]:
    """The meter's submissions with a reading waiting for review, newest first."""
    return list(
        session.scalars(
            select(ReadingSubmission)
            .where(
                ReadingSubmission.meter_id == meter.id,
                ReadingSubmission.readings.any(Reading.status == ReadingStatus.PENDING_REVIEW),
            )
            .order_by(ReadingSubmission.reading_date.desc())
        )
    )


def neighbours(
    session: Session, register: MeterRegister, day: dt.date
) -> tuple[Reading | None, Reading | None]:
    """The readings of the register's sequence just before and just after `day`."""
    base = in_sequence(select(Reading)).where(Reading.register_id == register.id)
    previous = session.scalars(
        base.where(Reading.reading_date < day).order_by(Reading.reading_date.desc()).limit(1)
    ).first()
    following = session.scalars(
        base.where(Reading.reading_date > day).order_by(Reading.reading_date).limit(1)
    ).first()
    return previous, following
