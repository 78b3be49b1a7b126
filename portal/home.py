"""Where a customer lands: the list of every company their login can access, with each
company's badges. The same switcher stands above the menu on every page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug.wrappers import Response

from core.badges import Badge, badges_for
from core.extensions import db
from models.identity import Company, Membership

blueprint = Blueprint("portal", __name__)


@blueprint.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a login."""


@blueprint.route("/")
def index() -> Response:
    if current_user.is_staff and not current_user.memberships:
        return redirect(url_for("backoffice.index"))
    return redirect(url_for("portal.companies"))


@blueprint.route("/companies")
def companies() -> str:
    return render_template("portal/companies/index.html")


def my_memberships() -> list[Membership]:
    """The signed-in account's memberships with their companies, by company name; cached for
    the request (the switcher and the landing page share it)."""
    if "memberships" not in g:
        g.memberships = list(
            db.session.scalars(
                select(Membership)
                .join(Membership.company)
                .options(contains_eager(Membership.company))
                .where(Membership.account_id == current_user.id)
                .order_by(Company.legal_name)
            )
        )
    return g.memberships


def switcher_context() -> dict[str, Any]:
    """Template globals for the switcher; computed only when a template asks for them."""

    def switcher() -> list[tuple[Membership, list[Badge]]]:
        if "switcher" not in g:
            memberships = my_memberships() if current_user.is_authenticated else []
            badges = badges_for(db.session, memberships)
            g.switcher = [(m, badges[m.company_id]) for m in memberships]
        return g.switcher

    return {"switcher": switcher}
