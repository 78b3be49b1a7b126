"""`flask audit verify`: the hash chain of the audit log, and the first event that breaks it."""

from __future__ import annotations

from sqlalchemy import update

from models import audit
from models.audit import AuditEvent


def test_verify_reports_the_first_broken_link(flask_command, people, session):
    first = audit.record(session, "one", actor=people.admin)
    audit.record(session, "two", actor=people.admin)
    session.commit()
    whole = flask_command("audit", "verify")
    assert whole.exit_code == 0 and "The audit log is whole" in whole.output
    session.execute(
        update(AuditEvent).where(AuditEvent.id == first.id).values(details='{"forged": 1}')
    )
    session.commit()
    broken = flask_command("audit", "verify")
    assert broken.exit_code == 1
    assert f"The chain breaks at event #{first.id}" in broken.output
