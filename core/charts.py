"""Bar charts in inline SVG, and the quantities they (and the pages around them) show in the
reader's locale. It draws the bars it is given and knows nothing of what they count: the
supply area builds its month bars in core/consumption.py.

The chart is drawn on the server: no script, and no inline style (the CSP forbids it), only
presentation attributes and classes. It names itself with <title>/<desc>, and every page
that shows it also shows a table with the same numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from core.i18n import number_text


def quantity(value: Decimal | str | None) -> str:
    """A meter value or consumption in the reader's locale, without trailing zeros (also one
    kept as text, in an e-mail's parameters)."""
    if value is None or value == "":
        return ""
    return number_text(Decimal(value), "#,##0.###")


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar: "Jan"
    title: str  # for the reader: "January 2026: 812 kWh"
    value: Decimal | None
    year: str | None = None  # under the first bar and each January's
    # A second, lighter series drawn beside it (the same month a year earlier).
    previous: Decimal | None = None
    previous_title: str | None = None


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if value <= m * magnitude)


WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 40


def bar_chart(
    bars: list[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    unit: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    left: int = LEFT,
    axis_unit: bool = True,
) -> Markup:
    """An SVG bar chart of `bars`, labelled by `title` and `description` for screen readers.
    When a bar has a `previous` value (or a `previous_title`), each month is a pair: the
    previous series lighter on the left, the bar itself on the right. A narrower `width`
    keeps the text readable where the chart is drawn small (it scales with the drawing); such
    a chart leaves the unit off its axis (its caption names it) and needs a smaller `left`."""
    paired = any(b.previous is not None or b.previous_title for b in bars)
    plot_w, plot_h = width - left - RIGHT, height - TOP - BOTTOM
    values = [v for b in bars for v in (b.value, b.previous) if v is not None]
    top = _nice_ceiling(float(max(values, default=0)))
    slot = plot_w / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        label = quantity(Decimal(str(top * fraction)))
        if axis_unit:
            label = f"{label} {unit}"
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )

    def rect(css: str, x: float, bar_w: float, value: Decimal | None, hint: str | None) -> None:
        if value is None:
            return
        bar_h = plot_h * float(value) / top
        y = TOP + plot_h - bar_h
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{bar_h:.1f}"><title>{escape(hint or "")}</title></rect>'
        )

    for i, bar in enumerate(bars):
        x = left + slot * i
        center = x + slot / 2
        if paired:
            rect(
                "chart-bar chart-bar-previous",
                x + slot * 0.1,
                slot * 0.38,
                bar.previous,
                bar.previous_title,
            )
            rect("chart-bar", x + slot * 0.52, slot * 0.38, bar.value, bar.title)
        else:
            rect("chart-bar", x + slot * 0.15, slot * 0.7, bar.value, bar.title)
        parts.append(
            f'<text class="chart-label" x="{center:.1f}" y="{height - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(bar.label)}</text>'
        )
        if bar.year:
            parts.append(
                f'<text class="chart-year" x="{center:.1f}" y="{height - 6}" '
                f'text-anchor="middle">{escape(bar.year)}</text>'
            )
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest is our own markup.
    return Markup("".join(parts))  # noqa: S704
