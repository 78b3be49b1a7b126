"""Languages and formats: the locale comes from the account's preference, else the choice
made on the language switcher, else the browser's Accept-Language. Times are stored in UTC
and shown in the account's time zone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask, request, session
from flask_babel import format_currency, format_date, format_datetime, get_locale, gettext
from flask_login import current_user

from core.extensions import babel
from models.errors import DomainError

LANGUAGES = {"en": "English", "sk": "Slovenčina"}
DEFAULT_TIMEZONE = "Europe/Bratislava"


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def select_timezone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return DEFAULT_TIMEZONE


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["money"] = _money
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)


def _datetime(value: dt.datetime | None, format: str = "medium") -> str:
    return "" if value is None else format_datetime(value, format)


def _date(value: dt.date | None, format: str = "medium") -> str:
    return "" if value is None else format_date(value, format)


def _money(value: Decimal | None, currency: str = "EUR") -> str:
    return "" if value is None else format_currency(value, currency)


def domain_message(error: DomainError) -> str:
    """A domain rule's message in the user's language."""
    return gettext(error.message, **error.params)
