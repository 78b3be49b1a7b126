"""The company blueprint: every page of a company lives under /c/<company>/ and enters the
company scope before anything else runs, so no route can forget it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import MethodNotAllowed

from core.cards import cards_for
from core.errors import render_error
from core.extensions import db
from core.i18n import local_today
from core.navigation import menu_item
from core.permissions import requires
from core.scope import current_scope, enter_company

blueprint = Blueprint("company", __name__, url_prefix="/c/<company>")
menu_item("company", "company.overview", _l("Overview"), permission="company.view", order=0)


@blueprint.url_value_preprocessor
def _enter(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    enter_company((values or {}).pop("company", ""))


@blueprint.url_defaults
def _company_in_urls(_endpoint: str, values: dict[str, Any]) -> None:
    scope = g.get("scope")
    if scope is not None:
        values.setdefault("company", scope.company.slug)


@blueprint.app_errorhandler(MethodNotAllowed)
def _no_such_page(error: MethodNotAllowed) -> Any:
    """Under /c/ a method a page does not take is no such page: 404, whoever asks, so the
    answer never differs between a member and an outsider."""
    if request.path.startswith("/c/"):
        return render_error(404)
    return render_error(405)


@blueprint.route("/")
@requires("company.view")
def overview() -> str:
    """The company at a glance: the cards the areas contribute that the role may see."""
    scope = current_scope()
    cards = cards_for(db.session, [scope.membership], local_today())[scope.company_id]
    return render_template("portal/company/overview.html", scope=scope, cards=cards)
