"""The back-office company directory: search by name, company ID or e-mail (a member login's
included), pages of PAGE_SIZE, each staff role's share of the companies, and a company's
detail with its member logins and pending invitations."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from models.db import utcnow
from models.identity import CustomerRole, StaffRole, Team
from models.memberships import invite
from tests import factories

COMPANIES = "/backoffice/companies"
NO_MATCH = "No company matches."
LISTED = re.compile(r'<a href="/backoffice/companies/\d+">([^<]*)</a>')
MEMBER = re.compile(r"<li><strong>([^<]*)</strong> · ([^<]*?) · ([^<]*?)(?: <span|</li>)")
INVITED = re.compile(r"<li>([^<]*?) · ([^<]*?)</li>")


def listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The company names in the directory table, in the order shown."""
    assert response.status_code == 200, response.status_code
    return [html.unescape(name) for name in LISTED.findall(response.get_data(as_text=True))]


def search(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return listed(client.get(COMPANIES, query_string={"q": query}))


def signed_in_staff(client, session, role: StaffRole, teams: list[Team] | None = None):  # type: ignore[no-untyped-def]
    account = factories.account(session, staff_role=role, teams=teams)
    session.commit()
    response = client.login(account.email)
    assert response.status_code == 302, "the staff member could not sign in"
    return account


def section(page: str, heading: str) -> str:
    """The text of the page from `heading` to the end of its <section>."""
    start = page.index(heading)
    return page[start : page.index("</section>", start)]


# Search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["horizon log", "LOGISTICS", "Horizon Logistics a.s."])
def test_search_finds_a_company_by_part_of_its_legal_name_in_any_case(
    client, people, session, query
):
    factories.company(session, "Horizon Logistics a.s.")
    session.commit()
    client.login(people.clerk.email)
    assert search(client, query) == ["Horizon Logistics a.s."]


def test_search_ignores_case_in_accented_letters_too(client, people, session):
    """Slovak names: "ŽILINSKÁ" and "žilinská" are the same word to the person searching."""
    factories.company(session, "ŽILINSKÁ Energetika a.s.")
    session.commit()
    client.login(people.clerk.email)
    assert search(client, "žilinská") == ["ŽILINSKÁ Energetika a.s."]


def test_search_finds_a_company_by_its_company_id(client, people):
    client.login(people.clerk.email)
    assert search(client, "36631124") == ["Beta Services s.r.o."]
    assert search(client, "757442") == ["Alfa Trade s.r.o."]


def test_search_finds_a_company_by_its_contact_email(client, people, session):
    factories.company(session, "Delta Works", contact_email="billing@delta-works.example")
    session.commit()
    client.login(people.clerk.email)
    assert search(client, "billing@delta-works.example") == ["Delta Works"]
    assert search(client, "BILLING@DELTA") == ["Delta Works"]


def test_search_finds_a_company_by_a_member_login_email(client, people):
    client.login(people.clerk.email)
    assert search(client, "anna.kralova@example.com") == ["Alfa Trade s.r.o."]
    assert search(client, "eva.horvathova") == ["Beta Services s.r.o."]


def test_search_lists_a_company_once_when_several_of_its_logins_match(client, people):
    """Jan is in all three companies, Anna in Alfa and Eva in Beta: all match "@example.com"."""
    client.login(people.clerk.email)
    response = client.get(COMPANIES, query_string={"q": "@example.com"})
    assert listed(response) == ["Alfa Trade s.r.o.", "Beta Services s.r.o.", "Gamma Household"]
    assert "3 companies" in response.get_data(as_text=True)


def test_search_does_not_find_a_company_by_a_staff_email(client, people):
    """Staff are no company's members: their e-mail matches nothing."""
    client.login(people.clerk.email)
    assert search(client, people.agent.email) == []


def test_a_search_that_matches_nothing_says_so(client, people):
    client.login(people.clerk.email)
    response = client.get(COMPANIES, query_string={"q": "no such company anywhere"})
    assert listed(response) == []
    assert NO_MATCH in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("names", "query", "found"),
    [
        (["100% Energy", "100 Energy"], "100%", ["100% Energy"]),
        (["A_B Trading", "AXB Trading"], "a_b", ["A_B Trading"]),
        (["Back\\slash Ltd", "Backslash Ltd"], "k\\s", ["Back\\slash Ltd"]),
    ],
)
def test_search_takes_wildcard_characters_literally(client, people, session, names, query, found):
    for name in names:
        factories.company(session, name)
    session.commit()
    client.login(people.clerk.email)
    assert search(client, query) == found


