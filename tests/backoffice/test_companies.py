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


def test_a_long_list_counts_ahead_of_the_page_and_says_more_than(
    client, session, app, monkeypatch, three_pages
):
    """The directory of all companies stops counting COUNT_AHEAD rows past the page's start
    (at 100,000 companies a full count on every page costs more than the page)."""
    monkeypatch.setitem(app.config, "COUNT_AHEAD", 40)
    signed_in_staff(client, session, StaffRole.CLERK)
    page = client.get(COMPANIES).get_data(as_text=True)
    assert "More than 40 companies" in page and "Page 1 of more than 2" in page
    assert 'rel="next" href="/backoffice/companies?page=2' in page
    # From the second page on, the count reaches 25 + 40 rows: all 60 of them.
    page = client.get(COMPANIES, query_string={"page": "2"}).get_data(as_text=True)
    assert f"{len(three_pages)} companies" in page and "Page 2 of 3" in page


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


# The company page: one view for the person on the phone -------------------------------------


def rows(fragment: str) -> list[dict[str, str]]:
    """The body rows of the tables in `fragment`: {column label: the cell's text}."""
    found = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            found.append(
                {
                    html.unescape(label): " ".join(
                        html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()
                    )
                    for label, cell in re.findall(
                        r'<td[^>]*data-label="([^"]*)"[^>]*>(.*?)</td>', row, re.S
                    )
                }
            )
    return found


def panel(page: str, key: str) -> str:
    """The panel `key` of the company page (its <section id=...>)."""
    start = page.index(f'id="{key}"')
    return page[start : page.index("</section>", start)]


def company_page(client, company) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"{COMPANIES}/{company.id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_page_lists_the_member_logins_with_role_and_last_sign_in(client, people, session):
    people.anna.last_login_at = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
    session.commit()
    client.login(people.clerk.email)
    logins = rows(panel(company_page(client, people.alfa), "logins"))
    assert [(r["Name"], r["E-mail"], r["Role"]) for r in logins] == [
        ("Ján Novák", "jan.novak@example.com", "Owner"),
        ("Anna Kráľová", "anna.kralova@example.com", "Manager"),
    ]
    assert logins[0]["Last sign-in"] == "never"
    assert logins[1]["Last sign-in"].startswith("02/03/2026")  # 09:30 in Bratislava


def test_the_page_shows_every_customer_role_by_its_label(client, people, session):
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
    logins = rows(panel(company_page(client, where), "logins"))
    assert sorted((r["Name"], r["E-mail"], r["Role"]) for r in logins) == sorted(expected)


def test_the_page_lists_the_pending_invitations_only(client, people, session):
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
    logins = panel(company_page(client, people.alfa), "logins")
    invitations = logins[logins.index("Invitations waiting for an answer") :]
    assert [(r["E-mail"], r["Role"]) for r in rows(invitations)] == [
        ("new.colleague@example.com", "Accountant")
    ]


def test_a_company_with_nothing_yet_says_so_in_every_panel(client, people, session):
    lonely = factories.company(session, "Lonely s.r.o.")
    session.commit()
    client.login(people.agent.email)
    page = company_page(client, lonely)
    assert "Nobody has access yet." in page
    assert "Invitations waiting for an answer" not in page
    assert "No invoices yet." in panel(page, "billing")
    assert "No supply points." in panel(page, "supply")
    assert 'id="advances"' not in page  # a company paying no advances has no such panel
    assert "Nothing of this company waits for anyone." in panel(page, "pending")


def test_a_company_that_does_not_exist_is_404(client, people):
    client.login(people.admin.email)
    assert client.get(f"{COMPANIES}/{people.gamma.id + 1000}").status_code == 404


def test_the_company_details_and_groups_are_shown(client, people, session):
    extra = factories.customer_group(session, "Water customers")
    people.alfa.extra_groups.append(extra)
    session.commit()
    client.login(people.agent.email)
    page = company_page(client, people.alfa)
    details = html.unescape(re.sub(r"<[^>]+>", " ", panel(page, "company")))
    assert "1000001" in details and "35757442" in details and "office@alfa-trade.example" in details
    assert " Business " in details and "Water customers" in details


# Balance and invoices ------------------------------------------------------------------------


@pytest.fixture
def books(session, people):  # type: ignore[no-untyped-def]
    """Alfa: one invoice overdue (half paid), one not due yet, one cancelled; Beta: one."""
    from decimal import Decimal

    from models.billing import record_payment

    late = factories.invoice(
        session, people.alfa, "2025-0001", issued="2025-01-01", due="2025-01-15"
    )
    record_payment(
        session, actor=people.clerk, invoice=late, amount=Decimal("50.00"), expected_version=1
    )
    factories.invoice(session, people.alfa, "2099-0002", issued="2099-01-01", due="2099-01-15")
    factories.invoice(
        session, people.alfa, "2024-0003", issued="2024-01-01", due="2024-01-15", status="cancelled"
    )
    factories.invoice(session, people.beta, "2025-0009", issued="2025-01-01", due="2025-01-15")
    session.commit()
    return late


