"""Meter readings in a real browser, on the demo data: Jan sends the high and low tariff of
Alfa's office meter together, inside the range the form shows, and finds them in the
history (a second reading for that date is refused next to the date); a clerk rejects Beta's
unusual water reading with a note, Jan sees why and sends it again for the same date."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser

OFFICE = "Obchodná 12, 811 06 Bratislava (office)"


def flash(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".flashes .alert")


def shown(value: Decimal) -> str:
    """A quantity as the English pages write it: 31,462.9 (no trailing zeros)."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def iso_date(shown_date: str) -> str:
    """ "10 Feb 2025" as the date field takes it."""
    return dt.datetime.strptime(shown_date.strip(), "%d %b %Y").date().isoformat()


def fill_in_the_middle_of_the_range(page: Page) -> list[Decimal]:
    """Types, for each register, the middle of the expected range the form shows."""
    values = []
    for register in ("High tariff (HT)", "Low tariff (NT)"):
        entry = page.locator(".register-entry").filter(has_text=register)
        low = Decimal(entry.locator(".expected-low").inner_text().replace(",", ""))
        high = Decimal(entry.locator(".expected-high").inner_text().replace(",", ""))
        value = ((low + high) / 2).quantize(Decimal("0.1"))
        entry.get_by_label(register).fill(str(value))
        values.append(value)
    return values


def test_a_customer_sends_both_registers_and_sees_them_in_the_history(page: Page) -> None:
    browser_sign_in(page, "jan.novak@example.com")
    page.goto("/c/alfa-trade/")
    page.get_by_role("navigation", name="Company menu").get_by_role(
        "link", name="Supply points"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supply points")
    row = page.get_by_role("row").filter(has_text="two-tariff")
    row.get_by_role("link").click()
    expect(page.locator(".page-head .lead")).to_contain_text(OFFICE)
    expect(page.get_by_role("img", name=re.compile("Monthly consumption"))).to_be_visible()

    page.get_by_role("link", name="Send a meter reading").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a meter reading")
    values = fill_in_the_middle_of_the_range(page)
    page.get_by_role("button", name="Send the reading").click()

    expect(flash(page)).to_have_text("Thank you, your reading is saved.")
    history = page.locator("#history table")
    newest = history.locator("tbody tr").first
    expect(newest).to_contain_text(shown(values[0]))
    expect(newest).to_contain_text("Accepted")
    expect(history.locator("tbody tr").nth(1)).to_contain_text(shown(values[1]))
    expect(newest.locator("th")).to_contain_text(re.compile(r"\d{4}"))

    # A second reading for today is refused next to the date, and nothing is saved.
    page.goto(page.url.split("#")[0] + "/readings/new")
    fill_in_the_middle_of_the_range(page)
    page.get_by_role("button", name="Send the reading").click()
    expect(page.locator("#reading_date-error")).to_contain_text("is already recorded")
    expect(page.get_by_label("Date of the reading")).to_have_attribute("aria-invalid", "true")


def test_a_clerk_rejects_a_reading_with_a_note_the_customer_then_reads(page: Page) -> None:
    browser_sign_in(page, "clerk@example.com")
    page.goto("/backoffice/readings")
    queue = page.locator("table.review-queue tbody tr")
    expect(queue).to_have_count(1)
    expect(queue).to_contain_text("Beta Services s.r.o.")
    expect(queue).to_contain_text("above the expected range")
    queue.get_by_role("link").click()
    expect(page.get_by_role("img", name=re.compile("Monthly consumption"))).to_be_visible()
    page.get_by_label("Note for the customer").fill("Please check the pipes for a leak.")
    page.get_by_role("button", name="Reject the reading").click()
    expect(flash(page)).to_have_text("The reading was rejected.")
    expect(page.get_by_text("Nothing to review. Every reading has been decided.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    browser_sign_in(page, "jan.novak@example.com")
    page.goto("/c/beta-services/supply-points")
    page.get_by_role("row").filter(has_text="Košice").get_by_role("link").click()
    decisions = page.get_by_role("region", name="Decisions on your readings")
    expect(decisions).to_contain_text("Rejected")
    expect(decisions).to_contain_text("Please check the pipes for a leak.")

    # The rejected reading frees its date: Jan sends it again, as the e-mail asks.
    rejected_on = page.locator("#history tr.reading-rejected th").first.inner_text()
    page.get_by_role("link", name="Send a meter reading").click()
    entry = page.locator(".register-entry")
    value = Decimal(entry.locator(".expected-low").inner_text().replace(",", ""))
    page.get_by_label("Date of the reading").fill(iso_date(rejected_on))
    entry.get_by_label("Main register (T1)").fill(str(value))
    page.get_by_role("button", name="Send the reading").click()
    expect(flash(page)).to_contain_text("Thank you, your reading is saved.")
