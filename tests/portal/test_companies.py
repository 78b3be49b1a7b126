"""The company switcher: one login sees every company it was given, each with its badges,
and nothing else; the page's query count does not grow with the number of companies."""

from __future__ import annotations

import re

from sqlalchemy import event

from models.identity import CustomerRole
from models.memberships import invite
from tests import factories


def company_names(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/c/[^"]+/">([^<]+)</a></h2>', page)


def test_jan_sees_his_three_companies(client, people):
    client.login(people.jan.email)
    page = client.get("/companies").get_data(as_text=True)
    assert company_names(page) == ["Alfa Trade s.r.o.", "Beta Services s.r.o.", "Gamma Household"]


def test_anna_sees_only_alfa(client, people):
    client.login(people.anna.email)
    page = client.get("/companies").get_data(as_text=True)
    assert company_names(page) == ["Alfa Trade s.r.o."]
    assert "Beta Services" not in page


def test_the_switcher_stands_on_every_company_page_and_marks_the_current_one(client, people):
    client.login(people.jan.email)
    page = client.get(f"/c/{people.beta.slug}/").get_data(as_text=True)
    switcher = page[page.index('<details class="switcher"') : page.index("</details>")]
    assert switcher.count("<li") == 4  # three companies and "All companies"
    current = re.search(r'<a href="/c/([^/]+)/"\s+aria-current="page">', switcher)
    assert current and current.group(1) == people.beta.slug


def test_a_company_with_pending_invitations_shows_the_badge_to_its_owner(client, people, session):
    factories.invitation(session, people.beta)
    session.commit()
    client.login(people.jan.email)
    page = client.get("/companies").get_data(as_text=True)
    page = page[page.index("<main") :]  # the cards, not the header's switcher
    beta = page[page.index("Beta Services s.r.o.") : page.index("Gamma Household")]
    assert "1 invitation waiting to be accepted" in beta and "badge badge-info" in beta
    alfa = page[page.index("Alfa Trade s.r.o.") : page.index("Beta Services s.r.o.")]
    assert "Nothing needs your attention." in alfa


def test_a_badge_is_shown_only_to_roles_with_its_permission(client, people, session):
    factories.invitation(session, people.beta)
    session.commit()
    client.login(people.eva.email)  # Beta's accountant does not manage logins
    assert "invitation" not in client.get("/companies").get_data(as_text=True)


def count_queries(client, engine, url: str) -> int:
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


def test_the_company_list_query_count_does_not_grow_with_companies(client, people, session, engine):
    owner = factories.account(session)
    for _ in range(2):
        factories.member(session, owner, factories.company(session))
    session.commit()
    client.login(owner.email)
    client.get("/companies")  # warm-up: the session's last-seen update is written once
    few = count_queries(client, engine, "/companies")
    for _ in range(10):
        place = factories.company(session)
        factories.member(session, owner, place)
        invite(
            session,
            actor=owner,
            company=place,
            email="someone@example.com",
            role=CustomerRole.VIEWER,
        )
    session.commit()
    many = count_queries(client, engine, "/companies")
    assert many == few
    assert few <= 6


def test_revoking_access_takes_effect_on_the_very_next_request(client, people, session):
    client.login(people.anna.email)
    assert client.get(f"/c/{people.alfa.slug}/").status_code == 200
    membership = factories.membership(session, people.anna, people.alfa)
    session.delete(membership)
    session.commit()
    assert client.get(f"/c/{people.alfa.slug}/").status_code == 404


def test_a_login_without_companies_is_told_how_to_get_access(client, session):
    lonely = factories.account(session)
    session.commit()
    client.login(lonely.email)
    page = client.get("/companies").get_data(as_text=True)
    assert "No company yet" in page


def test_the_company_overview_shows_the_company_data_and_the_role(client, people):
    client.login(people.anna.email)
    page = client.get(f"/c/{people.alfa.slug}/").get_data(as_text=True)
    assert "35757442" in page and "office@alfa-trade.example" in page
    assert "Manager" in page


def test_the_locale_follows_the_browser_until_the_account_chooses(client, people, session):
    page = client.get("/login", headers={"Accept-Language": "sk-SK,sk;q=0.9,en;q=0.5"})
    assert 'lang="sk"' in page.get_data(as_text=True)
    client.login(people.anna.email)  # no preference stored yet: the browser decides
    assert 'lang="sk"' in client.get("/companies", headers={"Accept-Language": "sk"}).get_data(
        as_text=True
    )
    client.post_form("/language", {"language": "en", "next": "/companies"})
    page = client.get("/companies", headers={"Accept-Language": "sk"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Your companies" in page
    session.expire_all()
    assert session.get(type(people.anna), people.anna.id).locale == "en"


def test_the_language_switcher_translates_the_page(client, people):
    client.login(people.jan.email)
    response = client.post_form("/language", {"language": "sk", "next": "/companies"})
    assert response.location.endswith("/companies")
    page = client.get("/companies").get_data(as_text=True)
    assert 'lang="sk"' in page
    assert "Your companies" not in page


def test_the_language_switcher_ignores_unknown_languages_and_foreign_targets(client, people):
    client.login(people.jan.email)
    response = client.post_form("/language", {"language": "xx", "next": "https://evil.example"})
    assert "evil.example" not in response.location
    assert 'lang="en"' in client.get("/companies").get_data(as_text=True)
