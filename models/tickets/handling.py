"""The provider's side of a request: public replies (the first one is the SLA's first
response), internal notes, assignment to a team and a member of it, and changes of status,
priority and SLA policy, each an event of the timeline with who and when. Which tickets a
staff member may act on (their teams, or all by role) the back office decides at its door."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import audit
from models.db import utcnow
from models.errors import N_, DomainError
from models.files import CheckedFile
from models.identity import Account, Team
from models.tickets import sla
from models.tickets.tables import EventKind, Priority, SLAPolicy, Ticket, TicketStatus
from models.tickets.timeline import (
    add_event,
    move_status,
    refuse_closed,
    tell_customer,
    tell_staff,
    written,
)

# What staff may set a request to; "new" is only where a request starts.
STAFF_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.WAITING,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
)


def staff_reply(
    session: Session,
    *,
    actor: Account,
    ticket: Ticket,
    body: str,
    files: Sequence[CheckedFile] = (),
    then: TicketStatus | None = None,
) -> None:
    """A public reply to the customer, who is told. The first one answers the SLA's first
    response; a new request becomes open, or takes the status `then` (waiting for the
    customer, resolved)."""
    refuse_closed(ticket)
    body = written(body)
    if then is not None and then not in STAFF_STATUSES:
        raise DomainError(N_("Choose a status."), "then")
    now = utcnow()
    sla.record_clock_events(session, ticket, now)  # a late answer is late, swept or not
    add_event(
        session, ticket, EventKind.REPLY, actor=actor, public=True, now=now, body=body, files=files
    )
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    status = then or (TicketStatus.OPEN if ticket.status == TicketStatus.NEW else ticket.status)
    if status != ticket.status:
        move_status(session, ticket, status, actor=actor, now=now)
    sla.set_clock(ticket)
    session.flush()
    tell_customer(session, ticket, "reply")


def add_note(
    session: Session,
    *,
    actor: Account,
    ticket: Ticket,
    body: str,
    files: Sequence[CheckedFile] = (),
) -> None:
    """An internal note: staff only, never shown to the customer, no first response."""
    add_event(
        session,
        ticket,
        EventKind.NOTE,
        actor=actor,
        public=False,
        now=utcnow(),
        body=written(body),
        files=files,
    )
    session.flush()


def change_status(
    session: Session, *, actor: Account, ticket: Ticket, status: TicketStatus
) -> None:
    """Sets a status of STAFF_STATUSES; a closed request stays closed."""
    if status not in STAFF_STATUSES:
        raise DomainError(N_("Choose a status."), "status")
    if ticket.status == TicketStatus.CLOSED:
        raise DomainError(N_("This request is closed."), "status")
    if move_status(session, ticket, status, actor=actor, now=utcnow()) is None:
        return
    session.flush()
    audit.record(
        session,
        "ticket.status",
        actor=actor,
        target=ticket,
        company_id=ticket.company_id,
        status=status.value,
    )
    tell_customer(session, ticket, "status")


def assign(
    session: Session, *, actor: Account, ticket: Ticket, team: Team, assignee: Account | None
) -> None:
    """Gives the request to `team` and, optionally, to a member of it, who is told."""
    if assignee is not None and assignee not in team.members:
        raise DomainError(N_("Choose a member of the team."), "assignee")
    now = utcnow()
    changed = False
    if ticket.team_id != team.id:
        add_event(
            session,
            ticket,
            EventKind.TEAM,
            actor=actor,
            public=True,
            now=now,
            old=ticket.team.name if ticket.team else None,
            new=team.name,
        )
        ticket.team = team
        changed = True
    if ticket.assignee_id != (assignee.id if assignee else None):
        add_event(
            session,
            ticket,
            EventKind.ASSIGNMENT,
            actor=actor,
            public=False,
            now=now,
            old=ticket.assignee.full_name if ticket.assignee else None,
            new=assignee.full_name if assignee else None,
        )
        ticket.assignee = assignee
        changed = True
    if not changed:
        return
    session.flush()
    audit.record(
        session,
        "ticket.assigned",
        actor=actor,
        target=ticket,
        company_id=ticket.company_id,
        team=team.name,
        assignee=assignee.email if assignee else None,
    )
    if assignee is not None:
        tell_staff(session, ticket, "assigned", actor=actor)


def change_priority(
    session: Session, *, actor: Account, ticket: Ticket, priority: Priority
) -> None:
    """A new priority: the SLA's due times follow it (a recorded breach stays recorded)."""
    if ticket.priority == priority:
        return
    now = utcnow()
    sla.record_clock_events(session, ticket, now)
    add_event(
        session,
        ticket,
        EventKind.PRIORITY,
        actor=actor,
        public=True,
        now=now,
        old=ticket.priority,
        new=priority,
    )
    ticket.priority = priority
    sla.set_clock(ticket)
    session.flush()
    audit.record(
        session,
        "ticket.priority",
        actor=actor,
        target=ticket,
        company_id=ticket.company_id,
        priority=priority.value,
    )


def change_sla(
    session: Session, *, actor: Account, ticket: Ticket, policy: SLAPolicy | None
) -> None:
    """Another SLA policy for this request (or none): the due times follow it; a recorded
    breach stays recorded."""
    if ticket.sla_policy_id == (policy.id if policy else None):
        return
    now = utcnow()
    sla.record_clock_events(session, ticket, now)
    add_event(
        session,
        ticket,
        EventKind.SLA,
        actor=actor,
        public=False,
        now=now,
        old=ticket.sla_policy.name if ticket.sla_policy else None,
        new=policy.name if policy else None,
    )
    ticket.sla_policy = policy
    sla.set_clock(ticket)
    session.flush()
    audit.record(
        session,
        "ticket.sla",
        actor=actor,
        target=ticket,
        company_id=ticket.company_id,
        policy=policy.name if policy else None,
    )


def sweep_clocks(session: Session, now: dt.datetime | None = None) -> int:
    """The periodic job: records at-risk warnings and breaches that are due, once each, and
    tells the assignee (or the team). Returns how many it recorded."""
    now = now or utcnow()
    recorded = 0
    for ticket in sla.due_for_sweep(session, now):
        for event in sla.record_clock_events(session, ticket, now):
            recorded += 1
            tell_staff(session, ticket, event.kind.value)
    return recorded


def sla_policies(session: Session) -> list[SLAPolicy]:
    return list(
        session.scalars(
            select(SLAPolicy)
            .order_by(SLAPolicy.name)
            .options(selectinload(SLAPolicy.targets), selectinload(SLAPolicy.calendar))
        )
    )
