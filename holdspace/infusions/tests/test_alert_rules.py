"""Vital-sign alert rules: every threshold boundary of CLINICAL.md section 2, tiers, order and the
words a nurse reads."""

import pytest

from holdspace.infusions.alerts import (
    DEFAULT_THRESHOLDS,
    AlertThresholds,
    Audience,
    Rule,
    ThresholdConfigError,
    Tier,
    VitalSigns,
    evaluate_vitals,
    highest_tier,
    ordered,
)


def rules_for(**vitals: int) -> list[tuple[Rule, Tier]]:
    return [(f.rule, f.tier) for f in evaluate_vitals(VitalSigns(**vitals))]


# --- every boundary, one value each side ------------------------------------------------------

BOUNDARIES = [
    # systolic: ≥ 160 notify, ≥ 180 hold
    ({"systolic": 159}, []),
    ({"systolic": 160}, [(Rule.SYSTOLIC_NOTIFY, Tier.NOTIFY)]),
    ({"systolic": 179}, [(Rule.SYSTOLIC_NOTIFY, Tier.NOTIFY)]),
    ({"systolic": 180}, [(Rule.SYSTOLIC_HOLD, Tier.HOLD)]),
    # diastolic: ≥ 100 notify, ≥ 110 hold
    ({"diastolic": 99}, []),
    ({"diastolic": 100}, [(Rule.DIASTOLIC_NOTIFY, Tier.NOTIFY)]),
    ({"diastolic": 109}, [(Rule.DIASTOLIC_NOTIFY, Tier.NOTIFY)]),
    ({"diastolic": 110}, [(Rule.DIASTOLIC_HOLD, Tier.HOLD)]),
    # SpO₂: < 94 notify, < 90 critical
    ({"spo2": 94}, []),
    ({"spo2": 93}, [(Rule.SPO2_NOTIFY, Tier.NOTIFY)]),
    ({"spo2": 90}, [(Rule.SPO2_NOTIFY, Tier.NOTIFY)]),
    ({"spo2": 89}, [(Rule.SPO2_CRITICAL, Tier.CRITICAL)]),
    # heart rate: > 120 notify, > 140 critical, < 45 critical
    ({"heart_rate": 120}, []),
    ({"heart_rate": 121}, [(Rule.HEART_RATE_NOTIFY, Tier.NOTIFY)]),
    ({"heart_rate": 140}, [(Rule.HEART_RATE_NOTIFY, Tier.NOTIFY)]),
    ({"heart_rate": 141}, [(Rule.HEART_RATE_HIGH_CRITICAL, Tier.CRITICAL)]),
    ({"heart_rate": 45}, []),
    ({"heart_rate": 44}, [(Rule.HEART_RATE_LOW_CRITICAL, Tier.CRITICAL)]),
    # respiratory rate: < 10 critical
    ({"resp_rate": 10}, []),
    ({"resp_rate": 9}, [(Rule.RESP_RATE_CRITICAL, Tier.CRITICAL)]),
]


@pytest.mark.parametrize(("vitals", "expected"), BOUNDARIES)
def test_each_threshold_fires_exactly_at_its_boundary(
    vitals: dict[str, int], expected: list[tuple[Rule, Tier]]
) -> None:
    assert rules_for(**vitals) == expected


def test_normal_vitals_raise_nothing() -> None:
    assert evaluate_vitals(VitalSigns(120, 80, 72, 98, 14)) == ()


# --- the words --------------------------------------------------------------------------------


def test_hold_message_names_value_threshold_and_action() -> None:
    (finding,) = evaluate_vitals(VitalSigns(systolic=184))
    assert finding.message == "Systolic 184 mmHg ≥ 180: hold the infusion and call the prescriber"
    assert finding.audience is Audience.NURSE


def test_notify_message_says_recheck_in_five_minutes() -> None:
    (finding,) = evaluate_vitals(VitalSigns(diastolic=104))
    assert finding.message == (
        "Diastolic 104 mmHg ≥ 100: recheck in 5 minutes and notify the prescriber"
    )


@pytest.mark.parametrize(
    ("vitals", "start"),
    [
        ({"spo2": 88}, "SpO₂ 88 % < 90: hold the infusion, check airway and breathing"),
        ({"spo2": 92}, "SpO₂ 92 % < 94: recheck and notify the prescriber"),
        ({"heart_rate": 150}, "Heart rate 150 /min > 140: hold the infusion, assess the patient"),
        ({"heart_rate": 40}, "Heart rate 40 /min < 45: hold the infusion, assess the patient"),
        ({"heart_rate": 125}, "Heart rate 125 /min > 120: recheck and notify the prescriber"),
        ({"resp_rate": 8}, "Respiratory rate 8 /min < 10: hold the infusion, check airway"),
    ],
)
def test_every_message_names_the_value_and_the_threshold(
    vitals: dict[str, int], start: str
) -> None:
    (finding,) = evaluate_vitals(VitalSigns(**vitals))
    assert finding.message.startswith(start)


