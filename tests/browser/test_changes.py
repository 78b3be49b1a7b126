"""Change requests in a real browser, on the demo data: Jan asks for a new invoice e-mail for
Alfa and sees it pending while the data stays; the clerk compares old and new and approves;
Jan finds the new e-mail in force and the request approved. Beta's new IBAN needs two clerks:
the clerk's approval leaves it waiting, the administrator's applies it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser

NEW_EMAIL = "invoices@alfa-trade.example"


def flash(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".flashes .alert")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_jan_files_a_change_and_the_clerk_approves_it(page: Page) -> None:
    browser_sign_in(page, "jan.novak@example.com")
    page.goto("/c/alfa-trade/account")
    data = page.get_by_role("region", name="Company data")
    expect(data).to_contain_text("office@alfa-trade.example")
    page.get_by_role("link", name="Request a change").first.click()
    page.get_by_label("Invoice e-mail").fill("not an address")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#contact_email-error")).to_contain_text("not a valid e-mail address")
    page.get_by_label("Invoice e-mail").fill(NEW_EMAIL)
    page.get_by_label("Note for our colleagues").fill("Invoices go to accounting now.")
    page.get_by_role("button", name="Send the request").click()
    expect(flash(page)).to_contain_text("is filed")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pending")
    number = page.get_by_role("heading", level=1).inner_text().split("no. ")[1].split()[0]
    page.get_by_role("link", name="Account information").first.click()
    expect(page.get_by_role("region", name="Company data")).to_contain_text(
        "office@alfa-trade.example"
    )
    expect(page.locator(".company-switcher, header")).to_contain_text("changes pending: 2")
    sign_out(page)

    browser_sign_in(page, "clerk@example.com")
    page.goto("/backoffice/changes")
    page.get_by_role("link", name=number, exact=True).click()
    diff = page.locator("table.diff")
    expect(diff.locator("del")).to_have_text("office@alfa-trade.example")
    expect(diff.locator("ins")).to_have_text(NEW_EMAIL)
    page.get_by_label("Reason for the customer").fill("Thank you, changed.")
    page.get_by_role("button", name="Approve and apply").click()
    expect(flash(page)).to_have_text("The request is approved and the new data applies.")
    sign_out(page)

    browser_sign_in(page, "jan.novak@example.com")
    page.goto("/c/alfa-trade/account")
    expect(page.get_by_role("region", name="Company data")).to_contain_text(NEW_EMAIL)
    requests = page.get_by_role("region", name="Change requests")
    expect(requests.get_by_role("row").filter(has_text="Invoice e-mail")).to_contain_text(
        "Approved"
    )


def test_a_new_iban_needs_a_second_clerk(page: Page) -> None:
    browser_sign_in(page, "clerk@example.com")
    page.goto("/backoffice/changes")
    page.get_by_role("row").filter(has_text="Beta Services").get_by_role("link").click()
    page.get_by_role("button", name="Approve (first of two)").click()
    expect(flash(page)).to_contain_text("A second clerk decides the request now.")
    page.get_by_role("row").filter(has_text="Beta Services").get_by_role("link").click()
    expect(page.get_by_text("You gave the first approval")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and apply")).to_have_count(0)
    sign_out(page)

    browser_sign_in(page, "admin@example.com")
    page.goto("/backoffice/changes")
    page.get_by_role("row").filter(has_text="Beta Services").get_by_role("link").click()
    page.get_by_role("button", name="Approve and apply").click()
    expect(flash(page)).to_have_text("The request is approved and the new data applies.")
    page.goto("/backoffice/companies")
    page.get_by_role("link", name="Beta Services s.r.o.").click()
    history = page.locator("table.field-history")
    expect(history).to_contain_text("SK11 7500 0000 0040 0987 6543")
    expect(history).to_contain_text("first approval: Zuzana Malá")
