"""Readings and consumption as people see them, shared by the portal and the back office: the
labels of registers, statuses and sources, quantities in the reader's locale, a review
reason in words, and the consumption history as a bar chart in inline SVG.

The chart is drawn on the server: no script, and no inline style (the CSP forbids it), only
presentation attributes and classes. It names itself with <title>/<desc>, and every page
that shows it also shows a table with the same numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import format_date, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from models.supply import (
    Commodity,
    MonthTotal,
    Reading,
    ReadingSource,
    ReadingStatus,
    reason_message,
)

COMMODITY_LABELS = {
    Commodity.ELECTRICITY: _l("Electricity"),
    Commodity.GAS: _l("Gas"),
    Commodity.WATER: _l("Water"),
}
REGISTER_LABELS = {"HT": _l("High tariff"), "NT": _l("Low tariff"), "T1": _l("Main register")}
STATUS_LABELS = {
    ReadingStatus.ACCEPTED: _l("Accepted"),
    ReadingStatus.PENDING_REVIEW: _l("Being checked"),
    ReadingStatus.REJECTED: _l("Rejected"),
}
SOURCE_LABELS = {
    ReadingSource.CUSTOMER: _l("Customer"),
    ReadingSource.DISTRIBUTOR: _l("Distributor"),
}


def register_label(code: str) -> str:
    """ "High tariff (HT)"; a code without a name stays as it is."""
    name = REGISTER_LABELS.get(code)
    return f"{name} ({code})" if name else code


def quantity(value: Decimal | str | None) -> str:
    """A meter value or consumption in the reader's locale, without trailing zeros (also one
    kept as text, in an e-mail's parameters)."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(value), format="#,##0.###")


def reason_text(reading: Reading) -> str:
    """Why the reading waits (or waited) for review, in the reader's language."""
    found = reason_message(reading)
    if found is None:
        return ""
    message, params = found
    shown = {k: quantity(v) if isinstance(v, Decimal) else v for k, v in params.items()}
    return gettext(message, **shown)


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar: "Jan"
    title: str  # for the reader: "January 2026: 812 kWh"
    value: Decimal | None
    year: str | None = None  # under the first bar and each January's


def month_bars(months: list[MonthTotal], unit: str) -> list[Bar]:
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


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if value <= m * magnitude)


WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 40


def bar_chart(bars: list[Bar], *, chart_id: str, title: str, description: str, unit: str) -> Markup:
    """An SVG bar chart of `bars`, labelled by `title` and `description` for screen readers."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_ceiling(float(max((b.value for b in bars if b.value is not None), default=0)))
    slot = plot_w / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        label = f"{quantity(Decimal(str(top * fraction)))} {unit}"
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    for i, bar in enumerate(bars):
        x = LEFT + slot * i
        center = x + slot / 2
        if bar.value is not None:
            height = plot_h * float(bar.value) / top
            y = TOP + plot_h - height
            parts.append(
                f'<rect class="chart-bar" x="{x + slot * 0.15:.1f}" y="{y:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}"><title>{escape(bar.title)}</title>'
                "</rect>"
            )
        parts.append(
            f'<text class="chart-label" x="{center:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(bar.label)}</text>'
        )
        if bar.year:
            parts.append(
                f'<text class="chart-year" x="{center:.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{escape(bar.year)}</text>'
            )
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest is our own markup.
    return Markup("".join(parts))  # noqa: S704
