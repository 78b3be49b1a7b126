"""The distributor's readings import: every row checked and reported, all or nothing, the same
rules as a customer's reading, idempotent, and a broken or hostile file refused in bounded time
and space."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.imports import MAX_PROBLEMS, Outcome
from models.supply import Reading, ReadingStatus, ReadingSubmission, import_readings
from tests import factories
from tests.factories import read

D = dt.date
JAN1 = D(2025, 1, 1)


def readings(session, point) -> list[Reading]:
    session.expire_all()
    return list(
        session.scalars(
            select(Reading)
            .where(Reading.supply_point_id == point.id)
            .order_by(Reading.reading_date, Reading.register_id)
        )
    )


def csv_for(point, *rows: str, header: str = "supply_point,meter,register,date,value") -> str:
    serial = point.current_meter.serial_number
    return "\n".join([header, *(row.format(code=point.code, meter=serial) for row in rows)])


def said(report) -> dict[str, str]:
    """Each problem's place -> its message, as the command line prints them."""
    return {str(p.where): p.text() for p in report.problems}


@pytest.fixture
def point(session, people):
    """Alfa's single-register electricity point with ten units a day in January."""
    made = factories.supply_point(session, people.alfa)
    read(session, made, JAN1, 1000, source="distributor")
    read(session, made, D(2025, 1, 31), 1300, who=people.jan)
    return made


@pytest.fixture
def two_tariff(session, people):
    return factories.supply_point(session, people.alfa, registers=("HT", "NT"), decimals=1)


def test_an_import_records_the_distributors_readings_as_accepted(session, people, two_tariff):
    text = csv_for(
        two_tariff,
        "{code},{meter},HT,2025-01-01,100.5",
        "{code},{meter},NT,2025-01-01,50",
        "{code},{meter},ht,2025-02-01,900",
        "{code},{meter},NT,2025-02-01,60",
    )
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert report.ok, said(report)
    assert [item.outcome for item in report.items] == [Outcome.IMPORTED] * 4
    stored = readings(session, two_tariff)
    assert [(r.reading_date, r.value) for r in stored] == [
        (JAN1, Decimal("100.5")),
        (JAN1, 50),
        (D(2025, 2, 1), 900),
        (D(2025, 2, 1), 60),
    ]
    assert {r.status for r in stored} == {ReadingStatus.ACCEPTED}
    assert session.scalar(select(func.count(ReadingSubmission.id))) == 2  # one per date
    assert {s.source for s in session.scalars(select(ReadingSubmission))} == {"distributor"}


def test_an_import_with_one_bad_row_keeps_nothing_and_reports_every_row(
    session, people, two_tariff
):
    text = csv_for(
        two_tariff,
        "{code},{meter},HT,2025-01-01,100",
        "{code},{meter},NT,01.01.2025,50",
        "{code},{meter},XX,2025-01-01,50",
        "24ZSS0000000000X,{meter},HT,2025-01-01,50",
        "{code},NO-SUCH,HT,2025-01-01,50",
        "{code},{meter},HT,2025-02-01,-3",
    )
    report = import_readings(session, text, today=D(2025, 4, 1))
    assert not report.ok
    assert report.items[0].outcome == Outcome.IMPORTED  # fine, but not kept
    assert [item.outcome for item in report.items[1:]] == [Outcome.REFUSED] * 5
    problems = said(report)
    assert "row 2" not in problems
    assert "YYYY-MM-DD" in problems["row 3"]
    assert "no register XX" in problems["row 4"]
    assert "Unknown supply point" in problems["row 5"]
    assert "no meter NO-SUCH" in problems["row 6"]
    assert "negative" in problems["row 7"]
    assert readings(session, two_tariff) == []
    assert not session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reading.submitted")
    ).all()


