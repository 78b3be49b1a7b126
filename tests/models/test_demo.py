"""The demo data: the DESKTOMY cast, loaded once, and only into an empty database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.demo import PASSWORD, DemoRefused, load_demo
from models.identity import Company, Membership, find_account
from models.signin import check_credentials
from tests import factories


def companies_of(session, email: str) -> list[str]:
    account = find_account(session, email)
    return sorted(
        session.scalars(
            select(Company.legal_name).join(Membership).where(Membership.account_id == account.id)
        )
    )


def test_the_demo_gives_jan_three_companies_and_his_assistant_one(session):
    assert load_demo(session) is True
    assert companies_of(session, "jan.novak@example.com") == [
        "Alfa Trade s.r.o.",
        "Beta Services s.r.o.",
        "Gamma Household",
    ]
    assert companies_of(session, "anna.kralova@example.com") == ["Alfa Trade s.r.o."]
    assert companies_of(session, "eva.horvathova@example.com") == ["Beta Services s.r.o."]
    for email in (
        "jan.novak@example.com",
        "admin@example.com",
        "clerk@example.com",
        "agent@example.com",
    ):
        assert check_credentials(session, email, PASSWORD).email == email
    assert [t.name for t in find_account(session, "clerk@example.com").teams] == ["Customer care"]


def test_loading_the_demo_twice_changes_nothing(session):
    load_demo(session)
    before = session.scalars(select(Company.id)).all()
    assert load_demo(session) is False
    assert session.scalars(select(Company.id)).all() == before


def test_the_demo_refuses_a_database_with_other_accounts(session):
    factories.account(session, "real.customer@example.com")
    with pytest.raises(DemoRefused):
        load_demo(session)
    assert find_account(session, "jan.novak@example.com") is None
