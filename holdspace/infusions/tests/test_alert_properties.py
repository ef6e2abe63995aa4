"""Properties of the alert rules over every plausible set of vital signs."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.infusions.alerts import (
    PLAUSIBLE_RANGES,
    VitalSigns,
    evaluate_vitals,
    highest_tier,
)

# database=None keeps hypothesis from writing a .hypothesis directory into the working tree.
FAST = settings(max_examples=200, deadline=None, database=None)


def _range(field: str) -> st.SearchStrategy[int]:
    spec = PLAUSIBLE_RANGES[field]
    return st.integers(spec.low, spec.high)


@st.composite
def vital_signs(draw: st.DrawFn) -> VitalSigns:
    systolic = draw(_range("systolic"))
    diastolic = draw(st.integers(PLAUSIBLE_RANGES["diastolic"].low, min(200, systolic - 1)))
    return VitalSigns(
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=draw(_range("heart_rate")),
        spo2=draw(_range("spo2")),
        resp_rate=draw(_range("resp_rate")),
    )


def _rank(vitals: VitalSigns) -> int:
    tier = highest_tier(evaluate_vitals(vitals))
    return 0 if tier is None else int(tier)


@FAST
@given(vital_signs(), st.data())
def test_raising_blood_pressure_never_lowers_the_tier(
    vitals: VitalSigns, data: st.DataObject
) -> None:
    assert vitals.systolic is not None and vitals.diastolic is not None
    systolic = data.draw(st.integers(vitals.systolic, 300))
    worse = replace(vitals, systolic=systolic)
    assert _rank(worse) >= _rank(vitals)
    diastolic = data.draw(st.integers(vitals.diastolic, min(200, systolic - 1)))
    worst = replace(worse, diastolic=diastolic)
    assert _rank(worst) >= _rank(worse)


@FAST
@given(vital_signs(), st.data())
def test_lowering_spo2_or_respiratory_rate_never_lowers_the_tier(
    vitals: VitalSigns, data: st.DataObject
) -> None:
    assert vitals.spo2 is not None and vitals.resp_rate is not None
    lower_spo2 = replace(vitals, spo2=data.draw(st.integers(50, vitals.spo2)))
    assert _rank(lower_spo2) >= _rank(vitals)
    lower_rr = replace(vitals, resp_rate=data.draw(st.integers(2, vitals.resp_rate)))
    assert _rank(lower_rr) >= _rank(vitals)


@FAST
@given(vital_signs(), st.data())
def test_heart_rate_further_past_either_threshold_never_lowers_the_tier(
    vitals: VitalSigns, data: st.DataObject
) -> None:
    assert vitals.heart_rate is not None
    hr = vitals.heart_rate
    if hr > 120:
        further = data.draw(st.integers(hr, 250))
    elif hr < 45:
        further = data.draw(st.integers(20, hr))
    else:
        further = hr
    assert _rank(replace(vitals, heart_rate=further)) >= _rank(vitals)


@FAST
@given(st.sampled_from(["systolic", "diastolic", "spo2", "resp_rate"]), st.data())
def test_each_one_sided_rule_is_monotone_over_its_whole_range(
    field: str, data: st.DataObject
) -> None:
    spec = PLAUSIBLE_RANGES[field]
    a = data.draw(st.integers(spec.low, spec.high))
    b = data.draw(st.integers(spec.low, spec.high))
    low, high = min(a, b), max(a, b)
    rank_low, rank_high = _rank(VitalSigns(**{field: low})), _rank(VitalSigns(**{field: high}))
    if field in ("systolic", "diastolic"):
        assert rank_high >= rank_low
    else:
        assert rank_low >= rank_high


@FAST
@given(vital_signs())
def test_findings_come_highest_tier_first_and_one_per_sign(vitals: VitalSigns) -> None:
    findings = evaluate_vitals(vitals)
    tiers = [f.tier for f in findings]
    assert tiers == sorted(tiers, reverse=True)
    # Rule ids start with their sign (spo2, resp, heart, systolic, diastolic): one each at most.
    assert len({f.rule.value.split("_")[0] for f in findings}) == len(findings)
    # Never more findings than measured signs (five here).
    assert len(findings) <= 5
    if findings:
        assert findings[0].tier == highest_tier(findings)
