"""Request types and their forms: the catalogue of fields a type's form may ask for, the check
of what a customer gave for them, and the administrators' operations on types."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.billing.tables import Invoice
from models.errors import N_, DomainError
from models.identity import Account, Company
from models.supply.tables import SupplyPoint
from models.tickets.tables import Priority, ProcessArea, RequestType

MAX_SUBJECT = 200
MAX_TEXT = 10_000
MAX_ADDRESS = 500
PHONE = re.compile(r"^\+?[0-9 ()/-]{6,25}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
# How far from today a move may be announced.
MOVE_PAST = dt.timedelta(days=90)
MOVE_AHEAD = dt.timedelta(days=366)


@dataclass(frozen=True)
class TypeField:
    """A field a request type's form can ask for: its name in the details, its label
    (English, marked for the catalogs) and what kind of input it takes."""

    name: str
    label: str
    kind: str  # supply_point | invoice | date | reading | text | phone


FIELDS: dict[str, TypeField] = {
    f.name: f
    for f in (
        TypeField("supply_point", N_("Supply point"), "supply_point"),
        TypeField("invoice", N_("Invoice number"), "invoice"),
        TypeField("move_date", N_("Date of the move"), "date"),
        TypeField("final_reading", N_("Final meter reading"), "reading"),
        TypeField("new_address", N_("New address"), "text"),
        TypeField("callback_phone", N_("Phone number for a call back"), "phone"),
    )
}


@dataclass(frozen=True)
class FormField:
    field: TypeField
    required: bool


def form_of(request_type: RequestType) -> list[FormField]:
    """The fields of a type's form, in order (unknown names, of a removed field, skipped)."""
    return [
        FormField(FIELDS[spec["name"]], bool(spec.get("required")))
        for spec in request_type.field_specs
        if spec.get("name") in FIELDS
    ]


@dataclass(frozen=True)
class Checked:
    """What a customer's request form gave, checked: the details kept on the ticket and the
    supply point it concerns."""

    details: dict[str, str]
    supply_point: SupplyPoint | None


def check_details(
    session: Session,
    company: Company,
    request_type: RequestType,
    values: Mapping[str, str],
    today: dt.date,
) -> Checked:
    """Checks the values of the type's form fields (nothing else of `values` is read).
    Raises DomainError on the field: a required one missing, a supply point or invoice not of
    `company`, a date too far off, a reading that is no number."""
    details: dict[str, str] = {}
    point: SupplyPoint | None = None
    for item in form_of(request_type):
        name = item.field.name
        raw = " ".join(str(values.get(name) or "").split())
        if not raw:
            if item.required:
                raise DomainError(N_("Fill this in."), name)
            continue
        kind = item.field.kind
        if kind == "supply_point":
            point = session.scalar(
                select(SupplyPoint).where(
                    SupplyPoint.company_id == company.id, SupplyPoint.code == raw
                )
            )
            if point is None:
                raise DomainError(N_("Choose one of your supply points."), name)
        elif kind == "invoice":
            found = session.scalar(
                select(Invoice.id).where(Invoice.company_id == company.id, Invoice.number == raw)
            )
            if found is None:
                raise DomainError(N_("There is no invoice of this number for you."), name)
        elif kind == "date":
            raw = _date(raw, name, today)
        elif kind == "reading":
            raw = _reading(raw, name)
        elif kind == "phone":
            if not PHONE.match(raw):
                raise DomainError(N_("Enter a phone number, such as +421 900 123 456."), name)
        elif len(raw) > MAX_ADDRESS:
            raise DomainError(N_("At most %(limit)s characters."), name, limit=MAX_ADDRESS)
        details[name] = raw
    return Checked(details, point)


def _date(raw: str, field: str, today: dt.date) -> str:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError(N_("Enter a date."), field) from None
    if not today - MOVE_PAST <= day <= today + MOVE_AHEAD:
        raise DomainError(
            N_("Enter a date between %(first)s and %(last)s."),
            field,
            first=today - MOVE_PAST,
            last=today + MOVE_AHEAD,
        )
    return day.isoformat()


def _reading(raw: str, field: str) -> str:
    try:
        value = Decimal(raw.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise DomainError(N_("Enter the number the meter shows."), field) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise DomainError(N_("Enter the number the meter shows."), field)
    return str(value)


def active_types(session: Session) -> list[RequestType]:
    return list(
        session.scalars(
            select(RequestType)
            .where(RequestType.active.is_(True))
            .order_by(RequestType.position, RequestType.id)
        )
    )


def define_request_type(
    session: Session,
    *,
    actor: Account | None,
    code: str,
    names: Mapping[str, str],
    process_area: ProcessArea,
    default_priority: Priority,
    fields: Iterable[tuple[str, bool]] = (),
    position: int = 0,
    active: bool = True,
) -> RequestType:
    """Creates the request type `code`, or changes it: its names per language (English
    required), area, default priority and form fields as (name, required) from FIELDS.
    Tickets filed before keep what they were filed with."""
    if not CODE.match(code):
        raise DomainError(N_("Use 2 to 40 small letters, digits, - or _."), "code")
    names = {locale: " ".join(name.split()) for locale, name in names.items() if name.strip()}
    if not names.get("en"):
        raise DomainError(N_("Fill this in."), "name_en")
    specs: list[dict[str, Any]] = []
    for name, required in fields:
        if name not in FIELDS:
            raise DomainError(N_("Unknown field %(name)s."), "fields", name=name)
        specs.append({"name": name, "required": required})
    request_type = session.scalar(select(RequestType).where(RequestType.code == code))
    if request_type is None:
        request_type = RequestType(code=code)
        session.add(request_type)
    request_type.names = json.dumps(names, sort_keys=True, ensure_ascii=False)
    request_type.process_area = process_area
    request_type.default_priority = default_priority
    request_type.fields = json.dumps(specs)
    request_type.position = position
    request_type.active = active
    session.flush()
    audit.record(session, "request_type.defined", actor=actor, target=request_type, code=code)
    return request_type
