"""The change-request tables: a customer's proposed edit of company (or supply point) data,
pending the back office's verification, and its fields with their old and new values."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, CreatedAt, Timestamp, str_enum
from models.files import StoredFile
from models.identity import Account, Company
from models.supply.tables import SupplyPoint


class ChangeKind(enum.StrEnum):
    COMPANY_DATA = "company_data"  # the company's data for invoices and correspondence
    SUPPLY_POINT_ADDRESS = "supply_point_address"  # where a supply point's post goes
    LOGIN_ADD = "login_add"  # a new login for the company (an invitation, once approved)
    LOGIN_CLOSE = "login_close"  # a login's access to the company ends

    @property
    def is_login(self) -> bool:
        return self in (ChangeKind.LOGIN_ADD, ChangeKind.LOGIN_CLOSE)


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the customer, while it was pending
    SUPERSEDED = "superseded"  # a newer request of the company asked for the same fields


class ChangeRequest(Base):
    __tablename__ = "change_requests"
    # The queue: pending requests, oldest first.
    __table_args__ = (Index("ix_change_requests_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, "change_kind"))
    supply_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("supply_points.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    # The login whose access a LOGIN_CLOSE request ends.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    requested_at: Mapped[CreatedAt]
    note: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL")
    )
    # The day the customer wants the change to hold from; it is approved from that day on.
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ChangeStatus] = mapped_column(
        str_enum(ChangeStatus, "change_status"), default=ChangeStatus.PENDING
    )
    # A sensitive field (bank account, legal name, IDs) needs two clerks: the first approval
    # is recorded here, and the second, by someone else, decides.
    four_eyes: Mapped[bool] = mapped_column(Boolean, default=False)
    first_approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    first_approved_at: Mapped[Timestamp | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    decided_at: Mapped[Timestamp | None]
    # The clerk's reason, shown to the customer (required for a rejection).
    reason: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()
    supply_point: Mapped[SupplyPoint | None] = relationship()
    requested_by: Mapped[Account | None] = relationship(foreign_keys=[requested_by_id])
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])
    first_approved_by: Mapped[Account | None] = relationship(foreign_keys=[first_approved_by_id])
    decided_by: Mapped[Account | None] = relationship(foreign_keys=[decided_by_id])
    evidence: Mapped[StoredFile | None] = relationship()
    fields: Mapped[list[ChangedField]] = relationship(
        back_populates="change_request", order_by="ChangedField.id", cascade="all, delete-orphan"
    )

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeStatus.PENDING

    @property
    def awaits_second_approval(self) -> bool:
        return self.is_pending and self.first_approved_by_id is not None

    @property
    def target(self) -> Company | SupplyPoint:
        """The record whose data it changes (the company, for a login's request)."""
        return self.supply_point if self.supply_point is not None else self.company

    def value_of(self, field: str) -> str | None:
        """The requested value of `field`."""
        return next((f.new_value for f in self.fields if f.field == field), None)

    def __repr__(self) -> str:
        return f"<ChangeRequest {self.id} {self.kind} {self.status}>"


class ChangedField(Base):
    """One field of a change request: its value when the request was filed and the new one."""

    __tablename__ = "changed_fields"
    __table_args__ = (UniqueConstraint("change_request_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_request_id: Mapped[int] = mapped_column(
        ForeignKey("change_requests.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    change_request: Mapped[ChangeRequest] = relationship(back_populates="fields")
