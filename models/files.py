"""The one file store: uploaded and generated files (meter photos, contracts, price-list and
invoice PDFs) kept in the database with their checked type, so a file and the record that
points to it are written, or rolled back, together."""

from __future__ import annotations

import hashlib
from typing import Protocol

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column

from models.db import Base, CreatedAt


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The company that owns the file; None for files of the provider (price lists ...).
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    # The name a download is offered under; never used to find or store the file.
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[CreatedAt]


class CheckedFile(Protocol):
    """An upload whose type the web layer has established from its bytes (core.storage)."""

    data: bytes
    filename: str
    content_type: str


def store_checked(session: Session, file: CheckedFile, company_id: int | None) -> StoredFile:
    return store_file(
        session,
        data=file.data,
        filename=file.filename,
        content_type=file.content_type,
        company_id=company_id,
    )


def store_file(
    session: Session, *, data: bytes, filename: str, content_type: str, company_id: int | None
) -> StoredFile:
    """Keeps `data` whose `content_type` the caller has established from the bytes."""
    stored = StoredFile(
        company_id=company_id,
        filename=filename[:200],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    session.add(stored)
    session.flush()
    return stored
