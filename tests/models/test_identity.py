"""Accounts, companies and staff as the domain creates and changes them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.errors import DomainError
from models.identity import (
    AccountStatus,
    StaffRole,
    create_account,
    create_company,
    slugify,
)
from models.staff import update_staff
from tests import factories


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Alfa Trade s.r.o.", "alfa-trade"),
        ("Beta Services s.r.o.", "beta-services"),
        ("Gamma Household", "gamma-household"),
        ("Žltá Ľalia, a.s.", "zlta-lalia"),
        ("Müller GmbH", "muller"),
        ("***", "company"),
    ],
)
def test_a_company_url_name_comes_from_its_legal_name(name, slug):
    assert slugify(name) == slug


def test_company_url_names_are_unique(session):
    first = create_company(session, legal_name="Delta s.r.o.")
    second = create_company(session, legal_name="Delta, s.r.o.")
    assert (first.slug, second.slug) == ("delta", "delta-2")


def test_an_email_has_one_account_whatever_its_case(session, people):
    with pytest.raises(DomainError) as refused:
        create_account(session, email=" Jan.Novak@EXAMPLE.com", full_name="Copy")
    assert refused.value.field == "email"


def test_a_staff_account_waits_for_activation_without_a_password(session):
    account = create_account(
        session, email="new@example.com", full_name="New", staff_role=StaffRole.CLERK
    )
    assert account.password_hash is None
    assert not account.is_usable


def test_staff_changes_are_audited_with_before_and_after(session, people):
    update_staff(
        session,
        actor=people.admin,
        staff=people.clerk,
        full_name="Clerk Two",
        role=StaffRole.SPECIALIST,
        team_ids=[],
        active=True,
    )
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.updated")).one()
    assert event.detail_map["before"]["role"] == "clerk"
    assert event.detail_map["after"] == {
        "role": "specialist",
        "teams": [],
        "full_name": "Clerk Two",
    }


def test_an_administrator_cannot_demote_or_deactivate_themselves(session, people):
    with pytest.raises(DomainError) as demote:
        update_staff(
            session,
            actor=people.admin,
            staff=people.admin,
            full_name="Admin",
            role=StaffRole.CLERK,
            team_ids=[],
            active=True,
        )
    assert demote.value.field == "role"
    with pytest.raises(DomainError) as deactivate:
        update_staff(
            session,
            actor=people.admin,
            staff=people.admin,
            full_name="Admin",
            role=StaffRole.ADMINISTRATOR,
            team_ids=[],
            active=False,
        )
    assert deactivate.value.field == "active"


def test_deactivating_staff_disables_the_account(session, people):
    update_staff(
        session,
        actor=people.admin,
        staff=people.agent,
        full_name="Agent",
        role=StaffRole.CALL_CENTER,
        team_ids=[],
        active=False,
    )
    assert people.agent.status == AccountStatus.DISABLED


def test_unknown_teams_are_refused(session, people):
    with pytest.raises(DomainError) as refused:
        update_staff(
            session,
            actor=people.admin,
            staff=people.clerk,
            full_name="Clerk",
            role=StaffRole.CLERK,
            team_ids=[people.care.id, 999_999],
            active=True,
        )
    assert refused.value.field == "teams"


def test_a_customer_is_not_staff(session):
    assert not factories.account(session).is_staff
