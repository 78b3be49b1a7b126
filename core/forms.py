"""What every form shares: the base class (no control characters in any text), choices for
select fields, and the one refusal path: a rule an operation refuses (DomainError) is shown
next to its field (or flashed, for a button), the unit of work is rolled back at once, and the
page answers 422."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from types import TracebackType
from typing import Any, TypeVar

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, FieldList, FormField, TextAreaField, widgets
from wtforms import Form as PlainForm
from wtforms import SelectField as PlainSelectField
from wtforms import SelectMultipleField as PlainSelectMultipleField
from wtforms.fields.choices import Choice, SelectChoice

from core.i18n import domain_message
from core.unit_of_work import refuse
from models.errors import DomainError

# C0 and C1 controls and DEL; a multi-line text keeps its line breaks and tabs.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTILINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = _l("Remove the control characters (such as NUL) from this text.")
R = TypeVar("R")


def _text_fields(fields: Iterable[Field]) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FormField):
            yield from _text_fields(field.form)
        elif isinstance(field, FieldList):
            yield from _text_fields(field.entries)
        elif isinstance(field.data, str):
            yield field


class Form(FlaskForm):
    """The base of every form: a text holding control characters (NUL, escape ...) is refused
    next to its field, whatever the form."""

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        for field in _text_fields(self):
            pattern = MULTILINE_CONTROL if isinstance(field, TextAreaField) else CONTROL
            if pattern.search(field.data):
                field.errors = [*field.errors, str(CONTROL_MESSAGE)]
                valid = False
        return valid


def show_domain_error(form: PlainForm, error: DomainError) -> None:
    """Attaches the translated message to the named field, or to the form as a whole."""
    message = domain_message(error)
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


class refusals:
    """Runs the block; a DomainError raised in it rolls the unit of work back and is shown on
    `form` (by `show`), and execution goes on after the block, where the view renders the
    form again with `form_status(form)`. With `rolls_back=False` it only shows the refusal:
    a form's validation asking a domain rule about one value, before anything is written."""

    def __init__(
        self,
        form: PlainForm | None,
        show: Callable[[PlainForm, DomainError], None] = show_domain_error,
        *,
        rolls_back: bool = True,
    ) -> None:
        self.form = form
        self.show = show
        self.rolls_back = rolls_back
        self.refused: DomainError | None = None

    def __enter__(self) -> refusals:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> bool:
        if not isinstance(error, DomainError):
            return False
        if self.rolls_back:
            refuse()
        self.refused = error
        if self.form is not None:
            self.show(self.form, error)
        return True


def form_status(form: FlaskForm) -> int:
    """A form shown again after a POST answers 422, so the request rolls back."""
    return 422 if form.is_submitted() else 200


class _KeptSelect(widgets.Select):
    """WTForms' select, each option's HTML made once per value, label and selection: building
    every <option> through html_params was a quarter of the account page (its time-zone list
    has 60-odd)."""

    @classmethod
    def render_option(cls, choice: Choice, **kwargs: Any) -> Markup:
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        label = choice.label or choice.value
        if not isinstance(label, str):  # a lazy string: the text of the current language
            label = str(label)
        return _option(choice.value, label, type(label), bool(choice.selected))


@lru_cache(maxsize=4096)
def _option(value: object, label: str, kind: type, selected: bool) -> Markup:
    # `kind` keeps a Markup label (not escaped again) apart from an equal plain one.
    return widgets.Select.render_option(Choice(value, label, selected, None))


class SelectField(PlainSelectField):
    widget = _KeptSelect()


class SelectMultipleField(PlainSelectMultipleField):
    widget = _KeptSelect(multiple=True)


def options(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """Select-field choices from (value, label) pairs; labels may be lazy strings."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def on_submit(form: FlaskForm, operation: Callable[[], object], then: Callable[[], R]) -> R | None:
    """For a posted form that changes something: validates `form`, runs the domain operation
    and answers `then()` (a redirect, say). None when the form is invalid or the operation
    refused (the refusal shown next to its field, the unit of work rolled back): the view
    then shows the form again, with 422."""
    if form.validate():
        with refusals(form):
            operation()
            return then()
    return None


def act(operation: Callable[[], object], success: Callable[[], str]) -> bool:
    """For a button that changes something: runs the domain operation and flashes `success()`,
    or flashes the refused rule (and the unit of work rolls back). True when it worked."""
    outcome = refusals(None)
    with outcome:
        operation()
        flash(success(), "success")
    if outcome.refused is not None:
        flash(domain_message(outcome.refused), "error")
        return False
    return True
