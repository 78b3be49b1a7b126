"""The mail outbox: messages written in the same transaction as the change that causes them,
delivered after commit by a worker that retries, so nothing is sent for a rolled-back change
and nothing is lost when SMTP is down."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import Base, CreatedAt, Timestamp, utcnow

MAX_ATTEMPTS = 8


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    next_attempt_at: Mapped[Timestamp] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[Timestamp | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


def enqueue(
    session: Session, *, recipient: str, subject: str, body_text: str, body_html: str | None = None
) -> OutboxMessage:
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        next_attempt_at=utcnow(),
        attempts=0,
    )
    session.add(message)
    session.flush()
    return message


def due_messages(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """Unsent messages whose next attempt is due, locked against a parallel worker on
    PostgreSQL (SKIP LOCKED), oldest first."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def mark_sent(message: OutboxMessage) -> None:
    message.sent_at = utcnow()
    message.attempts += 1
    message.last_error = None


def mark_failed(message: OutboxMessage, error: str) -> None:
    """Schedules a retry with exponential back-off: 1, 2, 4 ... minutes."""
    message.attempts += 1
    message.last_error = error[:500]
    message.next_attempt_at = utcnow() + dt.timedelta(minutes=2 ** (message.attempts - 1))
