"""Paging through a query: the rows of a page and the number of all rows, right on the first,
a middle, the last and a page past the end, with eager loads, in a fixed number of statements."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import joinedload

from core.pagination import paginate
from models.identity import Company
from tests import factories


@pytest.fixture
def companies(session):
    made = [factories.company(session, f"Paged {n:02d} s.r.o.") for n in range(7)]
    session.flush()
    return made


def page_of(session, number: int, size: int = 3):
    stmt = (
        select(Company)
        .where(Company.legal_name.like("Paged %"))
        .options(joinedload(Company.customer_group))
        .order_by(Company.legal_name)
    )
    return paginate(session, stmt, number=number, size=size)


@pytest.mark.parametrize(
    ("number", "names"), [(1, ["00", "01", "02"]), (2, ["03", "04", "05"]), (3, ["06"])]
)
def test_a_page_holds_its_rows_and_counts_all(session, companies, number, names):
    page = page_of(session, number)
    assert [c.legal_name[6:8] for c in page.items] == names
    assert (page.total, page.pages) == (7, 3)
    assert page.has_next == (number < 3) and page.has_previous == (number > 1)


def test_a_page_is_two_statements_and_past_the_end_still_knows_the_total(
    session, companies, engine
):
    seen: list[str] = []

    def note(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        first = page_of(session, 1)
        beyond = page_of(session, 9)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(seen) == 4 and first.total == 7
    assert beyond.items == [] and beyond.total == 7 and beyond.pages == 3


def test_an_empty_query_is_one_empty_page(session):
    page = paginate(session, select(Company).where(Company.id < 0), number=1, size=3)
    assert (page.items, page.total, page.pages, page.has_next) == ([], 0, 1, False)


def test_a_count_ahead_stops_counting_and_says_there_are_more(session, companies):
    stmt = select(Company).where(Company.legal_name.like("Paged %")).order_by(Company.legal_name)
    first = paginate(session, stmt, number=1, size=3, count_ahead=4)
    assert [c.legal_name[6:8] for c in first.items] == ["00", "01", "02"]
    assert (first.total, first.more, first.pages, first.has_next) == (4, True, 2, True)
    # From page 2 on, the count reaches 3 + 4 = 7 rows: all of them, so the total is exact.
    second = paginate(session, stmt, number=2, size=3, count_ahead=4)
    assert [c.legal_name[6:8] for c in second.items] == ["03", "04", "05"]
    assert (second.total, second.more, second.pages) == (7, False, 3)
