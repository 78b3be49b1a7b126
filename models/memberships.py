"""Company logins: an owner invites people by e-mail with a role, changes roles and revokes
access. The company keeps all its data whoever comes and goes, and always keeps an owner."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, ForeignKey, String, and_, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import audit
from models.db import Base, CreatedAt, Timestamp, changed_rows, str_enum, utcnow
from models.errors import N_, DomainError
from models.identity import (
    Account,
    Company,
    CustomerRole,
    Membership,
    create_account,
    normalize_email,
)
from models.outbox import notify
from models.signin import new_secret, secret_hash

INVITATION_LIFETIME = dt.timedelta(days=14)


class Invitation(Base):
    """An offer of access to one company for one e-mail address, accepted through a link."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[CustomerRole] = mapped_column(str_enum(CustomerRole, "customer_role"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[Timestamp]
    accepted_at: Mapped[Timestamp | None]
    revoked_at: Mapped[Timestamp | None]

    company: Mapped[Company] = relationship()
    invited_by: Mapped[Account | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()


def _open() -> ColumnElement[bool]:
    """The SQL of `Invitation.is_open`: its link still works."""
    return and_(
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )


def open_invitations(session: Session, company: Company) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.company_id == company.id, _open())
            .order_by(Invitation.created_at)
        )
    )


def open_invitation_to(session: Session, company: Company, email: str) -> Invitation | None:
    """The invitation to `company` whose link still works for `email`, if any: the one a new
    invitation to the same address would replace (see `invite`)."""
    return session.scalar(
        select(Invitation)
        .where(
            Invitation.company_id == company.id,
            Invitation.email == normalize_email(email),
            _open(),
        )
        .order_by(Invitation.created_at.desc())
        .limit(1)
    )


def member_by_email(session: Session, company: Company, email: str) -> int | None:
    """The membership id of the login `email` in `company`, if it has access."""
    return session.scalar(
        select(Membership.id)
        .join(Account, Account.id == Membership.account_id)
        .where(Membership.company_id == company.id, Account.email == normalize_email(email))
    )


def invite(
    session: Session,
    *,
    actor: Account,
    company: Company,
    email: str,
    role: CustomerRole,
    inviter: Account | None = None,
) -> tuple[Invitation, str]:
    """Invites `email` to `company` with `role`, e-mails the link, and returns the invitation
    and the secret of its link; the e-mail names `inviter` (the owner who asked for the login;
    by default the actor). Refuses an e-mail that already has access (field `email`). A
    new invitation to the same address replaces the open one: that one is revoked (audited as
    `invitation.replaced`), so only the latest link works. `open_invitation_to` tells
    beforehand whether there is one."""
    email = normalize_email(email)
    inviter = inviter or actor
    if member_by_email(session, company, email) is not None:
        raise DomainError(N_("This person already has access to the company."), "email")
    replaced = list(
        session.scalars(
            select(Invitation).where(
                Invitation.company_id == company.id, Invitation.email == email, _open()
            )
        )
    )
    for earlier in replaced:
        earlier.revoked_at = utcnow()
    raw = new_secret()
    invitation = Invitation(
        company=company,
        email=email,
        role=role,
        secret_hash=secret_hash(raw),
        invited_by_id=inviter.id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        "invitation.sent",
        actor=actor,
        target=invitation,
        company_id=company.id,
        email=email,
        role=role.value,
    )
    for earlier in replaced:
        audit.record(
            session,
            "invitation.replaced",
            actor=actor,
            target=earlier,
            company_id=company.id,
            email=email,
            replaced_by=invitation.id,
        )
    notify(
        session,
        to=email,
        template="invitation",
        locale=inviter.locale,
        inviter=inviter.full_name,
        company=company.legal_name,
        role=role.value,
        token=raw,
    )
    return invitation, raw


