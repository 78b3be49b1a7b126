"""Price-list management for administrators: every list (group and individual) with its
validity and groups; create and edit a list; its items; its customer groups with their
priorities; and the published PDF customers download instead of the generated one."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import DateField, Field, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import TextInput

from backoffice import blueprint
from core.errors import render_error
from core.extensions import db, limiter
from core.forms import Form, SelectField, act, form_status, options, refusals
from core.i18n import local_today
from core.navigation import menu_item
from core.pagination import paginate, requested_page
from core.pdf import PdfUnavailable, render_pdf
from core.permissions import requires
from core.scope import of_visible_companies, staff_get, visible_companies
from core.storage import PDF, download, read_upload, safe_filename, send_stored
from models.billing.pricing import (
    COMMODITY_NAMES,
    assign_to_group,
    attach_file,
    create_price_list,
    detach_file,
    in_force,
    new_version,
    remove_item,
    set_item,
    unassign,
    update_price_list,
    with_vat,
)
from models.billing.tables import PriceList, PriceListAssignment, PriceListItem
from models.errors import N_, DomainError
from models.identity import Account, Company, CustomerGroup

menu_item(
    "backoffice",
    "backoffice.pricelists",
    _l("Price lists"),
    permission="pricelists.manage",
    order=40,
)

CURRENCIES = ("EUR", "CZK", "HUF", "PLN")
MAX_PDF_BYTES = 10 * 1024 * 1024
SHOW = {"active": _l("Current and upcoming"), "expired": _l("Expired"), "all": _l("All")}


def actor() -> Account:
    return current_user._get_current_object()


class NumberField(Field):
    """A decimal number typed as people type it: "0,1650" and "0.1650" are the same."""

    widget = TextInput()

    def __init__(self, *args: Any, whole: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric" if whole else "decimal"})
        super().__init__(*args, **kwargs)
        self.whole = whole

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]) if valuelist else ""
        text = "".join(text.split()).replace(",", ".")
        self.data = None
        if not text:
            return
        if self.whole:
            if not (text.isascii() and text.lstrip("-").isdecimal()):
                raise ValueError(_("Enter a whole number, for example 10."))
            self.data = int(text)
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValueError(_("Enter a number, for example 0.1650."))
        self.data = value


class PriceListForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    commodity = SelectField(_l("Commodity"), validators=[DataRequired()])
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])
    currency = SelectField(_l("Currency"), validators=[DataRequired()])
    note = TextAreaField(_l("Note for customers"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commodity.choices = options(
            (value, _(label)) for value, label in COMMODITY_NAMES.items()
        )
        self.currency.choices = options((c, c) for c in CURRENCIES)


class NewPriceListForm(PriceListForm):
    company = StringField(
        _l("Individual price list for company"), validators=[Optional(), Length(max=32)]
    )


class ItemForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=16)])
    unit_price = NumberField(_l("Price without VAT"), validators=[InputRequired()])
    vat_rate = NumberField(_l("VAT rate (%)"), validators=[InputRequired()])


class AssignForm(Form):
    group = SelectField(_l("Customer group"), coerce=int, validators=[InputRequired()])
    priority = NumberField(_l("Priority"), whole=True, validators=[InputRequired()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name))
        self.group.choices = options((g.id, g.name) for g in groups)


class FileForm(Form):
    file = FileField(_l("PDF file"))


class VersionForm(Form):
    valid_from = DateField(
        _l("New prices apply from"),
        validators=[InputRequired(message=_l("Enter the day the new prices apply from."))],
        invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2027-01-01."),
    )


def _visible(stmt: Any) -> Any:
    """Group lists, and individual lists of companies the staff member may see."""
    return stmt.where(
        or_(PriceList.company_id.is_(None), of_visible_companies(PriceList.company_id))
    )


def _price_list(price_list_id: int) -> PriceList:
    return staff_get(
        PriceList,
        price_list_id,
        options=[
            selectinload(PriceList.items),
            selectinload(PriceList.assignments).selectinload(PriceListAssignment.customer_group),
            selectinload(PriceList.file),
        ],
    )


def _company_of(price_list: PriceList) -> Company | None:
    return db.session.get(Company, price_list.company_id) if price_list.company_id else None


@blueprint.route("/pricelists")
@requires("pricelists.manage")
def pricelists() -> str:
    shown = request.args.get("show", "active")
    shown = shown if shown in SHOW else "active"
    day = local_today()
    stmt = _visible(select(PriceList)).options(
        selectinload(PriceList.assignments).selectinload(PriceListAssignment.customer_group),
        selectinload(PriceList.file),
    )
    if shown == "active":
        stmt = stmt.where(or_(PriceList.valid_to.is_(None), PriceList.valid_to >= day))
    elif shown == "expired":
        stmt = stmt.where(PriceList.valid_to < day)
    page = paginate(
        db.session,
        stmt.order_by(PriceList.commodity, PriceList.valid_from.desc(), PriceList.id.desc()),
        number=requested_page(),
        size=current_app.config["PAGE_SIZE"],
    )
    ids = {p.company_id for p in page.items if p.company_id}
    companies = (
        {c.id: c for c in db.session.scalars(select(Company).where(Company.id.in_(ids)))}
        if ids
        else {}
    )
    counts = dict(
        db.session.execute(
            select(PriceListItem.price_list_id, func.count(PriceListItem.id))
            .where(PriceListItem.price_list_id.in_([p.id for p in page.items]))
            .group_by(PriceListItem.price_list_id)
        ).all()
    )
    return render_template(
        "backoffice/pricelists/index.html",
        page=page,
        shown=shown,
        show=SHOW,
        companies=companies,
        counts=counts,
        commodity_names=COMMODITY_NAMES,
        today=day,
    )


def _find_company(form: NewPriceListForm) -> Company | None:
    """The company named in the form's company field (company ID or customer number)."""
    reference = (form.company.data or "").strip()
    if not reference:
        return None
    found = db.session.scalars(
        visible_companies()
        .where(or_(Company.company_number == reference, Company.customer_number == reference))
        .limit(2)
    ).all()
    if not found:
        raise DomainError(N_("No company has this company ID or customer number."), "company")
    if len(found) > 1:
        raise DomainError(
            N_("Several companies have this company ID; enter the customer number."), "company"
        )
    return found[0]


