"""The Security section for administrators and auditors: the audit log of critical events
(sign-ins, exports, changes of critical data, denials ...) with who, when, from which address
and device, and about what; filtered by date, actor, company and action, newest first, and
exported as CSV (the export is itself audited; no cell runs as a formula)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template, request
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, or_, select
from werkzeug.wrappers import Response

from backoffice import blueprint
from core.devices import device_name
from core.exports import csv_response
from core.extensions import db
from core.navigation import menu_item
from core.pagination import contains, paginate_keys, requested_page
from core.permissions import requires
from core.unit_of_work import writes
from models import audit
from models.audit import AuditEvent
from models.identity import Company

EXPORT_LIMIT = 100_000  # rows in one file; a narrower filter gets the rest

menu_item("backoffice", "backoffice.security", _l("Security"), permission="audit.view", order=95)


def _day(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> dict[str, Any]:
    """The filters of the query string, each ignored when it is no valid value."""
    return {
        "since": _day("since"),
        "until": _day("until"),
        "actor": request.args.get("actor", "").strip()[:254],
        "company": request.args.get("company", "").strip()[:80],
        "action": request.args.get("action", "").strip()[:64],
    }


def _conditions(filters: dict[str, Any]) -> list[ColumnElement[bool]]:
    zone = get_timezone()
    found: list[ColumnElement[bool]] = []
    if filters["since"]:
        start = dt.datetime.combine(filters["since"], dt.time(), zone)
        found.append(AuditEvent.occurred_at >= start)
    if filters["until"]:
        end = dt.datetime.combine(filters["until"] + dt.timedelta(days=1), dt.time(), zone)
        found.append(AuditEvent.occurred_at < end)
    if filters["actor"]:
        found.append(contains(AuditEvent.actor_label, filters["actor"]))
    if filters["company"]:
        named = select(Company.id).where(
            or_(
                contains(Company.legal_name, filters["company"]),
                Company.customer_number == filters["company"],
            )
        )
        found.append(AuditEvent.company_id.in_(named))
    if filters["action"]:
        # "login" finds login and login.failed; "ticket." every action of requests.
        prefix = filters["action"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found.append(AuditEvent.action.like(f"{prefix}%", escape="\\"))
    return found


def _events(filters: dict[str, Any]) -> Select[tuple[int]]:
    return select(AuditEvent.id).where(*_conditions(filters)).order_by(AuditEvent.id.desc())


def _rows(ids: list[int]) -> list[AuditEvent]:
    order = {event_id: n for n, event_id in enumerate(ids)}
    found = db.session.scalars(select(AuditEvent).where(AuditEvent.id.in_(ids))).all()
    return sorted(found, key=lambda e: order[e.id])


@blueprint.route("/security")
@requires("audit.view")
def security() -> str:
    filters = _filters()
    page = paginate_keys(
        db.session,
        _events(filters),
        _rows,
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
        count_ahead=current_app.config["COUNT_AHEAD"],
    )
    company_ids = {e.company_id for e in page.items if e.company_id}
    companies = {
        c.id: c for c in db.session.scalars(select(Company).where(Company.id.in_(company_ids)))
    }
    return render_template(
        "backoffice/security/index.html",
        page=page,
        filters=filters,
        companies=companies,
        actions=db.session.scalars(
            select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        ).all(),
        query={k: v.isoformat() if isinstance(v, dt.date) else v for k, v in filters.items() if v},
    )


@blueprint.route("/security/audit.csv")
@requires("audit.view")
@writes  # the export's own audit event
def security_export() -> Response:
    filters = _filters()
    stmt = (
        select(AuditEvent)
        .where(*_conditions(filters))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(EXPORT_LIMIT)
    )
    events = db.session.scalars(stmt).all()
    names = dict(
        db.session.execute(
            select(Company.id, Company.legal_name).where(
                Company.id.in_({e.company_id for e in events if e.company_id})
            )
        ).all()
    )
    audit.record(
        db.session,
        "audit.exported",
        actor=current_user._get_current_object(),
        rows=len(events),
        filters={k: str(v) for k, v in filters.items() if v},
    )
    header = [
        _("When (UTC)"),
        _("Who"),
        _("Action"),
        _("Company"),
        _("Target"),
        _("IP address"),
        _("Device"),
        _("Details"),
    ]
    rows = (
        (
            e.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_label,
            e.action,
            names.get(e.company_id) if e.company_id else None,
            f"{e.target_type}:{e.target_id}" if e.target_type else None,
            e.ip,
            device_name(e.user_agent) if e.user_agent else None,
            e.details if e.details != "{}" else None,
        )
        for e in events
    )
    return csv_response(rows, header, filename="audit-log.csv")
