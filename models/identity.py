"""Who is who: accounts (logins), companies (the data owners), memberships between them,
customer groups, staff roles and teams; and the operations that create and change them."""

from __future__ import annotations

import enum
import re
import unicodedata

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import audit
from models.db import Base, CreatedAt, Timestamp, str_enum, trigram_index
from models.errors import N_, DomainError
from models.passwords import hash_password, validate_new_password


class CustomerRole(enum.StrEnum):
    """What a login may do in one company; the permissions of each live in core/permissions.py."""

    OWNER = "owner"
    MANAGER = "manager"
    ACCOUNTANT = "accountant"
    TECHNICIAN = "technician"
    VIEWER = "viewer"


class StaffRole(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    CLERK = "clerk"
    CALL_CENTER = "call_center"
    SPECIALIST = "specialist"
    AUDITOR = "auditor"


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"
    DISABLED = "disabled"


team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)


class Assignment(enum.StrEnum):
    """How a team's new requests get their assignee."""

    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    LEAST_OPEN = "least_open"


class Team(Base):
    """Staff responsible for one process area (customer care, billing, metering ...)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    assignment: Mapped[Assignment] = mapped_column(
        str_enum(Assignment, "team_assignment"),
        default=Assignment.MANUAL,
        server_default=Assignment.MANUAL.value,
    )
    # Round robin: who got the team's last request (an account id; no foreign key, as a
    # pointer into the members' order it still works when that account is gone).
    last_assigned_id: Mapped[int | None] = mapped_column(Integer)
    # The fallback: requests that no routing rule matches come here.
    takes_unrouted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[CreatedAt]

    members: Mapped[list[Account]] = relationship(secondary=team_members, back_populates="teams")


class CustomerGroup(Base):
    """Companies that share price lists, an SLA and a responsible team. It grants no access."""

    __tablename__ = "customer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    responsible_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]

    responsible_team: Mapped[Team | None] = relationship()


company_groups = Table(
    "company_groups",
    Base.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "customer_group_id", ForeignKey("customer_groups.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Account(Base):
    """A person's login. Customers reach companies through memberships; staff hold a role."""

    __tablename__ = "accounts"
    __table_args__ = (trigram_index("accounts", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # None until the person sets a password through an activation or invitation link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[AccountStatus] = mapped_column(
        str_enum(AccountStatus, "account_status"), default=AccountStatus.ACTIVE
    )
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Bratislava")
    staff_role: Mapped[StaffRole | None] = mapped_column(str_enum(StaffRole, "staff_role"))
    created_at: Mapped[CreatedAt]
    last_login_at: Mapped[Timestamp | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="account", foreign_keys="Membership.account_id"
    )
    teams: Mapped[list[Team]] = relationship(
        secondary=team_members, back_populates="members", order_by=Team.name
    )

    # The user interface Flask-Login expects, without importing it into the domain.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None

    @property
    def is_usable(self) -> bool:
        return self.status == AccountStatus.ACTIVE and self.password_hash is not None

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.email}>"


class Company(Base):
    """The customer entity that owns all data: invoices, supply points, messages, post."""

    __tablename__ = "companies"
    __table_args__ = tuple(
        trigram_index("companies", column)
        for column in ("legal_name", "company_number", "vat_id", "contact_email")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # The supplier's own number for the customer: how billing imports find the company.
    customer_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200), index=True)
    company_number: Mapped[str | None] = mapped_column(String(20), index=True)
    vat_id: Mapped[str | None] = mapped_column(String(20))
    billing_address: Mapped[str] = mapped_column(Text, default="")
    postal_address: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(254), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    # For refunds and direct debit; kept in groups of four (SK31 1200 0000 …).
    bank_account: Mapped[str | None] = mapped_column(String(42))
    # ISO 3166 code of the country of registration: how its IDs and postcodes are checked.
    country: Mapped[str] = mapped_column(String(2), default="SK", server_default="SK")
    customer_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[CreatedAt]

    # The main group decides responsibility (team, SLA); further groups add price lists.
    customer_group: Mapped[CustomerGroup | None] = relationship()
    extra_groups: Mapped[list[CustomerGroup]] = relationship(secondary=company_groups)
    memberships: Mapped[list[Membership]] = relationship(back_populates="company")

    @property
    def all_groups(self) -> list[CustomerGroup]:
        main = [self.customer_group] if self.customer_group else []
        return main + [g for g in self.extra_groups if g not in main]

    def __repr__(self) -> str:
        return f"<Company {self.slug}>"


class Membership(Base):
    """One account's access to one company, with a customer role."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("account_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[CustomerRole] = mapped_column(str_enum(CustomerRole, "customer_role"))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]

    account: Mapped[Account] = relationship(back_populates="memberships", foreign_keys=[account_id])
    company: Mapped[Company] = relationship(back_populates="memberships")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-").split("-")
    # "s.r.o.", "a.s." and the like say nothing in a URL.
    legal_forms = {"s", "r", "o", "a", "sro", "as", "ltd", "gmbh", "inc", "spol"}
    while len(words) > 1 and words[-1] in legal_forms:
        words.pop()
    return "-".join(words)[:60] or "company"


def find_account(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.email == normalize_email(email)))


def create_account(
    session: Session,
    *,
    email: str,
    full_name: str,
    password: str | None = None,
    locale: str | None = None,
    staff_role: StaffRole | None = None,
    actor: Account | None = None,
) -> Account:
    """Creates a login. Refuses an e-mail that already has one (field `email`) and a weak
    password (field `password`); without a password the account waits for activation."""
    email = normalize_email(email)
    if find_account(session, email) is not None:
        raise DomainError(N_("An account with this e-mail address already exists."), "email")
    account = Account(
        email=email, full_name=full_name.strip(), locale=locale, staff_role=staff_role
    )
    if password is not None:
        validate_new_password(password, user_inputs=[email, full_name])
        account.password_hash = hash_password(password)
    session.add(account)
    session.flush()
    audit.record(
        session,
        "account.created",
        actor=actor,
        target=account,
        staff_role=staff_role.value if staff_role else None,
    )
    return account


def create_company(
    session: Session,
    *,
    legal_name: str,
    actor: Account | None = None,
    customer_group: CustomerGroup | None = None,
    **fields: str | None,
) -> Company:
    """Creates a company with a URL name (slug) derived from its legal name, made unique."""
    base = slugify(legal_name)
    slug, n = base, 1
    while session.scalar(select(Company.id).where(Company.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    company = Company(
        legal_name=legal_name.strip(), slug=slug, customer_group=customer_group, **fields
    )
    session.add(company)
    session.flush()
    audit.record(session, "company.created", actor=actor, target=company, company_id=company.id)
    return company
