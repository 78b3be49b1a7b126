"""The back office's company page as one view for the person on the phone: panels and pending
items contributed like the switcher's badges. An area registers a panel (`company_panel`)
and the things of a company that wait for someone (`company_pending`); each provider answers
for the one company in a fixed number of queries, so the page's query count does not grow
with the company's invoices or readings. The page knows no area. The first panels (company,
logins, billing, advances, supply) and the readings waiting for review are registered here;
a later area (change requests, tickets, messages) registers its own beside its pages."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, joinedload

from core.charts import quantity
from core.consumption import reason_text, register_label
from core.i18n import date_text
from core.permissions import can
from models.billing import OPEN_STATUSES, AdvancePayment, AdvanceStatus, Invoice
from models.identity import Company, Membership
from models.memberships import open_invitations
from models.supply import Reading, ReadingStatus, SupplyPoint, SupplyPointStatus

LATEST_INVOICES = 10
PENDING_SHOWN = 10  # of each kind, the oldest; the count says how many there are


@dataclass(frozen=True)
class Panel:
    """One section of the page: `key` names its template, `data` is what it shows."""

    key: str
    data: Mapping[str, Any]
    wide: bool = False

    @property
    def template(self) -> str:
        return f"backoffice/companies/panels/{self.key}.html"


@dataclass(frozen=True)
class PendingItem:
    text: str  # "24ZSS… · 10 Feb 2025: High tariff (HT) 2,000 kWh, above what …"
    since: dt.datetime | None = None  # when it started waiting
    url: str | None = None  # where it is dealt with, when the viewer may open that


@dataclass(frozen=True)
class Pending:
    """What of one kind waits for someone: the oldest `items`, `total` in all."""

    title: str  # "Readings waiting for review"
    items: Sequence[PendingItem]
    total: int
    url: str | None = None  # the whole queue, when the viewer may open it
    key: str = ""  # the provider's key, set by the registry


PanelProvider = Callable[[Session, Company, dt.date], Mapping[str, Any] | None]
PendingProvider = Callable[[Session, Company, dt.date], Pending | None]


@dataclass(frozen=True)
class _Registration:
    key: str
    permission: str
    order: int
    wide: bool
    provider: Any


_panels: dict[str, _Registration] = {}
_pending: dict[str, _Registration] = {}


def company_panel(
    key: str, *, permission: str, order: int, wide: bool = False
) -> Callable[[PanelProvider], PanelProvider]:
    """Registers `provider(session, company, today) -> data | None`, rendered by
    templates/backoffice/companies/panels/<key>.html for staff who have `permission`, in
    ascending `order`; None leaves the panel out. A panel shows what its area has, read-only;
    an action in it asks its own permission (`can(...)` in the template)."""

    def register(provider: PanelProvider) -> PanelProvider:
        _panels[key] = _Registration(key, permission, order, wide, provider)
        return provider

    return register


def company_pending(
    key: str, *, permission: str, order: int
) -> Callable[[PendingProvider], PendingProvider]:
    """Registers `provider(session, company, today) -> Pending | None` (None: nothing waits)
    for the page's "Waiting" block, asked for staff who have `permission`."""

    def register(provider: PendingProvider) -> PendingProvider:
        _pending[key] = _Registration(key, permission, order, False, provider)
        return provider

    return register


@dataclass(frozen=True)
class CompanyView:
    panels: list[Panel]
    pending: list[Pending] = field(default_factory=list)


def company_view(session: Session, company: Company, today: dt.date) -> CompanyView:
    """The panels and pending items of `company` the signed-in staff member may see."""
    panels = []
    for registration in sorted(_panels.values(), key=lambda r: (r.order, r.key)):
        if can(registration.permission):
            data = registration.provider(session, company, today)
            if data is not None:
                panels.append(Panel(registration.key, data, registration.wide))
    pending = []
    for registration in sorted(_pending.values(), key=lambda r: (r.order, r.key)):
        if can(registration.permission):
            found = registration.provider(session, company, today)
            if found is not None and found.total:
                pending.append(replace(found, key=registration.key))
    return CompanyView(panels, pending)


