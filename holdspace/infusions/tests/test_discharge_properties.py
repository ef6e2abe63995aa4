"""Properties of the discharge decision: nothing that makes the patient's state or the paperwork
worse can make a discharge more fit."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.infusions.alerts import AlertFinding, VitalSigns, evaluate_vitals
from holdspace.infusions.checkin import Override
from holdspace.infusions.discharge import (
    DischargeAssessment,
    PadssNurseItems,
    assess_discharge,
    padss_vital_signs,
    score_padss,
)

FAST = settings(max_examples=200, deadline=None, database=None)
ENDED = datetime(2026, 11, 28, 10, 40, tzinfo=UTC)
BASELINE = VitalSigns(systolic=120, diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
FINDING_SOURCES = {
    "none": (),
    "notify": evaluate_vitals(VitalSigns(systolic=165)),
    "hold": evaluate_vitals(VitalSigns(systolic=185)),
    "critical": evaluate_vitals(VitalSigns(spo2=86)),
}
OVERRIDES = [
    None,
    Override("prescriber", "reviewed in person"),
    Override("nurse", "patient keen to leave"),
]


@dataclass(frozen=True)
class Case:
    systolic_rise: int
    items: tuple[int, int, int, int]
    escort: bool
    instructions: bool
    follow_up: bool
    driving: bool
    minutes: int
    findings: tuple[AlertFinding, ...]
    override: Override | None

    def assess(self) -> DischargeAssessment:
        current = VitalSigns(120 + self.systolic_rise, 80, 70, 97, 14)
        score = score_padss(BASELINE, current, PadssNurseItems(*self.items))
        return assess_discharge(
            score,
            escort_confirmed=self.escort,
            instructions_given=self.instructions,
            follow_up_booked=self.follow_up,
            driving_advice_given=self.driving,
            infusion_ended_at=ENDED,
            now=ENDED + timedelta(minutes=self.minutes),
            latest_findings=self.findings,
            override=self.override,
        )


points = st.integers(0, 2)
cases = st.builds(
    Case,
    systolic_rise=st.integers(0, 120),
    items=st.tuples(points, points, points, points),
    escort=st.booleans(),
    instructions=st.booleans(),
    follow_up=st.booleans(),
    driving=st.booleans(),
    minutes=st.integers(0, 120),
    findings=st.sampled_from(list(FINDING_SOURCES.values())),
    override=st.sampled_from(OVERRIDES),
)


@st.composite
def worse(draw: st.DrawFn, case: Case) -> Case:
    """`case` with one thing made worse (or left as it is when it cannot get worse)."""
    what = draw(st.sampled_from(["vitals", "item", "flag", "time", "finding"]))
    if what == "vitals":
        return replace(case, systolic_rise=draw(st.integers(case.systolic_rise, 120)))
    if what == "item":
        index = draw(st.integers(0, 3))
        items = list(case.items)
        items[index] = draw(st.integers(0, items[index]))
        return replace(case, items=(items[0], items[1], items[2], items[3]))
    if what == "flag":
        flag = draw(st.sampled_from(["escort", "instructions", "follow_up", "driving"]))
        return replace(case, **{flag: False})
    if what == "time":
        return replace(case, minutes=draw(st.integers(0, case.minutes)))
    extra = draw(st.sampled_from([FINDING_SOURCES["hold"], FINDING_SOURCES["critical"]]))
    return replace(case, findings=case.findings + extra)


@FAST
@given(cases, st.data())
def test_making_anything_worse_never_makes_discharge_more_fit(
    case: Case, data: st.DataObject
) -> None:
    before = case.assess()
    after = data.draw(worse(case)).assess()
    if not before.fit:
        assert not after.fit
    assert len(after.reasons) >= len(before.reasons)


@FAST
@given(cases)
def test_fit_means_no_reasons_and_reasons_mean_not_fit(case: Case) -> None:
    result = case.assess()
    assert result.fit == (result.reasons == ())


@FAST
@given(cases)
def test_an_override_never_turns_missing_paperwork_into_fit(case: Case) -> None:
    with_override = replace(case, override=OVERRIDES[1])
    if not (case.escort and case.instructions and case.follow_up and case.driving):
        assert not with_override.assess().fit
    if case.minutes < 30:
        assert not with_override.assess().fit


@FAST
@given(st.integers(0, 150), st.integers(0, 150))
def test_the_vital_criterion_never_improves_as_blood_pressure_moves_further(a: int, b: int) -> None:
    near, far = min(a, b), max(a, b)
    score_near = padss_vital_signs(BASELINE, VitalSigns(120 + near, 80, 70)).points
    score_far = padss_vital_signs(BASELINE, VitalSigns(120 + far, 80, 70)).points
    assert score_far <= score_near


@FAST
@given(cases)
def test_the_total_lies_within_the_scale(case: Case) -> None:
    current = VitalSigns(120 + case.systolic_rise, 80, 70, 97, 14)
    score = score_padss(BASELINE, current, PadssNurseItems(*case.items))
    assert 0 <= score.total <= score.maximum == 10