def test_the_balance_counts_the_open_invoices_and_the_overdue_ones(client, people, books):
    client.login(people.agent.email)
    billing = panel(company_page(client, people.alfa), "billing")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", billing)).split())
    gross = books.gross_total
    assert f"To pay: €{gross * 2 - 50:,.2f} · 2 open invoices" in text
    assert f"1 overdue: €{gross - 50:,.2f}" in text


def test_the_latest_invoices_show_due_amount_left_to_pay_and_status(client, people, books):
    client.login(people.agent.email)
    invoices = rows(panel(company_page(client, people.alfa), "billing"))
    gross = f"€{books.gross_total:,.2f}"
    assert [(r["Number"], r["Amount"], r["Status"]) for r in invoices] == [
        ("2099-0002", gross, "Unpaid"),
        ("2025-0001", gross, "Overdue Partially paid"),
        ("2024-0003", gross, "Cancelled"),
    ]
    assert invoices[1]["Due"] == "15 Jan 2025"
    assert invoices[1]["Left to pay"] == f"€{books.gross_total - 50:,.2f}"
    assert invoices[2]["Left to pay"] == "€0.00"


def test_the_call_center_sees_the_money_read_only(client, people, books):
    """Call center has no invoices.manage: no invoice pages, no payments, no invoice list."""
    client.login(people.agent.email)
    billing = panel(company_page(client, people.alfa), "billing")
    assert "2025-0001" in billing
    assert "/backoffice/invoices" not in billing
    assert "Record a payment" not in billing
    assert "Read only" in billing


def test_a_clerk_opens_the_invoices_records_payments_and_lists_all_of_them(client, people, books):
    client.login(people.clerk.email)
    billing = panel(company_page(client, people.alfa), "billing")
    assert f'href="/backoffice/invoices/{books.id}"' in billing
    assert billing.count("Record a payment") == 2  # the two open invoices
    listing = f"/backoffice/invoices?company={people.alfa.id}"
    assert f'href="{listing}">All 3 invoices</a>' in billing
    listed = client.get(listing).get_data(as_text=True)
    assert "2025-0001" in listed and "2025-0009" not in listed  # Beta's is not Alfa's


def test_only_the_latest_ten_invoices_are_listed(client, people, session):
    for n in range(12):
        factories.invoice(
            session, people.alfa, f"2025-{n:04d}", issued=f"2025-01-{n + 1:02d}", due="2099-01-31"
        )
    session.commit()
    client.login(people.clerk.email)
    billing = panel(company_page(client, people.alfa), "billing")
    numbers = [r["Number"] for r in rows(billing)]
    assert numbers == [f"2025-{n:04d}" for n in range(11, 1, -1)]
    assert "All 12 invoices" in billing and "The latest 10 invoices" in billing


# Advance payments ------------------------------------------------------------------------------


def test_the_advances_show_the_next_due_and_this_year_s_schedule(client, people, session):
    from decimal import Decimal

    from models.billing import mark_advance_paid, schedule_advances

    today = dt.date.today()
    point = factories.supply_point(session, people.gamma)
    advances = schedule_advances(
        session,
        actor=people.admin,
        company=people.gamma,
        supply_point_id=point.id,
        first_due=dt.date(today.year, 1, 1),
        months=24,
        amount=Decimal("100.00"),
        variable_symbol="77000001",
    )
    this_year = [a for a in advances if a.due_date.year == today.year]
    mark_advance_paid(session, actor=people.clerk, advance=this_year[0])
    session.commit()
    client.login(people.agent.email)
    shown = panel(company_page(client, people.gamma), "advances")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", shown)).split())
    upcoming = next(a for a in advances if a.is_due and a.due_date >= today)
    assert rows(shown) == [
        {"Supply point": point.code, "Amount": "€100.00", "Variable symbol": "77000001"}
    ]
    assert f"Next due on {upcoming.due_date:%-d %b %Y}" in text
    assert "12 advance payments, €1,200.00 in total" in text
    assert "Paid: 1 (€100.00) · To pay: €1,100.00" in text
    late = [a for a in this_year[1:] if a.due_date < today]
    if late:
        assert f"{len(late)} overdue: €{100 * len(late):,.2f}" in text


# Supply points and what waits ------------------------------------------------------------------


@pytest.fixture
def metered(session, people):  # type: ignore[no-untyped-def]
    """Alfa's office (a two-register meter) with accepted readings, then one far above what
    its history predicts, waiting for review; a second point never read."""
    office = factories.supply_point(session, people.alfa, registers=("HT", "NT"))
    idle = factories.supply_point(session, people.alfa)
    for day, high, low in [
        (dt.date(2025, 1, 1), 1000, 500),
        (dt.date(2025, 1, 31), 1100, 550),
        (dt.date(2025, 3, 3), 1200, 600),
    ]:
        factories.read(session, office, day, high, low, source="distributor")
    submitted = factories.read(session, office, dt.date(2025, 4, 2), 9000, 650, who=people.jan)
    session.commit()
    return office, idle, submitted