@company_panel("company", permission="backoffice.access", order=10)
def company_details(session: Session, company: Company, today: dt.date) -> Mapping[str, Any]:
    return {"company": company}


@company_panel("logins", permission="backoffice.access", order=20)
def company_logins(session: Session, company: Company, today: dt.date) -> Mapping[str, Any]:
    """Who can sign in for the company (with the last sign-in), and who is invited."""
    members = list(
        session.scalars(
            select(Membership)
            .options(joinedload(Membership.account))
            .where(Membership.company_id == company.id)
            .order_by(Membership.created_at, Membership.id)
        )
    )
    return {"members": members, "invitations": open_invitations(session, company)}


@dataclass(frozen=True)
class Balance:
    """The company's open invoices in one currency."""

    currency: str
    open: int
    overdue: int
    to_pay: Decimal
    overdue_amount: Decimal


@company_panel("billing", permission="backoffice.access", order=30, wide=True)
def company_billing(session: Session, company: Company, today: dt.date) -> Mapping[str, Any]:
    """What the company owes (per currency, overdue apart) and its latest invoices, for
    anyone in the back office; the invoice pages and payments are for `invoices.manage`."""
    is_open = Invoice.status.in_(OPEN_STATUSES)
    is_overdue = and_(is_open, Invoice.due_date < today)
    left = Invoice.gross_total - Invoice.paid_amount
    rows = session.execute(
        select(
            Invoice.currency,
            func.count(Invoice.id),
            func.count(case((is_open, 1))),
            func.count(case((is_overdue, 1))),
            func.coalesce(func.sum(case((is_open, left))), 0),
            func.coalesce(func.sum(case((is_overdue, left))), 0),
        )
        .where(Invoice.company_id == company.id)
        .group_by(Invoice.currency)
        .order_by(Invoice.currency)
    ).all()
    latest = list(
        session.scalars(
            select(Invoice)
            .where(Invoice.company_id == company.id)
            .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
            .limit(LATEST_INVOICES)
        )
    )
    return {
        "balances": [
            Balance(currency, int(opened), int(overdue), Decimal(to_pay), Decimal(late))
            for currency, _all, opened, overdue, to_pay, late in rows
            if opened
        ],
        "invoice_count": sum(int(row[1]) for row in rows),
        "invoices": latest,
        "today": today,
    }


@dataclass(frozen=True)
class AdvanceYear:
    """The company's advance payments in one currency: this year's schedule and any late."""

    currency: str
    count: int
    total: Decimal
    paid: int
    paid_amount: Decimal
    overdue: int
    overdue_amount: Decimal

    @property
    def to_pay(self) -> Decimal:
        return self.total - self.paid_amount


@company_panel("advances", permission="backoffice.access", order=40)
def company_advances(
    session: Session, company: Company, today: dt.date
) -> Mapping[str, Any] | None:
    """This year's schedule added up, the overdue ones (of any year) and the next due date
    with its payments (one per supply point); left out for a company that pays none."""
    this_year = and_(
        AdvancePayment.due_date >= dt.date(today.year, 1, 1),
        AdvancePayment.due_date <= dt.date(today.year, 12, 31),
    )
    paid = AdvancePayment.status == AdvanceStatus.PAID
    late = and_(AdvancePayment.status == AdvanceStatus.DUE, AdvancePayment.due_date < today)
    rows = session.execute(
        select(
            AdvancePayment.currency,
            func.count(case((this_year, 1))),
            func.coalesce(func.sum(case((this_year, AdvancePayment.amount))), 0),
            func.count(case((and_(this_year, paid), 1))),
            func.coalesce(func.sum(case((and_(this_year, paid), AdvancePayment.amount))), 0),
            func.count(case((late, 1))),
            func.coalesce(func.sum(case((late, AdvancePayment.amount))), 0),
        )
        .where(AdvancePayment.company_id == company.id)
        .group_by(AdvancePayment.currency)
        .order_by(AdvancePayment.currency)
    ).all()
    if not rows:
        return None
    first_due = (
        select(func.min(AdvancePayment.due_date))
        .where(
            AdvancePayment.company_id == company.id,
            AdvancePayment.is_due,
            AdvancePayment.due_date >= today,
        )
        .scalar_subquery()
    )
    upcoming = session.execute(
        select(AdvancePayment, SupplyPoint.code)
        .outerjoin(SupplyPoint, SupplyPoint.id == AdvancePayment.supply_point_id)
        .where(
            AdvancePayment.company_id == company.id,
            AdvancePayment.is_due,
            AdvancePayment.due_date == first_due,
        )
        .order_by(SupplyPoint.code, AdvancePayment.id)
    ).all()
    years = [
        AdvanceYear(
            currency,
            int(count),
            Decimal(total),
            int(paid_count),
            Decimal(paid_sum),
            int(overdue),
            Decimal(overdue_sum),
        )
        for currency, count, total, paid_count, paid_sum, overdue, overdue_sum in rows
    ]
    return {"year": today.year, "years": years, "upcoming": upcoming}


