"""Properties of readings that must hold for any input (Hypothesis): the expected range
contains the expected consumption, and whatever customers and the distributor send, in any
order of dates (the same date again too: a replacement, or a refusal), with or without
rollover flags, and whatever clerks decide, a register's sequence (its accepted and pending
readings) holds one reading per date and never decreases except at a reading flagged as a
rollover; the running total the consumption is counted from never decreases at all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models.errors import DomainError
from models.supply import (
    Reading,
    Step,
    expected_range,
    review_reading,
    review_reason,
    running_totals,
)
from tests import factories
from tests.factories import read

START = dt.date(2024, 1, 1)
WRAP_DIGITS = 3  # a small dial, so that rollovers are frequent
WRAP = 10**WRAP_DIGITS

steps = st.lists(
    st.tuples(st.integers(1, 120), st.integers(0, 5_000)), min_size=2, max_size=12
).map(
    lambda pairs: [
        Step(
            START + dt.timedelta(days=sum(d for d, _ in pairs[: i + 1])),
            Decimal(sum(v for _, v in pairs[: i + 1])),
        )
        for i in range(len(pairs))
    ]
)


@given(
    history=steps,
    ahead=st.integers(1, 400),
    tolerance=st.decimals(min_value=0, max_value=3, places=2),
)
def test_the_expected_consumption_is_always_inside_its_range(history, ahead, tolerance):
    on = history[-1].day + dt.timedelta(days=ahead)
    found = expected_range(history, on, wrap=10**9, tolerance=tolerance)
    assert found is not None
    assert 0 <= found.low <= found.expected <= found.high
    assert review_reason(found.expected.quantize(Decimal("0.001")), found) is None or (
        found.expected.quantize(Decimal("0.001")) == 0 and found.daily > 0
    )
    # A wider tolerance never narrows the range.
    wider = expected_range(history, on, wrap=10**9, tolerance=tolerance + 1)
    assert wider.low <= found.low and wider.high >= found.high


attempts = st.lists(
    st.tuples(
        st.sampled_from(["customer", "customer", "distributor", "accept", "reject"]),
        st.integers(-20, 60),  # days after the last date tried (sometimes before it)
        st.integers(-150, 400),  # change from the last value tried (may wrap past the dial)
        st.sampled_from([False, False, False, True]),  # the rollover box says the opposite
    ),
    min_size=1,
    max_size=25,
)


def counted(session, point) -> list[Reading]:
    """The register's sequence: its accepted and pending readings, oldest first."""
    return list(
        session.scalars(
            select(Reading)
            .where(Reading.supply_point_id == point.id, Reading.in_sequence)
            .order_by(Reading.reading_date)
        )
    )


def assert_never_decreases_without_rollover(sequence: list[Reading]) -> None:
    assert len({r.reading_date for r in sequence}) == len(sequence), "two readings on a date"
    for before, after in pairwise(sequence):
        if after.rollover:
            assert after.value < before.value, (before.value, after.value)
        else:
            assert after.value >= before.value, (before.reading_date, after.reading_date)
    steps = [Step(r.reading_date, r.value, r.rollover) for r in sequence]
    totals = running_totals(steps, wrap=WRAP)
    assert totals == sorted(totals)
    assert all(total % WRAP == r.value for total, r in zip(totals, sequence, strict=True))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(attempts=attempts)
def test_readings_that_count_never_decrease_without_a_rollover_flag(session, people, attempts):
    savepoint = session.begin_nested()
    try:
        point = factories.supply_point(session, people.alfa, digits=WRAP_DIGITS, installed_on=START)
        day, value = START, 500
        for kind, gap, delta, lie in attempts:
            try:
                if kind in ("customer", "distributor"):
                    day, wrapped = day + dt.timedelta(days=gap), not 0 <= value + delta < WRAP
                    value = (value + delta) % WRAP
                    read(
                        session,
                        point,
                        max(day, START),
                        value,
                        who=people.jan if kind == "customer" else None,
                        rollover=("T1",) if wrapped != lie else (),
                        source=kind,
                        today=START + dt.timedelta(days=2000),
                    )
                else:
                    pending = [r for r in counted(session, point) if r.is_pending]
                    if pending:
                        review_reading(
                            session,
                            actor=people.clerk,
                            reading=pending[abs(delta) % len(pending)],
                            accept=kind == "accept",
                            note="checked",
                        )
            except DomainError:
                event(f"{kind}: refused")
            else:
                event(f"{kind}: done")
            session.expire_all()
            assert_never_decreases_without_rollover(counted(session, point))
        # Once every pending reading is decided, the accepted ones alone keep the rule.
        for reading in counted(session, point):
            if reading.is_pending:
                review_reading(session, actor=people.clerk, reading=reading, accept=True)
        session.expire_all()
        accepted = [r for r in counted(session, point) if r.is_accepted]
        event(f"rollovers kept: {min(sum(r.rollover for r in accepted), 2)}+")
        assert accepted == counted(session, point)
        assert_never_decreases_without_rollover(accepted)
    finally:
        savepoint.rollback()
