"""What every file import shares, whatever it imports (invoices, readings): the limits a file
keeps, reading its text and its CSV rows, and the one report type: each item's outcome, the
problems found (a bounded number of them, and how many more there were) and, when the file as
a whole cannot be read, why."""

from __future__ import annotations

import csv
import enum
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from models.errors import N_, DomainError

MAX_FILE_BYTES = 20 * 1024 * 1024
TOO_LARGE = N_("The file is larger than %(limit)s MB.")
# Problems kept (and shown) per import; the rest are only counted. A file of 300,000 bad items
# must not become a 22 MB page.
MAX_PROBLEMS = 100
# Longer than any field a file may hold (an invoice line's description has 300 characters);
# it keeps queries and messages small.
MAX_FIELD_CHARS = 1_000
# C0 and C1 controls but tab and line breaks: a NUL cannot even be stored in PostgreSQL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Translate = Callable[[str], str]
Show = Callable[[Any], object]
T = TypeVar("T")


def _as_is(message: Any) -> Any:
    return message


class Outcome(enum.StrEnum):
    IMPORTED = "imported"  # or, when the report is not ok, would have been
    UNCHANGED = "unchanged"  # already there with the same content
    REFUSED = "refused"


# How a place in a file reads; the web face translates these, the command line prints them.
PLACES = {
    "row": N_("row %(number)s"),  # a CSV row; the header is row 1, as a spreadsheet shows it
    "invoice": N_("invoice %(number)s"),  # the n-th invoice of a JSON file
    "line": N_("line %(number)s"),  # the n-th line of that invoice
}
THE_FILE = N_("the file")


@dataclass(frozen=True)
class Where:
    """A place in an import file: the file itself (no parts), a CSV row, a JSON invoice or a
    line of one, e.g. (("invoice", 3), ("line", 2))."""

    parts: tuple[tuple[str, int], ...] = ()

    def then(self, kind: str, number: int) -> Where:
        return Where((*self.parts, (kind, number)))

    @property
    def number(self) -> int | None:
        """The number of the innermost part (a row's, a line's), None for the file."""
        return self.parts[-1][1] if self.parts else None

    def text(self, translate: Translate = _as_is) -> str:
        if not self.parts:
            return translate(THE_FILE)
        return ", ".join(translate(PLACES[kind]) % {"number": n} for kind, n in self.parts)

    def __str__(self) -> str:
        return self.text()


FILE = Where()


def row(number: int) -> Where:
    return Where((("row", number),))


@dataclass(frozen=True)
class Problem:
    """One reason for a refusal: where, a translatable message and its parameters."""

    where: Where
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, translate: Translate = _as_is, show: Show = _as_is) -> str:
        """The message in the language of `translate`, its values (numbers, dates) written by
        `show` (20,000 and 5 Jan 2026 rather than 20000 and 2026-01-05, where the reader
        expects it)."""
        message = translate(self.message)
        if not self.params:
            return message
        return message % {key: show(value) for key, value in self.params.items()}


@dataclass
class Item:
    """One thing the file holds (an invoice, a reading row) and what became of it; None while
    it is being checked."""

    where: Where
    name: str = ""
    outcome: Outcome | None = None


@dataclass
class ImportReport:
    """What an import did, or why it did nothing. It keeps at most MAX_PROBLEMS problems and
    counts the others in `more_problems`. `error` says why the file as a whole was refused
    (too large, not UTF-8, not CSV or JSON, missing columns ...)."""

    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    error: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.problem_count == 0

    @property
    def problem_count(self) -> int:
        """Every problem found, those kept and those only counted (the file error apart)."""
        return len(self.problems) + self.more_problems

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    def names(self, outcome: Outcome) -> list[str]:
        return [item.name for item in self.items if item.outcome == outcome]

    def add(self, where: Where, name: str = "") -> Item:
        item = Item(where, name)
        self.items.append(item)
        return item

    def problem(self, where: Where, message: str, /, **params: object) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, message, params))
        else:
            self.more_problems += 1

    def refuse(self, item: Item, message: str, /, **params: object) -> None:
        """Refuses `item` for the reason `message`."""
        self.refuse_at(item, item.where, message, **params)

    def refuse_at(self, item: Item, where: Where, message: str, /, **params: object) -> None:
        """Refuses `item` for a reason found at `where` (an invoice, for one of its lines)."""
        item.outcome = Outcome.REFUSED
        self.problem(where, message, **params)

    def refuse_file(self, message: str, /, **params: object) -> None:
        """Refuses the file as a whole: what was found in it before no longer counts."""
        self.error = Problem(FILE, message, params)
        self.items.clear()
        self.problems.clear()
        self.more_problems = 0


