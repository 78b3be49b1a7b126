"""Readings and consumption as people see them, shared by the portal, the back office and the
e-mails: a register's label and a review reason in the reader's language, and a supply
point's consumption block (its month bars, drawn by core/charts.py, and the same numbers for
the table of templates/components/consumption.html), also as a year-on-year comparison of
several points together (the company overview). `init_app` makes the helpers template
globals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.charts import Bar, bar_chart, quantity
from core.i18n import date_text
from models.supply import MonthTotal, Reading, SupplyPoint, monthly_consumption, reason_message
from models.supply import register_label as _register_label


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        register_label=register_label, quantity=quantity, reason_text=reason_text
    )


def register_label(code: str) -> str:
    """ "High tariff (HT)" in the reader's language."""
    return _register_label(code, gettext)


def reason_text(reading: Reading) -> str:
    """Why the reading waits (or waited) for review, in the reader's language."""
    found = reason_message(reading)
    if found is None:
        return ""
    message, params = found
    shown = {k: quantity(v) if isinstance(v, Decimal) else v for k, v in params.items()}
    return gettext(message, **shown)


def _month_title(month: MonthTotal, unit: str) -> str:
    name = date_text(month.month, "LLLL yyyy")
    if month.consumption is None:
        return gettext("%(month)s: no readings", month=name)
    return f"{name}: {quantity(month.consumption)} {unit}"


def month_bars(
    months: list[MonthTotal],
    unit: str,
    previous: list[MonthTotal] | None = None,
    *,
    label_format: str = "LLL",
) -> list[Bar]:
    """One bar per month, labelled with the month ("Jan", or "J" with `label_format` "LLLLL"
    where room is short) and, under each January and the first bar, the year; with `previous`
    (as many months, a year earlier), each bar with its month of the year before."""
    bars = []
    for i, month in enumerate(months):
        # Under each January, and under the first bar unless a January follows closely.
        first = i == 0 and month.month.month <= 10
        year = str(month.month.year) if first or month.month.month == 1 else None
        before = previous[i] if previous is not None else None
        bars.append(
            Bar(
                date_text(month.month, label_format),
                _month_title(month, unit),
                month.consumption,
                year,
                previous=before.consumption if before else None,
                previous_title=_month_title(before, unit) if before else None,
            )
        )
    return bars


@dataclass(frozen=True)
class ConsumptionBlock:
    """A supply point's consumption block: the chart, and its months for the table (with
    `previous`, the same months a year earlier, when it compares years). `id` names the
    block on its page."""

    months: list[MonthTotal]
    unit: str
    chart: Markup
    previous: list[MonthTotal] | None = None
    id: str = "consumption"


def consumption_block(
    session: Session, point: SupplyPoint, *, today: dt.date, months: int, title: str
) -> ConsumptionBlock:
    """The point's monthly consumption over `months` months up to `today`'s (accepted readings
    only), as a chart named `title` and as the table's rows."""
    totals = monthly_consumption(session, point, today=today, months=months)
    unit = point.commodity.unit
    chart = bar_chart(
        month_bars(totals, unit),
        chart_id="consumption",
        title=title,
        description=gettext(
            "Bars show the consumption in %(unit)s of each month; the table below gives the "
            "same numbers.",
            unit=unit,
        ),
        unit=unit,
    )
    return ConsumptionBlock(totals, unit, chart)


# The overview's chart is drawn to fit a 390-px phone's card, so its text stays at 11 px there
# (the text scales with the drawing); the chart's height cap keeps it modest on a wide screen.
COMPACT_WIDTH, COMPACT_LEFT = 310, 46


def added_up(series: Iterable[list[MonthTotal]]) -> list[MonthTotal]:
    """Month totals of several points (the same months each) added up; a month no point has
    a number for stays without one."""
    result: list[MonthTotal] = []
    for months in zip(*series, strict=True):
        known = [m.consumption for m in months if m.consumption is not None]
        result.append(MonthTotal(months[0].month, sum(known, Decimal(0)) if known else None))
    return result


def year_on_year(
    totals: list[MonthTotal], *, unit: str, block_id: str, title: str
) -> ConsumptionBlock:
    """The last 12 of `totals` (24 months, oldest first) against the 12 before them, as a
    chart of month pairs named `title` and as the table's rows."""
    previous, months = totals[:-12], totals[-12:]
    chart = bar_chart(
        month_bars(months, unit, previous, label_format="LLLLL"),
        chart_id=block_id,
        title=title,
        description=gettext(
            "Pairs of bars: on the right the consumption in %(unit)s of each of the last 12 "
            "months, on the left, lighter, the same month a year earlier; the table gives the "
            "same numbers.",
            unit=unit,
        ),
        unit=unit,
        width=COMPACT_WIDTH,
        left=COMPACT_LEFT,
        axis_unit=False,
    )
    return ConsumptionBlock(months, unit, chart, previous=previous, id=block_id)
