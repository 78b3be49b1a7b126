"""CSV files people open in a spreadsheet, the one way every export writes them: for the
reader's locale (a semicolon between fields and a decimal comma where the locale writes
decimals with a comma, as Excel there expects; a comma and a decimal point otherwise), every
field quoted, UTF-8 with a byte-order mark (so Excel reads the accents), dates in ISO form,
and no text that a spreadsheet would run as a formula, whatever separator it splits on."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from babel import Locale, numbers
from werkzeug.wrappers import Response

from core.i18n import formatting_locale
from core.storage import download

Cell = str | int | float | Decimal | dt.date | dt.datetime | None

# Where a spreadsheet may start a cell: the field's start, or after any character it could
# split on (a file written with commas may be opened splitting on semicolons, or pasted and
# split on tabs and lines). A part starting with = + - @, a tab or a carriage return (also
# behind double quotes, which a splitter may drop) would be read as a formula; an apostrophe
# in front makes it text.
_FORMULA_START = re.compile(r'(?:^|(?<=[,;\t\n\r]))(?="*[=+\-@\t\r])')


def neutralise(text: str) -> str:
    """`text` with an apostrophe before every part of it a spreadsheet would read as a formula."""
    return _FORMULA_START.sub("'", text)


def cell_text(value: Cell, decimal_symbol: str = ".") -> str:
    """One field as written: a number as a number (a minus sign is no formula: "-5" stays a
    number), with `decimal_symbol`, no grouping and no exponent; a date ISO (2026-03-31); a
    moment in UTC (2026-03-31 14:05, naive meaning UTC); text neutralised. Anything else
    (a yes/no, an enum) is for the caller to word in the reader's language first."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("write a yes/no as words in the reader's language")
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", decimal_symbol)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"a CSV cell cannot be a {type(value).__name__}")


def write_csv(
    rows: Iterable[Sequence[Cell]], header: Sequence[str], *, locale: Locale | str
) -> str:
    """The text of the file: `header`, then `rows`, written for `locale`."""
    symbol = numbers.get_decimal_symbol(locale)
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=";" if symbol == "," else ",", quoting=csv.QUOTE_ALL, lineterminator="\r\n"
    )
    writer.writerow([neutralise(str(title)) for title in header])
    for row in rows:
        writer.writerow([cell_text(value, symbol) for value in row])
    return out.getvalue()


def csv_response(rows: Iterable[Sequence[Cell]], header: Sequence[str], filename: str) -> Response:
    """A CSV download for the signed-in reader's locale (see the module)."""
    text = write_csv(rows, header, locale=formatting_locale())
    return download(text.encode("utf-8-sig"), filename=filename, content_type="text/csv")
