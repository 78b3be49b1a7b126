"""What many tests ask of a response or of the database: the message next to a form field,
the page as text, a count of rows, the e-mails recorded for someone as they read them,
signing in in a real browser, and reading a payment QR code's payload as a bank app does."""

from __future__ import annotations

import html
import lzma
import re
import zlib
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.mail import render_message
from demo import PASSWORD as DEMO_PASSWORD
from models.outbox import OutboxMessage

# Set by the `app` fixture: e-mails render through the application's templates.
APP: list[Flask] = []


def field_error(response, field: str) -> str | None:  # type: ignore[no-untyped-def]
    """The message shown next to form field `field`, if any."""
    found = re.search(
        rf'<p class="error" id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S
    )
    return html.unescape(found.group(1)).strip() if found else None


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


@dataclass(frozen=True)
class Mail:
    recipient: str
    subject: str
    body_text: str
    body_html: str


def mails_to(session: Session, email: str) -> list[Mail]:
    """The e-mails recorded for `email`, oldest first, rendered as the recipient reads them."""
    session.expire_all()
    messages = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    )
    with APP[-1].app_context():
        return [
            Mail(m.recipient, r.subject, r.text, r.html)
            for m in messages
            for r in [render_message(m)]
        ]


def browser_sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Signs in through the login page, as a person does, and waits until it worked."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


BASE32HEX = "0123456789ABCDEFGHIJKLMNOPQRSTUV"


def pay_by_square_fields(payload: str) -> list[str]:
    """The tab-separated fields of a PAY by square payload: base32hex, then a 2-byte header
    and a 2-byte length, then raw LZMA1 of a CRC32 and the fields (its generator reversed)."""
    bits = "".join(f"{BASE32HEX.index(c):05b}" for c in payload)
    raw = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8))
    length = int.from_bytes(raw[2:4], "little")
    lzma1 = {"id": lzma.FILTER_LZMA1, "lc": 3, "lp": 0, "pb": 2, "dict_size": 128 * 1024}
    data = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1]).decompress(raw[4:])[:length]
    text = data[4:]
    assert zlib.crc32(text).to_bytes(4, "little") == data[:4], "the checksum does not match"
    return text.decode("utf-8").split("\t")


def payment_of(payload: str) -> tuple[str, Decimal, str]:
    """(IBAN, amount, variable symbol) of an EPC, SPAYD or PAY by square payload."""
    if payload.startswith("BCD"):
        lines = payload.split("\n")
        vs = re.search(r"VS\s*:?(\d+)", payload)
        return lines[6], Decimal(lines[7][3:]), vs.group(1) if vs else ""
    if payload.startswith("SPD*"):
        fields = dict(part.split(":", 1) for part in payload.split("*")[2:] if ":" in part)
        return fields["ACC"].split("+")[0], Decimal(fields["AM"]), fields.get("X-VS", "")
    fields = pay_by_square_fields(payload)
    iban = next(f for f in fields if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", f))
    amount = next(f for f in fields if re.fullmatch(r"\d+\.\d{2}", f))
    date = next(i for i, f in enumerate(fields) if re.fullmatch(r"\d{8}", f))
    return iban, Decimal(amount), fields[date + 1]  # the variable symbol follows the due date
