"""E-mail from the outbox: the domain records who is to be told (template and parameters);
this module renders `mail/<template>.subject.txt`, `.txt` and `.html` in the recipient's
language and sends them: right after the commit that wrote them, and again from the worker
(`flask send-mail`) for whatever failed. Links are built from PUBLIC_URL, never from the
request's Host header."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, render_template
from flask_babel import force_locale
from flask_mail import Message

from core import changes, consumption
from core.extensions import db, mail
from models.outbox import OutboxMessage, due_messages, mark_failed, mark_sent

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    mail.init_app(app)
    app.jinja_env.globals.update(external_url=external_url)
    consumption.init_app(app)  # register_label and quantity, for the reading mails too
    changes.init_app(app)  # field_label, for the change decisions


def external_url(endpoint: str, **values: object) -> str:
    """The absolute address of `endpoint` under PUBLIC_URL, in a request or outside one."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        public.netloc, script_name=public.path or "/", url_scheme=public.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_message(message: OutboxMessage) -> Rendered:
    """The message as its recipient reads it, in the language it was recorded with."""
    if message.body_text is not None:  # rendered before (a retry sends the same text)
        return Rendered(message.subject or "", message.body_text, message.body_html or "")
    context = message.param_map
    with force_locale(message.locale or "en"):
        subject = render_template(f"mail/{message.template}.subject.txt", **context)
        text = render_template(f"mail/{message.template}.txt", **context)
        html = render_template(f"mail/{message.template}.html", **context)
    return Rendered(" ".join(subject.split())[:255], text, html)


def deliver_pending(limit: int = 50, ids: list[int] | None = None) -> tuple[int, int]:
    """Sends the due outbox messages (of `ids`, when given); returns (sent, failed). Each
    outcome is committed at once, so a crash mid-batch neither loses nor repeats more than one
    message."""
    sent = failed = 0
    session = db.session
    for message in due_messages(session, limit, ids):
        try:
            rendered = render_message(message)
            message.subject, message.body_text = rendered.subject, rendered.text
            message.body_html = rendered.html
            _send(message.recipient, rendered)
        except Exception as error:  # any SMTP, network or template failure: retry later
            log.warning("mail to outbox #%s failed: %s", message.id, error)
            mark_failed(message, f"{type(error).__name__}: {error}")
            failed += 1
        else:
            mark_sent(message)
            sent += 1
        session.commit()
    return sent, failed


def _send(recipient: str, rendered: Rendered) -> None:
    if not current_app.config["MAIL_SERVER"]:
        # Development without SMTP: the message goes to the console, links and all.
        log.warning(
            "MAIL_SERVER is not set; e-mail to %s:\n%s\n\n%s",
            recipient,
            rendered.subject,
            rendered.text,
        )
        return
    mail.send(
        Message(
            subject=rendered.subject, recipients=[recipient], body=rendered.text, html=rendered.html
        )
    )


def deliver_after(response: Response, ids: list[int]) -> None:
    """Delivers the committed messages `ids` once the response has gone out."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy's
    response.call_on_close(partial(deliver_now, app, ids))


def deliver_now(app: Flask, ids: list[int]) -> None:
    """Delivers `ids` in an app context of their own; a failure stays for the worker."""
    with app.app_context():
        try:
            deliver_pending(limit=len(ids), ids=ids)
        except Exception:  # the worker retries; neither a page nor a command fails for mail
            log.exception("immediate mail delivery failed; the outbox keeps the messages")
