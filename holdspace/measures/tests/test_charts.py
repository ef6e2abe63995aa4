"""Score trajectory pictures (pure SVG): readable without colour, accessible, inside the frame."""

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdspace.measures.charts import (
    Band,
    ChartPoint,
    ScoreChart,
    Threshold,
    describe,
    frame_for,
    plot,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
PHQ9_BANDS = (
    Band(0, 4, "none-minimal"),
    Band(5, 9, "mild"),
    Band(10, 14, "moderate"),
    Band(15, 19, "moderately severe"),
    Band(20, 27, "severe"),
)
START = date(2026, 3, 2)


def phq9_chart(*scores, **extra):
    points = tuple(ChartPoint(START + timedelta(days=7 * i), s) for i, s in enumerate(scores))
    return ScoreChart(
        chart_id="phq9",
        title="PHQ-9",
        minimum=0,
        maximum=27,
        points=points,
        bands=PHQ9_BANDS,
        **extra,
    )


def parse(svg):
    # The SVG is this module's own output, not untrusted input.
    return ET.fromstring(svg)  # noqa: S314


def texts(svg):
    return [el.text for el in parse(svg).iter(f"{SVG}text")]


def test_the_chart_names_its_bands_lines_and_scores_in_text():
    chart = phq9_chart(
        20,
        14,
        8,
        4,
        infusion_days=(START + timedelta(days=1), START + timedelta(days=3)),
        response=Threshold(10, "response ≤ 10 (50 % of baseline)"),
        remission=Threshold(4.5, "remission < 5"),
    )
    svg = render_svg(chart)
    words = texts(svg)
    for band in ("none-minimal 0-4", "mild 5-9", "moderately severe 15-19", "severe 20-27"):
        assert band in words
    assert "response ≤ 10 (50 % of baseline)" in words
    assert "remission < 5" in words
    assert {"20", "14", "8", "4"} <= set(words)
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "PHQ-9"
    assert "4 scores from 2026-03-02 (20) to 2026-03-23 (4)" in root.find(f"{SVG}desc").text
    assert "2 infusion days marked" in root.find(f"{SVG}desc").text


def test_bands_are_told_apart_by_pattern_not_only_colour():
    svg = render_svg(phq9_chart(12))
    classes = re.findall(r'class="band (band-[a-z]+)"', svg)
    assert len(classes) == 5
    # Neighbouring bands never share a pattern.
    assert all(a != b for a, b in itertools.pairwise(classes))
    assert "url(#phq9-hatch)" in svg


def test_text_from_the_record_is_escaped():
    chart = ScoreChart("x", "<script>alert(1)</script>", 0, 10, (ChartPoint(START, 3),))
    svg = render_svg(chart)
    assert "<script>" not in svg
    parse(svg)  # still well-formed


def test_no_scores_yet_is_said_plainly():
    chart = ScoreChart("empty", "GAD-7", 0, 21, ())
    assert describe(chart) == "GAD-7: no completed scores yet."
    parse(render_svg(chart))


@pytest.mark.parametrize(
    ("chart", "message"),
    [
        (ScoreChart("a", "t", 5, 5, ()), "score range is empty"),
        (ScoreChart("a b", "t", 0, 5, ()), "chart_id"),
        (
            ScoreChart("a", "t", 0, 5, (ChartPoint(START, 1), ChartPoint(START - timedelta(1), 2))),
            "date order",
        ),
    ],
)
def test_bad_charts_are_refused_with_a_reason(chart, message):
    with pytest.raises(ValueError, match=message):
        render_svg(chart)


@st.composite
def charts(draw):
    low = draw(st.integers(-5, 10))
    high = low + draw(st.integers(1, 80))
    offsets = sorted(draw(st.lists(st.integers(0, 400), max_size=30)))
    scores = st.floats(min_value=low - 20, max_value=high + 20, allow_nan=False)
    points = tuple(ChartPoint(START + timedelta(days=d), draw(scores)) for d in offsets)
    infusions = tuple(
        START + timedelta(days=d) for d in draw(st.lists(st.integers(-30, 400), max_size=10))
    )
    return ScoreChart("c", "Chart", low, high, points, infusion_days=infusions)


@given(charts(), st.integers(300, 1200), st.integers(200, 600))
def test_every_point_is_inside_the_view_box_and_x_follows_time(chart, width, height):
    frame = frame_for(chart, width, height)
    plotted = plot(chart, frame)
    for p in plotted:
        assert 0 <= p.x <= width and 0 <= p.y <= height
        assert frame.left <= p.x <= frame.right and frame.top <= p.y <= frame.bottom
    xs = [p.x for p in plotted]
    assert xs == sorted(xs)
    # A higher score is never drawn lower (SVG y grows downwards).
    by_score = sorted(plotted, key=lambda p: p.point.score)
    ys = [p.y for p in by_score]
    assert ys == sorted(ys, reverse=True)
    parse(render_svg(chart, width, height))


def test_the_legend_names_only_the_marks_the_chart_has():
    plain = texts(render_svg(phq9_chart(12, 8)))
    assert "score" in plain and "response" not in plain and "remission" not in plain
    full = texts(
        render_svg(
            phq9_chart(
                12,
                8,
                infusion_days=(START,),
                response=Threshold(6, "r"),
                remission=Threshold(4.5, "m"),
            )
        )
    )
    assert {"score", "infusion day (dashed line)", "response", "remission"} <= set(full)
