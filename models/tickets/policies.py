"""The administrators' side of SLAs: business calendars with their holidays, SLA policies with
a target per priority, and which policy a customer group's new requests run on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import available_timezones

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.errors import N_, DomainError
from models.identity import Account, CustomerGroup
from models.tickets.tables import (
    BusinessCalendar,
    GroupPolicy,
    Holiday,
    Priority,
    SLAPolicy,
    SLATarget,
)

MAX_TARGET_MINUTES = 60 * 24 * 365  # a year of business minutes is no promise any more


def public_holidays(country: str, years: Iterable[int]) -> dict[dt.date, str]:
    """The public holidays of `country` (ISO code) in `years`, with their English names, as
    the maintained `holidays` package knows them (in Slovakia no day off on 8 May and
    15 September 2026, say)."""
    found = holidays.country_holidays(country, years=list(years), language="en_US")
    return dict(sorted(found.items()))


def define_calendar(
    session: Session,
    *,
    actor: Account | None,
    name: str,
    timezone: str,
    weekdays: Iterable[int],
    opens: dt.time,
    closes: dt.time,
    holidays: Mapping[dt.date, str] = {},
) -> BusinessCalendar:
    """Creates the calendar `name` or changes it (its holidays replaced by `holidays`)."""
    days = sorted(set(weekdays))
    if not days or any(not 0 <= day <= 6 for day in days):
        raise DomainError(N_("Choose at least one working day."), "weekdays")
    if closes <= opens:
        raise DomainError(N_("The closing time must come after the opening time."), "closes")
    if timezone not in available_timezones():
        raise DomainError(N_("Choose a time zone."), "timezone")
    calendar = session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == name))
    if calendar is None:
        calendar = BusinessCalendar(name=name)
        session.add(calendar)
    calendar.timezone = timezone
    calendar.weekdays = "".join(str(day) for day in days)
    calendar.opens, calendar.closes = opens, closes
    calendar.holidays = []
    session.flush()  # the old days go before the new ones come: one row per day
    calendar.holidays = [Holiday(day=day, name=label) for day, label in sorted(holidays.items())]
    session.flush()
    audit.record(session, "calendar.defined", actor=actor, target=calendar, name=name)
    return calendar


def define_sla_policy(
    session: Session,
    *,
    actor: Account | None,
    name: str,
    calendar: BusinessCalendar,
    targets: Mapping[Priority, tuple[int, int]],
) -> SLAPolicy:
    """Creates the policy `name` or changes it: per priority (first response, resolution) in
    business minutes; the first response may not come after the resolution. Requests filed
    before keep the due times they have until their priority or policy changes."""
    for priority, (response, resolution) in targets.items():
        field = f"{priority.value}_response"
        if not 0 < response <= MAX_TARGET_MINUTES or not 0 < resolution <= MAX_TARGET_MINUTES:
            raise DomainError(N_("Enter a positive number of minutes."), field)
        if response > resolution:
            raise DomainError(N_("The first response cannot come after the resolution."), field)
    policy = session.scalar(select(SLAPolicy).where(SLAPolicy.name == name))
    if policy is None:
        policy = SLAPolicy(name=name)
        session.add(policy)
    policy.calendar = calendar
    policy.targets = []
    session.flush()  # the old targets go before the new ones come: one row per priority
    policy.targets = [
        SLATarget(priority=priority, first_response_minutes=response, resolution_minutes=resolution)
        for priority, (response, resolution) in targets.items()
    ]
    session.flush()
    audit.record(session, "sla_policy.defined", actor=actor, target=policy, name=name)
    return policy


def attach_policy(
    session: Session, *, actor: Account | None, group: CustomerGroup, policy: SLAPolicy | None
) -> None:
    """The policy the group's companies' new requests run on (None: no SLA)."""
    attached = session.get(GroupPolicy, group.id)
    if policy is None:
        if attached is not None:
            session.delete(attached)
    elif attached is None:
        session.add(GroupPolicy(customer_group_id=group.id, sla_policy_id=policy.id))
    else:
        attached.sla_policy_id = policy.id
    session.flush()
    audit.record(
        session,
        "sla_policy.attached",
        actor=actor,
        target=group,
        policy=policy.name if policy else None,
    )
