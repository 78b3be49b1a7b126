"""The outbox against a real SMTP server (aiosmtpd): messages written with a change are sent
after commit, nothing is sent for a rolled-back change, and a failure is retried later."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email.policy import default

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from core.extensions import db
from core.mail import deliver_pending
from models.changes import ChangeRequest
from models.outbox import OutboxMessage, notify


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.EmailMessage] = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_string(message.as_string(), policy=default))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(bound_app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    bound_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    bound_app.extensions["mail"].server = "127.0.0.1"
    bound_app.extensions["mail"].port = controller.port
    bound_app.extensions["mail"].suppress = False  # Flask-Mail stays silent under TESTING
    yield inbox
    controller.stop()
    bound_app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    bound_app.extensions["mail"].server = ""
    bound_app.extensions["mail"].suppress = True


def test_an_invitation_reaches_the_smtp_server_after_commit(
    client, other_client, people, smtp, bound_app, session
):
    """Jan asks for a login; once the clerk approves, the invitation goes out (and Jan hears
    of the decision)."""
    client.login(people.jan.email)
    client.post_form(
        f"/c/{people.alfa.slug}/logins", {"email": "new@example.com", "role": "viewer"}
    )
    with bound_app.app_context():
        deliver_pending()
    assert smtp.messages == []  # nothing before a clerk has verified the request
    [change] = session.scalars(select(ChangeRequest)).all()
    other_client.login(people.clerk.email)
    other_client.post_form(f"/backoffice/changes/{change.id}/decision", {"decision": "approve"})
    with bound_app.app_context():
        deliver_pending()
    assert sorted(m["To"] for m in smtp.messages) == [people.jan.email, "new@example.com"]
    [sent] = [m for m in smtp.messages if m["To"] == "new@example.com"]
    assert sent["To"] == "new@example.com"
    assert "Alfa Trade s.r.o." in sent["Subject"]
    text = sent.get_body(("plain",)).get_content()
    assert "https://portal.example.test/invitations/" in text
    html = sent.get_body(("html",)).get_content()
    assert "Accept the invitation" in html


def test_a_rolled_back_change_sends_nothing(bound_app, smtp, session):
    with bound_app.app_context():
        notify(db.session, to="x@example.com", template="activation", name="X", token="t")
        db.session.rollback()
        assert deliver_pending() == (0, 0)
    assert smtp.messages == []


def test_an_unreachable_server_keeps_the_message_for_a_later_retry(bound_app, session):
    dead_port = free_port()
    bound_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=dead_port)
    bound_app.extensions["mail"].server = "127.0.0.1"
    bound_app.extensions["mail"].port = dead_port
    bound_app.extensions["mail"].suppress = False
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    try:
        with time_machine.travel(start, tick=False) as clock, bound_app.app_context():
            notify(db.session, to="x@example.com", template="activation", name="X", token="t")
            db.session.commit()
            assert deliver_pending() == (0, 1)
            assert deliver_pending() == (0, 0)  # not due yet
            clock.shift(dt.timedelta(minutes=1, seconds=1))
            assert deliver_pending() == (0, 1)
            message = db.session.scalars(select(OutboxMessage)).one()
            assert message.attempts == 2 and message.sent_at is None
            assert "ConnectionRefusedError" in message.last_error
    finally:
        bound_app.config.update(MAIL_SERVER="", MAIL_PORT=25)
        bound_app.extensions["mail"].server = ""
        bound_app.extensions["mail"].suppress = True