def test_shipped_thresholds_say_they_are_clinic_defaults_not_guidelines() -> None:
    for finding in evaluate_vitals(VitalSigns(190, 115, 150, 85, 8)):
        assert "CLINICAL.md §2" in finding.source
        assert "clinic default, not a guideline" in finding.source


def test_a_clinic_source_travels_with_its_findings() -> None:
    clinic = AlertThresholds(systolic_hold_at=170, vitals_source="Clinic protocol v3, 2026")
    (finding,) = evaluate_vitals(VitalSigns(systolic=172), clinic)
    assert finding.rule is Rule.SYSTOLIC_HOLD
    assert finding.source == "Clinic protocol v3, 2026"
    assert finding.message.startswith("Systolic 172 mmHg ≥ 170")


def test_recheck_minutes_come_from_the_protocol() -> None:
    (finding,) = evaluate_vitals(VitalSigns(systolic=165), AlertThresholds(bp_recheck_minutes=10))
    assert "recheck in 10 minutes" in finding.message


# --- tiers and order --------------------------------------------------------------------------


def test_tiers_are_ordered_notify_hold_critical() -> None:
    assert Tier.NOTIFY < Tier.HOLD < Tier.CRITICAL
    assert [t.code for t in Tier] == ["notify", "hold", "critical"]


def test_one_finding_per_value_at_its_highest_tier() -> None:
    # 184 is past both systolic thresholds; only the hold is reported.
    assert rules_for(systolic=184) == [(Rule.SYSTOLIC_HOLD, Tier.HOLD)]


def test_highest_tier_is_reported_first() -> None:
    findings = evaluate_vitals(VitalSigns(165, 112, 150, 93, 12))
    assert [f.tier for f in findings] == [Tier.CRITICAL, Tier.HOLD, Tier.NOTIFY, Tier.NOTIFY]
    assert [f.rule for f in findings] == [
        Rule.HEART_RATE_HIGH_CRITICAL,
        Rule.DIASTOLIC_HOLD,
        Rule.SPO2_NOTIFY,
        Rule.SYSTOLIC_NOTIFY,
    ]
    assert highest_tier(findings) is Tier.CRITICAL


def test_within_a_tier_airway_and_breathing_come_first() -> None:
    findings = evaluate_vitals(VitalSigns(heart_rate=150, spo2=85, resp_rate=6))
    assert [f.rule for f in findings] == [
        Rule.SPO2_CRITICAL,
        Rule.RESP_RATE_CRITICAL,
        Rule.HEART_RATE_HIGH_CRITICAL,
    ]


def test_ordered_sorts_any_mix_of_findings() -> None:
    shuffled = list(reversed(evaluate_vitals(VitalSigns(165, 112, 150, 93, 12))))
    assert ordered(shuffled) == evaluate_vitals(VitalSigns(165, 112, 150, 93, 12))
    assert highest_tier(()) is None


def test_temperature_has_no_alert_rule() -> None:
    from decimal import Decimal

    assert evaluate_vitals(VitalSigns(temperature_c=Decimal("39.5"))) == ()


# --- thresholds that contradict each other are refused ---------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"systolic_notify_at": 180},
        {"diastolic_notify_at": 115},
        {"spo2_critical_below": 94},
        {"spo2_notify_below": 101},
        {"heart_rate_critical_below": 125},
        {"heart_rate_critical_above": 120},
        {"anxiety_prompt_at": 11},
        {"dissociation_prompt_at": 0},
        {"vitals_interval_minutes": 0},
        {"escalation_minutes": -5},
        {"resp_rate_critical_below": True},
    ],
)
def test_contradictory_or_meaningless_thresholds_are_refused(overrides: dict[str, int]) -> None:
    with pytest.raises(ThresholdConfigError):
        AlertThresholds(**overrides)  # type: ignore[arg-type]


def test_default_thresholds_are_the_shipped_ones() -> None:
    t = DEFAULT_THRESHOLDS
    assert (t.systolic_notify_at, t.systolic_hold_at) == (160, 180)
    assert (t.diastolic_notify_at, t.diastolic_hold_at) == (100, 110)
    assert (t.spo2_notify_below, t.spo2_critical_below) == (94, 90)
    assert (t.heart_rate_notify_above, t.heart_rate_critical_above) == (120, 140)
    assert t.heart_rate_critical_below == 45
    assert t.resp_rate_critical_below == 10
    assert t.vitals_interval_minutes == 15
    assert (t.anxiety_prompt_at, t.dissociation_prompt_at, t.escalation_minutes) == (7, 7, 5)
    assert t.escalate_from_tier is Tier.HOLD
