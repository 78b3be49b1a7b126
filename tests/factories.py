"""The one factory module: accounts, companies and memberships made through the domain
operations, and the cast of personas the tests share."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.identity import (
    Account,
    Company,
    CustomerGroup,
    CustomerRole,
    Membership,
    StaffRole,
    Team,
    create_account,
    create_company,
    grant_membership,
)
from models.memberships import Invitation, invite
from models.passwords import hash_password

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


@cache
def _password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once.
    return hash_password(PASSWORD)


def account(
    session: Session,
    email: str | None = None,
    *,
    name: str | None = None,
    staff_role: StaffRole | None = None,
    teams: list[Team] | None = None,
) -> Account:
    n = next(_serial)
    made = create_account(
        session,
        email=email or f"person{n}@example.com",
        full_name=name or f"Person {n}",
        staff_role=staff_role,
    )
    made.password_hash = _password_hash()
    made.teams = teams or []
    session.flush()
    return made


def company(
    session: Session, name: str | None = None, *, group: CustomerGroup | None = None, **fields: str
) -> Company:
    return create_company(
        session,
        legal_name=name or f"Company {next(_serial)} s.r.o.",
        customer_group=group,
        **fields,
    )


def member(
    session: Session, who: Account, where: Company, role: CustomerRole = CustomerRole.OWNER
) -> None:
    grant_membership(session, account=who, company=where, role=role)


def membership(session: Session, who: Account, where: Company) -> Membership | None:
    """`who`'s membership in `where`, as the database has it now."""
    return session.scalars(
        select(Membership).where(Membership.account_id == who.id, Membership.company_id == where.id)
    ).one_or_none()


def invitation(
    session: Session,
    where: Company,
    email: str = "new@example.com",
    role: CustomerRole = CustomerRole.VIEWER,
) -> Invitation:
    """An open invitation to `where`, sent by one of its owners."""
    owner = session.scalars(
        select(Account)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.company_id == where.id, Membership.role == CustomerRole.OWNER)
    ).first()
    return invite(session, actor=owner, company=where, email=email, role=role)[0]


@dataclass
class People:
    jan: Account
    anna: Account
    eva: Account
    admin: Account
    clerk: Account
    agent: Account
    alfa: Company
    beta: Company
    gamma: Company
    care: Team
    business: CustomerGroup


def people(session: Session) -> People:
    care = Team(name="Customer care")
    session.add(care)
    business = CustomerGroup(name="Business", responsible_team=care)
    session.add(business)
    session.flush()
    alfa = company(
        session,
        "Alfa Trade s.r.o.",
        group=business,
        company_number="35757442",
        contact_email="office@alfa-trade.example",
    )
    beta = company(session, "Beta Services s.r.o.", group=business, company_number="36631124")
    gamma = company(session, "Gamma Household")
    jan = account(session, "jan.novak@example.com", name="Ján Novák")
    anna = account(session, "anna.kralova@example.com", name="Anna Kráľová")
    eva = account(session, "eva.horvathova@example.com", name="Eva Horváthová")
    for where in (alfa, beta, gamma):
        member(session, jan, where, CustomerRole.OWNER)
    member(session, anna, alfa, CustomerRole.MANAGER)
    member(session, eva, beta, CustomerRole.ACCOUNTANT)
    admin = account(session, "admin@example.com", name="Admin", staff_role=StaffRole.ADMINISTRATOR)
    clerk = account(
        session, "clerk@example.com", name="Clerk", staff_role=StaffRole.CLERK, teams=[care]
    )
    agent = account(session, "agent@example.com", name="Agent", staff_role=StaffRole.CALL_CENTER)
    session.commit()
    return People(jan, anna, eva, admin, clerk, agent, alfa, beta, gamma, care, business)
