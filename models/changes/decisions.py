"""The back office decides a change request: approval applies exactly the requested fields
in the same transaction, rejection applies nothing, a sensitive change needs two different
clerks, nobody decides a request they filed, and of two clerks deciding at once exactly one
wins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Update, update
from sqlalchemy.orm import Session

from models import audit
from models.changes.logins import apply_login_change
from models.changes.requests import catalogue, current_value, diff
from models.changes.tables import ChangeRequest, ChangeStatus
from models.db import changed_rows, utcnow
from models.errors import N_, AlreadyDecided, DomainError
from models.identity import Account
from models.memberships import may_be_told
from models.messages import post_notice
from models.outbox import notify

MAX_REASON = 1000


@dataclass(frozen=True)
class Conflict:
    """A field whose value changed after the request was filed (another request approved):
    what the customer saw, what holds now, and what they asked for."""

    field: str
    original: str | None
    current: str | None
    requested: str | None


class ChangeConflict(DomainError):
    """Approving would overwrite values that changed since the request was filed."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(
            N_(
                "The data changed after this request was filed. Compare the three values "
                "and confirm that the requested ones should replace the current ones."
            ),
            "overwrite",
        )
        self.conflicts = conflicts


def conflicts(change: ChangeRequest) -> list[Conflict]:
    """The fields of `change` whose current value is neither the one it was filed against
    nor the requested one."""
    if change.kind.is_login:  # about a person: no data of the company's to compare
        return []
    target = change.target
    found = []
    for field in change.fields:
        now = current_value(target, field.field)
        if now != field.old_value and now != field.new_value:
            found.append(Conflict(field.field, field.old_value, now, field.new_value))
    return found


def _refuse_decided(session: Session, change: ChangeRequest) -> None:
    """Says who decided first and when (read fresh: the other transaction has committed)."""
    session.refresh(change)
    if change.is_pending:  # the other clerk gave the first of two approvals
        raise AlreadyDecided(
            N_(
                "%(name)s approved this request first at %(time)s: it now waits for a second clerk."
            ),
            name=_name(change.first_approved_by),
            time=change.first_approved_at,
        )
    if change.status in (ChangeStatus.WITHDRAWN, ChangeStatus.SUPERSEDED):
        raise AlreadyDecided(
            N_("The customer withdrew or replaced this request at %(time)s."),
            time=change.decided_at,
        )
    raise AlreadyDecided(
        N_("This request was already decided by %(name)s at %(time)s."),
        name=_name(change.decided_by),
        time=change.decided_at,
    )


def _name(account: Account | None) -> str:
    return account.full_name if account is not None else "—"


def _check_decider(actor: Account, change: ChangeRequest) -> None:
    if change.requested_by_id == actor.id:
        raise DomainError(N_("You filed this request: another clerk must decide it."))
    if change.first_approved_by_id == actor.id:
        raise DomainError(
            N_("You gave the first approval: the second must come from another clerk.")
        )


def _still_pending(change: ChangeRequest) -> ColumnElement[bool]:
    """The request is still as the clerk saw it: pending, at the same approval step."""
    step = ChangeRequest.first_approved_by_id
    return (
        (ChangeRequest.id == change.id)
        & (ChangeRequest.status == ChangeStatus.PENDING)
        & (
            step.is_(None)
            if change.first_approved_by_id is None
            else step == change.first_approved_by_id
        )
    )


def _conditional(session: Session, change: ChangeRequest, statement: Update) -> None:
    """Runs the update guarded by `_still_pending`; a request another clerk moved first is
    refused with who and when."""
    if changed_rows(session, statement.where(_still_pending(change))) != 1:
        _refuse_decided(session, change)
    session.expire(change)


