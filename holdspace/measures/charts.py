"""Score trajectories drawn as SVG, on the server, so the same picture goes on the page and into
the PDF progress report (issue 5 "Pictures").

Pure Python, no Django. The picture must be readable without colour and by a screen reader:

- severity bands are told apart by fill pattern (plain, dots, hatching, cross-hatching) and each is
  named in text on the chart ("mild 5-9"), not by colour;
- the score line has a marker and the value written beside every point;
- infusion days are dashed vertical lines with a triangle under the axis, named in the legend;
- the response and remission thresholds are horizontal lines of different dash styles, labelled
  in text at their end;
- the SVG has a <title> and a <desc> that says in words what the chart shows.

Everything is drawn in `currentColor` with opacity, so it follows the page's light or dim theme
and prints in black. All text is escaped.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

WIDTH = 640
HEIGHT = 280
# Room for the y axis labels (left), band names and line labels (right), dates and legend (bottom).
MARGIN_LEFT = 44
MARGIN_RIGHT = 170
MARGIN_TOP = 16
MARGIN_BOTTOM = 62
PATTERNS = ("plain", "dots", "hatch", "cross")


@dataclass(frozen=True)
class Band:
    """A severity band of the instrument, e.g. 5-9 "mild"."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class ChartPoint:
    on: date
    score: float


@dataclass(frozen=True)
class Threshold:
    """A horizontal line: the score at or below which (or below which) a rule is met."""

    value: float
    label: str


@dataclass(frozen=True)
class ScoreChart:
    chart_id: str
    """Unique on the page (pattern ids are derived from it); letters, digits, - and _ only."""
    title: str
    minimum: float
    maximum: float
    points: tuple[ChartPoint, ...]
    bands: tuple[Band, ...] = ()
    infusion_days: tuple[date, ...] = ()
    response: Threshold | None = None
    remission: Threshold | None = None


@dataclass(frozen=True)
class PlottedPoint:
    x: float
    y: float
    point: ChartPoint


@dataclass(frozen=True)
class Frame:
    """The plotting area in SVG units and the date and score ranges mapped onto it."""

    left: float
    top: float
    right: float
    bottom: float
    first_day: date
    last_day: date
    minimum: float
    maximum: float

    def x(self, on: date) -> float:
        span = (self.last_day - self.first_day).days
        return self.left + (on - self.first_day).days / span * (self.right - self.left)

    def y(self, score: float) -> float:
        clamped = min(max(score, self.minimum), self.maximum)
        fraction = (clamped - self.minimum) / (self.maximum - self.minimum)
        return self.bottom - fraction * (self.bottom - self.top)


def _check(chart: ScoreChart) -> None:
    if not chart.maximum > chart.minimum:
        raise ValueError(f"the score range is empty ({chart.minimum} to {chart.maximum})")
    if not chart.chart_id or not all(c.isalnum() or c in "-_" for c in chart.chart_id):
        raise ValueError(f"chart_id must be letters, digits, - or _ (got {chart.chart_id!r})")
    days = [p.on for p in chart.points]
    if days != sorted(days):
        raise ValueError("chart points must be in date order")


def frame_for(chart: ScoreChart, width: int = WIDTH, height: int = HEIGHT) -> Frame:
    """The frame of the chart: dates from the first to the last point or infusion (at least a
    week, so a single score is not drawn on an axis one day wide)."""
    _check(chart)
    days = [p.on for p in chart.points] + list(chart.infusion_days)
    first = min(days) if days else date(2000, 1, 1)
    last = max(days) if days else first
    if (last - first).days < 7:
        last = first + timedelta(days=7)
    return Frame(
        left=MARGIN_LEFT,
        top=MARGIN_TOP,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
        first_day=first,
        last_day=last,
        minimum=chart.minimum,
        maximum=chart.maximum,
    )


def plot(chart: ScoreChart, frame: Frame) -> tuple[PlottedPoint, ...]:
    return tuple(PlottedPoint(frame.x(p.on), frame.y(p.score), p) for p in chart.points)


