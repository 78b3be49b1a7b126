"""What every form shares: putting a refused rule's message next to its field."""

from __future__ import annotations

from flask_wtf import FlaskForm

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
