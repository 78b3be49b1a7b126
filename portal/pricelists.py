"""Price lists of the current company: the prices that apply today (each item from the list
the priority rule picks), the lists valid today and the upcoming ones, a list's items, and
its PDF (the attached one when the list has it, else rendered)."""

from __future__ import annotations

from itertools import groupby

from flask import abort, current_app, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from core.errors import render_error
from core.extensions import db, limiter
from core.i18n import local_today
from core.navigation import menu_item
from core.pdf import PdfUnavailable, render_pdf
from core.permissions import requires
from core.scope import current_scope
from core.storage import download, safe_filename, send_stored
from models.billing.pricing import (
    COMMODITY_NAMES,
    company_price_list,
    effective_prices,
    ranked_lists,
    with_vat,
)
from models.billing.tables import PriceList
from portal.company import blueprint

menu_item(
    "company", "company.pricelists", _l("Price lists"), permission="pricelists.view", order=20
)


@blueprint.route("/pricelists")
@requires("pricelists.view")
def pricelists() -> str:
    scope = current_scope()
    day = local_today()
    applied = effective_prices(db.session, scope.company, day)
    lists = ranked_lists(db.session, scope.company, upcoming_from=day)
    current = [r for r in lists if r.price_list.valid_from <= day]
    upcoming = sorted(
        (r for r in lists if r.price_list.valid_from > day),
        key=lambda r: (r.price_list.valid_from, -r.priority, r.price_list.name),
    )
    return render_template(
        "portal/pricelists/index.html",
        scope=scope,
        by_commodity=[(c, list(p)) for c, p in groupby(applied, key=lambda p: p.commodity)],
        current=current,
        upcoming=upcoming,
        commodity_names=COMMODITY_NAMES,
        today=day,
    )


def _price_list(price_list_id: int) -> PriceList:
    """One of the current company's lists valid today or later; any other id is 404."""
    found = company_price_list(
        db.session, current_scope().company, price_list_id, upcoming_from=local_today()
    )
    if found is None:
        abort(404)
    return found


@blueprint.route("/pricelists/<int:price_list_id>")
@requires("pricelists.view")
def pricelists_detail(price_list_id: int) -> str:
    price_list = _price_list(price_list_id)
    return render_template(
        "portal/pricelists/detail.html",
        scope=current_scope(),
        price_list=price_list,
        commodity_names=COMMODITY_NAMES,
        with_vat=with_vat,
        today=local_today(),
    )


@blueprint.route("/pricelists/<int:price_list_id>/pdf")
@requires("pricelists.view")
@limiter.limit("60 per minute")
def pricelists_pdf(price_list_id: int) -> Response | tuple[str, int]:
    price_list = _price_list(price_list_id)
    if price_list.file is not None:
        return send_stored(price_list.file)
    try:
        data = render_pdf(
            "pricelist.html",
            price_list=price_list,
            company=current_scope().company,
            commodity_names=COMMODITY_NAMES,
            with_vat=with_vat,
            today=local_today(),
        )
    except PdfUnavailable:
        current_app.logger.exception("PDF rendering is not available")
        return render_error(
            503,
            _l(
                "Price-list PDFs cannot be produced right now. Please try again later; "
                "the prices are on the price list's page."
            ),
        )
    return download(
        data,
        filename=safe_filename(f"price-list-{price_list.name}.pdf", "application/pdf"),
        content_type="application/pdf",
    )