def test_the_search_text_is_shown_escaped(client, people):
    client.login(people.clerk.email)
    page = client.get(COMPANIES, query_string={"q": "<b>bold</b>"}).get_data(as_text=True)
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


# Pagination ------------------------------------------------------------------------------


@pytest.fixture
def three_pages(app, session) -> list[str]:
    """Two full pages and ten more companies, named so that their order is their number."""
    size = app.config["PAGE_SIZE"]
    names = [f"Listed {n:03d} s.r.o." for n in range(1, 2 * size + 11)]
    for name in names:
        factories.company(session, name)
    session.commit()
    return names


def test_page_two_shows_the_second_slice_of_companies(client, session, app, three_pages):
    size = app.config["PAGE_SIZE"]
    assert size == 25
    signed_in_staff(client, session, StaffRole.CLERK)
    response = client.get(COMPANIES, query_string={"page": "2"})
    assert listed(response) == three_pages[size : 2 * size]
    page = response.get_data(as_text=True)
    assert "Page 2 of 3" in page
    assert f"{len(three_pages)} companies" in page


def test_the_last_page_shows_the_rest(client, session, app, three_pages):
    signed_in_staff(client, session, StaffRole.CLERK)
    response = client.get(COMPANIES, query_string={"page": "3"})
    assert listed(response) == three_pages[2 * app.config["PAGE_SIZE"] :]
    assert "Page 3 of 3" in response.get_data(as_text=True)


def test_page_links_keep_the_search(client, session, three_pages):
    signed_in_staff(client, session, StaffRole.CLERK)
    page = client.get(COMPANIES, query_string={"q": "listed", "page": "2"}).get_data(as_text=True)
    assert 'href="/backoffice/companies?page=3&amp;q=listed"' in page
    assert 'href="/backoffice/companies?page=1&amp;q=listed"' in page


@pytest.mark.parametrize("number", ["abc", "0", "-1", "1.5", "", "²"])
def test_a_page_number_that_is_not_a_positive_whole_number_shows_page_one(
    client, session, app, three_pages, number
):
    signed_in_staff(client, session, StaffRole.CLERK)
    response = client.get(COMPANIES, query_string={"page": number})
    assert listed(response) == three_pages[: app.config["PAGE_SIZE"]]
    assert "Page 1 of 3" in response.get_data(as_text=True)


def test_a_page_past_the_end_is_empty_without_an_error(client, session, three_pages):
    signed_in_staff(client, session, StaffRole.CLERK)
    response = client.get(COMPANIES, query_string={"page": "4"})
    assert listed(response) == []
    assert NO_MATCH in response.get_data(as_text=True)


# Who sees which companies ----------------------------------------------------------------

EVERY_COMPANY = ["Alfa Trade s.r.o.", "Beta Services s.r.o.", "Gamma Household"]


@pytest.mark.parametrize("who", ["agent", "clerk"])
def test_call_center_and_clerks_see_every_company(client, people, who):
    client.login(getattr(people, who).email)
    assert listed(client.get(COMPANIES)) == EVERY_COMPANY
    for company in (people.alfa, people.beta, people.gamma):
        assert client.get(f"{COMPANIES}/{company.id}").status_code == 200


def test_a_specialist_sees_the_companies_of_the_groups_their_team_is_responsible_for(
    client, people, session
):
    """The group Business (alfa, beta) is the care team's; gamma is in no group."""
    signed_in_staff(client, session, StaffRole.SPECIALIST, teams=[people.care])
    assert listed(client.get(COMPANIES)) == ["Alfa Trade s.r.o.", "Beta Services s.r.o."]
    assert client.get(f"{COMPANIES}/{people.alfa.id}").status_code == 200
    assert client.get(f"{COMPANIES}/{people.beta.id}").status_code == 200
    assert client.get(f"{COMPANIES}/{people.gamma.id}").status_code == 404


