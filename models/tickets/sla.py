"""The SLA clock of a ticket: due times in business hours from its policy's targets for its
priority, paused while the ticket waits for the customer, at risk when less than a fifth of a
target is left, breached when it is used up. Warnings and breaches are recorded once, by the
operation that finds them or the periodic sweep, and never reset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from models.db import changed_rows
from models.identity import Company
from models.tickets.calendar import BusinessHours
from models.tickets.tables import (
    BusinessCalendar,
    EventKind,
    GroupPolicy,
    SLAPolicy,
    Ticket,
    TicketEvent,
    TicketStatus,
)

RISK_SHARE = 0.8  # at risk once 80% of a target is used up


def business_hours(calendar: BusinessCalendar) -> BusinessHours:
    return BusinessHours(
        timezone=calendar.timezone,
        weekdays=frozenset(int(day) for day in calendar.weekdays),
        opens=calendar.opens,
        closes=calendar.closes,
        holidays=frozenset(h.day for h in calendar.holidays),
    )


def policy_of(session: Session, company: Company) -> SLAPolicy | None:
    """The SLA policy of the company's customer group."""
    if company.customer_group_id is None:
        return None
    return session.scalar(
        select(SLAPolicy)
        .join(GroupPolicy, GroupPolicy.sla_policy_id == SLAPolicy.id)
        .where(GroupPolicy.customer_group_id == company.customer_group_id)
        .options(selectinload(SLAPolicy.targets), selectinload(SLAPolicy.calendar))
    )


def set_clock(ticket: Ticket) -> None:
    """(Re)computes the due and risk times from the policy's targets for the ticket's
    priority, counted from its filing, with the business time of its past pauses added."""
    policy = ticket.sla_policy
    target = policy.target_for(ticket.priority) if policy is not None else None
    if policy is None or target is None:
        ticket.first_response_due_at = ticket.first_response_risk_at = None
        ticket.resolution_due_at = ticket.resolution_risk_at = None
        _running_clock(ticket)
        return
    hours = business_hours(policy.calendar)
    start = ticket.created_at
    # A pause still running is added when it ends (resume): until then the due times stand
    # where they were when it began, and the time left is counted from that moment.
    paused = dt.timedelta(seconds=ticket.paused_seconds)

    def at(share: float, full: dt.timedelta) -> dt.datetime:
        return hours.add(start, full * share + paused)

    ticket.first_response_due_at = at(1, target.first_response)
    ticket.first_response_risk_at = at(RISK_SHARE, target.first_response)
    ticket.resolution_due_at = at(1, target.resolution)
    ticket.resolution_risk_at = at(RISK_SHARE, target.resolution)
    _running_clock(ticket)


def _running_clock(ticket: Ticket) -> None:
    """The queues sort and flag by the clock that runs: first response until answered, then
    resolution; none once resolved."""
    if not ticket.status.is_active:
        ticket.due_at = ticket.risk_at = None
    elif ticket.first_responded_at is None:
        ticket.due_at, ticket.risk_at = ticket.first_response_due_at, ticket.first_response_risk_at
    else:
        ticket.due_at, ticket.risk_at = ticket.resolution_due_at, ticket.resolution_risk_at


def pause(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.paused_at is None:
        ticket.paused_at = now


def resume(ticket: Ticket, now: dt.datetime) -> None:
    """Ends a pause: its business time is added, and the due times move by it."""
    if ticket.paused_at is None:
        return
    if ticket.sla_policy is not None:
        hours = business_hours(ticket.sla_policy.calendar)
        ticket.paused_seconds += int(hours.between(ticket.paused_at, now).total_seconds())
    ticket.paused_at = None
    set_clock(ticket)


@dataclass(frozen=True)
class Promise:
    """What the SLA promises for a ticket now, for people to read."""

    clock: str  # "first_response" | "resolution"
    due_at: dt.datetime
    left: dt.timedelta | None  # business time left (negative: overdue by), if counted
    at_risk: bool
    breached: bool
    paused: bool


def promise(ticket: Ticket, now: dt.datetime, *, counted: bool = False) -> Promise | None:
    """The running clock's promise, from the stored due and risk times; None without an SLA
    or once resolved. With `counted`, also the business time left, which reads the policy's
    calendar (the back office shows it; the customer sees the due time)."""
    if ticket.sla_policy_id is None or ticket.due_at is None or not ticket.status.is_active:
        return None
    responding = ticket.first_responded_at is None
    # While paused the clock stands where the pause began.
    moment = ticket.paused_at if ticket.paused_at is not None else now
    due = ticket.due_at
    left = None
    if counted and ticket.sla_policy is not None:
        hours = business_hours(ticket.sla_policy.calendar)
        left = hours.between(moment, due) if moment < due else -hours.between(due, moment)
    recorded = ticket.first_response_breached_at if responding else ticket.resolution_breached_at
    risk = ticket.risk_at
    return Promise(
        clock="first_response" if responding else "resolution",
        due_at=due,
        left=left,
        at_risk=risk is not None and risk <= moment < due,
        breached=moment >= due or recorded is not None,
        paused=ticket.paused_at is not None,
    )


def record_clock_events(session: Session, ticket: Ticket, now: dt.datetime) -> list[TicketEvent]:
    """Records, once each, that the running clock's target is at risk or breached as of
    `now` (a warning that would come after the breach is claimed without an event). A
    conditional UPDATE claims each record, so two sweeps (or a sweep and a reply) at once
    record it once."""
    if ticket.due_at is None or ticket.paused_at is not None or not ticket.status.clock_runs:
        return []
    responding = ticket.first_responded_at is None
    clock = "first_response" if responding else "resolution"
    prefix = "first_response" if responding else "resolution"
    events = []
    for column, threshold, kind in (
        (f"{prefix}_warned_at", ticket.risk_at, EventKind.AT_RISK),
        (f"{prefix}_breached_at", ticket.due_at, EventKind.BREACH),
    ):
        if threshold is None or now < threshold or getattr(ticket, column) is not None:
            continue
        claimed = changed_rows(
            session,
            update(Ticket)
            .where(Ticket.id == ticket.id, getattr(Ticket, column).is_(None))
            .values({column: threshold}),
        )
        if not claimed:
            continue
        setattr(ticket, column, threshold)
        if kind == EventKind.AT_RISK and now >= ticket.due_at:
            continue
        event = TicketEvent(
            ticket=ticket,
            company_id=ticket.company_id,
            kind=kind,
            public=False,
            new_value=clock,
            created_at=now,
        )
        session.add(event)
        events.append(event)
    session.flush()
    return events


def due_for_sweep(session: Session, now: dt.datetime, limit: int = 500) -> list[Ticket]:
    """Running tickets whose clock has reached a risk or due time not yet recorded."""
    unrecorded = or_(
        (Ticket.first_responded_at.is_(None))
        & (
            (Ticket.first_response_breached_at.is_(None))
            | (Ticket.first_response_warned_at.is_(None))
        ),
        (Ticket.first_responded_at.is_not(None))
        & ((Ticket.resolution_breached_at.is_(None)) | (Ticket.resolution_warned_at.is_(None))),
    )
    stmt = (
        select(Ticket)
        .where(
            Ticket.status.in_((TicketStatus.NEW, TicketStatus.OPEN)),
            Ticket.paused_at.is_(None),
            Ticket.risk_at <= now,
            unrecorded,
        )
        .order_by(Ticket.risk_at)
        .limit(limit)
        .options(selectinload(Ticket.assignee), selectinload(Ticket.team))
    )
    return list(session.scalars(stmt))
