"""Where a customer lands: the one company's overview, or the list of every company the login
can access, with what they add up to and each company's badges. The same switcher stands above
the menu on every page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from core.badges import Badge, badges_for, totals
from core.extensions import db
from core.scope import my_memberships
from models.identity import Membership

blueprint = Blueprint("portal", __name__)


@blueprint.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a login."""


def landing_url() -> str:
    """Where a login lands: the back office for staff without companies, a company's overview
    when the login has exactly one, otherwise the list of companies."""
    memberships = my_memberships()
    if current_user.is_staff and not memberships:
        return url_for("backoffice.index")
    if len(memberships) == 1:
        return url_for("company.overview", company=memberships[0].company.slug)
    return url_for("portal.companies")


@blueprint.route("/")
def index() -> Response:
    return redirect(landing_url())


@blueprint.route("/companies")
def companies() -> str:
    """Every company of the login; with several, first what they add up to: the money to pay
    per currency and what needs doing, from the same badges the switcher shows."""
    entries = switcher()
    needs_doing, to_pay = totals({m.company_id: badges for m, badges in entries})
    return render_template(
        "portal/companies/index.html",
        entries=entries,
        needs_doing=needs_doing,
        to_pay=to_pay,
    )


def switcher() -> list[tuple[Membership, list[Badge]]]:
    """The login's companies with their badges, computed once per request."""
    if "switcher" not in g:
        memberships = my_memberships() if current_user.is_authenticated else []
        badges = badges_for(db.session, memberships)
        g.switcher = [(m, badges[m.company_id]) for m in memberships]
    return g.switcher


def switcher_context() -> dict[str, Any]:
    """Template globals for the switcher; computed only when a template asks for them."""
    return {"switcher": switcher}
