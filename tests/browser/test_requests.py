"""Requests in a real browser, on the demo data: Jan reports a fault of one of Alfa's supply
points; it goes to field service, whose clerk answers and asks for a photo; Jan sees the reply
and that the request waits for him, and his answer takes it back to the provider."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser


def flash(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".flashes .alert")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_jan_reports_a_fault_and_the_routed_clerk_answers(page: Page) -> None:
    browser_sign_in(page, "jan.novak@example.com")
    page.goto("/c/alfa-trade/requests")
    page.get_by_role("link", name="New request").click()
    page.get_by_role("link", name="Fault report").click()
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#supply_point-error")).to_be_visible()
    expect(page.locator("#subject-error")).to_be_visible()
    page.get_by_label("Subject").fill("Flickering lights in the shop")
    page.get_by_label("Supply point").select_option(index=1)
    page.get_by_label("Describe your request").fill("The lights flicker every few minutes.")
    page.get_by_role("button", name="Send the request").click()
    expect(flash(page)).to_contain_text("is filed")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Flickering lights in the shop")
    expect(heading).to_contain_text("New")
    expect(page.locator(".ticket-side")).to_contain_text("Field service")
    expect(page.locator(".ticket-side")).to_contain_text("First response by")
    reference = heading.inner_text().split()[0]
    sign_out(page)

    browser_sign_in(page, "field@example.com")  # Martin Kováč, field service
    page.goto("/backoffice/requests?queue=teams")
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.locator(".company-summary")).to_contain_text("Alfa Trade s.r.o.")
    page.get_by_label("Internal note (never shown to the customer)").fill("Check the neutral.")
    page.get_by_role("button", name="Add the note").click()
    expect(flash(page)).to_have_text("The note is added.")
    page.get_by_label("Reply to the customer").fill("Could you send us a photo of the meter?")
    page.get_by_label("Then").select_option("waiting")
    page.get_by_role("button", name="Send to the customer").click()
    expect(flash(page)).to_contain_text("The reply is sent")
    sign_out(page)

    browser_sign_in(page, "jan.novak@example.com")
    page.goto("/c/alfa-trade/requests")
    row = page.get_by_role("row").filter(has_text="Flickering lights in the shop")
    expect(row).to_contain_text("Waiting for your reply")
    row.get_by_role("link", name=reference).click()
    timeline = page.locator(".ticket-timeline")
    expect(timeline).to_contain_text("Could you send us a photo of the meter?")
    expect(timeline).to_contain_text("Martin Kováč")
    expect(timeline).not_to_contain_text("Check the neutral.")
    expect(page.locator(".ticket-side .sla")).to_contain_text("paused")
    page.get_by_label("Your reply").fill("Sent by post, sorry.")
    page.get_by_role("button", name="Send the reply").click()
    expect(flash(page)).to_have_text("Your reply is sent.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("In progress")
