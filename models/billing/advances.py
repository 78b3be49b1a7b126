"""Advance payments (zálohy): a company's schedule of prepayments, per supply point."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.billing.tables import AdvancePayment, AdvanceStatus
from models.db import utcnow
from models.errors import N_, DomainError
from models.identity import Account, Company


def schedule_advances(
    session: Session,
    *,
    actor: Account | None,
    company: Company,
    supply_point_id: int | None,
    first_due: dt.date,
    months: int,
    amount: Decimal,
    variable_symbol: str,
) -> list[AdvancePayment]:
    """Monthly advances of `amount` from `first_due` for `months` months (same day of the
    month, the last day when a month is shorter). Refuses a non-positive amount."""
    if amount <= 0:
        raise DomainError(N_("Enter an amount greater than zero."), "amount")
    advances = []
    for n in range(months):
        year, month = divmod(first_due.month - 1 + n, 12)
        due = _same_day(first_due.year + year, month + 1, first_due.day)
        advances.append(
            AdvancePayment(
                company_id=company.id,
                supply_point_id=supply_point_id,
                due_date=due,
                amount=amount,
                variable_symbol=variable_symbol,
            )
        )
    session.add_all(advances)
    session.flush()
    audit.record(
        session,
        "advances.scheduled",
        actor=actor,
        company_id=company.id,
        months=months,
        amount=str(amount),
    )
    return advances


def _same_day(year: int, month: int, day: int) -> dt.date:
    for candidate in (day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def mark_advance_paid(session: Session, *, actor: Account, advance: AdvancePayment) -> None:
    if advance.status == AdvanceStatus.PAID:
        raise DomainError(N_("This advance is already paid."))
    advance.status = AdvanceStatus.PAID
    advance.paid_at = utcnow()
    audit.record(
        session, "advance.paid", actor=actor, target=advance, company_id=advance.company_id
    )


def year_schedule(session: Session, company_id: int, year: int) -> list[AdvancePayment]:
    return list(
        session.scalars(
            select(AdvancePayment)
            .where(
                AdvancePayment.company_id == company_id,
                AdvancePayment.due_date >= dt.date(year, 1, 1),
                AdvancePayment.due_date <= dt.date(year, 12, 31),
            )
            .order_by(AdvancePayment.due_date, AdvancePayment.supply_point_id)
        )
    )
