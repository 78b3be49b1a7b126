"""E-mail through the outbox: `send_mail` renders a message in the recipient's language and
writes it in the current transaction; `deliver_pending` sends what is due after commit, with
retries. Links in e-mails are built from PUBLIC_URL, never from the request's Host header."""

from __future__ import annotations

import logging
from functools import partial

from flask import Flask, Response, current_app, g, render_template, url_for
from flask_babel import force_locale
from flask_mail import Message

from core.extensions import db, mail
from models.outbox import due_messages, enqueue, mark_failed, mark_sent

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    mail.init_app(app)
    app.after_request(_deliver_after_response)


def external_url(endpoint: str, **values: object) -> str:
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def send_mail(
    *, to: str, subject: object, template: str, locale: str | None, **context: object
) -> None:
    """Queues `mail/<template>.txt` (and `.html` when it exists) for `to`, rendered in
    `locale`. `subject` is a lazy translatable string. Sent only if the transaction commits."""
    with force_locale(locale or "en"):
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
        subject_text = str(subject)
    enqueue(db.session, recipient=to, subject=subject_text, body_text=text, body_html=html)
    g.mail_queued = True


def deliver_pending(limit: int = 50) -> tuple[int, int]:
    """Sends the due outbox messages; returns (sent, failed). Each outcome is committed at
    once, so a crash mid-batch neither loses nor repeats more than one message."""
    sent = failed = 0
    session = db.session
    for message in due_messages(session, limit):
        try:
            _send(message.recipient, message.subject, message.body_text, message.body_html)
        except Exception as error:  # any SMTP or network failure: retry later
            log.warning("mail to outbox #%s failed: %s", message.id, error)
            mark_failed(message, f"{type(error).__name__}: {error}")
            failed += 1
        else:
            mark_sent(message)
            sent += 1
        session.commit()
    return sent, failed


def _send(recipient: str, subject: str, text: str, html: str | None) -> None:
    if not current_app.config["MAIL_SERVER"]:
        # Development without SMTP: the message goes to the console, links and all.
        log.warning("MAIL_SERVER is not set; e-mail to %s:\n%s\n\n%s", recipient, subject, text)
        return
    mail.send(Message(subject=subject, recipients=[recipient], body=text, html=html))


def _deliver_after_response(response: Response) -> Response:
    if g.pop("mail_queued", False):
        response.call_on_close(partial(_deliver_in_context, current_app._get_current_object()))
    return response


def _deliver_in_context(app: Flask) -> None:
    with app.app_context():
        try:
            deliver_pending()
        except Exception:  # the worker retries; a page view must not fail for mail
            log.exception("immediate mail delivery failed; the outbox keeps the messages")
