"""Two clerks deciding the same change request at the same moment, on two real PostgreSQL
connections: exactly one decision wins, the other clerk learns who decided and when, and
nothing is applied or told twice. Both transactions have read the pending request before
either writes (a barrier holds them there). SQLite serialises writers: not tested here."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.changes import ChangeRequest, ChangeStatus, approve_change, reject_change
from models.changes import decisions as decisions_module
from models.errors import DomainError
from models.identity import Account, Company, StaffRole
from models.outbox import OutboxMessage
from tests import factories
from tests.factories import TODAY

pytestmark = pytest.mark.postgresql

IBAN = "SK31 1200 0000 1987 4263 7541"


@dataclass
class World:
    engine: Engine
    company_id: int
    customer_id: int
    clerk_ids: tuple[int, int]
    clerk_names: tuple[str, str]


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    assert engine.dialect.name == "postgresql", "marked postgresql: deselected on SQLite"
    with Session(engine) as s:
        first_event = s.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        first_mail = s.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))
        company = factories.company(s, "Racing Changes s.r.o.")
        customer = factories.account(s)
        factories.member(s, customer, company)
        clerks = [factories.account(s, staff_role=StaffRole.CLERK) for _ in range(2)]
        s.commit()
        made = World(
            engine,
            company.id,
            customer.id,
            (clerks[0].id, clerks[1].id),
            (clerks[0].full_name, clerks[1].full_name),
        )
    try:
        yield made
    finally:
        with Session(engine) as s:
            s.execute(delete(AuditEvent).where(AuditEvent.id > first_event))
            s.execute(delete(OutboxMessage).where(OutboxMessage.id > first_mail))
            s.execute(delete(Company).where(Company.id == made.company_id))
            s.execute(delete(Account).where(Account.id.in_([customer.id, *made.clerk_ids])))
            s.commit()


def filed(world: World, **values: str) -> int:
    with Session(world.engine) as s:
        made = factories.change(
            s, s.get(Company, world.company_id), s.get(Account, world.customer_id), **values
        )
        s.commit()
        return made.id


def race(world: World, monkeypatch, decide: Callable[[Session, ChangeRequest, Account, int], None]):
    """Runs `decide` in two threads on their own connections; each has loaded the pending
    request and checked it before either writes. Returns each thread's outcome."""
    both_checked = threading.Barrier(2, timeout=10)
    conflicts = decisions_module.conflicts

    def checked_then_wait(change):  # type: ignore[no-untyped-def]
        found = conflicts(change)
        both_checked.wait()
        return found

    monkeypatch.setattr(decisions_module, "conflicts", checked_then_wait)
    results: list[object] = [None, None]

    def run(n: int, change_id: int) -> None:
        with world.engine.connect() as conn, Session(bind=conn) as session:
            try:
                decide(
                    session,
                    session.get(ChangeRequest, change_id),
                    session.get(Account, world.clerk_ids[n]),
                    n,
                )
                session.commit()
                results[n] = "won"
            except DomainError as error:
                session.rollback()
                results[n] = error

    return run, results


def run_both(run, change_id: int) -> None:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=run, args=(n, change_id)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def test_of_an_approval_and_a_rejection_at_once_exactly_one_wins(world, monkeypatch):
    change_id = filed(world, contact_person="Raced Person")

    def decide(session, change, clerk, n):  # type: ignore[no-untyped-def]
        if n == 0:
            approve_change(session, actor=clerk, change=change, today=TODAY)
        else:
            # A rejection does not look for conflicts: it waits at the same point by hand.
            decisions_module.conflicts(change)
            reject_change(session, actor=clerk, change=change, reason="Not ours.")

    run, results = race(world, monkeypatch, decide)
    run_both(run, change_id)
    assert results.count("won") == 1, results
    [loser] = [r for r in results if r != "won"]
    winner = results.index("won")
    assert loser.status == 409 and "already decided" in loser.message
    assert loser.params["name"] == world.clerk_names[winner]
    with Session(world.engine) as s:
        change = s.get(ChangeRequest, change_id)
        assert change.decided_by_id == world.clerk_ids[winner]
        assert loser.params["time"] == change.decided_at
        company = s.get(Company, world.company_id)
        if winner == 0:
            assert change.status == ChangeStatus.APPROVED
            assert company.contact_person == "Raced Person"
        else:
            assert change.status == ChangeStatus.REJECTED
            assert company.contact_person is None
        decisions = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.company_id == world.company_id,
                AuditEvent.action.in_(["change.approved", "change.rejected"]),
            )
        ).all()
        assert len(decisions) == 1
        told = s.scalar(
            select(func.count())
            .where(OutboxMessage.template == "change_decision")
            .select_from(OutboxMessage)
        )
        assert told == 1


def test_of_two_first_approvals_at_once_one_counts_and_the_request_waits_for_a_second(
    world, monkeypatch
):
    change_id = filed(world, bank_account=IBAN)

    def decide(session, change, clerk, n):  # type: ignore[no-untyped-def]
        approve_change(session, actor=clerk, change=change, today=TODAY)

    run, results = race(world, monkeypatch, decide)
    run_both(run, change_id)
    assert results.count("won") == 1, results
    [loser] = [r for r in results if r != "won"]
    winner = results.index("won")
    assert "approved this request first" in loser.message
    assert loser.params["name"] == world.clerk_names[winner]
    with Session(world.engine) as s:
        change = s.get(ChangeRequest, change_id)
        assert change.is_pending and change.first_approved_by_id == world.clerk_ids[winner]
        assert s.get(Company, world.company_id).bank_account is None
