"""The company directory: search by name, company ID or e-mail, page through the results,
and open a company's page: the one view of it for staff (backoffice/company_view.py)."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from backoffice import blueprint
from backoffice.company_view import company_view
from core.extensions import db
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import among, contains, paginate, requested_page
from core.permissions import requires
from core.scope import staff_get, visible_companies
from models.identity import Account, Company, Membership

menu_item(
    "backoffice", "backoffice.companies", _l("Companies"), permission="backoffice.access", order=0
)


def _search(query: str) -> ColumnElement[bool]:
    """Companies with the text in their name, numbers or e-mail, or in a member login's
    e-mail. The matching ids are a union, each part read from trigram indexes on PostgreSQL
    (an OR with an EXISTS would test every company)."""
    by_company = select(Company.id).where(
        or_(
            contains(Company.legal_name, query),
            contains(Company.company_number, query),
            contains(Company.vat_id, query),
            contains(Company.contact_email, query),
        )
    )
    logins = select(Account.id).where(contains(Account.email, query))
    by_member = select(Membership.company_id).where(
        among(db.session, Membership.account_id, logins)
    )
    return among(db.session, Company.id, union(by_company, by_member))


@blueprint.route("/companies")
@requires("backoffice.access")
def companies() -> str:
    query = request.args.get("q", "").strip()[:100]
    stmt = visible_companies().options(joinedload(Company.customer_group))
    if query:
        stmt = stmt.where(_search(query))
    page = paginate(
        db.session,
        stmt.order_by(Company.legal_name, Company.id),
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
        count_ahead=current_app.config["COUNT_AHEAD"],
    )
    return render_template("backoffice/companies/index.html", page=page, query=query)


@blueprint.route("/companies/<int:company_id>")
@requires("backoffice.access")
def companies_detail(company_id: int) -> str:
    """Everything a staff member on the phone with the company needs on one page: its data,
    logins, money, advances, supply points and what waits (backoffice/company_view.py)."""
    found = staff_get(
        Company,
        company_id,
        options=[joinedload(Company.customer_group), selectinload(Company.extra_groups)],
    )
    today = local_today()
    return render_template(
        "backoffice/companies/detail.html",
        company=found,
        view=company_view(db.session, found, today),
        today=today,
    )
