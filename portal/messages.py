"""The company's messages: its threads, the latest first, and each thread's messages. The
first of them are the portal's notices (a decided change request); what a login may read is
the company's messages and those addressed to it."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, exists, or_
from sqlalchemy.orm import selectinload, with_loader_criteria

from core.extensions import db
from core.navigation import menu_item
from core.pagination import paginate, requested_page
from core.permissions import requires
from core.scope import current_scope
from models.messages import Message, Thread
from portal.company import blueprint

menu_item("company", "company.messages", _l("Messages"), permission="messages.view", order=70)


def _readable() -> ColumnElement[bool]:
    """Messages to the whole company, or to the signed-in login."""
    return or_(Message.to_account_id.is_(None), Message.to_account_id == current_user.id)


def _threads():  # type: ignore[no-untyped-def]
    """The company's threads with a message the login may read, their readable messages
    loaded in one more query."""
    readable = exists().where(Message.thread_id == Thread.id, _readable())
    return (
        current_scope()
        .select(Thread)
        .where(readable)
        .options(
            selectinload(Thread.messages).joinedload(Message.author),
            with_loader_criteria(Message, _readable(), include_aliases=True),
        )
    )


@blueprint.route("/messages")
@requires("messages.view")
def messages() -> str:
    stmt = _threads().order_by(Thread.last_message_at.desc(), Thread.id.desc())
    page = paginate(db.session, stmt, number=requested_page(), size=current_app.config["PAGE_SIZE"])
    return render_template("portal/messages/index.html", scope=current_scope(), page=page)


@blueprint.route("/messages/<int:thread_id>")
@requires("messages.view")
def messages_thread(thread_id: int) -> str:
    thread = db.session.scalars(_threads().where(Thread.id == thread_id)).first()
    if thread is None:
        abort(404)
    return render_template("portal/messages/thread.html", scope=current_scope(), thread=thread)
