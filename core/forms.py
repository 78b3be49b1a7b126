"""What every form shares: choices for select fields, a refused rule's message next to its
field, and the commit-or-refuse step of a button that changes something."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from core.extensions import db
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


def act(operation: Callable[[], object], success: Callable[[], str]) -> bool:
    """For a button that changes something: runs the domain operation, then commits and
    flashes `success()`, or rolls back and flashes the refused rule. True when it worked."""
    try:
        operation()
    except DomainError as error:
        db.session.rollback()
        flash(domain_message(error), "error")
        return False
    db.session.commit()
    flash(success(), "success")
    return True
