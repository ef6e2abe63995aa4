"""The infusion record's chart, drawn as SVG on the server for the PDF (no JavaScript there).

One time axis for the vital signs, the pump events and the delivered-dose curve, like the
console's live chart (issue 4, "Records"). A printed record is often read in black and white, so
every series has its own marker shape and the legend names each one; the pump events are labelled
lines; colour only helps.

Pure: no Django. Times are seconds since the epoch (as ``queries.chart_series`` gives them) and
are labelled in the clinic's time zone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class VitalPoint:
    t: float
    systolic: float | None = None
    diastolic: float | None = None
    heart_rate: float | None = None
    spo2: float | None = None
    resp_rate: float | None = None


@dataclass(frozen=True)
class PumpMark:
    t: float
    label: str


@dataclass(frozen=True)
class DosePoint:
    t: float
    mg: float


@dataclass(frozen=True)
class ChartData:
    vitals: tuple[VitalPoint, ...] = ()
    pump: tuple[PumpMark, ...] = ()
    dose: tuple[DosePoint, ...] = ()
    planned_mg: float = 0.0


@dataclass(frozen=True)
class Series:
    """One vital sign: the field it reads, its legend label and its marker shape."""

    key: str
    label: str
    shape: str
    colour: str


# The shapes of the paper anaesthesia record: systolic ▼ over diastolic ▲, heart rate a dot.
SERIES = (
    Series("systolic", "SBP mmHg", "down", "#a02c2c"),
    Series("diastolic", "DBP mmHg", "up", "#9a5b00"),
    Series("heart_rate", "HR /min", "dot", "#1f5f8b"),
    Series("spo2", "SpO₂ %", "square", "#2d6a3e"),
    Series("resp_rate", "RR /min", "cross", "#5a3e8a"),
)


@dataclass(frozen=True)
class Box:
    """The plot area inside the view box."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom


@dataclass(frozen=True)
class Layout:
    width: float = 720
    height: float = 340
    box: Box = Box(left=52, top=58, right=660, bottom=270)


@dataclass(frozen=True)
class Mark:
    """One drawn vital-sign value."""

    series: Series
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Scales:
    t0: float
    t1: float
    vitals_max: float
    dose_max: float


# --- Scales ----------------------------------------------------------------------------------


def _nice_ceiling(value: float, step: float) -> float:
    return max(step, math.ceil(value / step) * step)


