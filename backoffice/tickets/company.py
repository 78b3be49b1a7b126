"""Requests on the back office's company page: the company's latest ones the staff member
may see, and those waiting for the provider among "Waiting"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from backoffice.company_view import Pending, PendingItem, company_panel, company_pending
from backoffice.tickets.page import COMPANY_TICKETS
from backoffice.tickets.queues import visible_tickets
from core.request_cache import per_request
from models.identity import Company
from models.tickets import (
    ACTIVE,
    Ticket,
    TicketStatus,
)


def _company_tickets(session: Session, company: Company) -> tuple[list[Ticket], int]:
    """The company's latest requests the staff member may see, those waiting for the provider
    first (by due time), then the other active ones, then the newest; and how many wait. One
    statement, asked once a request: the panel and "Waiting" both show them."""
    waits = Ticket.status.in_((TicketStatus.NEW, TicketStatus.OPEN))

    def load() -> tuple[list[Ticket], int]:
        rank = case((waits, 0), (Ticket.status.in_(ACTIVE), 1), else_=2)
        rows = session.execute(
            select(Ticket, func.count().filter(waits).over())
            .where(Ticket.company_id == company.id, visible_tickets())
            .order_by(rank, Ticket.due_at.is_(None), Ticket.due_at, Ticket.id.desc())
            .limit(COMPANY_TICKETS)
            .options(joinedload(Ticket.request_type), joinedload(Ticket.team))
        ).all()
        return [row[0] for row in rows], rows[0][1] if rows else 0

    return per_request("company_tickets", company.id, load)


@company_panel("tickets", permission="requests.work", order=12, wide=True)
def company_tickets_panel(session: Session, company: Company, today: dt.date) -> Mapping[str, Any]:
    return {"tickets": _company_tickets(session, company)[0]}


@company_pending("tickets", permission="requests.work", order=3)
def tickets_waiting(session: Session, company: Company, today: dt.date) -> Pending | None:
    """The company's requests that wait for the provider (new or open), soonest due first."""
    shown, waiting = _company_tickets(session, company)
    if not waiting:
        return None
    return Pending(
        title=_("Requests waiting for an answer"),
        items=[
            PendingItem(
                text=f"{t.reference} {t.subject}",
                since=t.created_at,
                url=url_for("backoffice.ticket", ticket_id=t.id),
            )
            for t in shown
            if t.status in (TicketStatus.NEW, TicketStatus.OPEN)
        ],
        total=waiting,
        url=url_for(
            "backoffice.tickets", queue="all", q=company.customer_number or company.legal_name
        ),
    )
