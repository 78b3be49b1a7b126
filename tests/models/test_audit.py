"""The audit log is append-only and tamper-evident: each event's hash covers its content and
its predecessor's hash."""

from __future__ import annotations

import itertools

from sqlalchemy import select, update

from models import audit
from models.audit import AuditEvent, Origin, current_origin, verify_chain


def test_the_chain_verifies_and_links_each_event_to_the_previous(session, people):
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert len(events) > 5
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert verify_chain(session) is None


def test_an_edited_event_breaks_the_chain_at_that_event(session, people):
    victim = session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(3)).first()
    session.execute(
        update(AuditEvent).where(AuditEvent.id == victim.id).values(details='{"forged": true}')
    )
    session.expire_all()
    assert verify_chain(session) == victim.id


def test_a_deleted_event_breaks_the_chain_after_the_gap(session, people):
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    session.delete(events[2])
    session.flush()
    assert verify_chain(session) == events[3].id


def test_who_where_and_what_are_recorded(session, people):
    token = current_origin.set(Origin(ip="203.0.113.9", user_agent="Firefox"))
    try:
        event = audit.record(
            session,
            "test.action",
            actor=people.jan,
            target=people.alfa,
            company_id=people.alfa.id,
            reason="because",
        )
    finally:
        current_origin.reset(token)
    assert (event.actor_id, event.actor_label) == (people.jan.id, people.jan.email)
    assert (event.target_type, event.target_id) == ("companies", str(people.alfa.id))
    assert (event.ip, event.user_agent) == ("203.0.113.9", "Firefox")
    assert event.detail_map == {"reason": "because"}
    assert event.occurred_at.tzinfo is not None


def test_control_characters_cannot_forge_log_lines(session):
    token = current_origin.set(Origin(ip="1.1.1.1", user_agent="evil\r\nFAKE login.success admin"))
    try:
        event = audit.record(session, "login.failure", actor_label="x\nadmin@example.com")
    finally:
        current_origin.reset(token)
    assert "\n" not in event.user_agent and "\r" not in event.user_agent
    assert "\n" not in event.actor_label
