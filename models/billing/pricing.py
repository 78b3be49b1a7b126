"""Which prices apply to a company (the AyMINE rule): its own individual price list wins;
otherwise each item comes from the highest-priority list, among those assigned to any of its
customer groups, that has the item. Only lists valid on the day count. Plus the operations
that create and change price lists, their items, group assignments and attached PDFs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session, selectinload

from models import audit
from models.billing.tables import PriceList, PriceListAssignment, PriceListItem
from models.db import remember, utcnow
from models.errors import N_, DomainError
from models.files import StoredFile, store_file
from models.identity import Account, Company, CustomerGroup
from models.supply.tables import Commodity

INDIVIDUAL = 1_000_000  # an individual list outranks any group priority
MAX_PRIORITY = 10_000
# Numeric(14, 4): ten integer digits; the price column keeps four decimals.
MAX_UNIT_PRICE = Decimal("9999999999.9999")
PDF = "application/pdf"

COMMODITY_NAMES = {
    Commodity.ELECTRICITY: N_("Electricity"),
    Commodity.GAS: N_("Gas"),
    Commodity.WATER: N_("Water"),
}


@dataclass(frozen=True)
class AppliedPrice:
    code: str
    name: str
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    price_list: PriceList
    priority: int  # INDIVIDUAL for the company's own list
    position: int = 0  # the item's place in its list, for display

    @property
    def commodity(self) -> str:
        return self.price_list.commodity

    @property
    def currency(self) -> str:
        return self.price_list.currency

    @property
    def price_with_vat(self) -> Decimal:
        return with_vat(self.unit_price, self.vat_rate)


@dataclass(frozen=True)
class RankedList:
    price_list: PriceList
    priority: int
    group: CustomerGroup | None  # None for the company's individual list

    @property
    def individual(self) -> bool:
        return self.group is None


def with_vat(unit_price: Decimal, vat_rate: Decimal) -> Decimal:
    """A unit price with VAT added, kept to the four decimals unit prices have."""
    return (unit_price * (100 + vat_rate) / 100).quantize(Decimal("0.0001"))


def applies_to(company: Company) -> ColumnElement[bool]:
    """The condition "this price list is one of `company`'s": its individual list, or a group
    list (never another company's individual list) assigned to one of its groups."""
    group_ids = [g.id for g in company.all_groups]
    assigned = (
        exists()
        .where(
            PriceListAssignment.price_list_id == PriceList.id,
            PriceListAssignment.customer_group_id.in_(group_ids),
        )
        .correlate(PriceList)
        if group_ids
        else false()
    )
    return or_(PriceList.company_id == company.id, and_(PriceList.company_id.is_(None), assigned))


def _validity(on: dt.date | None, upcoming_from: dt.date | None) -> list[ColumnElement[bool]]:
    conditions = []
    if on is not None:
        conditions += [
            PriceList.valid_from <= on,
            or_(PriceList.valid_to.is_(None), PriceList.valid_to >= on),
        ]
    if upcoming_from is not None:
        conditions.append(or_(PriceList.valid_to.is_(None), PriceList.valid_to >= upcoming_from))
    return conditions


def ranked_lists(
    session: Session,
    company: Company,
    *,
    on: dt.date | None = None,
    upcoming_from: dt.date | None = None,
) -> list[RankedList]:
    """The company's price lists, highest priority first: valid `on` a day, or (with
    `upcoming_from`) every list still valid on or after that day. A list assigned to
    several of the company's groups counts with its best priority. Between lists of equal
    priority the one that started later ranks first: it is the newer price."""
    group_ids = [g.id for g in company.all_groups]
    stmt = (
        select(PriceList, PriceListAssignment)
        .outerjoin(
            PriceListAssignment,
            (PriceListAssignment.price_list_id == PriceList.id)
            & PriceListAssignment.customer_group_id.in_(group_ids),
        )
        .where(
            or_(
                PriceList.company_id == company.id,
                and_(PriceList.company_id.is_(None), PriceListAssignment.id.is_not(None)),
            ),
            *_validity(on, upcoming_from),
        )
        .options(selectinload(PriceList.items), selectinload(PriceList.file))
    )
    best: dict[int, RankedList] = {}
    for price_list, assignment in session.execute(stmt):
        if price_list.company_id == company.id:
            ranked = RankedList(price_list, INDIVIDUAL, None)
        else:
            ranked = RankedList(price_list, assignment.priority, assignment.customer_group)
        if price_list.id not in best or ranked.priority > best[price_list.id].priority:
            best[price_list.id] = ranked
    return sorted(
        best.values(),
        key=lambda r: (-r.priority, -r.price_list.valid_from.toordinal(), -r.price_list.id),
    )


def effective_prices(session: Session, company: Company, day: dt.date) -> list[AppliedPrice]:
    """Each item once per commodity, from the highest-priority list valid on `day` that has
    it: the same code in an electricity and a gas list are two different items."""
    chosen: dict[tuple[str, str], AppliedPrice] = {}
    for ranked in ranked_lists(session, company, on=day):
        for item in ranked.price_list.items:
            chosen.setdefault(
                (ranked.price_list.commodity, item.code),
                AppliedPrice(
                    item.code,
                    item.name,
                    item.unit,
                    item.unit_price,
                    item.vat_rate,
                    ranked.price_list,
                    ranked.priority,
                    item.position,
                ),
            )
    order = {c.value: n for n, c in enumerate(Commodity)}
    return sorted(chosen.values(), key=lambda p: (order.get(p.commodity, 99), p.position, p.code))


def company_price_list(
    session: Session, company: Company, price_list_id: int, *, upcoming_from: dt.date
) -> PriceList | None:
    """The price list `price_list_id` if it is one of `company`'s and still valid on or after
    `upcoming_from`; None otherwise (the company condition is in the query)."""
    return session.scalar(
        select(PriceList)
        .where(
            PriceList.id == price_list_id,
            applies_to(company),
            *_validity(None, upcoming_from),
        )
        .options(selectinload(PriceList.items))
    )


def _check_list(
    *, name: str, commodity: str, valid_from: dt.date, valid_to: dt.date | None, currency: str
) -> None:
    if not name.strip():
        raise DomainError(N_("Enter a name."), "name")
    if commodity not in {c.value for c in Commodity}:
        raise DomainError(N_("Choose electricity, gas or water."), "commodity")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(N_("The end date is before the start date."), "valid_to")
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        raise DomainError(N_("Enter a three-letter currency code."), "currency")


def create_price_list(
    session: Session,
    *,
    actor: Account,
    name: str,
    commodity: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    currency: str = "EUR",
    company: Company | None = None,
    note: str | None = None,
) -> PriceList:
    """A new, empty price list: a group list, or `company`'s individual list. Refuses an
    empty name (field `name`), an unknown commodity (`commodity`), an end before the start
    (`valid_to`) and a currency that is not a three-letter code (`currency`)."""
    currency = currency.strip().upper()
    _check_list(
        name=name, commodity=commodity, valid_from=valid_from, valid_to=valid_to, currency=currency
    )
    price_list = PriceList(
        name=name.strip(),
        commodity=commodity,
        valid_from=valid_from,
        valid_to=valid_to,
        currency=currency,
        note=note or None,
        company_id=company.id if company else None,
    )
    session.add(price_list)
    session.flush()
    audit.record(
        session,
        "price_list.created",
        actor=actor,
        target=price_list,
        name=price_list.name,
        company_id=price_list.company_id,
    )
    return price_list


def in_force(price_list: PriceList, day: dt.date) -> bool:
    """Customers get, or got, these prices on `day`: the list is published (an individual
    list, or one assigned to a customer group), its validity began, and it was made before
    that day (the day a list is made, its maker may still correct it)."""
    published = price_list.company_id is not None or bool(price_list.assignments)
    made = price_list.created_at.date() if price_list.created_at else day
    return published and price_list.valid_from <= day and made < day


IN_FORCE = N_(
    "This price list is in force since %(date)s and customers rely on its prices, so they "
    "cannot be corrected. Make a new version from the day the new prices apply: this list "
    "then ends the day before."
)


def _keep_in_force(
    session: Session,
    *,
    actor: Account,
    price_list: PriceList,
    today: dt.date | None,
    attempted: str,
) -> None:
    """Refuses a change of what customers of a list in force rely on; the attempt is audited
    although the request fails."""
    if not in_force(price_list, today or utcnow().date()):
        return
    list_id, company_id = price_list.id, price_list.company_id

    def refused(s: Session) -> None:
        audit.record(
            s,
            "price_list.change_refused",
            actor=actor,
            target=s.get(PriceList, list_id),
            company_id=company_id,
            attempted=attempted,
        )

    remember(session, refused)
    raise DomainError(IN_FORCE, date=price_list.valid_from)


def update_price_list(
    session: Session,
    *,
    actor: Account,
    price_list: PriceList,
    name: str,
    commodity: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    note: str | None,
    currency: str | None = None,
    today: dt.date | None = None,
) -> None:
    """Changes a list's name, commodity, validity, note and (when given) currency, with the
    checks of `create_price_list`. Whose list it is (a group's or a company's) stays. A list
    in force (`in_force` on `today`) keeps its commodity, currency and start; it may be renamed,
    its note changed, and its end set, not before `today` (field `valid_to`)."""
    today = today or utcnow().date()
    currency = (currency or price_list.currency).strip().upper()
    _check_list(
        name=name, commodity=commodity, valid_from=valid_from, valid_to=valid_to, currency=currency
    )
    relied_on = (price_list.commodity, price_list.currency, price_list.valid_from)
    if (commodity, currency, valid_from) != relied_on:
        _keep_in_force(
            session, actor=actor, price_list=price_list, today=today, attempted="validity"
        )
    shortened_into_the_past = valid_to is not None and valid_to < today
    if valid_to != price_list.valid_to and shortened_into_the_past and in_force(price_list, today):
        raise DomainError(N_("A price list in force can end today at the earliest."), "valid_to")
    before = {
        "name": price_list.name,
        "commodity": price_list.commodity,
        "valid_from": str(price_list.valid_from),
        "valid_to": str(price_list.valid_to),
        "currency": price_list.currency,
    }
    price_list.name, price_list.commodity, price_list.note = name.strip(), commodity, note or None
    price_list.valid_from, price_list.valid_to = valid_from, valid_to
    price_list.currency = currency
    session.flush()
    audit.record(
        session,
        "price_list.updated",
        actor=actor,
        target=price_list,
        company_id=price_list.company_id,
        before=before,
        after={
            "name": price_list.name,
            "commodity": commodity,
            "valid_from": str(valid_from),
            "valid_to": str(valid_to),
            "currency": currency,
        },
    )


def set_item(
    session: Session,
    *,
    actor: Account,
    price_list: PriceList,
    code: str,
    name: str,
    unit: str,
    unit_price: Decimal,
    vat_rate: Decimal,
    today: dt.date | None = None,
) -> PriceListItem:
    """Adds the item `code`, or changes it if the list has it. Refuses any item change of a
    list in force on `today` (see `in_force`), an empty code, name or unit (fields `code`,
    `name`, `unit`), a negative price, one with more than four decimals or too large to store
    (field `unit_price`) and a VAT rate outside 0-100 or with more than two decimals (field
    `vat_rate`)."""
    _keep_in_force(
        session,
        actor=actor,
        price_list=price_list,
        today=today,
        attempted=f"item {code.strip().lower()[:40]}",
    )
    code = code.strip().lower()
    if not code:
        raise DomainError(N_("Enter a code."), "code")
    if not name.strip():
        raise DomainError(N_("Enter a name."), "name")
    if not unit.strip():
        raise DomainError(N_("Enter a unit."), "unit")
    if not unit_price.is_finite():
        raise DomainError(N_("Enter a number."), "unit_price")
    if unit_price < 0:
        raise DomainError(N_("The price cannot be negative."), "unit_price")
    if unit_price > MAX_UNIT_PRICE:
        raise DomainError(N_("The price is too large."), "unit_price")
    if unit_price != unit_price.quantize(Decimal("0.0001")):
        raise DomainError(N_("The price can have at most four decimal places."), "unit_price")
    if not vat_rate.is_finite() or not Decimal(0) <= vat_rate <= Decimal(100):
        raise DomainError(N_("The VAT rate must be between 0 and 100."), "vat_rate")
    if vat_rate != vat_rate.quantize(Decimal("0.01")):
        raise DomainError(N_("The VAT rate can have at most two decimal places."), "vat_rate")
    item = next((i for i in price_list.items if i.code == code), None)
    before = None if item is None else str(item.unit_price)
    if item is None:
        position = max((i.position for i in price_list.items), default=0) + 1
        item = PriceListItem(code=code, position=position)
        price_list.items.append(item)
    item.name, item.unit = name.strip(), unit.strip()
    item.unit_price, item.vat_rate = unit_price, vat_rate
    session.flush()
    audit.record(
        session,
        "price_list.item_set",
        actor=actor,
        target=price_list,
        company_id=price_list.company_id,
        code=code,
        before=before,
        unit_price=str(unit_price),
        vat_rate=str(vat_rate),
    )
    return item


def remove_item(
    session: Session,
    *,
    actor: Account,
    price_list: PriceList,
    item_id: int,
    today: dt.date | None = None,
) -> None:
    """Removes one item of this list; refuses an item the list does not have, and any item of
    a list in force on `today`."""
    _keep_in_force(
        session,
        actor=actor,
        price_list=price_list,
        today=today,
        attempted=f"remove item {item_id}",
    )
    item = next((i for i in price_list.items if i.id == item_id), None)
    if item is None:
        raise DomainError(N_("This item is not on the price list."))
    price_list.items.remove(item)
    session.flush()
    audit.record(
        session,
        "price_list.item_removed",
        actor=actor,
        target=price_list,
        company_id=price_list.company_id,
        code=item.code,
        unit_price=str(item.unit_price),
    )


def new_version(
    session: Session,
    *,
    actor: Account,
    price_list: PriceList,
    valid_from: dt.date,
    today: dt.date | None = None,
) -> PriceList:
    """The way to change the prices of a list in force: a copy of it (items, groups, note)
    valid from `valid_from`, a day after `today` at the earliest and within the list's
    validity (field `valid_from`), whose prices are then edited; the list itself ends the day
    before. Customers keep the prices they relied on until then."""
    today = today or utcnow().date()
    if valid_from <= today:
        raise DomainError(N_("A new version starts tomorrow at the earliest."), "valid_from")
    if valid_from <= price_list.valid_from or (
        price_list.valid_to is not None and valid_from > price_list.valid_to
    ):
        raise DomainError(
            N_("The new version must start within the validity of this price list."),
            "valid_from",
        )
    version = PriceList(
        name=price_list.name,
        commodity=price_list.commodity,
        valid_from=valid_from,
        valid_to=price_list.valid_to,
        currency=price_list.currency,
        company_id=price_list.company_id,
        note=price_list.note,
        items=[
            PriceListItem(
                code=i.code,
                position=i.position,
                name=i.name,
                unit=i.unit,
                unit_price=i.unit_price,
                vat_rate=i.vat_rate,
            )
            for i in price_list.items
        ],
        assignments=[
            PriceListAssignment(customer_group_id=a.customer_group_id, priority=a.priority)
            for a in price_list.assignments
        ],
    )
    session.add(version)
    price_list.valid_to = valid_from - dt.timedelta(days=1)
    session.flush()
    audit.record(
        session,
        "price_list.versioned",
        actor=actor,
        target=version,
        company_id=version.company_id,
        previous=price_list.id,
        valid_from=str(valid_from),
    )
    return version


def assign_to_group(
    session: Session, *, actor: Account, price_list: PriceList, group: CustomerGroup, priority: int
) -> None:
    """Assigns the list to `group` with `priority` (higher wins), or changes the priority.
    An individual list belongs to its company and cannot be assigned (field `group`); the
    priority is a whole number from 0 to 10000 (field `priority`)."""
    if price_list.company_id is not None:
        raise DomainError(N_("An individual price list cannot be assigned to groups."), "group")
    if not 0 <= priority <= MAX_PRIORITY:
        raise DomainError(N_("The priority must be a whole number from 0 to 10000."), "priority")
    assignment = next((a for a in price_list.assignments if a.customer_group_id == group.id), None)
    before = None if assignment is None else assignment.priority
    if assignment is None:
        price_list.assignments.append(PriceListAssignment(customer_group=group, priority=priority))
    else:
        assignment.priority = priority
    session.flush()
    audit.record(
        session,
        "price_list.assigned",
        actor=actor,
        target=price_list,
        group=group.name,
        before=before,
        priority=priority,
    )


def unassign(session: Session, *, actor: Account, price_list: PriceList, group_id: int) -> None:
    """Takes the list away from one group; refuses a group it is not assigned to."""
    assignment = next((a for a in price_list.assignments if a.customer_group_id == group_id), None)
    if assignment is None:
        raise DomainError(N_("The price list is not assigned to this group."))
    group_name = assignment.customer_group.name
    price_list.assignments.remove(assignment)
    session.flush()
    audit.record(
        session,
        "price_list.unassigned",
        actor=actor,
        target=price_list,
        group_id=group_id,
        group=group_name,
    )


def attach_file(
    session: Session,
    *,
    actor: Account,
    price_list: PriceList,
    data: bytes,
    filename: str,
    content_type: str,
) -> StoredFile:
    """Attaches the published PDF of the list, replacing (and deleting) an earlier one; the
    portal then serves it instead of a rendered PDF. `content_type` is what the caller read
    from the bytes; anything but a PDF is refused (field `file`)."""
    if content_type != PDF:
        raise DomainError(N_("This type of file is not accepted here."), "file")
    previous = price_list.file
    stored = store_file(
        session,
        data=data,
        filename=filename,
        content_type=content_type,
        company_id=price_list.company_id,
    )
    price_list.file = stored
    if previous is not None:
        session.delete(previous)
    session.flush()
    audit.record(
        session,
        "price_list.file_attached",
        actor=actor,
        target=price_list,
        company_id=price_list.company_id,
        filename=stored.filename,
        size=stored.size,
        sha256=stored.sha256,
        replaced=previous is not None,
    )
    return stored


def detach_file(session: Session, *, actor: Account, price_list: PriceList) -> None:
    """Removes the attached PDF; refuses when there is none."""
    previous = price_list.file
    if previous is None:
        raise DomainError(N_("The price list has no attached PDF."))
    price_list.file = None
    session.delete(previous)
    session.flush()
    audit.record(
        session,
        "price_list.file_removed",
        actor=actor,
        target=price_list,
        company_id=price_list.company_id,
        filename=previous.filename,
    )
