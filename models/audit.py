"""The audit log: append-only events (who, what, when, from where, to which record), chained
by hashes so that an edited or deleted row is detectable."""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import Base, Timestamp, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Origin:
    """Where the current action comes from; the web layer sets it per request."""

    ip: str | None = None
    user_agent: str | None = None


current_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar(
    "current_origin", default=None
)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[Timestamp] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    # The e-mail as typed or known at the time: survives the account and names failed logins.
    actor_label: Mapped[str | None] = mapped_column(String(254))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def detail_map(self) -> dict[str, Any]:
        return json.loads(self.details)

    def digest(self) -> str:
        payload = json.dumps(
            [
                self.prev_hash,
                self.occurred_at.astimezone(dt.UTC).isoformat(),
                self.action,
                self.actor_id,
                self.actor_label,
                self.company_id,
                self.target_type,
                self.target_id,
                self.ip,
                self.user_agent,
                self.details,
            ],
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def _clean(value: str | None, limit: int) -> str | None:
    # Control characters (CR/LF included) could forge lines wherever the log is printed.
    if value is None:
        return None
    return "".join(ch if ch.isprintable() else " " for ch in value)[:limit]


def record(
    session: Session,
    action: str,
    *,
    actor: Any = None,
    actor_label: str | None = None,
    company_id: int | None = None,
    target: Any = None,
    **details: Any,
) -> AuditEvent:
    """Appends one event to the chain. `target` is any mapped object with an `id`."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialises writers so that two transactions cannot chain onto the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(7301)"))
    previous = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    origin = current_origin.get() or Origin()
    event = AuditEvent(
        occurred_at=utcnow(),
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=_clean(actor_label or getattr(actor, "email", None), 254),
        company_id=company_id,
        target_type=getattr(target, "__tablename__", None),
        target_id=None if target is None else str(target.id),
        ip=_clean(origin.ip, 64),
        user_agent=_clean(origin.user_agent, 300),
        details=json.dumps(
            {k: v for k, v in details.items() if v is not None}, sort_keys=True, default=str
        ),
        prev_hash=previous or GENESIS,
    )
    event.hash = event.digest()
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> int | None:
    """The id of the first event whose hash or link does not hold, or None if the chain is whole."""
    previous = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != previous or event.digest() != event.hash:
            return event.id
        previous = event.hash
    return None