def test_importing_the_same_file_twice_changes_nothing(session, people, two_tariff):
    text = csv_for(
        two_tariff, "{code};{meter};HT;2025-01-01;100", "{code};{meter};NT;2025-01-01;50"
    ).replace(",", ";")
    assert import_readings(session, text, today=D(2025, 2, 1)).ok
    again = import_readings(session, text, today=D(2025, 2, 1))
    assert again.ok and [item.outcome for item in again.items] == [Outcome.UNCHANGED] * 2
    assert len(readings(session, two_tariff)) == 2


def test_an_import_refuses_another_value_for_a_recorded_date(session, people, point):
    text = csv_for(point, "{code},{meter},T1,2025-01-31,1301")
    report = import_readings(session, text, today=D(2025, 2, 1))
    assert not report.ok
    assert "Another value (1300" in said(report)["row 2"]


def test_two_rows_with_other_values_for_one_register_and_date_are_refused(session, people, point):
    text = csv_for(point, "{code},{meter},T1,2025-02-10,1400", "{code},{meter},T1,2025-02-10,1500")
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert said(report) == {"row 3": "Row 2 gives this register another value for the same date."}


def test_an_import_keeps_the_monotonic_rule_and_takes_a_rollover_column(session, people):
    made = factories.supply_point(session, people.alfa, digits=4)
    header = "supply_point,meter,register,date,value,rollover"
    down = csv_for(
        made,
        "{code},{meter},T1,2025-01-01,9900,0",
        "{code},{meter},T1,2025-02-01,100,0",
        header=header,
    )
    refused = import_readings(session, down, today=D(2025, 3, 1))
    assert [item.outcome for item in refused.items] == [Outcome.IMPORTED, Outcome.REFUSED]
    assert readings(session, made) == []
    wrapped = down.replace("100,0", "100,1")
    assert import_readings(session, wrapped, today=D(2025, 3, 1)).ok
    assert [r.rollover for r in readings(session, made)] == [False, True]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("supply_point,meter,date\n", "lacks register, value"),
        ("supply_point,meter,register,date,value\n", "no rows"),
        ("supply_point,meter,register,date,value\n\n ,,\n", "no rows"),
    ],
)
def test_an_import_file_without_its_columns_or_rows_is_refused(session, people, text, message):
    report = import_readings(session, text)
    assert not report.ok
    assert message in report.error.text()


def test_a_file_with_more_rows_than_allowed_is_refused_whole(session, people, point, monkeypatch):
    monkeypatch.setattr("models.supply.imports.MAX_ROWS", 3)
    text = csv_for(point, *["{code},{meter},T1,2025-02-10,1400"] * 4)
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert report.error.text() == "The file has more than 3 rows."
    assert report.items == [] and report.problems == []


def test_many_bad_rows_keep_a_page_of_problems_and_count_the_rest(session, people, point):
    text = csv_for(point, *[f"24ZSS{n:011d},{{meter}},T1,2025-02-10,1" for n in range(1_000)])
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert len(report.problems) == MAX_PROBLEMS and report.more_problems == 900
    assert report.count(Outcome.REFUSED) == 1_000


def test_a_field_over_the_csv_limit_is_refused_with_its_row_and_the_rest_is_read(
    session, people, point
):
    text = csv_for(point, "{code},{meter},T1,2025-02-10," + "9" * 200_000, "x,{meter},T1,x,1")
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert said(report) == {
        "row 2": "A field is longer than 1000 characters.",
        "row 3": "Unknown supply point x.",
    }


def test_control_characters_in_a_row_are_refused_before_any_lookup(session, people, point):
    text = csv_for(point, "{code}\x00,{meter},T1,2025-02-10,1400")
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert said(report) == {"row 2": "supply_point contains control characters."}
    assert report.items[0].outcome == Outcome.REFUSED


def test_a_quote_left_open_swallows_no_more_than_the_field_limit(session, people, point):
    text = csv_for(point, '{code},{meter},T1,"2025-02-10,1400', "{code},{meter},T1,2025-02-11,1410")
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert not report.ok and readings(session, point)[-1].reading_date == D(2025, 1, 31)
