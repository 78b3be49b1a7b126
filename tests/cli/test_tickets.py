"""`flask sweep-sla`: the periodic job records SLA warnings and breaches once each."""

from __future__ import annotations

import datetime as dt

from models.db import as_of
from models.tickets import EventKind, Priority
from tests.factories import desk, ticket


def test_the_sweep_records_a_breach_once(flask_command, people, session):
    office = desk(session, people)
    office.question.default_priority = Priority.URGENT
    with as_of(dt.datetime.now(dt.UTC) - dt.timedelta(days=10)):
        late = ticket(session, people, office.question)
    session.commit()
    first = flask_command("sweep-sla")
    assert first.exit_code == 0 and "recorded 1 SLA warnings and breaches" in first.output
    again = flask_command("sweep-sla")
    assert "recorded 0" in again.output
    session.expire_all()
    assert [e.kind for e in late.events if e.kind == EventKind.BREACH] == [EventKind.BREACH]
