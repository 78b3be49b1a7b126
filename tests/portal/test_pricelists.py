"""Price lists in the portal: the company's prices today (each item from the list the
priority rule picks), the lists valid today and the upcoming ones, a list's page, and its
PDF (generated, or the attached one). A list that does not apply to the company is 404."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pypdf
import pytest

from models.billing.pricing import attach_file
from tests import factories

TODAY = dt.date.today()
PDF_BYTES = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def lists(session, people):
    """Alfa is in Business and Key accounts; Beta only in Business; Beta has its own list."""
    key_accounts = factories.customer_group(session, "Key accounts")
    households = factories.customer_group(session, "Households")
    people.alfa.extra_groups.append(key_accounts)
    since = TODAY - dt.timedelta(days=30)
    made = {
        "business": factories.price_list(
            session,
            "Business electricity",
            valid_from=since,
            items={"ht": "0.1650", "lt": "0.1120"},
            groups=((people.business, 10),),
        ),
        "key": factories.price_list(
            session,
            "Key accounts electricity",
            valid_from=since,
            items={"ht": "0.1540"},
            groups=((key_accounts, 20),),
        ),
        "gas": factories.price_list(
            session,
            "Business gas",
            commodity="gas",
            valid_from=since,
            items={"gas": "0.0620"},
            groups=((people.business, 10),),
        ),
        "upcoming": factories.price_list(
            session,
            "Business electricity next month",
            valid_from=TODAY + dt.timedelta(days=10),
            items={"ht": "0.1590"},
            groups=((people.business, 10),),
        ),
        "expired": factories.price_list(
            session,
            "Business electricity last year",
            valid_from=since - dt.timedelta(days=400),
            valid_to=since - dt.timedelta(days=1),
            items={"ht": "0.1900"},
            groups=((people.business, 10),),
        ),
        "households": factories.price_list(
            session,
            "Households electricity",
            valid_from=since,
            items={"single": "0.1390"},
            groups=((households, 99),),
        ),
        "beta_own": factories.price_list(
            session,
            "Beta's own prices",
            valid_from=since,
            company=people.beta,
            items={"ht": "0.1300"},
        ),
    }
    session.commit()
    return made


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def row_of(page: str, label: str) -> str:
    """The table row whose cells mention `label`, without tags."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        if label in row:
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    raise AssertionError(f"no row with {label!r}")


def test_todays_prices_come_each_from_the_highest_priority_list_that_has_them(
    client, people, lists
):
    client.login(people.jan.email)
    response = client.get(f"/c/{people.alfa.slug}/pricelists")
    assert response.status_code == 200
    page = text(response)
    assert "Your prices today" in page
    assert row_of(page, "Item ht") == (
        "Item ht €0.154 / kWh 23 % €0.1894 / kWh Key accounts electricity"
    )
    assert row_of(page, "Item lt").endswith("Business electricity")  # only there
    assert "Item gas" in page and "Gas" in page
    assert "Item single" not in page  # Households is not Alfa's group
    assert "Beta's own prices" not in page and "€0.13 " not in page


def test_lists_valid_today_and_upcoming_are_shown_expired_and_foreign_are_not(
    client, people, lists
):
    client.login(people.jan.email)
    page = text(client.get(f"/c/{people.alfa.slug}/pricelists"))
    today_part, upcoming_part = page.split("Upcoming price lists")
    for name in ("Business electricity<", "Key accounts electricity<", "Business gas<"):
        assert name in today_part
    assert "Business electricity next month" not in today_part
    assert "Business electricity next month" in upcoming_part
    assert f" {TODAY + dt.timedelta(days=10):%b %Y}" in upcoming_part
    for absent in ("last year", "Households electricity", "Beta's own prices"):
        assert absent not in page


def test_the_individual_list_is_marked_and_wins_for_its_company(client, people, lists):
    client.login(people.jan.email)
    page = text(client.get(f"/c/{people.beta.slug}/pricelists"))
    assert row_of(page, "Item ht").endswith("Beta's own prices individual")


def test_a_lists_page_shows_its_items(client, people, lists):
    client.login(people.anna.email)
    response = client.get(f"/c/{people.alfa.slug}/pricelists/{lists['business'].id}")
    assert response.status_code == 200
    page = text(response)
    assert "Business electricity" in page
    assert row_of(page, "Item lt") == "Item lt kWh €0.112 23 % €0.1378"


@pytest.mark.parametrize("which", ["households", "beta_own", "expired"])
@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_a_list_that_does_not_apply_to_the_company_is_404(client, people, lists, which, suffix):
    """It exists, but for another group, another company, or no longer."""
    client.login(people.jan.email)
    url = f"/c/{people.alfa.slug}/pricelists/{lists[which].id}{suffix}"
    assert client.get(url).status_code == 404


def test_an_individual_list_opens_only_in_its_own_company(client, people, lists):
    client.login(people.jan.email)
    own = lists["beta_own"].id
    assert client.get(f"/c/{people.beta.slug}/pricelists/{own}").status_code == 200
    assert client.get(f"/c/{people.gamma.slug}/pricelists/{own}").status_code == 404


def test_an_upcoming_list_opens_already(client, people, lists):
    client.login(people.jan.email)
    url = f"/c/{people.alfa.slug}/pricelists/{lists['upcoming'].id}"
    assert "upcoming" in text(client.get(url))


def test_the_generated_pdf_has_the_items_and_their_prices(client, people, lists):
    client.login(people.eva.email)  # Beta's accountant: accountants see price lists
    response = client.get(f"/c/{people.beta.slug}/pricelists/{lists['business'].id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    pdf_text = pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for expected in ("Business electricity", "Item ht", "Item lt", "€0.165", "€0.112", "23 %"):
        assert expected in pdf_text, expected
    assert "Beta Services s.r.o." in pdf_text


def test_an_attached_pdf_is_served_as_it_was_uploaded(client, people, lists, session):
    attach_file(
        session,
        actor=people.admin,
        price_list=lists["gas"],
        data=PDF_BYTES,
        filename="gas-2026.pdf",
        content_type="application/pdf",
    )
    session.commit()
    client.login(people.jan.email)
    response = client.get(f"/c/{people.alfa.slug}/pricelists/{lists['gas'].id}/pdf")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.headers["Content-Disposition"] == "attachment; filename=gas-2026.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_company_without_price_lists_gets_an_empty_page(client, people):
    client.login(people.jan.email)
    page = text(client.get(f"/c/{people.gamma.slug}/pricelists"))
    assert "No price list applies to your company today." in page


def test_roles_without_price_lists_do_not_see_them(client, people, session, lists):
    from models.identity import CustomerRole

    technician = factories.account(session, "technik@example.com")
    factories.member(session, technician, people.alfa, CustomerRole.TECHNICIAN)
    session.commit()
    client.login(technician.email)
    assert client.get(f"/c/{people.alfa.slug}/pricelists").status_code == 403
    assert "/pricelists" not in client.get(f"/c/{people.alfa.slug}/").get_data(as_text=True)


def test_a_pdf_over_the_size_limit_gets_a_clear_page_not_a_500(client, people, lists, monkeypatch):
    monkeypatch.setattr("core.pdf.MAX_PDF_BYTES", 1000)
    client.login(people.eva.email)
    response = client.get(f"/c/{people.beta.slug}/pricelists/{lists['business'].id}/pdf")
    assert response.status_code == 422
    assert "too large to be produced as a PDF" in response.get_data(as_text=True)
