"""The printed record's chart (pure SVG): every value is drawn, inside the plot, readable without
colour, and the SVG is well formed whatever the session looked like."""

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from holdspace.infusions import record_chart
from holdspace.infusions.record_chart import (
    SERIES,
    ChartData,
    DosePoint,
    Layout,
    PumpMark,
    VitalPoint,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
MOVES = re.compile(r"[ML](-?[\d.]+) (-?[\d.]+)")  # absolute points of the markers' paths
T0 = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
LAYOUT = Layout()

times = st.floats(min_value=T0, max_value=T0 + 6 * 3600, allow_nan=False)
reading = st.one_of(st.none(), st.integers(min_value=0, max_value=400))
vital_points = st.builds(
    VitalPoint,
    t=times,
    systolic=reading,
    diastolic=reading,
    heart_rate=reading,
    spo2=st.one_of(st.none(), st.integers(min_value=0, max_value=100)),
    resp_rate=st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
)
charts = st.builds(
    ChartData,
    vitals=st.lists(vital_points, max_size=30).map(tuple),
    pump=st.lists(
        st.builds(PumpMark, t=times, label=st.sampled_from(["Start 151.2 mL/h", "Pause", "Stop"])),
        max_size=8,
    ).map(tuple),
    dose=st.lists(
        st.builds(DosePoint, t=times, mg=st.floats(min_value=0, max_value=2000)), max_size=10
    ).map(tuple),
    planned_mg=st.floats(min_value=0, max_value=2000),
)


def _measured(data: ChartData) -> int:
    return sum(getattr(p, s.key) is not None for p in data.vitals for s in SERIES)


@given(charts)
def test_every_value_is_drawn_inside_the_plot(data):
    marks = record_chart.vital_marks(data, LAYOUT)
    assert len(marks) == _measured(data)  # nothing measured is left off the chart
    box = LAYOUT.box
    assert all(box.contains(m.x, m.y) for m in marks)
    assert all(box.contains(x, y) for x, y in record_chart.dose_points(data, LAYOUT))
    assert all(box.left <= x <= box.right for x, _label in record_chart.pump_lines(data, LAYOUT))


@given(charts)
def test_the_svg_is_well_formed_and_fits_its_view_box(data):
    svg = ET.fromstring(render_svg(data, UTC))  # noqa: S314 - our own output, not untrusted
    assert svg.get("viewBox") == f"0 0 {LAYOUT.width:.1f} {LAYOUT.height:.1f}"
    for path in svg.iter(f"{SVG}path"):
        for x, y in MOVES.findall(path.get("d")):
            assert 0 <= float(x) <= LAYOUT.width and 0 <= float(y) <= LAYOUT.height
    for line in svg.iter(f"{SVG}polyline"):
        for pair in line.get("points").split():
            x, y = map(float, pair.split(","))
            assert 0 <= x <= LAYOUT.width and 0 <= y <= LAYOUT.height


@given(charts)
def test_higher_readings_are_drawn_higher(data):
    # SVG y grows downwards: a larger value of one sign must never sit below a smaller one.
    marks = sorted(record_chart.vital_marks(data, LAYOUT), key=lambda m: m.value)
    for lower, higher in itertools.pairwise(marks):
        assert higher.y <= lower.y + 1e-9


def test_each_sign_has_its_own_shape_and_a_labelled_legend():
    """Readable in black and white: no two signs share a marker shape, and the legend names
    each one next to its shape."""
    assert len({s.shape for s in SERIES}) == len(SERIES)
    data = ChartData(vitals=(VitalPoint(T0, 186, 96, 82, 97, 14),))
    text = render_svg(data, UTC)
    for series in SERIES:
        assert series.label in text


def test_pump_events_are_labelled_lines_and_times_are_in_the_clinic_zone():
    data = ChartData(
        vitals=(VitalPoint(T0, 130, 80, 70, 98, 14), VitalPoint(T0 + 1800, 150, 90, 80, 97, 14)),
        pump=(PumpMark(T0 + 60, "Start 151.2 mL/h"), PumpMark(T0 + 1500, "Pause")),
        dose=(DosePoint(T0 + 60, 0), DosePoint(T0 + 1500, 30.2)),
        planned_mg=40,
    )
    text = render_svg(data, ZoneInfo("America/Denver"))
    assert "Start 151.2 mL/h" in text and "Pause" in text and "planned 40 mg" in text
    # T0 is 14:13 UTC, 08:13 in Denver: the axis is labelled in the clinic's time.
    assert "08:15" in text and "14:15" not in text


def test_an_empty_session_says_so():
    assert "No vital signs or pump events recorded" in render_svg(ChartData(), UTC)


def test_text_from_the_record_is_escaped():
    data = ChartData(pump=(PumpMark(T0, "<script>alert(1)</script>"),))
    text = render_svg(data, UTC)
    assert "<script>" not in text and "&lt;script&gt;" in text
    ET.fromstring(text)  # noqa: S314 - our own output: it must still parse


def test_the_console_series_are_read_as_they_come_from_the_database():
    series = {
        "vitals": {
            "t": [T0],
            "systolic": [120],
            "diastolic": [80],
            "heart_rate": [70],
            "spo2": [98],
            "resp_rate": [None],
        },
        "pump": [{"t": T0, "action": "start", "rate_ml_h": 151.2}],
        "dose": {"t": [T0], "mg": [0.0]},
        "planned_mg": 40.0,
    }
    data = record_chart.from_series(series)
    assert data.vitals[0].resp_rate is None and data.vitals[0].systolic == 120
    assert data.pump[0].label == "Start 151.2 mL/h"
    assert data.planned_mg == 40.0
