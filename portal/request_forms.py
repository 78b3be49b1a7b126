"""The forms of requests in the portal: a request built from its type's fields (the form
defines what is accepted; any other field in the request body is never read), a reply, a
reason to reopen, and the rating of a resolution."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, Field, RadioField, StringField, TelField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from core.forms import Form, SelectField, options
from core.tickets import type_field_label
from models.supply import SupplyPoint
from models.tickets import RequestType, form_of
from models.tickets.filing import MAX_COMMENT
from models.tickets.timeline import MAX_BODY
from models.tickets.types import MAX_SUBJECT


class RequestForm(Form):
    """What every request asks; `request_form` adds the type's own fields."""

    subject = StringField(
        _l("Subject"),
        validators=[InputRequired(), Length(max=MAX_SUBJECT)],
        render_kw={"maxlength": MAX_SUBJECT},
    )
    description = TextAreaField(
        _l("Describe your request"),
        validators=[InputRequired(), Length(max=MAX_BODY)],
        render_kw={"rows": 6, "maxlength": MAX_BODY},
    )
    files = MultipleFileField(_l("Attachments (optional)"))

    def type_fields(self) -> list[Field]:
        return [self[name] for name in getattr(self, "type_field_names", ())]

    def values(self) -> dict[str, str]:
        """The type fields' values as text, the way the domain checks them."""
        values = {}
        for field in self.type_fields():
            data = field.data
            values[field.name] = data.isoformat() if isinstance(data, dt.date) else data or ""
        return values


def request_form(request_type: RequestType, points: list[SupplyPoint]) -> RequestForm:
    """The form of `request_type`: the common fields and the type's, in its order."""

    class TypeForm(RequestForm):
        pass

    names = []
    for item in form_of(request_type):
        name, kind = item.field.name, item.field.kind
        label = type_field_label(name)
        checks = [InputRequired() if item.required else Optional()]
        field: Any
        if kind == "supply_point":
            choices = [("", _("Choose a supply point"))] + [
                (p.code, f"{p.code} · {p.address}" if p.address else p.code) for p in points
            ]
            field = SelectField(label, validators=checks, choices=options(choices))
        elif kind == "date":
            field = DateField(label, validators=checks)
        elif kind == "phone":
            field = TelField(label, validators=checks, render_kw={"autocomplete": "tel"})
        elif kind == "reading":
            field = StringField(label, validators=checks, render_kw={"inputmode": "decimal"})
        elif kind == "text":
            field = TextAreaField(label, validators=checks, render_kw={"rows": 2})
        else:
            field = StringField(label, validators=checks)
        setattr(TypeForm, name, field)
        names.append(name)
    TypeForm.type_field_names = tuple(names)  # type: ignore[attr-defined]
    return TypeForm()


class ReplyForm(Form):
    body = TextAreaField(
        _l("Your reply"),
        validators=[InputRequired(), Length(max=MAX_BODY)],
        render_kw={"rows": 4, "maxlength": MAX_BODY},
    )
    files = MultipleFileField(_l("Attachments (optional)"))


class ReopenForm(Form):
    body = TextAreaField(
        _l("What is not done yet?"),
        validators=[InputRequired(), Length(max=MAX_BODY)],
        render_kw={"rows": 3, "maxlength": MAX_BODY},
    )


class RatingForm(Form):
    satisfied = RadioField(
        _l("Are you satisfied with how your request was resolved?"),
        validators=[InputRequired()],
        choices=options([("yes", _l("Yes")), ("no", _l("No"))]),
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[Length(max=MAX_COMMENT)],
        render_kw={"rows": 2, "maxlength": MAX_COMMENT},
    )
