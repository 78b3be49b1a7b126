"""What every ticket operation shares: writing an event of the timeline (with its files),
checking a written text, moving the status with the SLA clock, and telling people: the
customer of public replies and status changes (portal notice and e-mail, through the
outbox), staff of what was given to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from models.errors import N_, DomainError
from models.files import CheckedFile, store_checked
from models.identity import Account
from models.memberships import may_be_told
from models.messages import post_notice
from models.outbox import notify
from models.tickets import sla
from models.tickets.routing import team_members_of
from models.tickets.tables import EventKind, Ticket, TicketEvent, TicketStatus

MAX_BODY = 10_000
MAX_FILES = 5
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def written(body: str, field: str = "body", *, required: bool = True) -> str:
    """A text someone wrote, trimmed; refused when empty (if `required`) or too long."""
    body = body.strip()
    if required and not body:
        raise DomainError(N_("Write a message."), field)
    if len(body) > MAX_BODY:
        raise DomainError(N_("At most %(limit)s characters."), field, limit=MAX_BODY)
    return body


def add_event(
    session: Session,
    ticket: Ticket,
    kind: EventKind,
    *,
    actor: Account | None,
    public: bool,
    now: dt.datetime,
    body: str | None = None,
    old: str | None = None,
    new: str | None = None,
    files: Sequence[CheckedFile] = (),
) -> TicketEvent:
    if len(files) > MAX_FILES:
        raise DomainError(N_("At most %(count)s files at once."), "files", count=MAX_FILES)
    event = TicketEvent(
        ticket=ticket,
        company_id=ticket.company_id,
        kind=kind,
        public=public,
        actor=actor,
        body=body or None,
        old_value=old,
        new_value=new,
        created_at=now,
        files=[store_checked(session, file, ticket.company_id) for file in files],
    )
    session.add(event)
    ticket.last_activity_at = now
    return event


def refuse_closed(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.CLOSED:
        raise DomainError(
            N_("This request is closed. Open a new request: it will be linked to this one."),
            "body",
        )


def move_status(
    session: Session,
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: Account | None,
    now: dt.datetime,
) -> TicketEvent | None:
    """Sets the status, with its event (public) and the clock: it stands while the ticket
    waits for the customer or is resolved, and goes on when it is reopened."""
    old = ticket.status
    if old == status:
        return None
    sla.record_clock_events(session, ticket, now)
    ticket.status = status
    if status.clock_runs:
        sla.resume(ticket, now)
    else:
        sla.pause(ticket, now)
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif old == TicketStatus.RESOLVED:
        ticket.resolved_at = None
    sla.set_clock(ticket)
    return add_event(
        session, ticket, EventKind.STATUS, actor=actor, public=True, now=now, old=old, new=status
    )


def tell_customer(session: Session, ticket: Ticket, what: str) -> None:
    """A notice to the company's messages and an e-mail to whoever filed the request (if they
    may still hear of it) that there is something new: `what` is "opened", "reply" or
    "status". The e-mail says what happened and links to it; the text stays in the portal."""
    told: dict[str, Any] = {
        "what": what,
        "company": ticket.company.slug,
        "company_name": ticket.company.legal_name,
        "ticket_id": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status.value,
    }
    if what != "opened":
        post_notice(session, ticket.company, notice="ticket_update", **told)
    requester = ticket.requested_by
    if requester is not None and may_be_told(session, requester, ticket.company_id):
        notify(
            session, to=requester.email, template="ticket_update", locale=requester.locale, **told
        )


def tell_staff(
    session: Session, ticket: Ticket, what: str, *, actor: Account | None = None
) -> None:
    """An e-mail to the assignee (or, for an SLA warning of an unassigned ticket, to the
    team's members) that a request needs them: `what` is "assigned", "reply", "at_risk" or
    "breach". Nobody is told of what they did themselves."""
    if ticket.assignee is not None:
        people = [ticket.assignee]
    elif what in ("at_risk", "breach") and ticket.team is not None:
        people = team_members_of(session, ticket.team)
    else:
        people = []
    for person in people:
        if person == actor or not person.is_usable:
            continue
        notify(
            session,
            to=person.email,
            template="ticket_for_staff",
            locale=person.locale,
            what=what,
            ticket_id=ticket.id,
            subject=ticket.subject,
            company_name=ticket.company.legal_name,
        )