@blueprint.route("/pricelists/new", methods=["GET", "POST"])
@requires("pricelists.manage")
def pricelists_new() -> str | Response | tuple[str, int]:
    form = NewPriceListForm(data=None if request.method == "POST" else {"currency": "EUR"})
    if form.validate_on_submit():
        with refusals(form):
            price_list = create_price_list(
                db.session,
                actor=actor(),
                name=form.name.data,
                commodity=form.commodity.data,
                valid_from=form.valid_from.data,
                valid_to=form.valid_to.data,
                currency=form.currency.data,
                company=_find_company(form),
                note=form.note.data,
            )
            flash(
                _("Price list %(name)s was created. Add its items.", name=price_list.name),
                "success",
            )
            return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list.id))
    page = render_template("backoffice/pricelists/form.html", form=form, price_list=None)
    return page, form_status(form)


@blueprint.route("/pricelists/<int:price_list_id>/edit", methods=["GET", "POST"])
@requires("pricelists.manage")
def pricelists_edit(price_list_id: int) -> str | Response | tuple[str, int]:
    price_list = _price_list(price_list_id)
    form = PriceListForm(obj=None if request.method == "POST" else price_list)
    company = _company_of(price_list)
    if form.validate_on_submit():
        with refusals(form):
            update_price_list(
                db.session,
                actor=actor(),
                price_list=price_list,
                name=form.name.data,
                commodity=form.commodity.data,
                valid_from=form.valid_from.data,
                valid_to=form.valid_to.data,
                currency=form.currency.data,
                note=form.note.data,
                today=local_today(),
            )
            flash(_("Changes to %(name)s are saved.", name=price_list.name), "success")
            return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list.id))
        price_list = _price_list(price_list_id)  # as it is after the rollback
    page = render_template(
        "backoffice/pricelists/form.html", form=form, price_list=price_list, company=company
    )
    return page, form_status(form)


def _detail(
    price_list: PriceList,
    *,
    item_form: ItemForm | None = None,
    assign_form: AssignForm | None = None,
    file_form: FileForm | None = None,
    version_form: VersionForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    if item_form is None:
        chosen = request.args.get("item", "")
        item = next((i for i in price_list.items if str(i.id) == chosen), None)
        defaults = {"vat_rate": Decimal(23)}
        item_form = ItemForm(formdata=None, obj=item, data=None if item else defaults)
    page = render_template(
        "backoffice/pricelists/detail.html",
        price_list=price_list,
        company=_company_of(price_list),
        item_form=item_form,
        assign_form=assign_form or AssignForm(formdata=None),
        file_form=file_form or FileForm(formdata=None),
        version_form=version_form or VersionForm(formdata=None),
        in_force=in_force(price_list, local_today()),
        commodity_names=COMMODITY_NAMES,
        with_vat=with_vat,
        today=local_today(),
    )
    return page, status


@blueprint.route("/pricelists/<int:price_list_id>")
@requires("pricelists.manage")
def pricelists_detail(price_list_id: int) -> tuple[str, int]:
    return _detail(_price_list(price_list_id))


@blueprint.route("/pricelists/<int:price_list_id>/items", methods=["POST"])
@requires("pricelists.manage")
def pricelists_item(price_list_id: int) -> Response | tuple[str, int]:
    price_list = _price_list(price_list_id)
    form = ItemForm()
    if form.validate_on_submit():
        with refusals(form):
            item = set_item(
                db.session,
                actor=actor(),
                price_list=price_list,
                code=form.code.data,
                name=form.name.data,
                unit=form.unit.data,
                unit_price=form.unit_price.data,
                vat_rate=form.vat_rate.data,
                today=local_today(),
            )
            flash(_("Item %(code)s is saved.", code=item.code), "success")
            return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list.id))
    return _detail(_price_list(price_list_id), item_form=form, status=422)


