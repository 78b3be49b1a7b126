"""What every import shares: a file's text within its limits, places that read in any
language, and a report that keeps a page of problems and counts the rest."""

from __future__ import annotations

import pytest

from models.errors import DomainError
from models.imports import (
    FILE,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    ImportReport,
    Outcome,
    csv_rows,
    file_lines,
    read_text,
    row,
)


def test_a_file_is_read_as_utf8_without_its_byte_order_mark():
    assert read_text("\ufeffsupply_point;value\n".encode()) == "supply_point;value\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00garbage", "The file is not UTF-8 text."),
        (b" " * (MAX_FILE_BYTES + 1), "The file is larger than 20 MB."),
    ],
)
def test_a_file_too_large_or_not_text_is_refused_next_to_the_file_field(data, message):
    with pytest.raises(DomainError) as refused:
        read_text(data)
    assert refused.value.field == "file"
    assert refused.value.message % refused.value.params == message


def test_places_read_in_english_or_through_a_translation():
    where = FILE.then("invoice", 3).then("line", 2)
    assert str(where) == "invoice 3, line 2" and where.number == 2
    assert str(FILE) == "the file"
    shouting = where.text(lambda message: message.upper().replace("%(NUMBER)S", "%(number)s"))
    assert shouting == "INVOICE 3, LINE 2"


def test_a_report_keeps_a_page_of_problems_and_counts_the_others():
    report = ImportReport()
    for n in range(2, 2 + MAX_PROBLEMS + 5):
        report.refuse(report.add(row(n)), "Unknown supply point %(code)s.", code=str(n))
    assert not report.ok
    assert len(report.problems) == MAX_PROBLEMS and report.more_problems == 5
    assert report.problem_count == MAX_PROBLEMS + 5 == report.count(Outcome.REFUSED)
    assert file_lines(report)[0] == "row 2: Unknown supply point 2."


def test_refusing_the_file_drops_what_was_found_in_it():
    report = ImportReport()
    report.refuse(report.add(row(2)), "Write rollover as 1 or 0.")
    report.refuse_file("The file has more than %(limit)s rows.", limit=3)
    assert report.items == [] and report.problems == [] and report.problem_count == 0
    assert not report.ok and file_lines(report) == ["The file has more than 3 rows."]


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them_and_blank_lines_skipped():
    report = ImportReport()
    rows = csv_rows("A;B\n1;2\n\n3;\n", report, columns=("a", "b"), max_rows=10)
    assert [(str(r.where), r.values, r.readable) for r in rows] == [
        ("row 2", {"a": "1", "b": "2"}, True),
        ("row 4", {"a": "3", "b": ""}, True),
    ]
    assert report.ok
