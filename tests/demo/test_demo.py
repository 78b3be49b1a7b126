"""The demo data: the DESKTOMY cast, loaded once, only into an empty database, and built
through the operations (their audit events are there)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from demo import PASSWORD, DemoRefused, load_demo
from demo.billing import ADVANCES_PAID
from models.audit import AuditEvent
from models.billing import Invoice, InvoiceStatus, Issuer
from models.identity import Company, Membership, find_account
from models.signin import check_credentials
from tests import factories
from tests.helpers import text_of


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


def test_the_demo_builds_its_issuer_and_teams_through_the_operations(session):
    load_demo(session)
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"issuer.added", "team.created", "staff.updated", "invoices.imported"} <= actions
    assert session.scalars(select(Issuer.code)).all() == ["ENERGIA"]
    admin = find_account(session, "admin@example.com")
    assert sorted(t.name for t in admin.teams) == ["Billing", "Customer care"]


def test_alfas_older_open_invoice_is_overdue_as_imported(session):
    load_demo(session)
    alfa = session.scalars(select(Company).where(Company.customer_number == "1000001")).one()
    open_ = session.scalars(
        select(Invoice)
        .where(Invoice.company_id == alfa.id, Invoice.status == InvoiceStatus.ISSUED)
        .order_by(Invoice.issue_date)
    ).all()
    assert len(open_) == 2
    assert open_[0].due_date < dt.date.today() <= open_[1].due_date


def test_the_settlement_says_what_it_is_and_the_advances_page_how_advances_are_settled(
    client, session
):
    assert load_demo(session)
    gamma = session.scalars(select(Company).where(Company.customer_number == "1000003")).one()
    alfa = session.scalars(select(Company).where(Company.customer_number == "1000001")).one()
    settlement = session.scalars(
        select(Invoice).where(Invoice.company_id == gamma.id).order_by(Invoice.issue_date)
    ).all()[-1]
    monthly = session.scalars(select(Invoice).where(Invoice.company_id == alfa.id)).first()
    client.login("jan.novak@example.com", PASSWORD)
    page = text_of(client.get(f"/c/{gamma.slug}/invoices/{settlement.number}"))
    assert "This is a settlement" in page and f"{ADVANCES_PAID}, " in page
    assert "This is a settlement" not in text_of(
        client.get(f"/c/{alfa.slug}/invoices/{monthly.number}")
    )
    pdf = client.get(f"/c/{gamma.slug}/invoices/{settlement.number}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    advances = text_of(client.get(f"/c/{gamma.slug}/advances"))
    assert "you receive a settlement invoice" in advances