@blueprint.route("/pricelists/<int:price_list_id>/items/<int:item_id>/remove", methods=["POST"])
@requires("pricelists.manage")
def pricelists_item_remove(price_list_id: int, item_id: int) -> Response:
    price_list = _price_list(price_list_id)
    act(
        lambda: remove_item(
            db.session,
            actor=actor(),
            price_list=price_list,
            item_id=item_id,
            today=local_today(),
        ),
        lambda: _("The item was removed."),
    )
    return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list_id))


@blueprint.route("/pricelists/<int:price_list_id>/versions", methods=["POST"])
@requires("pricelists.manage")
def pricelists_version(price_list_id: int) -> Response | tuple[str, int]:
    price_list = _price_list(price_list_id)
    form = VersionForm()
    if form.validate_on_submit():
        with refusals(form):
            version = new_version(
                db.session,
                actor=actor(),
                price_list=price_list,
                valid_from=form.valid_from.data,
                today=local_today(),
            )
            flash(
                _(
                    "The new version applies from %(date)s; change its prices now. The list "
                    "in force ends the day before.",
                    date=format_date(version.valid_from),
                ),
                "success",
            )
            return redirect(url_for("backoffice.pricelists_detail", price_list_id=version.id))
    return _detail(_price_list(price_list_id), version_form=form, status=422)


@blueprint.route("/pricelists/<int:price_list_id>/groups", methods=["POST"])
@requires("pricelists.manage")
def pricelists_assign(price_list_id: int) -> Response | tuple[str, int]:
    price_list = _price_list(price_list_id)
    form = AssignForm()
    if form.validate_on_submit():
        group = db.session.get(CustomerGroup, form.group.data)
        with refusals(form):
            if group is None:  # removed since the page was drawn
                raise DomainError(N_("Choose a group from the list."), "group")
            assign_to_group(
                db.session,
                actor=actor(),
                price_list=price_list,
                group=group,
                priority=form.priority.data,
            )
            flash(
                _(
                    "The price list applies to %(group)s with priority %(priority)s.",
                    group=group.name,
                    priority=form.priority.data,
                ),
                "success",
            )
            return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list.id))
    return _detail(_price_list(price_list_id), assign_form=form, status=422)


@blueprint.route("/pricelists/<int:price_list_id>/groups/<int:group_id>/remove", methods=["POST"])
@requires("pricelists.manage")
def pricelists_unassign(price_list_id: int, group_id: int) -> Response:
    price_list = _price_list(price_list_id)
    act(
        lambda: unassign(db.session, actor=actor(), price_list=price_list, group_id=group_id),
        lambda: _("The price list no longer applies to that group."),
    )
    return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list_id))


@blueprint.route("/pricelists/<int:price_list_id>/file", methods=["POST"])
@requires("pricelists.manage")
def pricelists_file(price_list_id: int) -> Response | tuple[str, int]:
    price_list = _price_list(price_list_id)
    form = FileForm()
    if form.validate_on_submit():
        with refusals(form):
            upload = read_upload(
                request.files.get("file"), allowed={PDF}, max_bytes=MAX_PDF_BYTES, field="file"
            )
            if upload is None:
                raise DomainError(N_("Choose a PDF file."), "file")
            attach_file(
                db.session,
                actor=actor(),
                price_list=price_list,
                data=upload.data,
                filename=upload.filename,
                content_type=upload.content_type,
            )
            flash(_("The PDF is attached. Customers now download it."), "success")
            return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list.id))
    return _detail(_price_list(price_list_id), file_form=form, status=422)


@blueprint.route("/pricelists/<int:price_list_id>/file/remove", methods=["POST"])
@requires("pricelists.manage")
def pricelists_file_remove(price_list_id: int) -> Response:
    price_list = _price_list(price_list_id)
    act(
        lambda: detach_file(db.session, actor=actor(), price_list=price_list),
        lambda: _("The attached PDF was removed; customers get the generated one."),
    )
    return redirect(url_for("backoffice.pricelists_detail", price_list_id=price_list_id))


@blueprint.route("/pricelists/<int:price_list_id>/pdf")
@requires("pricelists.manage")
@limiter.limit("60 per minute")
def pricelists_pdf(price_list_id: int) -> Response | tuple[str, int]:
    """What customers download: the attached PDF, or the one generated from the items."""
    price_list = _price_list(price_list_id)
    if price_list.file is not None:
        return send_stored(price_list.file)
    try:
        data = render_pdf(
            "pricelist.html",
            price_list=price_list,
            company=_company_of(price_list),
            commodity_names=COMMODITY_NAMES,
            with_vat=with_vat,
            today=local_today(),
        )
    except PdfUnavailable:
        current_app.logger.exception("PDF rendering is not available")
        return render_error(503, _l("PDFs cannot be produced right now. Please try again later."))
    return download(
        data,
        filename=safe_filename(f"price-list-{price_list.name}.pdf", PDF),
        content_type=PDF,
    )
