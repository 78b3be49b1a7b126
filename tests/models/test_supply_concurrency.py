"""Readings under real parallel transactions on PostgreSQL: two submissions of the same form
write one row, of two for the same register and date one is refused, of two clerks deciding
the same reading at once exactly one wins, and so does one of a clerk's decision and the
sender's replacement of the same pending reading. Each thread has its own connection and
commits for real; the fixture deletes what they committed. SQLite serialises writers, so it
is not tested here."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.errors import DomainError
from models.identity import Account, Company, StaffRole
from models.outbox import OutboxMessage
from models.supply import (
    Reading,
    ReadingStatus,
    RegisterValue,
    SupplyPoint,
    review_reading,
    submit_reading,
)
from models.supply import readings as readings_module
from tests import factories

# Parallel transactions need real connections on PostgreSQL, never SQLite.
pytestmark = pytest.mark.postgresql

JAN1, JAN31, FEB10 = dt.date(2025, 1, 1), dt.date(2025, 1, 31), dt.date(2025, 2, 10)


@dataclass
class World:
    engine: Engine
    company_id: int
    point_id: int
    customer_id: int
    clerk_ids: tuple[int, int]


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    assert engine.dialect.name == "postgresql", "marked postgresql: deselected on SQLite"
    with Session(engine) as s:
        first_event = s.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        first_mail = s.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))
        company = factories.company(s, "Parallel s.r.o.")
        customer = factories.account(s)
        clerks = [factories.account(s, staff_role=StaffRole.CLERK) for _ in range(2)]
        factories.member(s, customer, company)
        point = factories.supply_point(s, company)
        factories.read(s, point, JAN1, 1000, source="distributor")
        factories.read(s, point, JAN31, 1300, who=customer)
        s.commit()
        made = World(engine, company.id, point.id, customer.id, (clerks[0].id, clerks[1].id))
    try:
        yield made
    finally:
        with Session(engine) as s:
            s.execute(delete(AuditEvent).where(AuditEvent.id > first_event))
            s.execute(delete(OutboxMessage).where(OutboxMessage.id > first_mail))  # decisions
            s.execute(delete(Company).where(Company.id == made.company_id))
            s.execute(delete(Account).where(Account.id.in_([customer.id, *made.clerk_ids])))
            s.commit()


def in_parallel(world: World, work: Callable[[Session, int], str], times: int = 2) -> list[str]:
    """Runs `work(session, n)` in `times` threads, each on its own connection, started
    together; returns what each reported."""
    start = threading.Barrier(times)
    results: list[str] = [""] * times

    def run(n: int) -> None:
        with world.engine.connect() as conn, Session(bind=conn) as session:
            start.wait(timeout=10)
            try:
                results[n] = work(session, n)
                session.commit()
            except DomainError as error:
                session.rollback()
                results[n] = error.message

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def submit(world: World, key: str | None, day: dt.date = FEB10) -> Callable[[Session, int], str]:
    """The same form (same values) sent by each thread."""

    def work(session: Session, n: int) -> str:
        point = session.get(SupplyPoint, world.point_id)
        meter = point.current_meter
        submission = submit_reading(
            session,
            actor=session.get(Account, world.customer_id),
            point=point,
            meter=meter,
            reading_date=day,
            values=[RegisterValue(meter.registers[0].id, Decimal(1400 + 10 * (day - FEB10).days))],
            idempotency_key=key,
            today=day,
        )
        return "duplicate" if submission.replayed else "created"

    return work


def rows_on(world: World, day: dt.date) -> list[Decimal]:
    with Session(world.engine) as s:
        return list(
            s.scalars(
                select(Reading.value).where(
                    Reading.supply_point_id == world.point_id, Reading.reading_date == day
                )
            )
        )


def test_two_parallel_submissions_of_the_same_form_write_one_row(world):
    for round_ in range(3):
        day = FEB10 + dt.timedelta(days=round_)
        results = in_parallel(world, submit(world, key=f"form-key-{round_:0>12}", day=day))
        assert sorted(results) == ["created", "duplicate"], results
        assert len(rows_on(world, day)) == 1


def test_of_two_parallel_submissions_for_the_same_date_one_is_refused(world):
    results = in_parallel(world, submit(world, key=None))
    assert results.count("created") == 1, results
    assert any(r.startswith("A reading of %(date)s is already recorded.") for r in results)
    assert len(rows_on(world, FEB10)) == 1


def test_the_unique_constraint_decides_when_both_pass_the_checks(world, monkeypatch):
    """Both requests find nothing before writing (held at a barrier after the last check);
    the database refuses the second insert and the loser is shown the winner's reading."""
    checked = threading.Barrier(2)
    waited = threading.local()
    after_refused_insert: list[bool] = []
    clear_the_date, by_key = readings_module._clear_the_date, readings_module._by_key

    def clear_then_wait(session, **kwargs):  # type: ignore[no-untyped-def]
        found = clear_the_date(session, **kwargs)
        waited.once = True  # the last check before writing
        checked.wait(timeout=10)
        return found

    def by_key_after_the_checks(session, point, key):  # type: ignore[no-untyped-def]
        found = by_key(session, point, key)
        if getattr(waited, "once", False):
            after_refused_insert.append(found is not None)
        return found

    monkeypatch.setattr(readings_module, "_clear_the_date", clear_then_wait)
    monkeypatch.setattr(readings_module, "_by_key", by_key_after_the_checks)
    results = in_parallel(world, submit(world, key="same-form-key-000001"))
    assert sorted(results) == ["created", "duplicate"], results
    assert after_refused_insert == [True]  # the loser's insert failed and found the winner's
    assert len(rows_on(world, FEB10)) == 1


