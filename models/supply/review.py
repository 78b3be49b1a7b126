"""A clerk's decision on a reading that waits for review: accept or reject, once, with a note
for the customer."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from models import audit
from models.db import utcnow
from models.errors import N_, DomainError
from models.identity import Account
from models.memberships import may_be_told
from models.outbox import notify
from models.supply.sequence import neighbours
from models.supply.tables import Reading, ReadingStatus

MAX_NOTE = 1000


def _rejection_keeps_sequence(session: Session, reading: Reading) -> None:
    """Without `reading`, the reading after it must still follow the one before it."""
    register = reading.register
    previous, following = neighbours(session, register, reading.reading_date)
    if previous is None or following is None:
        return
    if following.rollover:
        fits = following.value < previous.value
    else:
        fits = following.value >= previous.value
    if not fits:
        raise DomainError(
            N_(
                "The later reading of %(date)s builds on this one: without it, that reading "
                "would be below the one before. Decide the later reading first."
            ),
            date=following.reading_date,
        )


def _refuse_decided(reading: Reading) -> None:
    """A reading no longer waiting for review cannot be decided (again)."""
    if reading.is_superseded:
        raise DomainError(
            N_("The customer replaced this reading with a newer one before it was decided.")
        )
    raise DomainError(N_("This reading has already been decided."))


def review_reading(
    session: Session, *, actor: Account, reading: Reading, accept: bool, note: str = ""
) -> Reading:
    """Accepts or rejects a reading that is pending review, with a note for the customer.
    Atomic: the status changes only if it is still pending_review, so of two clerks deciding
    at once one wins and the other gets "already decided" (or "replaced", when its sender sent
    a new reading for the date first). A rejection needs a note (field `note`) and is refused
    when a later reading depends on the rejected one."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(
            N_("The note can be at most %(limit)s characters long."), "note", limit=MAX_NOTE
        )
    if not reading.is_pending:
        _refuse_decided(reading)
    if not accept:
        if not note:
            raise DomainError(
                N_("Write a note for the customer saying why the reading is rejected."), "note"
            )
        _rejection_keeps_sequence(session, reading)
    status = ReadingStatus.ACCEPTED if accept else ReadingStatus.REJECTED
    result = session.execute(
        update(Reading)
        .where(Reading.id == reading.id, Reading.status == ReadingStatus.PENDING_REVIEW)
        .values(
            status=status, reviewed_by_id=actor.id, reviewed_at=utcnow(), review_note=note or None
        ),
        execution_options={"synchronize_session": False},
    )
    decided = cast(CursorResult[Any], result).rowcount
    session.expire(reading)
    if decided != 1:
        _refuse_decided(reading)
    audit.record(
        session,
        "reading.accepted" if accept else "reading.rejected",
        actor=actor,
        target=reading,
        company_id=reading.company_id,
        reason=reading.review_reason.value if reading.review_reason else None,
        note=note or None,
    )
    _tell_the_submitter(session, reading, accepted=accept)
    return reading


def _tell_the_submitter(session: Session, reading: Reading, *, accepted: bool) -> None:
    """E-mails the decision to whoever sent the reading, if they are still active and have
    access to the company (a former member learns nothing more about it)."""
    submitter = reading.submission.submitted_by
    point = reading.supply_point
    if submitter is None or not may_be_told(session, submitter, point.company_id):
        return
    notify(
        session,
        to=submitter.email,
        template="reading_decision",
        locale=submitter.locale,
        accepted=accepted,
        company=point.company.slug,
        code=point.code,
        unit=point.commodity.unit,
        reading_date=reading.reading_date.isoformat(),
        register=reading.register.code,
        value=str(reading.value),
        note=reading.review_note,
    )
