"""The ticket tables: request types with their forms, routing rules, SLA policies on a
business-hours calendar, and tickets with their timeline of events and attachments."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, CreatedAt, Timestamp, str_enum
from models.files import StoredFile
from models.identity import Account, Company, Team
from models.supply.tables import SupplyPoint


class ProcessArea(enum.StrEnum):
    """What part of the provider's work a request concerns; teams are responsible per area."""

    GENERAL = "general"
    BILLING = "billing"
    TECHNICAL = "technical"  # faults, meters, connections
    CONTRACTS = "contracts"  # contract changes, moves


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return list(Priority).index(self)


class TicketStatus(enum.StrEnum):
    NEW = "new"  # filed, nobody of the provider has acted on it yet
    OPEN = "open"
    WAITING = "waiting"  # for the customer: the SLA clock pauses
    RESOLVED = "resolved"  # the provider says it is done; the customer confirms or reopens
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Still the provider's (or the customer's) to act on."""
        return self in ACTIVE

    @property
    def clock_runs(self) -> bool:
        return self in (TicketStatus.NEW, TicketStatus.OPEN)


ACTIVE = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class EventKind(enum.StrEnum):
    CREATED = "created"  # the customer's description
    REPLY = "reply"
    NOTE = "note"  # internal: never shown to the customer
    STATUS = "status"
    TEAM = "team"
    ASSIGNMENT = "assignment"
    PRIORITY = "priority"
    SLA = "sla"
    AT_RISK = "at_risk"
    BREACH = "breach"
    RATING = "rating"


class RequestType(Base):
    """A kind of request the customer can file, with its form (fields from the catalogue of
    models/tickets/types.py), its default priority and its process area."""

    __tablename__ = "request_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The name in each language of the portal: {"en": "Fault report", "sk": "..."}.
    names: Mapped[str] = mapped_column(Text, default="{}")
    process_area: Mapped[ProcessArea] = mapped_column(str_enum(ProcessArea, "process_area"))
    default_priority: Mapped[Priority] = mapped_column(str_enum(Priority, "ticket_priority"))
    # The form: [{"name": "supply_point", "required": true}, ...] in order.
    fields: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[CreatedAt]

    @property
    def name_map(self) -> dict[str, str]:
        return json.loads(self.names)

    @property
    def field_specs(self) -> list[dict[str, Any]]:
        return json.loads(self.fields)

    def name_in(self, locale: str) -> str:
        names = self.name_map
        return names.get(locale) or names.get("en") or self.code


class RoutingRule(Base):
    """Request type, customer group and process area → team (and optionally who gets it).
    An empty criterion matches anything; the first matching rule by position wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    request_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_types.id", ondelete="CASCADE")
    )
    customer_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE")
    )
    process_area: Mapped[ProcessArea | None] = mapped_column(str_enum(ProcessArea, "process_area"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]

    request_type: Mapped[RequestType | None] = relationship()
    team: Mapped[Team] = relationship()
    assignee: Mapped[Account | None] = relationship()


class BusinessCalendar(Base):
    """Working days and hours in a time zone, with public holidays: what an SLA counts in."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Bratislava")
    weekdays: Mapped[str] = mapped_column(String(7), default="01234")  # 0 = Monday
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)
    created_at: Mapped[CreatedAt]

    holidays: Mapped[list[Holiday]] = relationship(
        order_by="Holiday.day", cascade="all, delete-orphan"
    )


class Holiday(Base):
    __tablename__ = "calendar_holidays"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="CASCADE")
    )
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")


class SLAPolicy(Base):
    """First-response and resolution targets per priority, in business hours of a calendar."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("business_calendars.id"))
    created_at: Mapped[CreatedAt]

    calendar: Mapped[BusinessCalendar] = relationship()
    targets: Mapped[list[SLATarget]] = relationship(
        back_populates="policy", cascade="all, delete-orphan"
    )

    def target_for(self, priority: Priority) -> SLATarget | None:
        return next((t for t in self.targets if t.priority == priority), None)


class GroupPolicy(Base):
    """The SLA policy a customer group's new requests run on."""

    __tablename__ = "customer_group_sla"

    customer_group_id: Mapped[int] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE"), primary_key=True
    )
    sla_policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"))


