"""Lists in pages: the one way to page through a query (a count and a slice), and the one
way to match a searched text inside a column."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import ColumnElement, CompoundSelect, Select, any_, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    total: int
    # The total is only a lower bound: counting stopped there (paginate's count_ahead).
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page() -> int:
    """The ?page= number, 1 for anything that is not a positive whole number."""
    value = request.args.get("page", "1")
    # isdigit() also admits "²", which int() refuses; ASCII decimals only.
    if value.isascii() and value.isdecimal() and 0 < int(value) < 10**6:
        return int(value)
    return 1


def plain_id(value: str) -> int | None:
    """A query argument that names a row by its id (?company=12), or None for anything else:
    ASCII digits only, short enough for a database integer."""
    return int(value) if value.isascii() and value.isdecimal() and len(value) <= 9 else None


def paginate(
    session: Session, stmt: Select[T], *, number: int, size: int, count_ahead: int | None = None
) -> Page[T]:
    """The page's rows and the number of all rows. Two statements on purpose: a window count
    (`count(*) OVER ()`) would save one, but it makes the database read and sort every
    matching row before the LIMIT; at 2 million invoices that is seconds (bench/scale.py).

    With `count_ahead`, the count stops that many rows past the page's start (the page then
    says "more than"): a staff list over every company would otherwise count millions of
    rows on each page of 25."""
    counted = stmt.order_by(None)
    limit = None if count_ahead is None else (number - 1) * size + count_ahead
    if limit is not None:
        counted = counted.limit(limit + 1)
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    items = list(session.scalars(stmt.limit(size).offset((number - 1) * size)))
    if limit is not None and total > limit:
        return Page(items=items, number=number, size=size, total=limit, more=True)
    return Page(items=items, number=number, size=size, total=total)


def paginate_keys(
    session: Session,
    keys: Select[int],
    load: Callable[[list[int]], Iterable[Any]],
    *,
    number: int,
    size: int,
    count_ahead: int | None = None,
) -> Page[Any]:
    """`paginate` over the ordered ids `keys` selects, then `load(ids)` for the page's rows
    (objects with an `id`, in any order; shown in the order of `keys`). A deep page then
    skips index entries, not joined rows: ordering every pending change request joined with
    its company and people before the OFFSET took PostgreSQL 160 ms at 10,000 (bench/changes.py)."""
    page = paginate(session, keys, number=number, size=size, count_ahead=count_ahead)
    found = {row.id: row for row in load(list(page.items))}
    return replace(page, items=[found[key] for key in page.items if key in found])


def contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """Case-insensitive "column contains text", with % and _ in the text taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def among(
    session: Session, column: ColumnElement[int], ids: Select[tuple[int]] | CompoundSelect
) -> ColumnElement[bool]:
    """`column IN (ids)`, on PostgreSQL as `= ANY(ARRAY(ids))`: the ids (a search's matches,
    found by their own indexes) are collected first and the rows then fetched by key. As a
    plain IN, the planner guesses how many rows a trigram match finds, guesses high, and
    joins whole tables instead (bench/scale.py: 150 ms against 16 for a login e-mail)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)
