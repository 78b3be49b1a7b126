"""Languages and formats: the locale comes from the account's preference, else the choice
made on the language switcher, else the browser's Accept-Language. Times are stored in UTC
and shown in the account's time zone."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from babel import Locale, dates, numbers
from babel.support import NullTranslations
from flask import Flask, has_request_context, request, session
from flask_babel import get_locale, get_timezone, get_translations, gettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from core.extensions import babel
from models.errors import DomainError
from models.labels import label_of

LANGUAGES = {"en": "English", "sk": "Slovenčina"}
DEFAULT_TIMEZONE = "Europe/Bratislava"
EUROPEAN_ENGLISH = Locale.parse("en_GB")
FALLBACK = Locale.parse("en")
T = TypeVar("T", str, Markup)


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
    app.jinja_env.filters["datetime"] = datetime_text
    app.jinja_env.filters["date"] = date_text
    app.jinja_env.filters["money"] = money_text
    app.jinja_env.filters["number"] = number_text
    app.jinja_env.filters["price"] = price_text
    app.jinja_env.filters["label"] = _label
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)
    _install_sentences(app)


def formatting_locale() -> Locale:
    """The locale numbers and dates are written in: the user's language, except that English
    is written the European way (1 Nov 2026, 01/11/2026), as British English does; the
    portal's English readers are in Europe, not in the United States."""
    locale = get_locale() or FALLBACK
    return EUROPEAN_ENGLISH if locale.language == "en" else locale


def date_text(value: dt.date | str | None, format: str = "medium") -> str:
    """A date in the locale's format; also one kept as ISO text (an e-mail's parameters)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if value is None:
        return ""
    return _date(value, format, formatting_locale())


def datetime_text(value: dt.datetime | None, format: str = "medium") -> str:
    """A moment (stored in UTC; naive means UTC) in the user's time zone and locale."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return dates.format_datetime(
        value.astimezone(get_timezone()), format, locale=formatting_locale()
    )


def money_text(value: Decimal | None, currency: str = "EUR") -> str:
    """An amount with the currency's decimals (two for the euro), always."""
    if value is None:
        return ""
    return _money(value, currency, formatting_locale())


def price_text(value: Decimal | None, currency: str = "EUR") -> str:
    """A unit price: cents at least, and every further decimal it has (0.2534 €/kWh)."""
    if value is None:
        return ""
    return _price(value, currency, formatting_locale())


def number_text(value: Decimal | int | None, pattern: str | None = None) -> str:
    """A quantity or rate in the locale's format, without trailing zeros (rounded as
    `pattern` says: "#,##0.###" keeps at most three decimals)."""
    if value is None:
        return ""
    return _number(value, pattern, formatting_locale())


# Formatting is a pure function of its arguments, and a page writes the same dates and
# amounts again and again (every row, every request): Babel's pattern work is done once per
# value. Equal Decimals (1.5 and 1.50) may share an entry: each function below quantizes or
# normalizes, so they are written the same. Bounded, so no request can grow them.
@functools.lru_cache(maxsize=4096)
def _date(value: dt.date, format: str, locale: Locale) -> str:
    return dates.format_date(value, format, locale=locale)


@functools.lru_cache(maxsize=4096)
def _money(value: Decimal, currency: str, locale: Locale) -> str:
    return numbers.format_currency(value, currency, locale=locale)


@functools.lru_cache(maxsize=1024)
def _price(value: Decimal, currency: str, locale: Locale) -> str:
    return numbers.format_currency(
        value.normalize(), currency, locale=locale, decimal_quantization=False
    )


@functools.lru_cache(maxsize=4096)
def _number(value: Decimal | int, pattern: str | None, locale: Locale) -> str:
    if isinstance(value, Decimal):
        value = value.normalize() if value % 1 else int(value)
    return numbers.format_decimal(value, pattern, locale=locale)


def _label(value: enum.Enum) -> str:
    """How an enum value reads, in the user's language (see models.labels)."""
    return translations().ugettext(label_of(value))


def local_today() -> dt.date:
    """Today's date where the user is (an invoice due today is not overdue before midnight
    in Bratislava, whatever the server's clock says)."""
    return dt.datetime.now(get_timezone()).date()


def domain_message(error: DomainError) -> str:
    """A domain rule's message in the user's language, its dates and numbers in the user's
    formats (a rule passes them as values: date, Decimal, int)."""
    params = {name: param_text(value) for name, value in error.params.items()}
    return sentence(gettext(error.message, **params), params)


def param_text(value: object) -> object:
    """A rule's parameter as the reader writes it (dates, amounts, whole numbers)."""
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, Decimal):
        # As many decimals as the value carries: a balance keeps its cents (12.50).
        places = max(0, -int(value.as_tuple().exponent))
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return numbers.format_decimal(value, pattern, locale=formatting_locale())
    if isinstance(value, int) and not isinstance(value, bool):
        return number_text(value)
    return value


def sentence(text: T, params: Mapping[str, object]) -> T:
    """`text` without the doubled full stop a sentence gets when it ends with a name that
    ends with one ("access to Alfa Trade s.r.o.." reads "access to Alfa Trade s.r.o.")."""
    for value in params.values():
        if isinstance(value, str) and value.endswith("."):
            if isinstance(text, Markup):
                value = escape(value)
            text = text.replace(value + ".", value)
    return text


_catalogs: dict[Locale, NullTranslations] = {}


def translations() -> NullTranslations:
    """The current locale's catalog. Flask-Babel finds it anew on every call (several context
    lookups); a page asks for hundreds of strings, so it is looked up once per locale here.
    The catalogs are read once per process in any case (Flask-Babel keeps them)."""
    locale = get_locale()
    if locale is None:  # outside a request: Flask-Babel's answer, not kept
        return get_translations()
    found = _catalogs.get(locale)
    if found is None:
        found = _catalogs[locale] = get_translations()
    return found


def _install_sentences(app: Flask) -> None:
    """Templates' _() and ngettext(): Jinja's "newstyle" gettext (the text is autoescaped,
    then formatted with its escaped variables) reading the catalog through translations(),
    and through sentence(), as domain messages are."""
    env = app.jinja_env

    @pass_context
    def gettext_(context: Any, string: str, /, **variables: Any) -> str:
        text = translations().ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalog, trusted as Jinja trusts it
        return sentence(text % variables, variables) if variables else text % variables

    @pass_context
    def ngettext_(context: Any, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = translations().ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalog, trusted as Jinja trusts it
        return sentence(text % variables, variables)

    env.globals.update(gettext=gettext_, ngettext=ngettext_)
