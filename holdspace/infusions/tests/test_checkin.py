"""The check-in checklist: completeness, what the system verifies, and who may override what."""

from dataclasses import replace

import pytest

from holdspace.infusions.alerts import VitalSigns
from holdspace.infusions.checkin import (
    CHECKLIST,
    NOT_OVERRIDABLE,
    VERIFIED_ITEMS,
    CheckinAnswers,
    CheckinItem,
    Override,
    TouchConsent,
    baseline_vitals_within_range,
    can_start,
    evaluate_checklist,
    override_refusal,
)

CI = CheckinItem

ALL_ANSWERED = CheckinAnswers(
    identity_confirmed=True,
    fasting_as_instructed=True,
    escort_confirmed=True,
    medication_changes_reviewed=True,
    intention="To feel less stuck, and to be kinder to myself",
    touch_consent=TouchConsent.NO,
    iv_site="Left antecubital, 22 G",
)
ALL_VERIFIED = {item: True for item in VERIFIED_ITEMS}
PRESCRIBER = Override(role="prescriber", reason="Tablet broken today; PHQ-9 asked by phone")


def missing(
    answers: CheckinAnswers = ALL_ANSWERED, verified: dict[CI, bool] | None = None
) -> set[CI]:
    result = evaluate_checklist(answers, ALL_VERIFIED if verified is None else verified)
    return {status.item for status in result.missing}


def test_the_checklist_is_issue_4s_list_in_order() -> None:
    assert list(CHECKLIST) == [
        CI.IDENTITY,
        CI.SCREENING_AND_CONSENT,
        CI.ORDER_DOUBLE_CHECKED,
        CI.FASTING,
        CI.ESCORT,
        CI.MEDICATION_CHANGES,
        CI.BASELINE_VITALS,
        CI.PRE_INFUSION_MEASURES,
        CI.NO_OPEN_SAFETY_FLAG,
        CI.INTENTION,
        CI.SUPPORT_PLAN,
        CI.TOUCH_CONSENT,
        CI.IV_SITE,
    ]
    assert {
        CI.SCREENING_AND_CONSENT,
        CI.ORDER_DOUBLE_CHECKED,
        CI.BASELINE_VITALS,
        CI.PRE_INFUSION_MEASURES,
        CI.NO_OPEN_SAFETY_FLAG,
        CI.SUPPORT_PLAN,
    } == VERIFIED_ITEMS


def test_everything_answered_and_verified_is_complete() -> None:
    result = evaluate_checklist(ALL_ANSWERED, ALL_VERIFIED)
    assert result.complete
    assert all(s.verified == (s.item in VERIFIED_ITEMS) for s in result.items)


def test_questionnaires_and_the_support_plan_say_what_to_do_when_missing() -> None:
    verified = {**ALL_VERIFIED, CI.PRE_INFUSION_MEASURES: False, CI.SUPPORT_PLAN: False}
    reasons = {s.item: s.reason for s in evaluate_checklist(ALL_ANSWERED, verified).missing}
    assert "pre-infusion questionnaires are not all completed" in reasons[CI.PRE_INFUSION_MEASURES]
    assert "not reviewed with the patient today" in reasons[CI.SUPPORT_PLAN]


def test_an_empty_check_in_misses_every_item_with_a_reason() -> None:
    result = evaluate_checklist(CheckinAnswers(), {})
    assert [s.item for s in result.missing] == list(CHECKLIST)
    assert all(s.reason for s in result.missing)
    assert all(s.label for s in result.items)


@pytest.mark.parametrize(
    ("undone", "item"),
    [
        ({"identity_confirmed": False}, CI.IDENTITY),
        ({"fasting_as_instructed": False}, CI.FASTING),
        ({"escort_confirmed": False}, CI.ESCORT),
        ({"medication_changes_reviewed": False}, CI.MEDICATION_CHANGES),
        ({"intention": ""}, CI.INTENTION),
        ({"intention": "   "}, CI.INTENTION),
        ({"touch_consent": None}, CI.TOUCH_CONSENT),
        ({"iv_site": "\t"}, CI.IV_SITE),
    ],
)
def test_each_nurse_item_left_undone_is_missing(undone: dict[str, object], item: CI) -> None:
    assert missing(replace(ALL_ANSWERED, **undone)) == {item}  # type: ignore[arg-type]


@pytest.mark.parametrize("item", sorted(VERIFIED_ITEMS))
def test_each_system_check_not_verified_is_missing(item: CI) -> None:
    assert missing(verified={**ALL_VERIFIED, item: False}) == {item}
    absent = {key: value for key, value in ALL_VERIFIED.items() if key is not item}
    assert missing(verified=absent) == {item}


@pytest.mark.parametrize("answer", list(TouchConsent))
def test_every_touch_answer_completes_the_item_including_no(answer: TouchConsent) -> None:
    assert CI.TOUCH_CONSENT not in missing(replace(ALL_ANSWERED, touch_consent=answer))


