"""Properties of the progress chart that hold for any values, dates and labels."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.goals.chart import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    Point,
    ReferenceLine,
    trend_svg,
)

FAST = settings(max_examples=150, deadline=None, database=None)
SVG = "{http://www.w3.org/2000/svg}"

points = st.lists(
    st.builds(
        Point,
        when=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
        value=st.floats(allow_nan=True, allow_infinity=True, width=32),
        label=st.text(max_size=30),
        flagged=st.booleans(),
    ),
    max_size=30,
)
y_maxes = st.floats(min_value=0.5, max_value=1000)


def _circles(svg: str) -> list[ET.Element]:
    # Our own generated markup, parsed to check it is well formed.
    return list(ET.fromstring(svg).iter(f"{SVG}circle"))  # noqa: S314


@FAST
@given(points, y_maxes, st.text(max_size=40))
def test_the_chart_is_well_formed_and_draws_one_mark_per_point(pts, y_max, title):
    svg = trend_svg(pts, y_max=y_max, title=title, reference_lines=[ReferenceLine(y_max, title)])
    # Any label or title text (quotes, <, &) is escaped: the markup always parses.
    assert len(_circles(svg)) == len(pts)


@FAST
@given(points, y_maxes)
def test_every_point_stays_inside_the_drawing_area(pts, y_max):
    for circle in _circles(trend_svg(pts, y_max=y_max, title="t")):
        assert LEFT <= float(circle.get("cx")) <= WIDTH - RIGHT
        assert TOP <= float(circle.get("cy")) <= HEIGHT - BOTTOM


@FAST
@given(points, y_maxes)
def test_later_is_never_left_of_earlier_and_more_is_never_lower(pts, y_max):
    circles = _circles(trend_svg(pts, y_max=y_max, title="t"))
    drawn = sorted(pts, key=lambda p: p.when)
    for (a, ca), (b, cb) in zip(
        zip(drawn, circles, strict=True), list(zip(drawn, circles, strict=True))[1:], strict=False
    ):
        assert float(ca.get("cx")) <= float(cb.get("cx"))
        finite = all(v == v and abs(v) != float("inf") for v in (a.value, b.value))
        if finite and a.value < b.value:
            assert float(ca.get("cy")) >= float(cb.get("cy"))


def test_an_empty_chart_says_so():
    svg = trend_svg([], y_max=10, title="Goal progress", empty_text="No check-ins yet.")
    assert "No check-ins yet." in svg
    assert not _circles(svg)


def test_a_value_above_the_scale_says_it_is_drawn_at_the_top():
    svg = trend_svg([Point(date(2026, 1, 1), 300, "6 of 2 times")], y_max=150, title="t")
    assert "drawn at the top" in svg


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan")])
def test_a_scale_that_cannot_be_drawn_is_refused(bad):
    with pytest.raises(ValueError, match="y_max"):
        trend_svg([], y_max=bad, title="t")
