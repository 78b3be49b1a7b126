"""What both faces share about requests: a type's name in the reader's language, the SLA's
promise as of now, a business-hours duration in words, and the attachments a reply may
carry (checked by their bytes)."""

from __future__ import annotations

import datetime as dt

from flask import Flask, request
from flask_babel import get_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.storage import IMAGE_TYPES, PDF, Upload, read_uploads
from models.db import utcnow
from models.identity import Account, Team
from models.tickets import (
    PRIORITY_LABELS,
    STAFF_STATUS_LABELS,
    TICKET_STATUS_LABELS,
    Priority,
    Promise,
    RequestType,
    Ticket,
    TicketStatus,
    promise,
)
from models.tickets.timeline import ATTACHMENT_MAX_BYTES, MAX_FILES
from models.tickets.types import FIELDS

ATTACHMENT_TYPES = {PDF, *IMAGE_TYPES}


def type_name(request_type: RequestType) -> str:
    return request_type.name_in(str(get_locale() or "en"))


def type_field_label(name: str) -> str:
    field = FIELDS.get(name)
    return gettext(field.label) if field is not None else name


def status_word(value: str | None, staff: bool = False) -> str:
    """A status as kept in an event (its value), in words; the back office says "waiting
    for the customer" where the portal says "waiting for your reply"."""
    if value is None or value not in TicketStatus.__members__.values():
        return value or ""
    status = TicketStatus(value)
    return gettext((STAFF_STATUS_LABELS if staff else TICKET_STATUS_LABELS)[status])


def staff_status_label(status: TicketStatus) -> str:
    return gettext(STAFF_STATUS_LABELS[status])


def priority_word(value: str | None) -> str:
    if value is None or value not in Priority.__members__.values():
        return value or ""
    return gettext(PRIORITY_LABELS[Priority(value)])


def sla_promise(ticket: Ticket, staff: bool = False) -> Promise | None:
    """The SLA's promise now; for staff with the business time left."""
    return promise(ticket, utcnow(), counted=staff)


def duration_text(span: dt.timedelta) -> str:
    """A business-hours span in words: "3 h 20 min", "45 min" (its sign dropped)."""
    minutes = int(abs(span.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)d min", minutes=minutes)
    if not minutes:
        return gettext("%(hours)d h", hours=hours)
    return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)


def teams_with_members() -> list[Team]:
    """Every team, by name, with its members in one more statement."""
    return list(
        db.session.scalars(select(Team).order_by(Team.name).options(selectinload(Team.members)))
    )


def assignable(teams: list[Team]) -> list[Account]:
    """The active members of `teams`, each once, by name: who a request can be given to (the
    operation checks they are of the chosen team)."""
    people = {m.id: m for team in teams for m in team.members if m.is_usable}
    return sorted(people.values(), key=lambda person: person.full_name)


def attachments(name: str = "files") -> list[Upload]:
    """The attachments posted as `name`: at most MAX_FILES, each a PDF or an image of at
    most ATTACHMENT_MAX_BYTES by its bytes (DomainError on the form's field "files")."""
    return read_uploads(
        request.files.getlist(name),
        allowed=ATTACHMENT_TYPES,
        max_bytes=ATTACHMENT_MAX_BYTES,
        max_count=MAX_FILES,
        field="files",
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        type_name=type_name,
        type_field_label=type_field_label,
        sla_promise=sla_promise,
        status_word=status_word,
        staff_status_label=staff_status_label,
        priority_word=priority_word,
        duration_text=duration_text,
        attachment_megabytes=ATTACHMENT_MAX_BYTES // (1024 * 1024),
        attachment_count=MAX_FILES,
    )
