"""The supply area's tables: supply points with their contracts and meters, each meter's
registers, and the readings of those registers, grouped in the submissions that brought them."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, CreatedAt, Timestamp, str_enum
from models.errors import N_
from models.files import StoredFile
from models.identity import Account, Company

# A meter value: up to 12 integer digits and 3 decimals.
Quantity = Numeric(15, 3)


class Commodity(enum.StrEnum):
    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"

    @property
    def unit(self) -> str:
        return "kWh" if self is Commodity.ELECTRICITY else "m³"


class SupplyPointStatus(enum.StrEnum):
    ACTIVE = "active"
    TERMINATED = "terminated"


class ReadingStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"
    # Replaced by its sender with a new reading for the same date while it waited for review.
    SUPERSEDED = "superseded"


# A register's sequence: the readings the rules hold among (one per date, no decrease without
# a rollover), so that any decision on a pending one keeps them. Only accepted ones count.
IN_SEQUENCE = (ReadingStatus.ACCEPTED, ReadingStatus.PENDING_REVIEW)
_IN_SEQUENCE_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in IN_SEQUENCE))


class ReadingSource(enum.StrEnum):
    CUSTOMER = "customer"
    DISTRIBUTOR = "distributor"


class ReviewReason(enum.StrEnum):
    """Why a reading waits for a person: its consumption is not what the history predicts."""

    ABOVE_EXPECTED = "above_expected"
    BELOW_EXPECTED = "below_expected"
    NO_CONSUMPTION = "no_consumption"


class SupplyPoint(Base):
    """A place where electricity, gas or water is delivered, identified by its EIC or EAN."""

    __tablename__ = "supply_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(18), unique=True)
    commodity: Mapped[Commodity] = mapped_column(str_enum(Commodity, "commodity"))
    address: Mapped[str] = mapped_column(Text)
    # Where the point's post goes; None: the company's postal (or billing) address.
    correspondence_address: Mapped[str | None] = mapped_column(Text)
    tariff: Mapped[str] = mapped_column(String(80), default="")
    distribution_rate: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[SupplyPointStatus] = mapped_column(
        str_enum(SupplyPointStatus, "supply_point_status"), default=SupplyPointStatus.ACTIVE
    )
    self_reading_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]

    company: Mapped[Company] = relationship()
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="supply_point", order_by="Contract.valid_from.desc()"
    )
    meters: Mapped[list[Meter]] = relationship(
        back_populates="supply_point", order_by="Meter.installed_on.desc()"
    )

    @property
    def is_active(self) -> bool:
        return self.status == SupplyPointStatus.ACTIVE

    @property
    def self_reading_refusal(self) -> str | None:
        """Why customers cannot send readings for this point (a translatable message), or None
        when they can: self-readings allowed, the point active and a meter in place. The one
        place this rule is decided; `accepts_self_readings` is its yes or no."""
        if not self.is_active:
            return N_("This supply point is terminated: readings can no longer be sent for it.")
        if not self.self_reading_allowed:
            return N_(
                "The distributor reads the meter of this supply point; self-readings are not "
                "enabled for it."
            )
        if self.current_meter is None:
            return N_("There is no meter at this supply point to read.")
        return None

    @hybrid_property
    def accepts_self_readings(self) -> bool:
        return self.self_reading_refusal is None

    @accepts_self_readings.inplace.expression
    @classmethod
    def _accepts_self_readings(cls) -> ColumnElement[bool]:
        # The same rule for a query over many points.
        return and_(
            cls.self_reading_allowed.is_(True),
            cls.status == SupplyPointStatus.ACTIVE,
            exists().where(Meter.supply_point_id == cls.id, Meter.removed_on.is_(None)),
        )

    def meter_on(self, day: dt.date) -> Meter | None:
        """The meter installed on `day` (the newer one on the day of an exchange)."""
        for meter in sorted(self.meters, key=lambda m: m.installed_on, reverse=True):
            if meter.installed_on <= day and (meter.removed_on is None or day <= meter.removed_on):
                return meter
        return None

    @property
    def current_meter(self) -> Meter | None:
        return next((m for m in self.meters if m.removed_on is None), None)


class Contract(Base):
    """A supply contract for one supply point, with its signed document."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    supply_point_id: Mapped[int] = mapped_column(
        ForeignKey("supply_points.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(40), unique=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]

    supply_point: Mapped[SupplyPoint] = relationship(back_populates="contracts")
    document: Mapped[StoredFile | None] = relationship()


class Meter(Base):
    """A meter on a supply point between its installation and (once exchanged) removal."""

    __tablename__ = "meters"
    __table_args__ = (UniqueConstraint("supply_point_id", "serial_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id", ondelete="CASCADE"))
    serial_number: Mapped[str] = mapped_column(String(40))
    installed_on: Mapped[dt.date] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[CreatedAt]

    supply_point: Mapped[SupplyPoint] = relationship(back_populates="meters")
    registers: Mapped[list[MeterRegister]] = relationship(
        back_populates="meter", order_by="MeterRegister.position"
    )


class MeterRegister(Base):
    """One counter of a meter (high or low tariff, or the only one). `digits` is the integer
    part the dial shows, so the value wraps to zero at 10**digits; `decimals` its precision."""

    __tablename__ = "meter_registers"
    __table_args__ = (
        UniqueConstraint("meter_id", "code"),
        CheckConstraint("digits BETWEEN 1 AND 12", name="digits"),
        CheckConstraint("decimals BETWEEN 0 AND 3", name="decimals"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)
    digits: Mapped[int] = mapped_column(Integer)
    decimals: Mapped[int] = mapped_column(Integer, default=0)

    meter: Mapped[Meter] = relationship(back_populates="registers")

    @property
    def wrap(self) -> int:
        """The value at which the dial starts again from zero."""
        return 10**self.digits


class ReadingSubmission(Base):
    """The values of all registers of one meter read on one date, sent together by a customer
    (with an optional photo) or imported from the distributor. The form's idempotency key is
    unique per supply point, so a resent form finds the first submission."""

    __tablename__ = "reading_submissions"
    __table_args__ = (UniqueConstraint("supply_point_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id", ondelete="CASCADE"))
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"))
    reading_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[ReadingSource] = mapped_column(str_enum(ReadingSource, "reading_source"))
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[CreatedAt]
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))

    supply_point: Mapped[SupplyPoint] = relationship()
    meter: Mapped[Meter] = relationship()
    submitted_by: Mapped[Account | None] = relationship()
    photo: Mapped[StoredFile | None] = relationship()
    readings: Mapped[list[Reading]] = relationship(
        back_populates="submission", order_by="Reading.id"
    )
    # Not stored: set on the first submission when a repeated one found it instead.
    replayed = False

    @property
    def replaces_pending(self) -> bool:
        """It replaced its sender's reading of the same date that was waiting for review."""
        return any(r.replaces_id is not None for r in self.readings)