@company_panel("supply", permission="backoffice.access", order=50, wide=True)
def company_supply(session: Session, company: Company, today: dt.date) -> Mapping[str, Any]:
    """The supply points, each with its last reading (the latest date any register was read,
    whatever became of it: the agent is asked about rejected and pending ones too)."""
    points = list(
        session.scalars(
            select(SupplyPoint)
            .where(SupplyPoint.company_id == company.id)
            .order_by(
                case((SupplyPoint.status == SupplyPointStatus.ACTIVE, 0), else_=1),
                SupplyPoint.code,
            )
        )
    )
    counted = Reading.status != ReadingStatus.SUPERSEDED
    last_day = (
        select(Reading.supply_point_id, func.max(Reading.reading_date).label("day"))
        .where(Reading.company_id == company.id, counted)
        .group_by(Reading.supply_point_id)
        .subquery()
    )
    last: dict[int, list[Reading]] = defaultdict(list)
    for reading in session.scalars(
        select(Reading)
        .join(
            last_day,
            and_(
                Reading.supply_point_id == last_day.c.supply_point_id,
                Reading.reading_date == last_day.c.day,
            ),
        )
        .where(counted)
        .options(joinedload(Reading.register))
        .order_by(Reading.id)
    ):
        last[reading.supply_point_id].append(reading)
    for readings in last.values():
        readings.sort(key=lambda r: (r.register.position, r.id))
    return {"points": points, "last": last}


@company_pending("readings", permission="backoffice.access", order=10)
def readings_to_review(session: Session, company: Company, today: dt.date) -> Pending | None:
    """The company's readings waiting for a clerk's decision, oldest first; each links to
    its place in the review queue for staff who review readings."""
    rows = session.execute(
        select(Reading, func.count().over())
        .where(Reading.company_id == company.id, Reading.status == ReadingStatus.PENDING_REVIEW)
        .options(
            joinedload(Reading.supply_point),
            joinedload(Reading.register),
            joinedload(Reading.submission),
        )
        .order_by(Reading.id)
        .limit(PENDING_SHOWN)
    ).all()
    if not rows:
        return None
    review = can("readings.review")
    items = []
    for reading, _total in rows:
        point = reading.supply_point
        text = _(
            "%(point)s · %(date)s: %(register)s %(value)s %(unit)s",
            point=point.code,
            date=date_text(reading.reading_date),
            register=register_label(reading.register.code),
            value=quantity(reading.value),
            unit=point.commodity.unit,
        )
        reason = reason_text(reading)
        items.append(
            PendingItem(
                f"{text}. {reason}" if reason else text,
                since=reading.submission.submitted_at,
                url=url_for("backoffice.readings_detail", reading_id=reading.id)
                if review
                else None,
            )
        )
    return Pending(
        _("Readings waiting for review"),
        items,
        total=int(rows[0][1]),
        url=url_for("backoffice.readings") if review else None,
    )
