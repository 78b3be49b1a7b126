"""The portal's notices as people read them: a notice message (models.messages.post_notice)
keeps its template and parameters, and is rendered here in the reader's language, with the
same filters as every page (templates/messages/<notice>.subject.txt and .html)."""

from __future__ import annotations

from flask import Flask, render_template
from markupsafe import Markup

from models.messages import Message, Thread


def notice_subject(message: Message) -> str:
    return render_template(f"messages/{message.notice}.subject.txt", **message.param_map).strip()


def notice_body(message: Message) -> Markup:
    return Markup(render_template(f"messages/{message.notice}.html", **message.param_map))  # noqa: S704 - an autoescaped template of ours


def thread_subject(thread: Thread, first: Message) -> str:
    """A thread's subject: the written one, or its first message's notice's."""
    return thread.subject or notice_subject(first)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(notice_body=notice_body, thread_subject=thread_subject)
