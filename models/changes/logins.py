"""A company's logins change through requests too: an owner asks for a new login (once a
clerk approves, the person gets an invitation by e-mail) or for a login's access to end (it
ends when a clerk approves). A new owner login needs two clerks, as it hands over everything."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.changes.fields import LOGIN_ADD_FIELDS
from models.changes.requests import checked_note, filed
from models.changes.tables import ChangedField, ChangeKind, ChangeRequest, ChangeStatus
from models.errors import N_, DomainError
from models.identity import Account, Company, CustomerRole, Membership
from models.memberships import invite, keep_an_owner, member_by_email, revoke_membership


def request_login(
    session: Session,
    *,
    actor: Account,
    company: Company,
    email: str,
    role: CustomerRole | str,
    note: str = "",
) -> ChangeRequest:
    """Files a request for a login of `email` with `role`. Refuses an address that is not
    one or already has access (field `email`) and a role that is not one (field `role`)."""
    email = LOGIN_ADD_FIELDS["email"].check(email, company.country, "email") or ""
    role = LOGIN_ADD_FIELDS["role"].check(str(role), company.country, "role") or ""
    if member_by_email(session, company, email) is not None:
        raise DomainError(N_("This person already has access to the company."), "email")
    change = ChangeRequest(
        company=company,
        kind=ChangeKind.LOGIN_ADD,
        requested_by=actor,
        note=checked_note(note),
        status=ChangeStatus.PENDING,
        four_eyes=role == CustomerRole.OWNER,
        fields=[
            ChangedField(field="email", old_value=None, new_value=email),
            ChangedField(field="role", old_value=None, new_value=role),
        ],
    )
    return filed(session, actor, change)


def request_login_closing(
    session: Session, *, actor: Account, membership: Membership, note: str = ""
) -> ChangeRequest:
    """Files a request to end `membership`'s access. Refuses the company's last owner."""
    keep_an_owner(session, membership)
    account = membership.account
    change = ChangeRequest(
        company_id=membership.company_id,
        kind=ChangeKind.LOGIN_CLOSE,
        requested_by=actor,
        account=account,
        note=checked_note(note),
        status=ChangeStatus.PENDING,
        four_eyes=False,
        fields=[ChangedField(field="login", old_value=account.email, new_value=None)],
    )
    return filed(session, actor, change)


def apply_login_change(session: Session, *, actor: Account, change: ChangeRequest) -> None:
    """What an approved login request does: the invitation (in the name of the owner who
    asked), or the end of the access. Refuses what no longer holds: the person got access
    meanwhile, or the login to close has none any more."""
    if change.kind is ChangeKind.LOGIN_ADD:
        invite(
            session,
            actor=actor,
            company=change.company,
            email=change.value_of("email") or "",
            role=CustomerRole(change.value_of("role") or ""),
            inviter=change.requested_by,
        )
        return
    membership = session.scalar(
        select(Membership).where(
            Membership.company_id == change.company_id,
            Membership.account_id == change.account_id,
        )
    )
    if membership is None:
        raise DomainError(N_("This login no longer has access to the company."))
    revoke_membership(session, actor=actor, membership=membership)
