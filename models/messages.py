"""Messages between the provider and a company: threads with a subject, each message from a
staff member, a customer login or the portal itself (a notice an operation posts, such as a
decided change request), to the whole company or to one login of it. A notice is kept as its
template and parameters, so that every reader gets it in their own language; a written
message keeps its text. A message, once posted, is never edited."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.db import Base, CreatedAt, Timestamp, utcnow
from models.identity import Account, Company


class Thread(Base):
    __tablename__ = "message_threads"
    # A company's threads, the latest first.
    __table_args__ = (Index("ix_message_threads_company_id_last", "company_id", "last_message_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # A written subject, or None for a notice's thread (its subject is the notice's).
    subject: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[CreatedAt]
    last_message_at: Mapped[Timestamp]

    company: Mapped[Company] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE"), index=True
    )
    # Every message row names its company, so the company scope loads it directly.
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    # None: the portal itself (a notice).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    # None: the whole company; else the one login it is for. Never set to NULL when the
    # login goes: that would show a private message to the whole company.
    to_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # A notice: the template under templates/messages/ and its parameters (JSON).
    notice: Mapped[str | None] = mapped_column(String(60))
    params: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[CreatedAt]

    thread: Mapped[Thread] = relationship(back_populates="messages")
    author: Mapped[Account | None] = relationship(foreign_keys=[author_id])

    @property
    def param_map(self) -> dict[str, Any]:
        return json.loads(self.params)


def post_notice(
    session: Session,
    company: Company,
    /,
    *,
    notice: str,
    to: Account | None = None,
    **params: Any,
) -> Message:
    """Posts a notice of the portal to `company` (or to one login of it) in a thread of its
    own: `notice` names templates/messages/<notice>.subject.txt and .html, rendered with
    `params` (JSON values) in the reader's language."""
    now = utcnow()
    thread = Thread(company=company, subject=None, last_message_at=now)
    message = Message(
        thread=thread,
        company_id=company.id,
        to_account_id=to.id if to else None,
        notice=notice,
        params=json.dumps(params, sort_keys=True, default=str),
        created_at=now,
    )
    session.add_all([thread, message])
    session.flush()
    return message
