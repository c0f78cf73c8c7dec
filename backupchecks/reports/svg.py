"""The status-per-day chart, drawn on the server as SVG (no script, no CDN).

Colours are presentation attributes, not inline styles: the page's CSP
allows no inline style, and the chart must print as it looks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from markupsafe import Markup

COLOURS = {"success": "#1e7b34", "warning": "#b06a00", "failed": "#b3261e", "missed": "#6b4fa0"}
ORDER = ("success", "warning", "failed", "missed")  # bottom to top

WIDTH, HEIGHT = 900, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 28, 34


def _nice_max(value: int) -> int:
    """A round top for the axis (1, 2, 5, 10, 20, 50, ...) at or above ``value``."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def status_chart(days: Sequence[date], per_day: Mapping[date, Mapping[str, int]],
                 title: str = "Runs per day by status") -> Markup:
    """Stacked bars, one per day; each segment has a <title> for hover and screen readers."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    totals = [sum(per_day.get(d, {}).get(s, 0) for s in ORDER) for d in days]
    top = _nice_max(max(totals, default=0))
    slot = plot_w / max(1, len(days))
    bar = max(1.0, slot * 0.8)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-label="{escape(title)}" id="status-chart">',
        f"<title>{escape(title)}</title>",
    ]
    # Axis and three grid lines with their values.
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        value = top * fraction
        label = f"{value:g}"
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                     f'stroke="#ccc" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#555">{escape(label)}</text>')
    # Bars.
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar) / 2
        y = TOP + plot_h
        counts = per_day.get(day, {})
        for status in ORDER:
            number = int(counts.get(status, 0))
            if not number:
                continue
            height = plot_h * number / top
            y -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[status]}" class="bar bar-{status}" data-day="{day.isoformat()}">'
                f"<title>{day.isoformat()}: {number} {status}</title></rect>"
            )
    # Date labels: about ten along the axis, always the first and the last.
    every = max(1, round(len(days) / 10))
    for index, day in enumerate(days):
        if index % every and index != len(days) - 1:
            continue
        x = LEFT + index * slot + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                     f'font-size="11" fill="#555">{day.strftime("%d %b")}</text>')
    # Legend.
    x = LEFT
    for status in ORDER:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[status]}"/>')
        parts.append(f'<text x="{x + 16}" y="16" font-size="12" fill="#333">{status}</text>')
        x += 90
    if not any(totals):
        parts.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + plot_h / 2:.0f}" '
                     f'text-anchor="middle" font-size="14" fill="#777">No runs in this period</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
