"""What both faces share about change requests: a field's label in the reader's language,
the fields the signed-in role may ask to change, and addresses as people write them (street,
postcode and town, checked for the company's country) joined into the text that is kept."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_babel import gettext

from core.permissions import can
from models.changes import (
    COMPANY_FIELDS,
    COUNTRY_NAMES,
    SUPPLY_POINT_FIELDS,
    ChangeableField,
    ChangeKind,
    catalogue,
    postcode,
)


def field_label(name: str) -> str:
    """The label of a changeable field (the names of all kinds are distinct)."""
    field = COMPANY_FIELDS.get(name) or SUPPLY_POINT_FIELDS.get(name)
    return gettext(field.label) if field is not None else name


def allowed_fields(kind: ChangeKind) -> dict[str, ChangeableField]:
    """The fields of `kind` the signed-in account's role may ask to change, in order."""
    return {name: field for name, field in catalogue(kind).items() if can(field.permission)}


@dataclass(frozen=True)
class AddressParts:
    street: str = ""  # the lines before the postcode: street, number, building, c/o ...
    postcode: str = ""
    town: str = ""


def split_address(text: str | None, country: str) -> AddressParts:
    """An address kept as text, in parts for its form: the last line that starts with a
    postcode of `country` gives postcode and town, the lines above are the street, and a
    last line naming the country is left out. Text in no such shape is all street."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if lines and lines[-1] == COUNTRY_NAMES[country]:
        lines.pop()
    for i in range(len(lines) - 1, -1, -1):
        for width in (6, 5, 4):  # "811 06", "00-950"/"81106", "1051"
            code = postcode(lines[i][:width], country)
            rest = lines[i][width:]
            if code and rest[:1] == " " and rest.strip():
                return AddressParts("\n".join(lines[:i]), code, rest.strip())
    return AddressParts("\n".join(lines))


def join_address(parts: AddressParts, country: str) -> str:
    """The text kept for an address: street lines, "postcode town", the country; empty when
    every part is."""
    if not (parts.street.strip() or parts.postcode.strip() or parts.town.strip()):
        return ""
    code = postcode(parts.postcode, country) or parts.postcode.strip()
    lines = [*parts.street.splitlines(), f"{code} {parts.town.strip()}", COUNTRY_NAMES[country]]
    return "\n".join(line.strip() for line in lines if line.strip())


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(field_label=field_label)
    app.jinja_env.filters["field_label_of"] = field_label
