"""What every form shares: choices for select fields, and a refused rule's message next to
its field."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from core.i18n import domain_message
from models.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Attaches the translated message to the named field, or to the form as a whole."""
    message = domain_message(error)
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def options(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """Select-field choices from (value, label) pairs; labels may be lazy strings."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