def test_a_specialist_search_stays_within_their_companies(client, people, session):
    signed_in_staff(client, session, StaffRole.SPECIALIST, teams=[people.care])
    assert search(client, "Gamma") == []
    assert search(client, people.jan.email) == ["Alfa Trade s.r.o.", "Beta Services s.r.o."]


def test_a_specialist_whose_team_has_no_customer_group_sees_no_company(client, people, session):
    billing = Team(name="Billing")
    session.add(billing)
    session.flush()
    signed_in_staff(client, session, StaffRole.SPECIALIST, teams=[billing])
    response = client.get(COMPANIES)
    assert listed(response) == []
    assert NO_MATCH in response.get_data(as_text=True)
    assert client.get(f"{COMPANIES}/{people.alfa.id}").status_code == 404


def test_a_specialist_without_a_team_sees_no_company(client, people, session):
    signed_in_staff(client, session, StaffRole.SPECIALIST)
    response = client.get(COMPANIES)
    assert listed(response) == []
    assert NO_MATCH in response.get_data(as_text=True)
    for company in (people.alfa, people.beta, people.gamma):
        assert client.get(f"{COMPANIES}/{company.id}").status_code == 404


# Detail ----------------------------------------------------------------------------------


def test_the_detail_lists_the_member_logins_with_their_role(client, people):
    client.login(people.clerk.email)
    response = client.get(f"{COMPANIES}/{people.alfa.id}")
    assert response.status_code == 200
    logins = section(response.get_data(as_text=True), "Logins with access")
    assert MEMBER.findall(logins) == [
        ("Ján Novák", "jan.novak@example.com", "Owner"),
        ("Anna Kráľová", "anna.kralova@example.com", "Manager"),
    ]


def test_the_detail_shows_every_customer_role_by_its_label(client, people, session):
    where = factories.company(session, "Roles s.r.o.")
    expected = []
    for role, label in [
        (CustomerRole.OWNER, "Owner"),
        (CustomerRole.MANAGER, "Manager"),
        (CustomerRole.ACCOUNTANT, "Accountant"),
        (CustomerRole.TECHNICIAN, "Technician"),
        (CustomerRole.VIEWER, "Viewer"),
    ]:
        who = factories.account(session)
        factories.member(session, who, where, role)
        expected.append((who.full_name, who.email, label))
    session.commit()
    client.login(people.clerk.email)
    page = client.get(f"{COMPANIES}/{where.id}").get_data(as_text=True)
    assert sorted(MEMBER.findall(section(page, "Logins with access"))) == sorted(expected)


def test_the_detail_lists_the_pending_invitations_only(client, people, session):
    invite(
        session,
        actor=people.jan,
        company=people.alfa,
        email="new.colleague@example.com",
        role=CustomerRole.ACCOUNTANT,
    )
    expired, _ = invite(
        session,
        actor=people.jan,
        company=people.alfa,
        email="too.late@example.com",
        role=CustomerRole.VIEWER,
    )
    expired.expires_at = utcnow() - dt.timedelta(minutes=1)
    invite(
        session,
        actor=people.jan,
        company=people.beta,
        email="elsewhere@example.com",
        role=CustomerRole.VIEWER,
    )
    session.commit()
    client.login(people.clerk.email)
    page = client.get(f"{COMPANIES}/{people.alfa.id}").get_data(as_text=True)
    invitations = section(page, "Invitations waiting for an answer")
    assert INVITED.findall(invitations) == [("new.colleague@example.com", "Accountant")]


def test_a_company_without_members_or_invitations_says_nobody_has_access(client, people, session):
    lonely = factories.company(session, "Lonely s.r.o.")
    session.commit()
    client.login(people.clerk.email)
    page = client.get(f"{COMPANIES}/{lonely.id}").get_data(as_text=True)
    assert "Nobody has access yet." in page
    assert "Invitations waiting for an answer" not in page


def test_a_company_that_does_not_exist_is_404(client, people):
    client.login(people.admin.email)
    assert client.get(f"{COMPANIES}/{people.gamma.id + 1000}").status_code == 404
