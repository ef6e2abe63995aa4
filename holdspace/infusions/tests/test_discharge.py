"""PADSS, modified PADSS and modified Aldrete scored by hand, and the discharge decision."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from holdspace.infusions.alerts import VitalSigns, evaluate_vitals
from holdspace.infusions.checkin import Override
from holdspace.infusions.discharge import (
    DEFAULT_MINIMUM_RECOVERY,
    DEFAULT_THRESHOLDS,
    AldreteNurseItems,
    DischargeInputError,
    DischargeScore,
    PadssNurseItems,
    Scale,
    aldrete_circulation,
    aldrete_spo2,
    assess_discharge,
    padss_vital_signs,
    percent_change,
    score_modified_aldrete,
    score_modified_padss,
    score_padss,
)

ENDED = datetime(2026, 11, 28, 10, 40, tzinfo=UTC)
LATER = ENDED + timedelta(minutes=45)
BASELINE = VitalSigns(systolic=120, diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
BEST = PadssNurseItems(2, 2, 2, 2)


def vitals(systolic: int, diastolic: int, heart_rate: int, spo2: int = 97) -> VitalSigns:
    return VitalSigns(systolic, diastolic, heart_rate, spo2, 14)


# --- hand-worked cases ------------------------------------------------------------------------


def test_padss_hand_worked_all_well() -> None:
    # Baseline 120/80, HR 70; now 130/85, HR 75.
    # Changes: systolic 10/120 = 8.3 %, diastolic 5/80 = 6.25 %, HR 5/70 = 7.1 % → within 20 % → 2.
    # Nurse: 2 + 2 + 2 + 2. Total 2 + 8 = 10/10.
    score = score_padss(BASELINE, vitals(130, 85, 75), BEST)
    assert [c.points for c in score.criteria] == [2, 2, 2, 2, 2]
    assert (score.total, score.maximum, score.summary) == (10, 10, "PADSS 10/10")
    assert score.criteria[0].basis == "largest change systolic 120 → 130 mmHg (8.3 %)"


def test_padss_hand_worked_hypertensive_and_nauseated() -> None:
    # Baseline 120/80, HR 70; now 150/80, HR 72.
    # Systolic 30/120 = 25 % (largest) → 20-40 % → 1. Diastolic 0 %, HR 2.9 %.
    # Nurse: activity 2, pain/nausea 1 (treated with an antiemetic), IV site 2, intake 2.
    # Total 1 + 2 + 1 + 2 + 2 = 8/10: below 9.
    score = score_padss(BASELINE, vitals(150, 80, 72), PadssNurseItems(2, 1, 2, 2))
    assert [c.points for c in score.criteria] == [1, 2, 1, 2, 2]
    assert score.total == 8
    assert "(25.0 %)" in score.criteria[0].basis


def test_modified_padss_hand_worked() -> None:
    # Same patient as above without intake/output: 1 + 2 + 1 + 2 = 6/8.
    score = score_modified_padss(BASELINE, vitals(150, 80, 72), PadssNurseItems(2, 1, 2))
    assert score.scale is Scale.PADSS_MODIFIED
    assert (score.total, score.maximum, score.summary) == (6, 8, "Modified PADSS 6/8")
    assert [c.key for c in score.criteria] == [
        "vital_signs",
        "activity_mental_status",
        "pain_nausea_vomiting",
        "iv_site_bleeding",
    ]


def test_modified_aldrete_hand_worked() -> None:
    # Baseline 120/80; now 140/90 (systolic 16.7 %, diastolic 12.5 % → within 20 % → 2).
    # SpO₂ 95 % on room air → 2. Nurse: activity 2, respiration 2, consciousness 1 (arousable).
    # Total 2 + 2 + 2 + 1 + 2 = 9/10.
    score = score_modified_aldrete(
        BASELINE, vitals(140, 90, 80, spo2=95), AldreteNurseItems(2, 2, 1, on_oxygen=False)
    )
    assert [c.key for c in score.criteria] == [
        "activity",
        "respiration",
        "circulation",
        "consciousness",
        "spo2",
    ]
    assert [c.points for c in score.criteria] == [2, 2, 2, 1, 2]
    assert (score.total, score.summary) == (9, "Modified Aldrete 9/10")


def test_heart_rate_can_be_the_largest_change() -> None:
    # Baseline HR 50 → 71: 21/50 = 42 % → 0, although BP is unchanged.
    baseline = VitalSigns(120, 80, 50, 98, 14)
    criterion = padss_vital_signs(baseline, vitals(120, 80, 71))
    assert criterion.points == 0
    assert criterion.basis == "largest change heart rate 50 → 71 /min (42.0 %)"


def test_percent_change_is_exact() -> None:
    assert percent_change(120, 150) == 25
    assert percent_change(70, 75) == Fraction(50, 7)
    assert percent_change(100, 80) == 20


# --- vital-sign criterion boundaries ----------------------------------------------------------

B100 = VitalSigns(systolic=100, diastolic=50, heart_rate=60, spo2=98, resp_rate=14)


@pytest.mark.parametrize(
    ("systolic", "points"),
    [
        (120, 2),  # +20 % exactly: within 20 %
        (121, 1),  # +21 %
        (140, 1),  # +40 % exactly
        (141, 0),  # +41 %
        (80, 2),  # -20 %
        (79, 1),  # -21 %
        (60, 1),  # -40 %
        (59, 0),  # -41 %
    ],
)
def test_padss_vital_boundaries_at_20_and_40_percent(systolic: int, points: int) -> None:
    assert padss_vital_signs(B100, vitals(systolic, 50, 60)).points == points


@pytest.mark.parametrize(
    ("systolic", "diastolic", "points"),
    [
        (120, 50, 2),  # +20 %
        (121, 50, 1),  # +21 %
        (149, 50, 1),  # +49 %
        (150, 50, 0),  # +50 %
        (110, 75, 0),  # diastolic +50 % decides
        (51, 30, 1),  # systolic -49 %, diastolic -40 %
        (50, 30, 0),  # systolic -50 %
    ],
)
def test_aldrete_circulation_boundaries_at_20_and_50_percent(
    systolic: int, diastolic: int, points: int
) -> None:
    assert aldrete_circulation(B100, vitals(systolic, diastolic, 60)).points == points


def test_aldrete_circulation_ignores_heart_rate() -> None:
    assert aldrete_circulation(B100, vitals(100, 50, 120)).points == 2


@pytest.mark.parametrize(
    ("spo2", "on_oxygen", "points"),
    [
        (99, False, 2),
        (93, False, 2),
        (92, False, 1),  # not above 92 on room air
        (91, False, 1),
        (90, False, 0),  # not above 90
        (99, True, 1),  # needs oxygen
        (91, True, 1),
        (90, True, 0),
        (85, True, 0),
    ],
)
def test_aldrete_spo2(spo2: int, on_oxygen: bool, points: int) -> None:
    assert aldrete_spo2(vitals(120, 80, 70, spo2=spo2), on_oxygen).points == points


# --- refusals ---------------------------------------------------------------------------------


def test_the_full_padss_needs_intake_and_output() -> None:
    with pytest.raises(DischargeInputError, match="intake and output"):
        score_padss(BASELINE, vitals(120, 80, 70), PadssNurseItems(2, 2, 2))


@pytest.mark.parametrize("bad", [3, -1, True, 1.5, None])
def test_nurse_items_must_be_0_1_or_2(bad: object) -> None:
    with pytest.raises(DischargeInputError, match="Pain, nausea, vomiting must be 0, 1 or 2"):
        score_modified_padss(BASELINE, vitals(120, 80, 70), PadssNurseItems(2, bad, 2))  # type: ignore[arg-type]


def test_a_baseline_without_blood_pressure_is_refused_by_name() -> None:
    with pytest.raises(DischargeInputError, match="baseline vitals have no systolic"):
        padss_vital_signs(VitalSigns(heart_rate=70), vitals(120, 80, 70))
    with pytest.raises(DischargeInputError, match="current vitals have no heart rate"):
        padss_vital_signs(BASELINE, VitalSigns(systolic=120, diastolic=80))
    with pytest.raises(DischargeInputError, match="no SpO₂"):
        aldrete_spo2(VitalSigns(systolic=120), on_oxygen=False)


# --- the discharge decision -------------------------------------------------------------------


def assess(score: DischargeScore, **overrides: object) -> tuple[bool, tuple[str, ...]]:
    values: dict[str, object] = {
        "escort_confirmed": True,
        "instructions_given": True,
        "follow_up_booked": True,
        "driving_advice_given": True,
        "infusion_ended_at": ENDED,
        "now": LATER,
    }
    values.update(overrides)
    result = assess_discharge(score, **values)  # type: ignore[arg-type]
    return result.fit, result.reasons


TEN = score_padss(BASELINE, vitals(130, 85, 75), BEST)
NINE = score_padss(BASELINE, vitals(130, 85, 75), PadssNurseItems(2, 1, 2, 2))
EIGHT = score_padss(BASELINE, vitals(150, 80, 72), PadssNurseItems(2, 1, 2, 2))


def test_default_thresholds_and_minimum_time() -> None:
    assert DEFAULT_THRESHOLDS == {
        Scale.PADSS: 9,
        Scale.PADSS_MODIFIED: 7,
        Scale.ALDRETE_MODIFIED: 9,
    }
    assert timedelta(minutes=30) == DEFAULT_MINIMUM_RECOVERY


def test_everything_met_is_fit_with_no_reasons() -> None:
    assert assess(TEN) == (True, ())
    assert assess(NINE) == (True, ())


def test_a_score_below_the_threshold_is_not_fit() -> None:
    fit, reasons = assess(EIGHT)
    assert not fit
    assert reasons == ("PADSS 8/10 is below the clinic threshold of 9 (≥ 9 needed)",)


def test_the_clinic_may_set_its_own_threshold() -> None:
    assert assess(EIGHT, threshold=8) == (True, ())
    assert not assess(NINE, threshold=10)[0]


def test_the_modified_padss_uses_its_own_threshold() -> None:
    seven = score_modified_padss(BASELINE, vitals(130, 85, 75), PadssNurseItems(2, 1, 2))
    six = score_modified_padss(BASELINE, vitals(150, 80, 72), PadssNurseItems(2, 1, 2))
    assert assess(seven) == (True, ())
    fit, reasons = assess(six)
    assert not fit
    assert reasons == ("Modified PADSS 6/8 is below the clinic threshold of 7 (≥ 7 needed)",)
    result = assess_discharge(
        seven,
        escort_confirmed=True,
        instructions_given=True,
        follow_up_booked=True,
        driving_advice_given=True,
        infusion_ended_at=ENDED,
        now=LATER,
    )
    assert result.threshold == 7


MODIFIED_EIGHT = score_modified_padss(BASELINE, vitals(130, 85, 75), PadssNurseItems(2, 2, 2))


@pytest.mark.parametrize(
    ("score", "threshold"),
    [(MODIFIED_EIGHT, 9), (MODIFIED_EIGHT, 0), (TEN, 11), (TEN, True)],
)
def test_a_threshold_the_scale_cannot_reach_is_refused(
    score: DischargeScore, threshold: object
) -> None:
    with pytest.raises(DischargeInputError, match=f"from 1 to {score.maximum}"):
        assess(score, threshold=threshold)


def test_every_unmet_condition_is_listed() -> None:
    fit, reasons = assess(
        EIGHT,
        escort_confirmed=False,
        instructions_given=False,
        follow_up_booked=False,
        driving_advice_given=False,
        now=ENDED + timedelta(minutes=12),
        latest_findings=evaluate_vitals(VitalSigns(systolic=182)),
    )
    assert not fit
    assert reasons == (
        "PADSS 8/10 is below the clinic threshold of 9 (≥ 9 needed)",
        "Latest vitals at the hold tier: Systolic 182 mmHg ≥ 180: hold the infusion and call the "
        "prescriber",
        "Escort not confirmed: a responsible adult must take the patient home",
        "Instructions not given: no alcohol or sedatives and no important decisions for 24 hours",
        "Follow-up not booked",
        "Driving advice not given: no driving until the next day",
        "Recovery 12 min since the infusion ended; the clinic minimum is 30 min",
    )


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("escort_confirmed", "Escort not confirmed"),
        ("instructions_given", "Instructions not given"),
        ("follow_up_booked", "Follow-up not booked"),
        ("driving_advice_given", "Driving advice not given"),
    ],
)
def test_each_condition_alone_blocks(condition: str, words: str) -> None:
    fit, reasons = assess(TEN, **{condition: False})
    assert not fit
    assert len(reasons) == 1
    assert reasons[0].startswith(words)


def test_the_minimum_recovery_time_is_met_exactly_at_30_minutes() -> None:
    assert assess(TEN, now=ENDED + timedelta(minutes=30)) == (True, ())
    fit, reasons = assess(TEN, now=ENDED + timedelta(minutes=29, seconds=59))
    assert not fit
    assert reasons == (
        "Recovery 29 min 59 s since the infusion ended; the clinic minimum is 30 min",
    )
    assert assess(TEN, now=ENDED + timedelta(minutes=50), minimum_recovery=timedelta(hours=1))[
        1
    ] == ("Recovery 50 min since the infusion ended; the clinic minimum is 60 min",)


def test_notify_tier_vitals_do_not_block_but_hold_tier_does() -> None:
    assert assess(TEN, latest_findings=evaluate_vitals(VitalSigns(systolic=165))) == (True, ())
    fit, _ = assess(TEN, latest_findings=evaluate_vitals(VitalSigns(spo2=88)))
    assert not fit


# --- overrides --------------------------------------------------------------------------------

PRESCRIBER = Override("prescriber", "Baseline nausea, tolerating fluids; reviewed in person")


def test_a_prescriber_override_allows_discharge_below_the_threshold() -> None:
    result = assess_discharge(
        EIGHT,
        escort_confirmed=True,
        instructions_given=True,
        follow_up_booked=True,
        driving_advice_given=True,
        infusion_ended_at=ENDED,
        now=LATER,
        override=PRESCRIBER,
    )
    assert result.fit
    assert result.reasons == ()
    assert result.overridden == (
        "PADSS 8/10 is below the clinic threshold of 9 (≥ 9 needed) (override: Baseline nausea, "
        "tolerating fluids; reviewed in person)",
    )


def test_an_override_never_waives_the_escort_or_the_minimum_time() -> None:
    fit, reasons = assess(
        EIGHT, escort_confirmed=False, now=ENDED + timedelta(minutes=10), override=PRESCRIBER
    )
    assert not fit
    assert len(reasons) == 2
    assert reasons[0].startswith("Escort not confirmed")
    assert reasons[1].startswith("Recovery 10 min since the infusion ended")


def test_an_override_waives_hold_tier_vitals_as_a_clinical_judgement() -> None:
    fit, reasons = assess(
        TEN, latest_findings=evaluate_vitals(VitalSigns(systolic=181)), override=PRESCRIBER
    )
    assert (fit, reasons) == (True, ())


@pytest.mark.parametrize(
    ("override", "words"),
    [
        (Override("nurse", "patient wants to go"), "Only a prescriber can override"),
        (Override("prescriber", "  "), "needs a reason"),
    ],
)
def test_an_invalid_override_is_refused_with_its_reason(override: Override, words: str) -> None:
    fit, reasons = assess(EIGHT, override=override)
    assert not fit
    assert reasons[0].startswith("PADSS 8/10 is below")
    assert words in reasons[1]


def test_an_override_is_ignored_when_nothing_needs_it() -> None:
    fit, reasons = assess(TEN, override=Override("nurse", "x"))
    assert (fit, reasons) == (True, ())


@pytest.mark.parametrize(
    "overrides",
    [
        {"now": ENDED - timedelta(minutes=1)},
        {"now": LATER.replace(tzinfo=None)},
        {"escort_confirmed": "yes"},
        {"minimum_recovery": timedelta(minutes=-1)},
    ],
)
def test_impossible_discharge_inputs_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(DischargeInputError):
        assess(TEN, **overrides)
