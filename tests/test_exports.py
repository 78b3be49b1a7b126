"""CSV exports (core/exports.py): written for the reader's locale (semicolons and a decimal
comma in Slovak, commas and a point in English), every field quoted, UTF-8 with a BOM, dates
ISO, numbers as numbers, and no text a spreadsheet would run as a formula, whatever it splits
the lines on."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.exports import cell_text, csv_response, neutralise, write_csv

HEADER = ["Date", "Amount", "Note"]
ROWS = [
    (dt.date(2026, 3, 31), Decimal("-1234.50"), "Paid; thanks"),
    (dt.date(2026, 4, 30), 7, None),
]
# What a spreadsheet runs as a formula: a cell starting with one of these.
FORMULA = re.compile(r'^"*[=+\-@\t\r]')


def naive_cells(text: str, separator: str) -> list[str]:
    """The cells of a spreadsheet that splits the file on `separator` and ignores quoting
    (so quotes lead the cells): the worst reader there is."""
    return text.replace("\r\n", "\n").split(separator)


def parsed(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_english_writes_commas_and_a_decimal_point():
    text = write_csv(ROWS, HEADER, locale="en")
    assert text.splitlines()[0] == '"Date","Amount","Note"'
    assert parsed(text, ",") == [
        HEADER,
        ["2026-03-31", "-1234.50", "Paid; thanks"],
        ["2026-04-30", "7", ""],
    ]


def test_slovak_writes_semicolons_and_a_decimal_comma():
    text = write_csv(ROWS, HEADER, locale="sk")
    assert text.splitlines()[1] == '"2026-03-31";"-1234,50";"Paid; thanks"'
    assert parsed(text, ";")[1] == ["2026-03-31", "-1234,50", "Paid; thanks"]


def test_every_field_is_quoted_even_an_empty_one():
    lines = write_csv(ROWS, HEADER, locale="en").splitlines()
    assert lines[2] == '"2026-04-30","7",""'


def test_numbers_have_no_grouping_and_no_exponent():
    assert cell_text(Decimal("1E+3")) == "1000"
    assert cell_text(Decimal("1234567.125"), ",") == "1234567,125"
    assert cell_text(0.5) == "0.5"


def test_a_negative_number_stays_a_number_but_the_text_minus_five_is_neutralised():
    text = write_csv([(-5, Decimal("-5"), "-5")], ["n", "d", "t"], locale="en")
    assert parsed(text, ",")[1] == ["-5", "-5", "'-5"]


def test_a_hyperlink_formula_in_a_note_becomes_text():
    text = write_csv([('=HYPERLINK("https://evil.example","Click")',)], ["Note"], locale="sk")
    [note] = parsed(text, ";")[1]
    assert note == '\'=HYPERLINK("https://evil.example","Click")'


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '"=1'])
def test_a_text_starting_a_formula_gets_an_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["1-2", "a=b", "e-mail", "", "x@example.com"])
def test_a_text_that_starts_no_formula_is_left_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("locale", ["en", "sk"])
@pytest.mark.parametrize("separator", [",", ";", "\t", "\n"])
def test_a_note_hiding_a_formula_behind_a_separator_stays_text_however_the_file_is_split(
    locale, separator
):
    """Written with commas, `;=1+1` would become the formula =1+1 in a spreadsheet splitting
    on semicolons (and the other way round)."""
    text = write_csv([("Clerk's note;=1+1", "a,=2+2", "b\t-3", "c\n@4")], ["x"] * 4, locale=locale)
    for cell in naive_cells(text, separator):
        assert not FORMULA.match(cell), (separator, cell)


@given(st.text(alphabet=st.sampled_from(list(',;\t\n\r"=+-@ a1')), max_size=12))
def test_no_text_becomes_a_formula_whatever_the_spreadsheet_splits_on(value):
    for locale in ("en", "sk"):
        text = write_csv([(value,)], ["x"], locale=locale)
        for separator in (",", ";", "\t", "\n", "\r"):
            for cell in naive_cells(text.split("\r\n", 1)[1], separator):
                assert not FORMULA.match(cell), (locale, separator, cell)


def test_a_quoted_reader_gets_the_text_back_with_only_apostrophes_added():
    value = "Clerk's note;=1+1"
    for locale, delimiter in (("en", ","), ("sk", ";")):
        [[_header], [cell]] = parsed(write_csv([(value,)], ["x"], locale=locale), delimiter)
        assert cell == "Clerk's note;'=1+1"


def test_moments_are_written_in_utc_and_dates_iso():
    moment = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert cell_text(moment) == "2026-03-31 21:30"
    assert cell_text(dt.date(2026, 1, 5)) == "2026-01-05"


def test_a_yes_no_or_an_object_must_be_worded_by_the_caller():
    with pytest.raises(TypeError):
        cell_text(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cell_text(object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "lines"), [("en", ['"Č","n"', '"1.5","x"']), ("sk", ['"Č";"n"', '"1,5";"x"'])]
)
def test_the_download_is_utf8_with_a_bom_for_the_reader_s_language(app, language, lines):
    with app.test_request_context(headers={"Accept-Language": language}):
        response = csv_response([(Decimal("1.5"), "x")], ["Č", "n"], "x.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=x.csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8-sig").splitlines() == lines


def test_a_slovak_reader_s_readings_export_uses_semicolons_and_decimal_commas(
    client, people, session
):
    from tests import factories

    point = factories.supply_point(session, people.alfa, decimals=2)
    factories.read(session, point, dt.date(2025, 1, 1), "1000.5", source="distributor")
    factories.read(session, point, dt.date(2025, 1, 31), "1100.25", source="distributor")
    people.jan.locale = "sk"
    session.commit()
    client.login(people.jan.email)
    response = client.get(f"/c/{people.alfa.slug}/supply-points/{point.code}/readings.csv")
    assert response.status_code == 200
    rows = parsed(response.data.decode("utf-8-sig"), ";")
    assert rows[1][0] == "2025-01-01" and rows[1][3] == "1000,5"
    assert rows[2][3:5] == ["1100,25", "99,75"]
