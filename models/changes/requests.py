"""A customer asks for a change: filing a change request (the data stays as it is until the
back office approves it), withdrawing it while it is pending, and what a company's requests
and its data's history are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session, joinedload

from models import audit
from models.changes.fields import (
    COMPANY_FIELDS,
    LOGIN_ADD_FIELDS,
    LOGIN_CLOSE_FIELDS,
    SUPPLY_POINT_FIELDS,
    ChangeableField,
)
from models.changes.tables import ChangedField, ChangeKind, ChangeRequest, ChangeStatus
from models.db import changed_rows, utcnow
from models.errors import N_, DomainError
from models.files import CheckedFile, store_checked
from models.identity import Account, Company
from models.supply.tables import SupplyPoint

MAX_NOTE = 2000
MAX_AHEAD = dt.timedelta(days=366)  # how far ahead an effective date may lie


def catalogue(kind: ChangeKind) -> dict[str, ChangeableField]:
    """The fields a request of `kind` may change."""
    return {
        ChangeKind.COMPANY_DATA: COMPANY_FIELDS,
        ChangeKind.SUPPLY_POINT_ADDRESS: SUPPLY_POINT_FIELDS,
        ChangeKind.LOGIN_ADD: LOGIN_ADD_FIELDS,
        ChangeKind.LOGIN_CLOSE: LOGIN_CLOSE_FIELDS,
    }[kind]


def current_value(target: Company | SupplyPoint, field: str) -> str | None:
    value = getattr(target, field)
    return value or None  # an empty text and no value are the same to a customer


def diff(change: ChangeRequest) -> dict[str, tuple[str | None, str | None]]:
    """{field: (old, new)} of a request, for the audit log."""
    return {f.field: (f.old_value, f.new_value) for f in change.fields}


def checked_note(note: str) -> str | None:
    """The customer's note to a request, or None; refused on `note` when too long."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(N_("At most %(limit)s characters."), "note", limit=MAX_NOTE)
    return note or None


def file_change(
    session: Session,
    *,
    actor: Account,
    company: Company,
    values: Mapping[str, str],
    allowed: Collection[str],
    today: dt.date,
    supply_point: SupplyPoint | None = None,
    note: str = "",
    evidence: CheckedFile | None = None,
    effective_on: dt.date | None = None,
) -> ChangeRequest:
    """Files a request to change the company's data (or, given `supply_point`, that point's
    correspondence address) to `values`, leaving the data as it is. Refuses a field the kind
    does not have or `allowed` (the fields the actor's role may change) leaves out, a value
    its check refuses (on that field), a request in which no value differs from the current
    one, and an effective date in the past or more than a year ahead. `evidence` (a file the
    web layer checked) is kept with the request. A pending request of the company for any of
    the same fields is superseded by this one."""
    kind = ChangeKind.SUPPLY_POINT_ADDRESS if supply_point else ChangeKind.COMPANY_DATA
    if supply_point is not None and supply_point.company_id != company.id:
        raise ValueError("the supply point belongs to another company")
    fields = catalogue(kind)
    target: Company | SupplyPoint = supply_point or company
    changes: dict[str, tuple[str | None, str | None]] = {}
    for name, raw in values.items():
        field = fields.get(name)
        if field is None or name not in allowed:
            raise DomainError(N_("Your role may not ask for a change of this."), name)
        new = field.check(raw or "", company.country, name)
        old = current_value(target, name)
        if new != old:
            changes[name] = (old, new)
    if not changes:
        raise DomainError(N_("Nothing differs from the current data: change at least one field."))
    kept_note = checked_note(note)
    if effective_on is not None and not today <= effective_on <= today + MAX_AHEAD:
        raise DomainError(
            N_("Choose a day from today to a year ahead, or leave it empty for as soon as can be."),
            "effective_on",
        )
    change = ChangeRequest(
        company=company,
        kind=kind,
        supply_point=supply_point,
        requested_by=actor,
        note=kept_note,
        evidence=store_checked(session, evidence, company.id) if evidence else None,
        effective_on=effective_on,
        status=ChangeStatus.PENDING,
        four_eyes=any(fields[name].sensitive for name in changes),
        fields=[ChangedField(field=n, old_value=o, new_value=v) for n, (o, v) in changes.items()],
    )
    return filed(session, actor, change)


def filed(session: Session, actor: Account, change: ChangeRequest) -> ChangeRequest:
    """Adds a new pending request (of any kind), lets the company's pending requests about
    the same thing give way to it, and audits it with its diff."""
    session.add(change)
    session.flush()
    _supersede_older(session, actor, change)
    audit.record(
        session,
        "change.filed",
        actor=actor,
        target=change,
        company_id=change.company_id,
        kind=change.kind.value,
        changes=diff(change),
        four_eyes=change.four_eyes or None,
        effective_on=change.effective_on,
    )
    return change


