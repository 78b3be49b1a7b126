"""The demo data, a face of its own (started by `flask demo`): built through the same
operations people trigger, never by writing domain rows behind their back. Idempotent: running
it again on a database that has it changes nothing. This module makes the people and companies
(the cast); each area adds its own data in a module of this package, listed in areas()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.db import as_of
from models.identity import (
    Account,
    Company,
    CustomerGroup,
    CustomerRole,
    StaffRole,
    Team,
    create_account,
    create_company,
    find_account,
)
from models.memberships import grant_membership
from models.staff import create_team, update_staff

PASSWORD = "demo-portal-2026"  # noqa: S105 - the documented demo password
# The demo people live in Slovakia: "today" is theirs.
ZONE = ZoneInfo("Europe/Bratislava")

COMPANIES = [
    {
        "legal_name": "Alfa Trade s.r.o.",
        "customer_number": "1000001",
        "company_number": "35757442",
        "vat_id": "SK2021531523",
        "billing_address": "Obchodná 12\n811 06 Bratislava\nSlovakia",
        "contact_email": "office@alfa-trade.example",
        "contact_phone": "+421 2 5555 0101",
        "group": "Business",
    },
    {
        "legal_name": "Beta Services s.r.o.",
        "customer_number": "1000002",
        "company_number": "36631124",
        "vat_id": "SK2022222224",
        "bank_account": "SK26 0900 0000 0005 1234 5678",
        "billing_address": "Hlavná 45\n040 01 Košice\nSlovakia",
        "contact_email": "info@beta-services.example",
        "contact_phone": "+421 55 5555 0202",
        "group": "Business",
    },
    {
        "legal_name": "Gamma Household",
        "customer_number": "1000003",
        "billing_address": "Lipová 7\n949 01 Nitra\nSlovakia",
        "contact_email": "jan.novak@example.com",
        "group": "Households",
    },
]


class DemoRefused(Exception):
    """The database holds accounts that are not the demo's: demo data goes only into an
    empty database, so that `make run` pointed at a real one never adds known passwords."""


@dataclass
class Cast:
    """Who and what the areas' demo data is about."""

    jan: Account
    anna: Account
    eva: Account
    admin: Account
    clerk: Account
    agent: Account
    alfa: Company
    beta: Company
    gamma: Company
    groups: dict[str, CustomerGroup]
    teams: dict[str, Team]


def areas() -> list[Callable[[Session, Cast, dt.date], None]]:
    """Each area's demo, a function (session, cast, today), in the order they run: billing
    prices the readings with the price lists."""
    from demo import billing, changes, pricelists, supply, tickets  # they build on Cast, above

    return [supply.load, pricelists.load, billing.load, changes.load, tickets.load]


def load_demo(session: Session, today: dt.date | None = None) -> bool:
    """Creates the demo people and companies, and each area's data as of `today` (by default
    today in Slovakia); returns False when they are already there and raises DemoRefused when
    the database holds other accounts."""
    today = today or dt.datetime.now(ZONE).date()
    if find_account(session, "jan.novak@example.com") is not None:
        return False
    if session.scalar(select(func.count(Account.id))):
        raise DemoRefused

    def person(email: str, name: str, role: StaffRole | None = None) -> Account:
        return create_account(
            session, email=email, full_name=name, password=PASSWORD, staff_role=role
        )

    # The people, the provider's teams and the customers exist from years before the demo's
    # history of invoices and readings begins.
    with as_of(dt.datetime(today.year - 3, 1, 2, 9, 0, tzinfo=ZONE)):
        jan = person("jan.novak@example.com", "Ján Novák")
        anna = person("anna.kralova@example.com", "Anna Kráľová")
        eva = person("eva.horvathova@example.com", "Eva Horváthová")
        admin = person("admin@example.com", "Portal Administrator", StaffRole.ADMINISTRATOR)
        clerk = person("clerk@example.com", "Zuzana Malá", StaffRole.CLERK)
        agent = person("agent@example.com", "Peter Hlas", StaffRole.CALL_CENTER)
        care = create_team(session, actor=admin, name="Customer care")
        billing = create_team(session, actor=admin, name="Billing")
        for staff, role, teams in (
            (clerk, StaffRole.CLERK, [care]),
            (admin, StaffRole.ADMINISTRATOR, [care, billing]),
        ):
            update_staff(
                session,
                actor=admin,
                staff=staff,
                full_name=staff.full_name,
                role=role,
                team_ids=[team.id for team in teams],
                active=True,
            )
        # No operation creates customer groups yet, so the demo adds its two itself.
        groups = {
            "Business": CustomerGroup(name="Business", responsible_team=care),
            "Households": CustomerGroup(name="Households", responsible_team=care),
        }
        session.add_all(groups.values())
        session.flush()

        companies: dict[str, Company] = {}
        for spec in COMPANIES:
            fields = {k: v for k, v in spec.items() if k not in {"legal_name", "group"}}
            companies[spec["legal_name"]] = create_company(
                session,
                legal_name=spec["legal_name"],
                customer_group=groups[spec["group"]],
                **fields,
            )
        alfa, beta, gamma = companies.values()
        for company in (alfa, beta, gamma):
            grant_membership(session, account=jan, company=company, role=CustomerRole.OWNER)
        grant_membership(session, account=anna, company=alfa, role=CustomerRole.MANAGER, actor=jan)
        grant_membership(
            session, account=eva, company=beta, role=CustomerRole.ACCOUNTANT, actor=jan
        )
    session.flush()
    cast = Cast(
        jan,
        anna,
        eva,
        admin,
        clerk,
        agent,
        alfa,
        beta,
        gamma,
        groups,
        {"Customer care": care, "Billing": billing},
    )
    for area in areas():
        area(session, cast, today)
    session.flush()
    return True


def demo_company_slugs(session: Session) -> list[str]:
    return list(session.scalars(select(Company.slug).order_by(Company.legal_name)))
