"""The change-request form, built for the fields the signed-in role may change (the form
defines what is accepted: any other field in the request body is never read). Addresses are
asked in parts (street, postcode, town) and checked for the company's country; every value
is checked by its field's rule here, so that all mistakes show at once, next to their fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, EmailField, Field, StringField, TelField, TextAreaField
from wtforms import Form as PlainForm
from wtforms.validators import Length, Optional

from core.changes import AddressParts, join_address, split_address
from core.forms import Form, refusals
from core.i18n import domain_message
from models.changes import ChangeableField, current_value, postcode
from models.changes.requests import MAX_NOTE
from models.errors import DomainError
from models.identity import Company
from models.supply import SupplyPoint

ADDRESSES = frozenset({"billing_address", "postal_address", "correspondence_address"})
PARTS = ("street", "postcode", "town")
POSTCODE_EXAMPLES = {"SK": "811 06", "CZ": "110 00", "PL": "00-950", "HU": "1051"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

_INPUTS: dict[str, type[Field]] = {"contact_email": EmailField, "contact_phone": TelField}
_AUTOCOMPLETE = {
    "legal_name": "organization",
    "contact_email": "email",
    "contact_phone": "tel",
    "contact_person": "name",
}


def part_name(field: str, part: str) -> str:
    return f"{field}__{part}"


class ChangeForm(Form):
    """The fields common to every change request; `build` adds the data fields."""

    note = TextAreaField(
        _l("Note for our colleagues"),
        validators=[Length(max=MAX_NOTE)],
        render_kw={"rows": 3, "maxlength": MAX_NOTE},
    )
    evidence = FileField(_l("Supporting document (optional)"))
    effective_on = DateField(
        _l("Valid from (optional)"),
        validators=[Optional()],
        invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2026-03-31."),
    )

    changeable: Mapping[str, ChangeableField] = {}
    country = "SK"

    def data_fields(self) -> list[tuple[ChangeableField, list[Field]]]:
        """Each changeable field with its inputs (three for an address), in order."""
        return [(f, [self[n] for n in _inputs_of(f.name)]) for f in self.changeable.values()]

    def values(self) -> dict[str, str]:
        """{field: the value typed}, an address joined from its parts."""
        return {name: self._value(name) for name in self.changeable}

    def _value(self, name: str) -> str:
        if name not in ADDRESSES:
            return self[name].data or ""
        parts = {part: self[part_name(name, part)].data or "" for part in PARTS}
        return join_address(AddressParts(**parts), self.country)

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        for name, field in self.changeable.items():
            if name in ADDRESSES and not self._address_parts_hold(name):
                valid = False
                continue
            outcome = refusals(self, _show_on(_inputs_of(name)[0]), rolls_back=False)
            with outcome:
                field.check(self._value(name), self.country, name)
            valid = valid and outcome.refused is None
        return valid

    def _address_parts_hold(self, name: str) -> bool:
        """All three parts or none (an optional address left empty); a postcode of the
        company's country."""
        inputs = {part: self[part_name(name, part)] for part in PARTS}
        given = {part for part, f in inputs.items() if (f.data or "").strip()}
        if not given:
            return True
        holds = True
        for part in set(PARTS) - given:
            inputs[part].errors = [*inputs[part].errors, _("Fill this in.")]
            holds = False
        code = inputs["postcode"]
        if "postcode" in given and postcode(code.data, self.country) is None:
            message = _(
                "Write the postcode as it is written in %(country)s, e.g. %(example)s.",
                country=get_locale().territories.get(self.country, self.country),
                example=POSTCODE_EXAMPLES[self.country],
            )
            code.errors = [*code.errors, message]
            holds = False
        return holds


def _show_on(input_name: str) -> Callable[[PlainForm, DomainError], None]:
    """Shows a field's refused value on its (first) input: an address on its street."""

    def show(form: PlainForm, error: DomainError) -> None:
        shown = form[input_name]
        shown.errors = [*shown.errors, domain_message(error)]

    return show


def _inputs_of(name: str) -> list[str]:
    return [part_name(name, p) for p in PARTS] if name in ADDRESSES else [name]


@lru_cache(maxsize=64)
def _form_class(fields: tuple[ChangeableField, ...]) -> type[ChangeForm]:
    attributes: dict[str, Any] = {}
    for field in fields:
        if field.name in ADDRESSES:
            attributes[part_name(field.name, "street")] = TextAreaField(
                _l("Street and number"),
                render_kw={"rows": 2, "autocomplete": "street-address"},
            )
            attributes[part_name(field.name, "postcode")] = StringField(
                _l("Postcode"), render_kw={"autocomplete": "postal-code", "class": "short"}
            )
            attributes[part_name(field.name, "town")] = StringField(
                _l("Town"), render_kw={"autocomplete": "address-level2"}
            )
        else:
            kind = _INPUTS.get(field.name, StringField)
            render = {"autocomplete": _AUTOCOMPLETE.get(field.name, "off")}
            attributes[field.name] = kind(_l(field.label), render_kw=render)
    return type("ChangeForm", (ChangeForm,), attributes)


def build(
    changeable: Mapping[str, ChangeableField],
    company: Company,
    target: Company | SupplyPoint,
    *,
    submitted: bool,
) -> ChangeForm:
    """The form for `changeable` (the fields the role may change), filled from the request
    when `submitted`, else with the current values of `target`."""
    cls = _form_class(tuple(changeable.values()))
    data: dict[str, Any] = {}
    for name in changeable:
        current = current_value(target, name)
        if name in ADDRESSES:
            parts = split_address(current, company.country)
            data.update({part_name(name, p): getattr(parts, p) for p in PARTS})
        else:
            data[name] = current or ""
    form = cls() if submitted else cls(formdata=None, data=data)
    form.changeable = changeable
    form.country = company.country
    return form
