"""Formats people read: English dates the European way, money with its cents, numbers and
dates inside refusals in the reader's locale, no doubled full stop after a name that ends
with one, and Slovak plurals that agree with their number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import render_template_string

from core.i18n import domain_message
from models.errors import DomainError
from tests import factories
from tests.helpers import text_of


def rendered(app, language: str, source: str, **context) -> str:
    with app.test_request_context(headers={"Accept-Language": language}):
        return render_template_string(source, **context)


@pytest.mark.parametrize(
    ("language", "medium", "short"),
    [("en", "1 Nov 2026", "01/11/2026"), ("sk", "1. 11. 2026", "1. 11. 2026")],
)
def test_dates_read_day_month_year_in_every_language(app, language, medium, short):
    day = dt.date(2026, 11, 1)
    assert rendered(app, language, "{{ d|date }}|{{ d|date('short') }}", d=day) == (
        f"{medium}|{short}"
    )


def test_a_moment_is_shown_in_the_readers_time_zone(app):
    # 09:42 UTC is 10:42 in Bratislava in November (CET).
    moment = dt.datetime(2026, 11, 1, 9, 42, tzinfo=dt.UTC)
    assert rendered(app, "en", "{{ t|datetime('short') }}", t=moment) == "01/11/2026, 10:42"


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "€1,234.50|€7.00"), ("sk", "1 234,50 €|7,00 €")]
)
def test_money_always_has_two_decimals(app, language, expected):
    source = "{{ a|money }}|{{ b|money }}"
    assert rendered(app, language, source, a=Decimal("1234.5"), b=Decimal(7)) == expected.replace(
        " ", "\xa0"
    )


def test_a_unit_price_keeps_its_further_decimals(app):
    assert rendered(app, "en", "{{ p|price }}", p=Decimal("0.16500")) == "€0.165"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The amount is more than the balance of 1,234.50."),
        ("sk", "1\xa0234,50"),
    ],
)
def test_numbers_and_dates_in_a_refusal_are_in_the_readers_locale(app, language, expected):
    error = DomainError(
        "The amount is more than the balance of %(balance)s.", balance=Decimal("1234.50")
    )
    with app.test_request_context(headers={"Accept-Language": language}):
        assert expected in domain_message(error)
        dated = DomainError("A reading of %(date)s is already recorded.", date=dt.date(2025, 2, 10))
        assert ("10 Feb 2025" if language == "en" else "10. 2. 2025") in domain_message(dated)


def test_a_name_ending_in_a_full_stop_ends_the_sentence_once(app):
    source = '{{ _("Individual price list of %(company)s.", company=name) }}'
    assert rendered(app, "en", source, name="Alfa Trade s.r.o.") == (
        "Individual price list of Alfa Trade s.r.o."
    )
    # Escaped names are matched as they are written into the page.
    assert rendered(app, "en", source, name="A & B s.r.o.") == (
        "Individual price list of A &amp; B s.r.o."
    )
    # A name without a full stop keeps the sentence's own.
    assert rendered(app, "en", source, name="Gamma Household") == (
        "Individual price list of Gamma Household."
    )


def test_a_refusal_ending_with_a_name_ends_once(app):
    error = DomainError("No company has the customer number %(number)s.", number="No. 7.")
    with app.test_request_context():
        assert domain_message(error) == "No company has the customer number No. 7."


@pytest.mark.parametrize(
    ("count", "word"),
    [(1, "neuhradená faktúra"), (3, "neuhradené faktúry"), (5, "neuhradených faktúr")],
)
def test_slovak_plurals_agree_with_their_number(app, count, word):
    source = '{{ ngettext("%(num)d unpaid invoice", "%(num)d unpaid invoices", n) }}'
    assert rendered(app, "sk", source, n=count) == f"{count} {word}"


def test_an_english_page_writes_dates_the_european_way(client, session, people):
    factories.invoice(session, people.alfa, "2026-0042", issued="2026-11-01", due="2099-11-15")
    session.commit()
    client.login(people.jan.email)
    page = text_of(client.get(f"/c/{people.alfa.slug}/invoices"))
    assert "1 Nov 2026" in page and "15 Nov 2099" in page
    assert "11/1/26" not in page and "Nov 1, 2026" not in page


def test_kept_translations_and_formats_follow_a_locale_forced_inside_a_request(app):
    """The catalog and the formats are kept per locale, so an e-mail rendered in the
    recipient's language in the middle of a request (force_locale) is in that language, and
    the page around it stays in the reader's."""
    from flask_babel import force_locale

    source = "{{ _('Invoices') }} {{ d|date }} {{ a|money }} {{ n|number }}"
    values = {"d": dt.date(2026, 11, 1), "a": Decimal("1234.5"), "n": Decimal("1234.50")}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        before = render_template_string(source, **values)
        with force_locale("sk"):
            forced = render_template_string(source, **values)
        after = render_template_string(source, **values)
    assert before == after == "Invoices 1 Nov 2026 €1,234.50 1,234.5"
    assert forced == "Faktúry 1. 11. 2026 1\xa0234,50\xa0€ 1\xa0234,5"


def test_equal_amounts_written_with_other_decimals_are_formatted_alike(app):
    # The format cache may answer 1.5 with what it wrote for 1.50: both must read the same.
    first = rendered(app, "en", "{{ a|money }} {{ b|money }}", a=Decimal("1.5"), b=Decimal("1.50"))
    again = rendered(app, "en", "{{ b|money }} {{ a|money }}", a=Decimal("1.5"), b=Decimal("1.50"))
    assert first == again == "€1.50 €1.50"
    prices = rendered(
        app, "en", "{{ a|price }} {{ b|price }}", a=Decimal("0.25"), b=Decimal("0.2500")
    )
    assert prices == "€0.25 €0.25"