def grant_membership(
    session: Session,
    *,
    account: Account,
    company: Company,
    role: CustomerRole,
    actor: Account | None = None,
) -> Membership:
    """Gives `account` access to `company`; refuses a second membership (field `email`)."""
    exists = session.scalar(
        select(Membership.id).where(
            Membership.account_id == account.id, Membership.company_id == company.id
        )
    )
    if exists is not None:
        raise DomainError(N_("This person already has access to the company."), "email")
    membership = Membership(
        account=account, company=company, role=role, granted_by_id=actor and actor.id
    )
    session.add(membership)
    session.flush()
    audit.record(
        session,
        "membership.granted",
        actor=actor,
        target=membership,
        company_id=company.id,
        account=account.email,
        role=role.value,
    )
    return membership


def find_invitation(session: Session, raw: str) -> Invitation | None:
    """The open invitation behind a link secret, or None (unknown, used, revoked, expired)."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.secret_hash == secret_hash(raw))
    )
    return invitation if invitation is not None and invitation.is_open else None


def accept_invitation(
    session: Session,
    raw: str,
    *,
    account: Account | None,
    full_name: str | None = None,
    password: str | None = None,
) -> Membership:
    """Turns an invitation into a membership. A signed-in `account` must have the invited
    e-mail; without one, a new account is created from `full_name` and `password`. The
    invitation is spent with a conditional update, so a double submit makes one membership."""
    invitation = find_invitation(session, raw)
    if invitation is None:
        raise DomainError(
            N_("This invitation has expired, was withdrawn or has already been used.")
        )
    if account is None:
        account = create_account(
            session, email=invitation.email, full_name=full_name or "", password=password
        )
    elif account.email != invitation.email:
        raise DomainError(
            N_("This invitation was sent to %(email)s. Sign in with that address to accept it."),
            email=invitation.email,
        )
    spent = changed_rows(
        session,
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow()),
    )
    if spent != 1:
        raise DomainError(
            N_("This invitation has expired, was withdrawn or has already been used.")
        )
    inviter = session.get(Account, invitation.invited_by_id) if invitation.invited_by_id else None
    return grant_membership(
        session, account=account, company=invitation.company, role=invitation.role, actor=inviter
    )


def revoke_invitation(session: Session, *, actor: Account, invitation: Invitation) -> None:
    if not invitation.is_open:
        raise DomainError(N_("This invitation is no longer open."))
    invitation.revoked_at = utcnow()
    audit.record(
        session,
        "invitation.revoked",
        actor=actor,
        target=invitation,
        company_id=invitation.company_id,
        email=invitation.email,
    )


def _owners(session: Session, company_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Membership.id)).where(
                Membership.company_id == company_id, Membership.role == CustomerRole.OWNER
            )
        )
        or 0
    )


def keep_an_owner(session: Session, membership: Membership) -> None:
    """Refuses to take the company's last owner away (field `role`)."""
    if membership.role == CustomerRole.OWNER and _owners(session, membership.company_id) <= 1:
        raise DomainError(
            N_("The company must keep at least one owner. Make someone else an owner first."),
            "role",
        )


def change_role(
    session: Session, *, actor: Account, membership: Membership, role: CustomerRole
) -> None:
    """Sets a member's role; refuses to leave the company without an owner (field `role`)."""
    if membership.role == role:
        return
    if role != CustomerRole.OWNER:
        keep_an_owner(session, membership)
    before = membership.role
    membership.role = role
    session.flush()
    audit.record(
        session,
        "membership.role_changed",
        actor=actor,
        target=membership,
        company_id=membership.company_id,
        account=membership.account.email,
        before=before.value,
        after=role.value,
    )


def revoke_membership(session: Session, *, actor: Account, membership: Membership) -> None:
    """Removes a login's access to the company (effective on its next request). The company's
    data stays; only the link between the login and the company goes. Keeps an owner."""
    keep_an_owner(session, membership)
    audit.record(
        session,
        "membership.revoked",
        actor=actor,
        target=membership,
        company_id=membership.company_id,
        account=membership.account.email,
        role=membership.role.value,
    )
    session.delete(membership)
    session.flush()


def may_be_told(session: Session, account: Account | None, company_id: int) -> bool:
    """Whether `account` may still hear about the company's affairs: it is active and still
    a member (a former member learns nothing more about it)."""
    if account is None or not account.is_active:
        return False
    member = session.scalar(
        select(Membership.id).where(
            Membership.account_id == account.id, Membership.company_id == company_id
        )
    )
    return member is not None
