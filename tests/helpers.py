"""What many tests ask of a response or of the database: the message next to a form field,
the page as text, a count of rows, the e-mails recorded for someone as they read them, and
signing in in a real browser."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

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
