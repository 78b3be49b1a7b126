"""The customer's side of a request: filing it from its type's form (routed, with the SLA of
the company's customer group), replying, confirming or reopening a resolution, and rating
it. A request belongs to the company: any login of it with the permission may act on it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from models import audit
from models.db import utcnow
from models.errors import N_, DomainError
from models.files import CheckedFile
from models.identity import Account, Company
from models.tickets import sla
from models.tickets.routing import route
from models.tickets.tables import EventKind, RequestType, Ticket, TicketStatus
from models.tickets.timeline import (
    add_event,
    move_status,
    refuse_closed,
    tell_customer,
    tell_staff,
    written,
)
from models.tickets.types import MAX_SUBJECT, check_details

MAX_COMMENT = 2000


def open_ticket(
    session: Session,
    *,
    actor: Account,
    company: Company,
    request_type: RequestType,
    subject: str,
    description: str,
    values: Mapping[str, str],
    today: dt.date,
    files: Sequence[CheckedFile] = (),
    follows: Ticket | None = None,
) -> Ticket:
    """Files a request of `request_type` for `company`. Checks the subject, the description
    and the type's form fields (DomainError on the field), routes it to a team (and maybe an
    assignee), attaches the SLA of the company's customer group and starts its clock.
    `follows` is a closed request of the same company it continues."""
    if not request_type.active:
        raise DomainError(N_("This type of request cannot be filed any more."), "request_type")
    subject = " ".join(subject.split())
    if not subject:
        raise DomainError(N_("Fill this in."), "subject")
    if len(subject) > MAX_SUBJECT:
        raise DomainError(N_("At most %(limit)s characters."), "subject", limit=MAX_SUBJECT)
    description = written(description, "description")
    checked = check_details(session, company, request_type, values, today)
    if follows is not None and follows.company_id != company.id:
        follows = None
    now = utcnow()
    routed = route(session, request_type, company)
    ticket = Ticket(
        company=company,
        company_id=company.id,
        request_type=request_type,
        requested_by=actor,
        subject=subject,
        details=json.dumps(checked.details, sort_keys=True, ensure_ascii=False),
        supply_point=checked.supply_point,
        follows=follows,
        priority=request_type.default_priority,
        status=TicketStatus.NEW,
        team=routed.team,
        assignee=routed.assignee,
        sla_policy=sla.policy_of(session, company),
        created_at=now,
        last_activity_at=now,
        paused_seconds=0,
    )
    session.add(ticket)
    add_event(
        session,
        ticket,
        EventKind.CREATED,
        actor=actor,
        public=True,
        now=now,
        body=description,
        files=files,
    )
    if routed.team is not None:
        add_event(
            session, ticket, EventKind.TEAM, actor=None, public=True, now=now, new=routed.team.name
        )
    if routed.assignee is not None:
        add_event(
            session,
            ticket,
            EventKind.ASSIGNMENT,
            actor=None,
            public=False,
            now=now,
            new=routed.assignee.full_name,
        )
    sla.set_clock(ticket)
    session.flush()
    audit.record(
        session,
        "ticket.opened",
        actor=actor,
        target=ticket,
        company_id=company.id,
        type=request_type.code,
        team=routed.team.name if routed.team else None,
        rule=routed.rule.id if routed.rule else None,
    )
    tell_customer(session, ticket, "opened")
    tell_staff(session, ticket, "assigned")
    return ticket


def customer_reply(
    session: Session,
    *,
    actor: Account,
    ticket: Ticket,
    body: str,
    files: Sequence[CheckedFile] = (),
) -> None:
    """A reply of the customer. It takes a request waiting for them back to the provider
    (the clock goes on), and reopens a resolved one. A closed request takes no reply: the
    customer opens a new one, linked to it."""
    refuse_closed(ticket)
    body = written(body)
    now = utcnow()
    add_event(
        session, ticket, EventKind.REPLY, actor=actor, public=True, now=now, body=body, files=files
    )
    if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
        move_status(session, ticket, TicketStatus.OPEN, actor=actor, now=now)
    session.flush()
    tell_staff(session, ticket, "reply", actor=actor)


def confirm_resolution(session: Session, *, actor: Account, ticket: Ticket) -> None:
    """The customer confirms that a resolved request is done: it closes."""
    if ticket.status != TicketStatus.RESOLVED:
        raise DomainError(N_("Only a resolved request can be confirmed."))
    move_status(session, ticket, TicketStatus.CLOSED, actor=actor, now=utcnow())
    session.flush()
    audit.record(
        session, "ticket.confirmed", actor=actor, target=ticket, company_id=ticket.company_id
    )


def reopen_ticket(session: Session, *, actor: Account, ticket: Ticket, body: str) -> None:
    """The customer says a resolved request is not done, and why (required)."""
    if ticket.status != TicketStatus.RESOLVED:
        raise DomainError(N_("Only a resolved request can be reopened."))
    customer_reply(session, actor=actor, ticket=ticket, body=body)


def rate_ticket(
    session: Session, *, actor: Account, ticket: Ticket, satisfied: bool, comment: str
) -> None:
    """The customer's rating of a resolution, once: satisfied or not, with a comment."""
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise DomainError(N_("A request can be rated once it is resolved."))
    if ticket.rated_at is not None:
        raise DomainError(N_("This request has been rated already."))
    comment = written(comment, "comment", required=False)
    if len(comment) > MAX_COMMENT:
        raise DomainError(N_("At most %(limit)s characters."), "comment", limit=MAX_COMMENT)
    now = utcnow()
    ticket.satisfied = satisfied
    ticket.rating_comment = comment or None
    ticket.rated_at = now
    add_event(
        session,
        ticket,
        EventKind.RATING,
        actor=actor,
        public=True,
        now=now,
        body=comment,
        new="satisfied" if satisfied else "unsatisfied",
    )
    if ticket.status == TicketStatus.RESOLVED:
        move_status(session, ticket, TicketStatus.CLOSED, actor=actor, now=now)
    session.flush()
    audit.record(
        session,
        "ticket.rated",
        actor=actor,
        target=ticket,
        company_id=ticket.company_id,
        satisfied=satisfied,
    )
