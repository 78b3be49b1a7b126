"""The mail outbox: who is to be told what (recipient, template, parameters, language),
written by the operation that decides it, in the same transaction; rendered and delivered
after the commit, retried by a worker, so nothing is sent for a rolled-back change and nothing
is lost when SMTP is down. A sent message keeps the subject and text it was sent with."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import OUTBOX, Base, CreatedAt, Timestamp, utcnow

MAX_ATTEMPTS = 8


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(60))
    params: Mapped[str] = mapped_column(Text, default="{}")
    locale: Mapped[str | None] = mapped_column(String(10))
    # Filled when the message is rendered for sending: what the recipient got.
    subject: Mapped[str | None] = mapped_column(String(255))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    next_attempt_at: Mapped[Timestamp] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[Timestamp | None]
    last_error: Mapped[str | None] = mapped_column(String(500))

    @property
    def param_map(self) -> dict[str, Any]:
        return json.loads(self.params)


def notify(
    session: Session, *, to: str, template: str, locale: str | None = None, **params: Any
) -> OutboxMessage:
    """Records that `to` is to be told, with `template` and its parameters (JSON values;
    dates and decimals as text), in `locale`. Delivered only if the transaction commits."""
    message = OutboxMessage(
        recipient=to,
        template=template,
        params=json.dumps(params, sort_keys=True, default=str),
        locale=locale,
        next_attempt_at=utcnow(),
        attempts=0,
    )
    session.add(message)
    session.flush()
    session.info.setdefault(OUTBOX, []).append(message.id)
    return message


def due_messages(
    session: Session, limit: int = 50, ids: list[int] | None = None
) -> list[OutboxMessage]:
    """Unsent messages whose next attempt is due (of `ids`, when given), locked against a
    parallel worker on PostgreSQL (SKIP LOCKED), oldest first."""
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
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
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