def test_of_two_clerks_deciding_at_once_exactly_one_wins(world):
    with Session(world.engine) as s:
        point = s.get(SupplyPoint, world.point_id)
        [pending] = factories.read(
            s, point, FEB10, 1900, who=s.get(Account, world.customer_id)
        ).readings
        assert pending.status == ReadingStatus.PENDING_REVIEW
        s.commit()
        pending_id = pending.id

    def decide(session: Session, n: int) -> str:
        reading = session.get(Reading, pending_id)
        review_reading(
            session,
            actor=session.get(Account, world.clerk_ids[n]),
            reading=reading,
            accept=n == 0,
            note=f"clerk {n}",
        )
        return f"decided by {n}"

    results = in_parallel(world, decide)
    winners = [r for r in results if r.startswith("decided")]
    assert len(winners) == 1, results
    assert "This reading has already been decided." in results
    with Session(world.engine) as s:
        decided = s.get(Reading, pending_id)
        winner = int(winners[0][-1])
        assert decided.reviewed_by_id == world.clerk_ids[winner]
        assert decided.review_note == f"clerk {winner}"
        assert decided.status == (ReadingStatus.ACCEPTED if winner == 0 else ReadingStatus.REJECTED)


def test_of_a_decision_and_the_senders_replacement_at_once_exactly_one_wins(world):
    with Session(world.engine) as s:
        point = s.get(SupplyPoint, world.point_id)
        [pending] = factories.read(
            s, point, FEB10, 1900, who=s.get(Account, world.customer_id)
        ).readings
        s.commit()
        pending_id = pending.id

    def decide_or_replace(session: Session, n: int) -> str:
        if n == 0:
            review_reading(
                session,
                actor=session.get(Account, world.clerk_ids[0]),
                reading=session.get(Reading, pending_id),
                accept=True,
            )
            return "decided"
        return submit(world, key=None)(session, n)

    results = in_parallel(world, decide_or_replace)
    with Session(world.engine) as s:
        status = s.get(Reading, pending_id).status
    if results[0] == "decided":
        assert results[1].startswith("A reading of %(date)s is already recorded."), results
        assert status == ReadingStatus.ACCEPTED
        assert rows_on(world, FEB10) == [1900]
    else:
        assert results == [results[0], "created"], results
        assert results[0].startswith("The customer replaced this reading"), results
        assert status == ReadingStatus.SUPERSEDED
        assert sorted(rows_on(world, FEB10)) == [1400, 1900]
