"""What both faces share about change requests: a field's label and a requested value in the
reader's language, what a request asks in a few words, the fields the signed-in role may ask
to change, and addresses as people write them (street, postcode and town, checked for the
company's country) joined into the text that is kept."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_babel import gettext

from core.permissions import ROLE_LABELS, can
from models.changes import (
    COUNTRY_NAMES,
    ChangeableField,
    ChangeKind,
    ChangeRequest,
    catalogue,
    postcode,
)
from models.identity import CustomerRole


def field_label(name: str) -> str:
    """The label of a changeable field (the names of all kinds are distinct)."""
    field = next((c[name] for c in map(catalogue, ChangeKind) if name in c), None)
    return gettext(field.label) if field is not None else name


def value_text(field: str, value: str | None) -> str | None:
    """A requested value as people read it: a role by its name, anything else as kept."""
    if field == "role" and value in {r.value for r in CustomerRole}:
        return str(ROLE_LABELS[CustomerRole(value)])
    return value


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


def change_summary(change: ChangeRequest) -> str:
    """What a request asks, in a few words: the fields it changes, or the login it is about."""
    if change.kind is ChangeKind.LOGIN_ADD:
        return gettext(
            "New login: %(email)s (%(role)s)",
            email=change.value_of("email"),
            role=value_text("role", change.value_of("role")),
        )
    if change.kind is ChangeKind.LOGIN_CLOSE:
        return gettext("End of access: %(email)s", email=change.fields[0].old_value)
    return ", ".join(field_label(f.field) for f in change.fields)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        field_label=field_label, value_text=value_text, change_summary=change_summary
    )
    app.jinja_env.filters["field_label_of"] = field_label