def _same_subject(change: ChangeRequest) -> ColumnElement[bool]:
    """Requests about the same thing as `change`: a login's requests about the same person,
    the others about any of the same fields of the same record."""
    if change.kind is ChangeKind.LOGIN_ADD:
        return (ChangedField.field == "email") & (
            ChangedField.new_value == change.value_of("email")
        )
    if change.kind is ChangeKind.LOGIN_CLOSE:
        return ChangeRequest.account_id == change.account_id
    point = ChangeRequest.supply_point_id
    return (
        point.is_(None) if change.supply_point_id is None else point == change.supply_point_id
    ) & ChangedField.field.in_([f.field for f in change.fields])


def _supersede_older(session: Session, actor: Account, change: ChangeRequest) -> None:
    """The company's other pending requests about the same thing give way to `change`: the
    newer wish is the one to decide."""
    older = session.scalars(
        select(ChangeRequest)
        .join(ChangedField)
        .where(
            ChangeRequest.company_id == change.company_id,
            ChangeRequest.kind == change.kind,
            ChangeRequest.status == ChangeStatus.PENDING,
            ChangeRequest.id != change.id,
            _same_subject(change),
        )
        .distinct()
    ).all()
    for previous in older:
        if _end_pending(session, previous, ChangeStatus.SUPERSEDED, actor):
            audit.record(
                session,
                "change.superseded",
                actor=actor,
                target=previous,
                company_id=previous.company_id,
                by=change.id,
            )


def _end_pending(
    session: Session, change: ChangeRequest, status: ChangeStatus, actor: Account
) -> bool:
    """Moves a pending request to `status` if it is still pending (one transaction wins)."""
    ended = changed_rows(
        session,
        update(ChangeRequest)
        .where(ChangeRequest.id == change.id, ChangeRequest.status == ChangeStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow()),
    )
    session.expire(change)
    return ended == 1


def withdraw_change(session: Session, *, actor: Account, change: ChangeRequest) -> None:
    """The customer takes back a pending request; one already decided (or withdrawn, or
    superseded) stays as it is and is refused."""
    if not change.is_pending or not _end_pending(session, change, ChangeStatus.WITHDRAWN, actor):
        raise DomainError(N_("This request is no longer pending: it cannot be withdrawn."))
    audit.record(
        session,
        "change.withdrawn",
        actor=actor,
        target=change,
        company_id=change.company_id,
        changes=diff(change),
    )


# What a list or page of requests shows, loaded in the same query.
DETAILS = (
    joinedload(ChangeRequest.requested_by),
    joinedload(ChangeRequest.decided_by),
    joinedload(ChangeRequest.first_approved_by),
    joinedload(ChangeRequest.supply_point),
    joinedload(ChangeRequest.fields),
)


def with_details(stmt: Select[ChangeRequest]) -> Select[ChangeRequest]:
    return stmt.options(*DETAILS)


def company_changes(session: Session, company_id: int, limit: int = 50) -> list[ChangeRequest]:
    """The company's requests, pending ones first, then the newest."""
    stmt = (
        select(ChangeRequest)
        .where(ChangeRequest.company_id == company_id)
        .order_by((ChangeRequest.status == ChangeStatus.PENDING).desc(), ChangeRequest.id.desc())
        .limit(limit)
    )
    return list(session.scalars(with_details(stmt)).unique())


def pending_counts(session: Session, company_ids: list[int]) -> dict[int, int]:
    """{company_id: its pending requests} for those that have any, in one query."""
    rows = session.execute(
        select(ChangeRequest.company_id, func.count())
        .where(
            ChangeRequest.company_id.in_(company_ids),
            ChangeRequest.status == ChangeStatus.PENDING,
        )
        .group_by(ChangeRequest.company_id)
    )
    return {company_id: count for company_id, count in rows}


@dataclass(frozen=True)
class FieldChange:
    """One approved change of one field: what the data's history shows."""

    field: str
    old_value: str | None
    new_value: str | None
    change_request_id: int
    decided_at: dt.datetime | None
    decided_by: Account | None
    first_approved_by: Account | None
    supply_point_code: str | None


def field_history(session: Session, company_id: int, limit: int = 100) -> list[FieldChange]:
    """The company's data (and its supply points' addresses) as it changed, newest first: per
    field, who approved it, when and through which request. It is the approved requests
    themselves, not a copy; logins' requests are not data (the audit log tells them)."""
    stmt = (
        select(ChangedField, ChangeRequest)
        .join(ChangedField.change_request)
        .where(
            ChangeRequest.company_id == company_id,
            ChangeRequest.status == ChangeStatus.APPROVED,
            ChangeRequest.kind.in_([ChangeKind.COMPANY_DATA, ChangeKind.SUPPLY_POINT_ADDRESS]),
        )
        .options(
            joinedload(ChangeRequest.decided_by),
            joinedload(ChangeRequest.first_approved_by),
            joinedload(ChangeRequest.supply_point),
        )
        .order_by(ChangeRequest.decided_at.desc(), ChangedField.id)
        .limit(limit)
    )
    return [
        FieldChange(
            field.field,
            field.old_value,
            field.new_value,
            change.id,
            change.decided_at,
            change.decided_by,
            change.first_approved_by,
            change.supply_point.code if change.supply_point else None,
        )
        for field, change in session.execute(stmt)
    ]