class SLATarget(Base):
    __tablename__ = "sla_targets"
    __table_args__ = (UniqueConstraint("policy_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "ticket_priority"))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)

    policy: Mapped[SLAPolicy] = relationship(back_populates="targets")

    @property
    def first_response(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.first_response_minutes)

    @property
    def resolution(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.resolution_minutes)


class Ticket(Base):
    """A customer's request: it belongs to the company (every login with the permission sees
    it), is routed to a team, and runs on the SLA of the company's customer group."""

    __tablename__ = "tickets"
    __table_args__ = (
        # The customer's list: a company's tickets, the newest first, by status.
        Index("ix_tickets_company_id_status", "company_id", "status", "id"),
        # The staff queues: active tickets by team / assignee, by the running clock's due time.
        Index("ix_tickets_team_id_status_due", "team_id", "status", "due_at"),
        Index("ix_tickets_assignee_id_status_due", "assignee_id", "status", "due_at"),
        Index("ix_tickets_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    request_type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(200))
    # The values of the type's form fields (JSON), as the customer gave them.
    details: Mapped[str] = mapped_column(Text, default="{}")
    supply_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("supply_points.id", ondelete="SET NULL"), index=True
    )
    # A request opened to follow up a closed one.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "ticket_priority"))
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus, "ticket_status"), default=TicketStatus.NEW
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    sla_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    last_activity_at: Mapped[Timestamp]
    # The SLA clock: both targets' due times, the moments 80% of each is used up, and the
    # running clock's (first response until answered, then resolution) for the queues.
    first_response_due_at: Mapped[Timestamp | None]
    first_response_risk_at: Mapped[Timestamp | None]
    resolution_due_at: Mapped[Timestamp | None]
    resolution_risk_at: Mapped[Timestamp | None]
    due_at: Mapped[Timestamp | None]
    risk_at: Mapped[Timestamp | None]
    # Waiting for the customer: since when, and the business time paused before.
    paused_at: Mapped[Timestamp | None]
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    first_responded_at: Mapped[Timestamp | None]
    resolved_at: Mapped[Timestamp | None]
    closed_at: Mapped[Timestamp | None]
    # Recorded once each, never reset (the staff figures count them).
    first_response_warned_at: Mapped[Timestamp | None]
    first_response_breached_at: Mapped[Timestamp | None]
    resolution_warned_at: Mapped[Timestamp | None]
    resolution_breached_at: Mapped[Timestamp | None]
    # The customer's rating of the resolution.
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[Timestamp | None]

    company: Mapped[Company] = relationship()
    request_type: Mapped[RequestType] = relationship()
    requested_by: Mapped[Account | None] = relationship(foreign_keys=[requested_by_id])
    supply_point: Mapped[SupplyPoint | None] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[Account | None] = relationship(foreign_keys=[assignee_id])
    sla_policy: Mapped[SLAPolicy | None] = relationship()
    follows: Mapped[Ticket | None] = relationship(remote_side=[id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )

    @property
    def detail_map(self) -> dict[str, Any]:
        return json.loads(self.details)

    @property
    def reference(self) -> str:
        return f"#{self.id}"

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.status} {self.priority}>"


event_files = Table(
    "ticket_event_files",
    Base.metadata,
    Column("event_id", ForeignKey("ticket_events.id", ondelete="CASCADE"), primary_key=True),
    Column("file_id", ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True),
)


class TicketEvent(Base):
    """One entry of a ticket's timeline, with who did it and when. Public events are the
    customer's timeline; internal ones (notes, assignments, SLA warnings) are staff's only."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "ticket_event_kind"))
    public: Mapped[bool] = mapped_column(Boolean)
    # None: the portal itself (the SLA sweep, routing).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    body: Mapped[str | None] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[CreatedAt]

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[Account | None] = relationship()
    files: Mapped[list[StoredFile]] = relationship(secondary=event_files, order_by=StoredFile.id)

    @property
    def by_customer(self) -> bool:
        return self.actor is not None and self.actor.staff_role is None