def chunks(values: Iterable[T], size: int = 500) -> Iterator[list[T]]:
    """`values` in lists of `size`: an import looks up thousands of codes with a query per
    chunk, not a query per row nor one with more parameters than a database takes."""
    listed = list(values)
    for start in range(0, len(listed), size):
        yield listed[start : start + size]


def read_text(data: bytes) -> str:
    """The text of an uploaded or given import file: UTF-8 (a byte-order mark is dropped) of at
    most MAX_FILE_BYTES. Pass at most MAX_FILE_BYTES + 1 bytes; raises DomainError (field
    `file`) for more or for bytes that are not UTF-8 text."""
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(TOO_LARGE, "file", limit=MAX_FILE_BYTES // 2**20)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(N_("The file is not UTF-8 text."), "file") from error


def too_large(text: str, report: ImportReport) -> bool:
    """Refuses a text longer than an import file may be (for callers that pass text, not
    bytes: every character is at least one byte)."""
    if len(text) > MAX_FILE_BYTES:
        report.refuse_file(TOO_LARGE, limit=MAX_FILE_BYTES // 2**20)
        return True
    return False


def field_text(value: object, column: str, where: Where, report: ImportReport) -> str | None:
    """A field's text, stripped; None after reporting a value that is not text or a number
    (JSON numbers must be read as text), holds control characters or is too long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        report.problem(where, N_("%(column)s must be text or a number."), column=column)
        return None
    if CONTROL.search(value):
        report.problem(where, N_("%(column)s contains control characters."), column=column)
        return None
    if len(value) > MAX_FIELD_CHARS:
        report.problem(
            where,
            N_("%(column)s is longer than %(limit)s characters."),
            column=column,
            limit=MAX_FIELD_CHARS,
        )
        return None
    return value.strip()


class CsvRow(NamedTuple):
    """A row of a CSV file: its place, its fields' text by column ("" for a field refused) and
    whether it was read whole (its problems are in the report when not)."""

    where: Where
    values: dict[str, str]
    readable: bool


def csv_rows(
    text: str, report: ImportReport, *, columns: Sequence[str], max_rows: int
) -> list[CsvRow]:
    """The rows of a CSV file with a header line (comma or semicolon separated, column names in
    any case); blank lines are skipped. Refuses the file (and returns no rows) when it is
    empty, is not CSV, lacks one of `columns`, has no rows or more than `max_rows`."""
    if too_large(text, report):
        return []
    text = text.lstrip("\ufeff")
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    if not first.strip():
        report.refuse_file(N_("The file is empty."))
        return []
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error:
        report.refuse_file(N_("The first row is not a CSV header."))
        return []
    missing = [c for c in columns if c not in header]
    if missing:
        report.refuse_file(
            N_("The file needs the columns %(columns)s; it lacks %(missing)s."),
            columns=", ".join(columns),
            missing=", ".join(missing),
        )
        return []
    wanted = [(i, name) for i, name in enumerate(header) if name]
    rows: list[CsvRow] = []
    for number in itertools.count(2):
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # The reader goes on with the next row: this one is refused, not the whole page.
            rows.append(CsvRow(row(number), {}, readable=False))
            report.problem(row(number), _csv_reason(error), limit=MAX_FIELD_CHARS)
            continue
        if not any(value.strip() for value in values):
            continue  # a blank line (often the last) is no row
        if len(rows) == max_rows:
            report.refuse_file(N_("The file has more than %(limit)s rows."), limit=max_rows)
            return []
        fields = {
            name: field_text(values[i] if i < len(values) else "", name, row(number), report)
            for i, name in wanted
        }
        readable = None not in fields.values()
        rows.append(CsvRow(row(number), {k: v or "" for k, v in fields.items()}, readable))
    if not rows:
        report.refuse_file(N_("The file has no rows."))
    return rows


def _csv_reason(error: csv.Error) -> str:
    if "field limit" in str(error):  # the csv module's own limit, 128 KB
        return N_("A field is longer than %(limit)s characters.")
    return N_("This row is not valid CSV: put a field with a line break or a quote in quotes.")


def file_lines(
    report: ImportReport, translate: Translate = _as_is, show: Show = _as_is
) -> list[str]:
    """The report's problems as lines of text ("row 7: ..."), the file's error first."""
    lines = [report.error.text(translate, show)] if report.error is not None else []
    lines += [f"{p.where.text(translate)}: {p.text(translate, show)}" for p in report.problems]
    return lines
