"""The company overview in a real browser: the payment QR of the most urgent invoice read back
from a screenshot the way a banking app reads it, and the page on a 390-px phone."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.helpers import browser_sign_in, payment_of

pytestmark = pytest.mark.browser

JAN = "jan.novak@example.com"


def amount_of(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def test_the_overview_qr_pays_the_most_urgent_invoice(page: Page, tmp_path: Path) -> None:
    browser_sign_in(page, JAN)
    page.goto("/c/alfa-trade/")
    to_pay = page.locator("section.card-to-pay")
    first_row = to_pay.locator("table.open-invoices tbody tr").first
    number = first_row.locator("td.key").inner_text().strip()
    expect(to_pay.get_by_role("heading", name=f"Pay invoice {number}")).to_be_visible()

    qr = to_pay.locator(".pay > .pay-code .qr svg")
    expect(qr).to_be_visible()
    shot = qr.screenshot(path=tmp_path / "qr.png")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert len(found) == 1, "the QR code on the overview cannot be read"
    iban, amount, vs = payment_of(found[0].text)

    # What the invoice's own page says is to be paid, and where.
    page.goto(f"/c/alfa-trade/invoices/{number}")
    how = page.locator("section.card", has=page.get_by_role("heading", name="How to pay"))

    def detail(term: str) -> str:
        return how.locator(f"dt:text-is('{term}') + dd").inner_text().strip()

    assert iban == detail("IBAN").replace(" ", "")
    assert amount == amount_of(detail("Amount"))
    assert vs == detail("Variable symbol")


def test_the_overview_and_the_company_list_fit_a_phone(page: Page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    browser_sign_in(page, JAN)
    for path in ("/c/alfa-trade/", "/companies"):
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        page.screenshot(path=tmp_path / f"{path.strip('/').replace('/', '-')}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone: {width} px"
    # The cards are there on the phone too, the QR with its text beside (here: below) it.
    page.goto("/c/alfa-trade/")
    expect(page.locator("section.card-to-pay .pay .qr svg").first).to_be_visible()
    expect(page.get_by_role("heading", name="Company details")).to_be_visible()
