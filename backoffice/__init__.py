"""The staff face under /backoffice/: the door admits only staff with back-office access;
each area adds its pages to this one blueprint."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from core.permissions import can, requires
from core.security import deny

blueprint = Blueprint("backoffice", __name__, url_prefix="/backoffice")


@blueprint.before_request
@login_required
def _staff_only() -> None:
    if not can("backoffice.access"):
        deny(403)


@blueprint.route("/")
@requires("backoffice.access")
def index() -> Response:
    return redirect(url_for("backoffice.companies"))


from backoffice import (  # noqa: E402  (areas attach their routes)
    changes,
    companies,
    imports,
    invoices,
    pricelists,
    readings,
    request_settings,
    security,
    staff,
    tickets,
)

__all__ = [
    "blueprint",
    "changes",
    "companies",
    "imports",
    "invoices",
    "pricelists",
    "readings",
    "request_settings",
    "security",
    "staff",
    "tickets",
]
