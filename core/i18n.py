"""Languages and formats: the locale comes from the account's preference, else the choice
made on the language switcher, else the browser's Accept-Language. Times are stored in UTC
and shown in the account's time zone."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from babel import numbers
from flask import Flask, has_request_context, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
    gettext,
)
from flask_login import current_user

from core.extensions import babel
from models.errors import DomainError
from models.labels import label_of

LANGUAGES = {"en": "English", "sk": "Slovenčina"}
DEFAULT_TIMEZONE = "Europe/Bratislava"


def select_locale() -> str:
    if not has_request_context():  # CLI and workers: documents set their own locale
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def select_timezone() -> str:
    if not has_request_context():
        return DEFAULT_TIMEZONE
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return DEFAULT_TIMEZONE


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["money"] = _money
    app.jinja_env.filters["number"] = _number
    app.jinja_env.filters["price"] = _price
    app.jinja_env.filters["label"] = _label
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)


def _datetime(value: dt.datetime | None, format: str = "medium") -> str:
    return "" if value is None else format_datetime(value, format)


def _date(value: dt.date | str | None, format: str = "medium") -> str:
    """A date in the locale's format; also one kept as ISO text (an e-mail's parameters)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return "" if value is None else format_date(value, format)


def _money(value: Decimal | None, currency: str = "EUR") -> str:
    return "" if value is None else format_currency(value, currency)


def _price(value: Decimal | None, currency: str = "EUR") -> str:
    """A unit price: cents at least, and every further decimal it has (0.2534 €/kWh)."""
    if value is None:
        return ""
    return numbers.format_currency(
        value.normalize(), currency, locale=get_locale(), decimal_quantization=False
    )


def _number(value: Decimal | None) -> str:
    """A quantity or rate in the locale's format, without trailing zeros."""
    return "" if value is None else format_decimal(value.normalize() if value % 1 else int(value))


def _label(value: enum.Enum) -> str:
    """How an enum value reads, in the user's language (see models.labels)."""
    return gettext(label_of(value))


def local_today() -> dt.date:
    """Today's date where the user is (an invoice due today is not overdue before midnight
    in Bratislava, whatever the server's clock says)."""
    return dt.datetime.now(get_timezone()).date()


def domain_message(error: DomainError) -> str:
    """A domain rule's message in the user's language."""
    return gettext(error.message, **error.params)
