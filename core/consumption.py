"""Readings and consumption as people see them, shared by the portal, the back office and the
e-mails: a register's label and a review reason in the reader's language, and a supply
point's consumption block (its month bars, drawn by core/charts.py, and the same numbers for
the table of templates/components/consumption.html). `init_app` makes the helpers template
globals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask
from flask_babel import format_date, gettext
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.charts import Bar, bar_chart, quantity
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


def month_bars(months: list[MonthTotal], unit: str) -> list[Bar]:
    """One bar per month, labelled with the month and, under each January and the first bar,
    the year."""
    bars = []
    for i, month in enumerate(months):
        name = format_date(month.month, "LLLL yyyy")
        if month.consumption is None:
            title = gettext("%(month)s: no readings", month=name)
        else:
            title = f"{name}: {quantity(month.consumption)} {unit}"
        # Under each January, and under the first bar unless a January follows closely.
        first = i == 0 and month.month.month <= 10
        year = str(month.month.year) if first or month.month.month == 1 else None
        bars.append(Bar(format_date(month.month, "LLL"), title, month.consumption, year))
    return bars


@dataclass(frozen=True)
class ConsumptionBlock:
    """A supply point's consumption block: the chart, and its months for the table."""

    months: list[MonthTotal]
    unit: str
    chart: Markup


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