class Reading(Base):
    """The value of one register on one date. The accepted and pending readings of a register
    form its sequence: one per date (a partial unique index), never decreasing except across a
    reading flagged as a rollover. Rejected and replaced readings stay beside it, for the
    history, and free their date for a new reading."""

    __tablename__ = "readings"
    __table_args__ = (
        Index(
            "uq_readings_register_id_reading_date",
            "register_id",
            "reading_date",
            unique=True,
            sqlite_where=text(_IN_SEQUENCE_SQL),
            postgresql_where=text(_IN_SEQUENCE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    supply_point_id: Mapped[int] = mapped_column(
        ForeignKey("supply_points.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("reading_submissions.id", ondelete="CASCADE"), index=True
    )
    register_id: Mapped[int] = mapped_column(ForeignKey("meter_registers.id", ondelete="CASCADE"))
    reading_date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Quantity)
    rollover: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ReadingStatus] = mapped_column(
        str_enum(ReadingStatus, "reading_status"), index=True
    )
    # What the history predicted when the reading arrived, kept for the reviewer.
    consumption: Mapped[Decimal | None] = mapped_column(Quantity)
    expected_low: Mapped[Decimal | None] = mapped_column(Quantity)
    expected_high: Mapped[Decimal | None] = mapped_column(Quantity)
    review_reason: Mapped[ReviewReason | None] = mapped_column(
        str_enum(ReviewReason, "review_reason")
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[Timestamp | None]
    # Written by the reviewer for the customer, who sees it with the decision.
    review_note: Mapped[str | None] = mapped_column(Text)
    # The sender's reading of this register and date that waited for review and that this one
    # replaced (now superseded); who replaced it and when is this reading's submission.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id", ondelete="SET NULL"))

    submission: Mapped[ReadingSubmission] = relationship(back_populates="readings")
    register: Mapped[MeterRegister] = relationship()
    supply_point: Mapped[SupplyPoint] = relationship()
    reviewed_by: Mapped[Account | None] = relationship(foreign_keys=[reviewed_by_id])
    replaces: Mapped[Reading | None] = relationship(
        remote_side=[id], foreign_keys=[replaces_id], back_populates="replaced_by"
    )
    replaced_by: Mapped[Reading | None] = relationship(back_populates="replaces")

    @property
    def is_accepted(self) -> bool:
        """Accepted: the reading counts (consumption, chart, expected range, last reading)."""
        return self.status == ReadingStatus.ACCEPTED

    @property
    def is_pending(self) -> bool:
        """Waiting for a clerk's decision: shown, but counted nowhere until accepted."""
        return self.status == ReadingStatus.PENDING_REVIEW

    @property
    def is_superseded(self) -> bool:
        return self.status == ReadingStatus.SUPERSEDED

    @hybrid_property
    def in_sequence(self) -> bool:
        """Accepted or pending: one of the register's sequence, which the rules hold among."""
        return self.status in IN_SEQUENCE

    @in_sequence.inplace.expression
    @classmethod
    def _in_sequence(cls) -> ColumnElement[bool]:
        return cls.status.in_(IN_SEQUENCE)
