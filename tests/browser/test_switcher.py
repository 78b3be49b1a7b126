"""The company switcher in a real browser: signing in, the company cards, their badges and
what they add up to, switching company from the header, signing out, and a company the login
cannot see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser

JAN = "jan.novak@example.com"
ANNA = "anna.kralova@example.com"
ALFA, BETA, GAMMA = "Alfa Trade s.r.o.", "Beta Services s.r.o.", "Gamma Household"


def test_jan_sees_his_three_companies_switches_to_beta_and_signs_out(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    browser_sign_in(page, JAN)
    expect(page).to_have_url(f"{live_server}/companies")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your companies")

    cards = page.locator("li.company-card")
    expect(cards).to_have_count(3)
    expect(cards.get_by_role("heading", level=2)).to_have_text([ALFA, BETA, GAMMA])

    beta = cards.filter(has=page.get_by_role("heading", name=BETA, exact=True))
    badges = beta.get_by_role("list", name="Needs attention").get_by_role("listitem")
    expect(badges).to_have_count(4)
    expect(badges.locator(".badge")).to_have_text(
        [
            "1 unpaid invoice",
            "3 open requests",
            "1 change request waiting for verification",
            "1 invitation waiting to be accepted",
        ]
    )
    expect(badges.nth(0)).to_contain_text("to pay")
    expect(badges.nth(1).get_by_role("link")).to_have_attribute("href", "/c/beta-services/requests")
    expect(badges.nth(2).get_by_role("link")).to_have_attribute("href", "/c/beta-services/account")
    expect(badges.nth(3).get_by_role("link")).to_have_attribute("href", "/c/beta-services/logins")
    expect(beta.get_by_text("Nothing needs your attention.")).to_have_count(0)

    alfa = cards.filter(has=page.get_by_role("heading", name=ALFA, exact=True))
    alfa_badges = alfa.get_by_role("list", name="Needs attention").get_by_role("listitem")
    expect(alfa_badges).to_have_count(3)
    expect(alfa_badges.locator(".badge")).to_have_text(
        [
            "2 unpaid invoices, 1 overdue",
            "3 open requests, 1 of them waiting for your reply",
            "1 change request waiting for verification",
        ]
    )
    expect(alfa_badges.locator(".badge").first).to_have_class(re.compile("badge-alert"))
    expect(alfa_badges.locator(".badge svg.icon").first).to_have_attribute("aria-hidden", "true")

    # Above the cards, what the three add up to.
    summary = page.get_by_role("region", name="All your companies together")
    expect(summary.locator(".summary-todo .badge")).to_have_text(
        [
            "4 unpaid invoices, 1 overdue",
            "8 open requests, 1 of them waiting for your reply",
            "2 change requests waiting for verification",
            "1 invitation waiting to be accepted",
        ]
    )

    screenshot = tmp_path / "companies.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 0, "the screenshot of the companies page is empty"

    # The header switcher: closed until its summary is clicked, then it lists every company.
    switcher = page.locator("details.switcher")
    menu = switcher.get_by_role("navigation", name="Your companies")
    expect(menu).to_be_hidden()
    switcher.locator("summary").click()
    expect(switcher).to_have_attribute("open", "")
    expect(menu).to_be_visible()
    expect(menu.locator("li:not(.all) .name")).to_have_text([ALFA, BETA, GAMMA])
    expect(menu.get_by_role("link", name="All companies")).to_be_visible()
    # Each badge shows what it counts, and says it in full to a screen reader.
    alfa_link = menu.get_by_role("link", name=re.compile(rf"^{re.escape(ALFA)}"))
    expect(alfa_link.locator(".badge span[aria-hidden=true]")).to_have_text(
        ["2 unpaid, 1 overdue", "open requests: 3", "changes pending: 1"]
    )
    expect(alfa_link).to_have_accessible_name(
        re.compile(
            r"2 unpaid invoices, 1 overdue.*3 open requests, 1 of them waiting for your reply"
            r".*1 change request waiting for verification"
        )
    )
    expect(menu.locator("[title]")).to_have_count(0)

    menu.get_by_role("link", name=BETA).click()
    expect(page).to_have_url(f"{live_server}/c/beta-services/")
    expect(page.get_by_role("heading", level=1)).to_have_text(BETA)
    expect(switcher.locator(".switcher-current")).to_have_text(BETA)
    expect(switcher.locator("a[aria-current=page]")).to_contain_text(BETA)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_have_text("You have been signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # The session is really gone: the company page sends the browser back to the login.
    page.goto("/c/beta-services/")
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/login(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_anna_lands_on_alfa_and_sees_only_alfa(page: Page, live_server: str) -> None:
    browser_sign_in(page, ANNA)
    expect(page).to_have_url(f"{live_server}/c/alfa-trade/")  # her only company
    expect(page.get_by_role("heading", level=1)).to_have_text(ALFA)

    page.goto("/companies")
    expect(page.get_by_role("region", name="All your companies together")).to_have_count(0)
    cards = page.locator("li.company-card")
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading", level=2)).to_have_text([ALFA])

    response = page.goto("/c/beta-services/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