def test_each_supply_point_shows_its_last_reading_with_value_and_status(client, people, metered):
    office, idle, _submitted = metered
    client.login(people.agent.email)
    points = {
        r["Supply point"].split()[0]: r
        for r in rows(panel(company_page(client, people.alfa), "supply"))
    }
    assert points[office.code]["Last reading"] == "2 Apr 2025"
    assert points[office.code]["Value"] == "High tariff (HT): 9,000 kWh Low tariff (NT): 650 kWh"
    assert "Being checked" in points[office.code]["Reading status"]
    assert points[idle.code]["Last reading"] == "none yet" and points[idle.code]["Value"] == ""
    assert points[office.code]["Status"] == "Active"


def test_readings_waiting_for_review_are_pending_with_a_link_for_a_reviewer(
    client, people, metered
):
    _office, _idle, submitted = metered
    pending = [r for r in submitted.readings if r.status.value == "pending_review"]
    assert pending
    client.login(people.clerk.email)
    block = panel(company_page(client, people.alfa), "pending")
    assert f"Readings waiting for review: {len(pending)}" in block
    for reading in pending:
        assert f'href="/backoffice/readings/{reading.id}"' in block
    assert 'href="/backoffice/readings">Open the queue</a>' in block
    assert "Waiting since" in block


def test_the_call_center_sees_what_waits_without_links_it_could_not_open(client, people, metered):
    client.login(people.agent.email)
    block = panel(company_page(client, people.alfa), "pending")
    assert "Readings waiting for review" in block and "High tariff (HT)" in block
    assert "/backoffice/readings" not in block


def test_other_areas_add_their_pending_items_and_panels(client, people, monkeypatch):
    from backoffice import company_view as view

    # The registries as they are, restored after the test.
    monkeypatch.setattr(view, "_pending", dict(view._pending))
    monkeypatch.setattr(view, "_panels", dict(view._panels))

    @view.company_pending("tickets", permission="requests.work", order=20)
    def tickets(session, company, today):  # type: ignore[no-untyped-def]
        return view.Pending("Tickets open", [view.PendingItem("Meter box broken")], total=3)

    @view.company_pending("changes", permission="changes.review", order=30)
    def changes(session, company, today):  # type: ignore[no-untyped-def]
        return view.Pending("Change requests", [view.PendingItem("New address")], total=1)

    @view.company_panel("audit", permission="audit.view", order=5)
    def audit_trail(session, company, today):  # type: ignore[no-untyped-def]
        return {"company": company}

    client.login(people.agent.email)  # requests.work; neither changes.review nor audit.view
    page = company_page(client, people.alfa)
    block = panel(page, "pending")
    assert "Tickets open: 3" in block and "Meter box broken" in block
    assert "2 more, not shown here." in block
    assert "Change requests" not in block
    assert 'id="audit"' not in page


def test_every_table_cell_carries_its_label_for_the_phone_layout(client, people, books, metered):
    client.login(people.clerk.email)
    page = company_page(client, people.alfa)
    cells = re.findall(r"<td[^>]*>", page)
    assert cells and all("data-label=" in cell for cell in cells)
    assert page.count('class="stack') >= 3
    assert page.count('class="key') >= 4


def count_statements(client, engine, url: str) -> int:
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_page_costs_the_same_few_statements_however_much_the_company_has(
    client, people, session, engine
):
    from decimal import Decimal

    from models.billing import schedule_advances

    url = f"{COMPANIES}/{people.alfa.id}"
    client.login(people.clerk.email)
    client.get(url)  # warm-up: the session's last-seen update is written once
    few = count_statements(client, engine, url)
    for n in range(15):
        factories.invoice(
            session, people.alfa, f"2025-{n:04d}", issued="2025-01-01", due="2025-02-01"
        )
    for _ in range(3):
        point = factories.supply_point(session, people.alfa, registers=("HT", "NT"))
        factories.read(session, point, dt.date(2025, 1, 1), 100, 50, source="distributor")
        factories.read(session, point, dt.date(2025, 2, 1), 9000, 60, who=people.jan)
        schedule_advances(
            session,
            actor=people.admin,
            company=people.alfa,
            supply_point_id=point.id,
            first_due=dt.date.today(),
            months=12,
            amount=Decimal("10.00"),
            variable_symbol="1",
        )
    invite(
        session,
        actor=people.jan,
        company=people.alfa,
        email="a@example.com",
        role=CustomerRole.VIEWER,
    )
    session.commit()
    many = count_statements(client, engine, url)
    assert many <= 15
    assert many == few + 1  # the next advances, which a company paying none skips