def test_only_system_items_may_be_passed_as_verified() -> None:
    with pytest.raises(ValueError, match="Only system-verified items"):
        evaluate_checklist(ALL_ANSWERED, {**ALL_VERIFIED, CI.ESCORT: True})
    with pytest.raises(ValueError, match="intention"):
        evaluate_checklist(ALL_ANSWERED, {CI.INTENTION: True})


# --- starting the pump ------------------------------------------------------------------------


NOT_YET_ASKED = {**ALL_VERIFIED, CI.PRE_INFUSION_MEASURES: False, CI.SUPPORT_PLAN: False}


def test_without_an_override_the_pump_cannot_start() -> None:
    decision = can_start(evaluate_checklist(ALL_ANSWERED, NOT_YET_ASKED))
    assert not decision.allowed
    assert decision.message.startswith(
        "Cannot start the pump: the check-in checklist is not complete"
    )
    assert "pre-infusion questionnaires" in decision.message


def test_a_prescriber_override_with_a_reason_starts_the_pump_and_records_what_it_waived() -> None:
    decision = can_start(evaluate_checklist(ALL_ANSWERED, NOT_YET_ASKED), PRESCRIBER)
    assert decision.allowed
    assert decision.overridden == (CI.PRE_INFUSION_MEASURES, CI.SUPPORT_PLAN)
    assert "PHQ-9 asked by phone" in decision.message


@pytest.mark.parametrize("role", ["nurse", "therapist", "clinic_admin", "Prescriber", ""])
def test_only_a_prescriber_can_override(role: str) -> None:
    decision = can_start(
        evaluate_checklist(ALL_ANSWERED, NOT_YET_ASKED), Override(role=role, reason="busy day")
    )
    assert not decision.allowed
    assert "Only a prescriber can override the check-in checklist" in decision.message
    assert decision.overridden == ()


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_reason(reason: str) -> None:
    decision = can_start(
        evaluate_checklist(ALL_ANSWERED, NOT_YET_ASKED), Override("prescriber", reason)
    )
    assert not decision.allowed
    assert "needs a reason" in decision.message


@pytest.mark.parametrize("item", sorted(NOT_OVERRIDABLE))
def test_identity_consent_the_double_check_and_an_open_safety_flag_cannot_be_overridden(
    item: CI,
) -> None:
    if item in VERIFIED_ITEMS:
        result = evaluate_checklist(ALL_ANSWERED, {**ALL_VERIFIED, item: False})
    else:
        result = evaluate_checklist(replace(ALL_ANSWERED, identity_confirmed=False), ALL_VERIFIED)
    decision = can_start(result, PRESCRIBER)
    assert not decision.allowed
    assert "cannot be overridden" in decision.message
    assert CHECKLIST[item].label in decision.message


@pytest.mark.parametrize("item", [CI.FASTING, CI.ESCORT, CI.BASELINE_VITALS, CI.IV_SITE])
def test_other_missing_items_yield_to_a_prescriber_override(item: CI) -> None:
    answers = replace(ALL_ANSWERED, fasting_as_instructed=False, escort_confirmed=False, iv_site="")
    verified = {**ALL_VERIFIED, CI.BASELINE_VITALS: False}
    decision = can_start(evaluate_checklist(answers, verified), PRESCRIBER)
    assert decision.allowed
    assert item in decision.overridden


def test_a_complete_checklist_starts_without_an_override() -> None:
    decision = can_start(evaluate_checklist(ALL_ANSWERED, ALL_VERIFIED))
    assert decision.allowed
    assert decision.overridden == ()


def test_override_refusal_is_the_shared_rule() -> None:
    assert override_refusal(PRESCRIBER, "x") is None
    assert override_refusal(Override("nurse", "r"), "x") == "Only a prescriber can override x."
    assert override_refusal(Override("prescriber", " "), "x") == "An override of x needs a reason."


# --- baseline vitals within the protocol's range ----------------------------------------------


def test_normal_baseline_is_within_range() -> None:
    assert baseline_vitals_within_range(VitalSigns(128, 82, 76, 98, 14))


def test_a_notify_tier_baseline_is_within_range() -> None:
    assert baseline_vitals_within_range(VitalSigns(165, 95, 88, 95, 14))


@pytest.mark.parametrize(
    "vitals",
    [
        VitalSigns(180, 95, 88, 97, 14),  # systolic at the hold tier
        VitalSigns(150, 110, 88, 97, 14),  # diastolic at the hold tier
        VitalSigns(130, 80, 88, 89, 14),  # SpO₂ critical
        VitalSigns(130, 80, 44, 97, 14),  # bradycardia critical
        VitalSigns(130, 80, 70, 97, 9),  # respiratory rate critical
    ],
)
def test_a_hold_or_critical_baseline_is_out_of_range(vitals: VitalSigns) -> None:
    assert not baseline_vitals_within_range(vitals)


@pytest.mark.parametrize("field", ["systolic", "diastolic", "heart_rate", "spo2", "resp_rate"])
def test_an_incomplete_baseline_is_not_within_range(field: str) -> None:
    assert not baseline_vitals_within_range(
        replace(VitalSigns(128, 82, 76, 98, 14), **{field: None})
    )


def test_no_baseline_is_not_within_range() -> None:
    assert not baseline_vitals_within_range(None)