def _tick_step(rough: float) -> float:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) at least ``rough``."""
    power = 10.0 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power


def _times(data: ChartData) -> list[float]:
    return [p.t for p in data.vitals] + [p.t for p in data.pump] + [p.t for p in data.dose]


def _vital_values(data: ChartData) -> list[float]:
    return [
        value
        for point in data.vitals
        for series in SERIES
        if (value := getattr(point, series.key)) is not None
    ]


def scales(data: ChartData) -> Scales:
    """Axis ranges that hold every value: time padded by a minute when there is one instant,
    vitals from 0 to at least 200 (so BP peaks and SpO₂ share one axis), dose from 0 to at least
    the planned dose."""
    times = _times(data)
    t0, t1 = (min(times), max(times)) if times else (0.0, 0.0)
    if t1 - t0 < 60:
        t0, t1 = t0 - 60, t1 + 60
    vitals_max = _nice_ceiling(max([200.0, *_vital_values(data)]), 20)
    doses = [p.mg for p in data.dose]
    dose_max = 4 * _tick_step(max([data.planned_mg, *doses, 1.0]) / 4)
    return Scales(t0, t1, vitals_max, dose_max)


def x_of(t: float, s: Scales, box: Box) -> float:
    return box.left + (t - s.t0) / (s.t1 - s.t0) * box.width


def y_of(value: float, top: float, box: Box) -> float:
    share = min(max(value / top, 0.0), 1.0) if top > 0 else 0.0
    return box.bottom - share * box.height


# --- What is drawn ---------------------------------------------------------------------------


def vital_marks(data: ChartData, layout: Layout = Layout()) -> list[Mark]:
    """Every measured value as a mark, none left out."""
    s, box = scales(data), layout.box
    marks = []
    for point in data.vitals:
        for series in SERIES:
            value = getattr(point, series.key)
            if value is not None:
                x = x_of(point.t, s, box)
                marks.append(Mark(series, x, y_of(value, s.vitals_max, box), value))
    return marks


def dose_points(data: ChartData, layout: Layout = Layout()) -> list[tuple[float, float]]:
    s, box = scales(data), layout.box
    return [(x_of(p.t, s, box), y_of(p.mg, s.dose_max, box)) for p in data.dose]


def pump_lines(data: ChartData, layout: Layout = Layout()) -> list[tuple[float, str]]:
    s, box = scales(data), layout.box
    return [(x_of(p.t, s, box), p.label) for p in data.pump]


def time_ticks(s: Scales, most: int = 8) -> list[float]:
    """Tick times on whole minutes, at the smallest usual step that gives at most ``most``."""
    span = s.t1 - s.t0
    for minutes in (1, 2, 5, 10, 15, 20, 30, 60, 120, 240, 480, 1440):
        step = minutes * 60
        if span / step <= most:
            first = math.ceil(s.t0 / step) * step
            return [t for t in _frange(first, s.t1, step)]
    return [s.t0, s.t1]


def _frange(start: float, stop: float, step: float) -> Iterable[float]:
    value = start
    while value <= stop:
        yield value
        value += step


# --- SVG -------------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.1f}"


def _shape(shape: str, x: float, y: float, size: float = 4.0) -> str:
    """Path data of one marker centred on (x, y), in absolute coordinates from its first move."""
    a, b = _n(x - size), _n(x + size)
    if shape == "dot":
        r, d = _n(size), _n(2 * size)
        return f"M{a} {_n(y)}a{r} {r} 0 1 0 {d} 0a{r} {r} 0 1 0 -{d} 0Z"
    if shape == "square":
        d = _n(2 * size)
        return f"M{a} {_n(y - size)}h{d}v{d}h-{d}Z"
    if shape == "cross":
        return f"M{a} {_n(y - size)}L{b} {_n(y + size)}M{a} {_n(y + size)}L{b} {_n(y - size)}"
    tip = size if shape == "down" else -size
    return f"M{a} {_n(y - tip)}L{b} {_n(y - tip)}L{_n(x)} {_n(y + tip)}Z"


def _paint(series: Series) -> str:
    if series.shape in ("square", "cross"):
        return f'fill="none" stroke="{series.colour}" stroke-width="1.5"'
    return f'fill="{series.colour}"'


def _series_marks(marks: list[Mark]) -> list[str]:
    """One path per vital sign holding all its markers: a PDF renderer draws one element with
    many shapes far faster than thousands of elements (a monitor feed posts every few seconds)."""
    parts = []
    for series in SERIES:
        mine = [m for m in marks if m.series is series]
        if mine:
            d = "".join(_shape(series.shape, m.x, m.y) for m in mine)
            title = f"<title>{escape(series.label)}</title>"
            parts.append(f'<path d="{d}" {_paint(series)}>{title}</path>')
    return parts


def _text(x: float, y: float, words: str, anchor: str = "start", style: str = "") -> str:
    # Presentation attributes, not CSS: a PDF renderer's SVG support may ignore the page's CSS.
    extra = {"title": ' font-weight="bold"', "small": ' font-size="8"'}.get(style, "")
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{escape(words)}</text>'


def _axes(s: Scales, layout: Layout, tz: tzinfo) -> list[str]:
    box = layout.box
    parts = [
        f'<rect x="{_n(box.left)}" y="{_n(box.top)}" width="{_n(box.width)}" '
        f'height="{_n(box.height)}" fill="none" stroke="#888" stroke-width="0.8"/>'
    ]
    for t in time_ticks(s):
        x = x_of(t, s, box)
        label = datetime.fromtimestamp(t, tz).strftime("%H:%M")
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(box.bottom)}" x2="{_n(x)}" y2="{_n(box.bottom + 4)}" '
            'stroke="#888"/>'
        )
        parts.append(_text(x, box.bottom + 16, label, "middle"))
    for i in range(5):
        value = s.vitals_max * i / 4
        y = y_of(value, s.vitals_max, box)
        parts.append(
            f'<line x1="{_n(box.left)}" y1="{_n(y)}" x2="{_n(box.right)}" y2="{_n(y)}" '
            'stroke="#ddd" stroke-width="0.6"/>'
        )
        parts.append(_text(box.left - 6, y + 4, f"{value:g}", "end"))
        parts.append(_text(box.right + 6, y + 4, f"{s.dose_max * i / 4:g}", "start"))
    parts.append(_text(box.left - 40, box.top - 8, "Vitals", "start", "title"))
    parts.append(_text(box.right + 4, box.top - 8, "Dose mg", "start", "title"))
    return parts


def _pump(data: ChartData, layout: Layout) -> list[str]:
    box, parts = layout.box, []
    # Labels take three staggered rows above the plot, so close events stay readable.
    for i, (x, label) in enumerate(pump_lines(data, layout)):
        row_y = box.top - 38 + (i % 3) * 12
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(row_y + 3)}" x2="{_n(x)}" y2="{_n(box.bottom)}" '
            'stroke="#555" stroke-width="0.8" stroke-dasharray="2 3"/>'
        )
        parts.append(_text(x + 2, row_y, f"▮ {label}", "start", "small"))
    return parts


def _dose(data: ChartData, layout: Layout) -> list[str]:
    s, box, parts = scales(data), layout.box, []
    if data.planned_mg > 0:
        y = y_of(data.planned_mg, s.dose_max, box)
        parts.append(
            f'<line x1="{_n(box.left)}" y1="{_n(y)}" x2="{_n(box.right)}" y2="{_n(y)}" '
            'stroke="#333" stroke-width="0.8" stroke-dasharray="1 3"/>'
        )
        parts.append(_text(box.right - 4, y - 4, f"planned {data.planned_mg:g} mg", "end"))
    points = dose_points(data, layout)
    if points:
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="#333" stroke-width="2" '
            'stroke-dasharray="6 4"><title>Delivered dose (mg)</title></polyline>'
        )
    return parts


def _legend(layout: Layout) -> list[str]:
    y, x, parts = layout.height - 14, layout.box.left, []
    for series in SERIES:
        parts.append(f'<path d="{_shape(series.shape, x, y - 4)}" {_paint(series)}/>')
        parts.append(_text(x + 8, y, series.label))
        x += 92
    parts.append(
        f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 22)}" y2="{_n(y - 4)}" '
        'stroke="#333" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(_text(x + 26, y, "Dose given mg"))
    parts.append(_text(x + 130, y, "▮ pump event"))
    return parts


def render_svg(data: ChartData, tz: tzinfo, layout: Layout = Layout(), title: str = "") -> str:
    """The whole chart as one ``<svg>`` element (inline in the record's HTML)."""
    s = scales(data)
    label = title or "Vital signs, pump events and delivered dose on one time axis"
    body: list[str] = [f"<title>{escape(label)}</title>"]
    body += _axes(s, layout, tz)
    body += _dose(data, layout)
    body += _pump(data, layout)
    body += _series_marks(vital_marks(data, layout))
    body += _legend(layout)
    if not data.vitals and not data.dose:
        box = layout.box
        body.append(
            _text(
                (box.left + box.right) / 2,
                (box.top + box.bottom) / 2,
                "No vital signs or pump events recorded",
                "middle",
            )
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="record-chart" role="img" '
        f'viewBox="0 0 {_n(layout.width)} {_n(layout.height)}" '
        f'width="{_n(layout.width)}" height="{_n(layout.height)}" '
        f'aria-label={quoteattr(label)} font-family="DejaVu Sans, sans-serif" font-size="9" '
        f'fill="#222">' + "".join(body) + "</svg>"
    )


def from_series(series: Mapping[str, Any]) -> ChartData:
    """ChartData from the console chart's series (``queries.chart_series``)."""
    vitals, dose = series["vitals"], series["dose"]
    points = tuple(
        VitalPoint(float(t), **{s.key: vitals[s.key][i] for s in SERIES})
        for i, t in enumerate(vitals["t"])
    )
    marks = tuple(PumpMark(float(p["t"]), _pump_label(p)) for p in series["pump"])
    curve = tuple(
        DosePoint(float(t), float(mg)) for t, mg in zip(dose["t"], dose["mg"], strict=True)
    )
    return ChartData(points, marks, curve, float(series["planned_mg"]))


_PUMP_WORDS = {
    "start": "Start",
    "rate": "Rate",
    "pause": "Pause",
    "resume": "Resume",
    "stop": "Stop",
}


def _pump_label(event: Mapping[str, Any]) -> str:
    words = _PUMP_WORDS.get(str(event["action"]), str(event["action"]))
    rate = event.get("rate_ml_h")
    return f"{words} {rate:g} mL/h" if isinstance(rate, float | int) else words
