"""A small server-side SVG line chart of values over time (goal progress, session feedback).

Pure: no Django, no JavaScript, nothing fetched. The page embeds the returned markup; every text
that goes into it is escaped here, and every coordinate stays inside the drawing area whatever
the values (out-of-range values are drawn at the edge and say so in their tooltip).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 30


@dataclass(frozen=True)
class Point:
    when: date
    value: float
    label: str = ""
    """Tooltip text, e.g. "3 of 3 times"; the date is added in front."""
    flagged: bool = False
    """Drawn in the warning colour (e.g. a low session-feedback form)."""


@dataclass(frozen=True)
class ReferenceLine:
    value: float
    label: str
    css: str = "target"


def _text(value: str) -> str:
    """Escaped for XML, without the characters XML 1.0 cannot carry (control characters)."""
    allowed = "".join(
        ch
        for ch in value
        if ch in "\t\n\r"
        or ("\x20" <= ch <= "\ud7ff")
        or ("\ue000" <= ch <= "\ufffd")
        or ch >= "\U00010000"
    )
    return escape(allowed, quote=True)


def _clamp(value: float, low: float, high: float) -> float:
    if math.isnan(value):
        return low
    return min(max(value, low), high)


def _x(day: date, first: date, last: date) -> float:
    span = (last - first).days
    inner = WIDTH - LEFT - RIGHT
    if span == 0:
        return LEFT + inner / 2
    return LEFT + inner * (day - first).days / span


def _y(value: float, y_max: float) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner * (1 - _clamp(value, 0.0, y_max) / y_max)


def _fmt(number: float) -> str:
    return f"{number:.1f}"


def _axes(y_max: float, first: date | None, last: date | None) -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>',
        f'<text x="{LEFT - 6}" y="{bottom}" text-anchor="end">0</text>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end">{_text(_number(y_max))}</text>',
    ]
    if first is not None and last is not None:
        parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}">{first.isoformat()}</text>')
        if last != first:
            parts.append(
                f'<text x="{right}" y="{HEIGHT - 8}" text-anchor="end">{last.isoformat()}</text>'
            )
    return parts


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else _fmt(value)


def _reference(line: ReferenceLine, y_max: float) -> list[str]:
    y = _fmt(_y(line.value, y_max))
    css = _text(line.css)
    return [
        f'<line class="{css}" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>',
        f'<text x="{WIDTH - RIGHT}" y="{y}" dy="-4" text-anchor="end">{_text(line.label)}</text>',
    ]


def _tooltip(point: Point, y_max: float) -> str:
    text = f"{point.when.isoformat()}: {point.label or _number(point.value)}"
    if point.value > y_max:
        text += " (above the chart; drawn at the top)"
    return _text(text)


def _points(points: Sequence[Point], y_max: float) -> list[str]:
    first, last = points[0].when, points[-1].when
    coords = [(_x(p.when, first, last), _y(p.value, y_max)) for p in points]
    parts = []
    if len(coords) > 1:
        path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coords)
        parts.append(f'<polyline class="line" points="{path}"/>')
    for point, (x, y) in zip(points, coords, strict=True):
        css = "point flagged" if point.flagged else "point"
        parts.append(
            f'<circle class="{css}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="4">'
            f"<title>{_tooltip(point, y_max)}</title></circle>"
        )
    return parts


def trend_svg(
    points: Sequence[Point],
    *,
    y_max: float,
    title: str,
    reference_lines: Sequence[ReferenceLine] = (),
    empty_text: str = "Nothing recorded yet.",
) -> str:
    """An accessible SVG line chart: points in date order on a 0..y_max scale."""
    if not y_max > 0 or math.isinf(y_max):
        raise ValueError("y_max must be a positive, finite number")
    ordered = sorted(points, key=lambda p: p.when)
    first = ordered[0].when if ordered else None
    last = ordered[-1].when if ordered else None
    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{_text(title)}">',
        f"<title>{_text(title)}</title>",
        *_axes(y_max, first, last),
    ]
    for line in reference_lines:
        parts.extend(_reference(line, y_max))
    if ordered:
        parts.extend(_points(ordered, y_max))
    else:
        middle = f'x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle"'
        parts.append(f"<text {middle}>{_text(empty_text)}</text>")
    parts.append("</svg>")
    return "".join(parts)