def _n(value: float) -> str:
    """A coordinate or score without float noise: 12.0 → "12", 3.14159 → "3.14"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _patterns(chart_id: str) -> str:
    defs = [
        f'<pattern id="{chart_id}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<circle cx="3" cy="3" r="0.9" fill="currentColor" fill-opacity="0.45"/></pattern>',
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" '
        'stroke="currentColor" stroke-opacity="0.35" stroke-width="1.2"/></pattern>',
        f'<pattern id="{chart_id}-cross" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><path d="M0 0V6M0 0H6" stroke="currentColor" '
        'stroke-opacity="0.4" stroke-width="1.2" fill="none"/></pattern>',
    ]
    return "<defs>" + "".join(defs) + "</defs>"


def _bands(chart: ScoreChart, frame: Frame) -> list[str]:
    parts = []
    for index, band in enumerate(chart.bands):
        # The band covers whole scores low..high: draw it from low - 0.5 to high + 0.5 so that
        # neighbouring bands meet, clamped to the axis.
        top, bottom = frame.y(band.high + 0.5), frame.y(band.low - 0.5)
        pattern = PATTERNS[index % len(PATTERNS)]
        fill = (
            'fill="currentColor" fill-opacity="0.04"'
            if pattern == "plain"
            else f'fill="url(#{chart.chart_id}-{pattern})"'
        )
        name = f"{band.label} {_n(band.low)}-{_n(band.high)}"
        parts.append(
            f'<rect class="band band-{pattern}" x="{_n(frame.left)}" y="{_n(top)}" '
            f'width="{_n(frame.right - frame.left)}" height="{_n(bottom - top)}" {fill}>'
            f"<title>{escape(name)}</title></rect>"
            f'<text class="band-label" x="{_n(frame.right + 6)}" y="{_n((top + bottom) / 2 + 4)}" '
            f'font-size="11" fill="currentColor" fill-opacity="0.8">{escape(name)}</text>'
        )
    return parts


def _axes(frame: Frame) -> list[str]:
    parts = [
        f'<path d="M{_n(frame.left)} {_n(frame.top)}V{_n(frame.bottom)}H{_n(frame.right)}" '
        'stroke="currentColor" fill="none" stroke-width="1"/>'
    ]
    for score in _y_ticks(frame.minimum, frame.maximum):
        y = frame.y(score)
        parts.append(
            f'<text x="{_n(frame.left - 6)}" y="{_n(y + 4)}" font-size="11" text-anchor="end" '
            f'fill="currentColor">{_n(score)}</text>'
        )
    for day in _x_ticks(frame.first_day, frame.last_day):
        x = frame.x(day)
        parts.append(
            f'<text x="{_n(x)}" y="{_n(frame.bottom + 16)}" font-size="11" text-anchor="middle" '
            f'fill="currentColor">{day.strftime("%d %b")}</text>'
        )
    return parts


def _y_ticks(minimum: float, maximum: float) -> list[float]:
    step = max(1, round((maximum - minimum) / 5))
    ticks = []
    value = minimum
    # A tick closer than half a step to the maximum would print over the maximum's label.
    while value < maximum - step / 2:
        ticks.append(value)
        value += step
    return [*ticks, maximum]


def _x_ticks(first: date, last: date, count: int = 4) -> list[date]:
    span = (last - first).days
    return sorted({first + timedelta(days=round(span * i / count)) for i in range(count + 1)})


def _threshold(frame: Frame, threshold: Threshold, dash: str, css: str, label_offset: float) -> str:
    y = frame.y(threshold.value)
    return (
        f'<g class="{css}"><line x1="{_n(frame.left)}" y1="{_n(y)}" x2="{_n(frame.right)}" '
        f'y2="{_n(y)}" stroke="currentColor" stroke-width="1.5" stroke-dasharray="{dash}"/>'
        f'<text x="{_n(frame.left + 4)}" y="{_n(y + label_offset)}" font-size="11" '
        f'font-weight="bold" fill="currentColor">{escape(threshold.label)}</text></g>'
    )


def _infusions(chart: ScoreChart, frame: Frame) -> list[str]:
    parts = []
    for day in sorted(set(chart.infusion_days)):
        x = frame.x(day)
        parts.append(
            f'<g class="infusion"><title>Infusion {day.isoformat()}</title>'
            f'<line x1="{_n(x)}" y1="{_n(frame.top)}" x2="{_n(x)}" y2="{_n(frame.bottom)}" '
            'stroke="currentColor" stroke-opacity="0.5" stroke-dasharray="2 3"/>'
            f'<path d="M{_n(x)} {_n(frame.bottom + 20)}l-4 7h8z" fill="currentColor"/></g>'
        )
    return parts


def _scores(plotted: Sequence[PlottedPoint]) -> list[str]:
    if not plotted:
        return []
    line = " ".join(f"{_n(p.x)},{_n(p.y)}" for p in plotted)
    parts = [
        f'<polyline class="score-line" points="{line}" fill="none" stroke="currentColor" '
        'stroke-width="2.5"/>'
    ]
    for p in plotted:
        label = f"{p.point.on.isoformat()}: {_n(p.point.score)}"
        parts.append(
            f'<g class="score"><title>{escape(label)}</title>'
            f'<rect x="{_n(p.x - 4)}" y="{_n(p.y - 4)}" width="8" height="8" '
            'fill="currentColor"/>'
            f'<text x="{_n(p.x)}" y="{_n(p.y - 8)}" font-size="11" font-weight="bold" '
            f'text-anchor="middle" fill="currentColor">{_n(p.point.score)}</text></g>'
        )
    return parts


def _legend(chart: ScoreChart, frame: Frame, height: int) -> str:
    """Names every kind of mark the chart has, with its shape or dash, so colour is not needed."""
    y = height - 12
    x = frame.left
    parts = [
        f'<rect x="{_n(x)}" y="{y - 8}" width="8" height="8" fill="currentColor"/>'
        f'<text x="{_n(x + 12)}" y="{y}">score</text>'
    ]
    x += 60
    if chart.infusion_days:
        parts.append(
            f'<path d="M{_n(x + 4)} {y - 8}l-4 7h8z" fill="currentColor"/>'
            f'<text x="{_n(x + 12)}" y="{y}">infusion day (dashed line)</text>'
        )
        x += 170
    for threshold, dash, name in (
        (chart.response, "8 4", "response"),
        (chart.remission, "2 3", "remission"),
    ):
        if threshold is None:
            continue
        parts.append(
            f'<line x1="{_n(x)}" y1="{y - 4}" x2="{_n(x + 24)}" y2="{y - 4}" '
            f'stroke="currentColor" stroke-width="1.5" stroke-dasharray="{dash}"/>'
            f'<text x="{_n(x + 28)}" y="{y}">{name}</text>'
        )
        x += 100
    return f'<g class="legend" font-size="11" fill="currentColor">{"".join(parts)}</g>'


def describe(chart: ScoreChart) -> str:
    """The chart in words, for screen readers (the SVG's <desc>) and as a text alternative."""
    if not chart.points:
        return f"{chart.title}: no completed scores yet."
    first, last = chart.points[0], chart.points[-1]
    words = [
        f"{chart.title}, scale {_n(chart.minimum)} to {_n(chart.maximum)}.",
        f"{len(chart.points)} scores from {first.on.isoformat()} ({_n(first.score)}) "
        f"to {last.on.isoformat()} ({_n(last.score)}).",
    ]
    if chart.infusion_days:
        words.append(f"{len(set(chart.infusion_days))} infusion days marked.")
    for threshold in (chart.response, chart.remission):
        if threshold is not None:
            words.append(f"Line: {threshold.label}.")
    return " ".join(words)


def render_svg(chart: ScoreChart, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The chart as an SVG element, ready to embed in HTML or a PDF."""
    frame = frame_for(chart, width, height)
    title_id, desc_id = f"{chart.chart_id}-title", f"{chart.chart_id}-desc"
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" '
        f"id={quoteattr(chart.chart_id)} "
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="sans-serif">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(describe(chart))}</desc>',
        _patterns(chart.chart_id),
        *_bands(chart, frame),
        *_axes(frame),
        *_infusions(chart, frame),
    ]
    # The two lines are labelled inside the plot, one above and one below its line, so that
    # close thresholds do not overprint each other or the band names on the right.
    if chart.response is not None:
        parts.append(_threshold(frame, chart.response, "8 4", "response-line", -3))
    if chart.remission is not None:
        parts.append(_threshold(frame, chart.remission, "2 3", "remission-line", 12))
    parts.extend(_scores(plot(chart, frame)))
    parts.append(_legend(chart, frame, height))
    parts.append("</svg>")
    return "".join(parts)