def approve_change(
    session: Session,
    *,
    actor: Account,
    change: ChangeRequest,
    today: dt.date,
    reason: str = "",
    overwrite: bool = False,
) -> ChangeRequest:
    """Approves a pending request. A four-eyes request's first approval only records itself;
    the final approval applies the requested values to the company (or supply point) in this
    transaction, and tells the customer. Refuses the requester and the first approver
    (another clerk decides), a request whose effective date is still ahead, and, unless
    `overwrite`, one whose fields changed since it was filed (ChangeConflict, with the three
    values). A request decided in the meantime raises AlreadyDecided."""
    reason = _reason(reason)
    if not change.is_pending:
        _refuse_decided(session, change)
    _check_decider(actor, change)
    if change.effective_on is not None and change.effective_on > today:
        raise DomainError(
            N_("This change holds from %(date)s: approve it on that day or later."),
            date=change.effective_on,
        )
    found = conflicts(change)
    if found and not overwrite:
        raise ChangeConflict(found)
    now = utcnow()
    if change.four_eyes and change.first_approved_by_id is None:
        _conditional(
            session,
            change,
            update(ChangeRequest).values(first_approved_by_id=actor.id, first_approved_at=now),
        )
        audit.record(
            session,
            "change.approved_first",
            actor=actor,
            target=change,
            company_id=change.company_id,
            changes=diff(change),
            reason=reason or None,
        )
        return change
    _conditional(
        session,
        change,
        update(ChangeRequest).values(
            status=ChangeStatus.APPROVED,
            decided_by_id=actor.id,
            decided_at=now,
            reason=reason or None,
        ),
    )
    _apply(session, actor, change)
    audit.record(
        session,
        "change.approved",
        actor=actor,
        target=change,
        company_id=change.company_id,
        changes=diff(change),
        overwritten={c.field: c.current for c in found} or None,
        reason=reason or None,
    )
    _tell_the_requester(session, change)
    return change


def _apply(session: Session, actor: Account, change: ChangeRequest) -> None:
    """Applies exactly the approved request: its values to the company or supply point, or
    the login it asks for or ends."""
    if change.kind.is_login:
        apply_login_change(session, actor=actor, change=change)
        return
    target = change.target
    fields = catalogue(change.kind)
    for field in change.fields:
        setattr(target, fields[field.field].name, field.new_value)
    session.flush()


def reject_change(
    session: Session, *, actor: Account, change: ChangeRequest, reason: str
) -> ChangeRequest:
    """Rejects a pending request with a reason for the customer (field `reason`), applying
    nothing. The requester may not reject their own request either; the first approver of a
    four-eyes request may (they changed their mind before the second look)."""
    reason = _reason(reason)
    if not reason:
        raise DomainError(N_("Write the reason for the customer."), "reason")
    if not change.is_pending:
        _refuse_decided(session, change)
    if change.requested_by_id == actor.id:
        raise DomainError(N_("You filed this request: another clerk must decide it."))
    _conditional(
        session,
        change,
        update(ChangeRequest).values(
            status=ChangeStatus.REJECTED, decided_by_id=actor.id, decided_at=utcnow(), reason=reason
        ),
    )
    audit.record(
        session,
        "change.rejected",
        actor=actor,
        target=change,
        company_id=change.company_id,
        changes=diff(change),
        reason=reason,
    )
    _tell_the_requester(session, change)
    return change


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise DomainError(N_("At most %(limit)s characters."), "reason", limit=MAX_REASON)
    return reason


def _tell_the_requester(session: Session, change: ChangeRequest) -> None:
    """Posts the decision to the company's messages in the portal and e-mails it to whoever
    filed the request, if they may still hear of it."""
    told: dict[str, Any] = {
        "approved": change.status == ChangeStatus.APPROVED,
        "company": change.company.slug,
        "company_name": change.company.legal_name,
        "change_id": change.id,
        "fields": [f.field for f in change.fields],
        "reason": change.reason,
    }
    post_notice(session, change.company, notice="change_decision", **told)
    requester = change.requested_by
    if requester is None or not may_be_told(session, requester, change.company_id):
        return
    notify(session, to=requester.email, template="change_decision", locale=requester.locale, **told)
