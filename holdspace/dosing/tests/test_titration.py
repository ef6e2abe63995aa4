"""Titration advice: one test per rule of `advise_titration`."""

from decimal import Decimal

import pytest

from holdspace.dosing.engine import (
    DEFAULT_TITRATION_POLICY,
    DoseInputError,
    PriorInfusion,
    ResponseSoFar,
    TitrationAction,
    TitrationAdvice,
    TitrationPolicy,
    advise_titration,
)

D = Decimal
POLICY = DEFAULT_TITRATION_POLICY  # start 0.5, step 0.1, max 0.75, min 0.1 mg/kg


def tolerated(mg_per_kg: str, grade: int = 0) -> PriorInfusion:
    return PriorInfusion(D(mg_per_kg), grade, peak_systolic=150, peak_diastolic=90)


def advise(priors: list[PriorInfusion], response: ResponseSoFar) -> TitrationAdvice:
    return advise_titration(POLICY, priors, response)


def test_default_policy_follows_the_studied_range() -> None:
    assert (POLICY.start_mg_per_kg, POLICY.max_mg_per_kg, POLICY.min_mg_per_kg) == (
        D("0.5"),
        D("0.75"),
        D("0.1"),
    )


def test_is_documented_as_advice_only() -> None:
    assert advise_titration.__doc__ is not None
    assert "ADVICE ONLY" in advise_titration.__doc__


def test_no_prior_infusion_starts_at_the_starting_dose() -> None:
    advice = advise([], ResponseSoFar.UNKNOWN)
    assert advice == TitrationAdvice(
        TitrationAction.START,
        D("0.5"),
        "No previous infusion: start at the protocol starting dose of 0.50 mg/kg.",
    )


def test_adverse_event_grade_2_steps_down() -> None:
    advice = advise([tolerated("0.5", grade=2)], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_DOWN, D("0.4"))
    assert "adverse event of grade 2" in advice.reason
    assert "Suggest 0.40 mg/kg" in advice.reason


def test_adverse_event_grade_1_is_tolerated() -> None:
    advice = advise([tolerated("0.5", grade=1)], ResponseSoFar.NONE)
    assert advice.action is TitrationAction.STEP_UP


@pytest.mark.parametrize(("systolic", "diastolic"), [(180, 90), (150, 110), (195, 115)])
def test_blood_pressure_at_or_above_the_hold_tier_steps_down(systolic: int, diastolic: int) -> None:
    prior = PriorInfusion(D("0.5"), 0, systolic, diastolic)
    advice = advise([prior], ResponseSoFar.RESPONSE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_DOWN, D("0.4"))
    assert f"peaked at {systolic}/{diastolic} mmHg" in advice.reason
    assert "hold tier of 180/110 mmHg" in advice.reason


def test_blood_pressure_just_below_the_hold_tier_is_tolerated() -> None:
    advice = advise([PriorInfusion(D("0.5"), 0, 179, 109)], ResponseSoFar.PARTIAL)
    assert advice.action is TitrationAction.STEP_UP


def test_the_priors_own_hold_tier_is_used() -> None:
    prior = PriorInfusion(D("0.5"), 0, 165, 95, hold_systolic=160, hold_diastolic=100)
    assert advise([prior], ResponseSoFar.NONE).action is TitrationAction.STEP_DOWN


def test_both_reasons_are_given() -> None:
    advice = advise([PriorInfusion(D("0.5"), 3, 185, 100)], ResponseSoFar.NONE)
    assert "grade 3" in advice.reason
    assert "peaked at 185/100" in advice.reason


def test_step_down_never_goes_below_the_minimum() -> None:
    advice = advise([tolerated("0.15", grade=2)], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_DOWN, D("0.1"))


def test_not_tolerated_at_the_minimum_keeps_it_and_asks_for_review() -> None:
    advice = advise([tolerated("0.1", grade=2)], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.KEEP, D("0.1"))
    assert "already at the protocol minimum" in advice.reason
    assert "review" in advice.reason


@pytest.mark.parametrize(
    ("response", "words"),
    [(ResponseSoFar.RESPONSE, "a response"), (ResponseSoFar.REMISSION, "remission")],
)
def test_response_or_remission_keeps_the_dose(response: ResponseSoFar, words: str) -> None:
    advice = advise([tolerated("0.5")], response)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.KEEP, D("0.5"))
    assert advice.reason.startswith(f"The course shows {words} at 0.50 mg/kg")


def test_unknown_response_keeps_the_dose_until_measured() -> None:
    advice = advise([tolerated("0.5")], ResponseSoFar.UNKNOWN)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.KEEP, D("0.5"))
    assert "not yet known" in advice.reason


@pytest.mark.parametrize(
    ("response", "words"),
    [(ResponseSoFar.NONE, "no response"), (ResponseSoFar.PARTIAL, "only a partial response")],
)
def test_no_or_partial_response_steps_up(response: ResponseSoFar, words: str) -> None:
    advice = advise([tolerated("0.5")], response)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_UP, D("0.6"))
    assert words in advice.reason
    assert "Suggest 0.60 mg/kg" in advice.reason


def test_step_up_never_goes_above_the_maximum() -> None:
    advice = advise([tolerated("0.7")], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_UP, D("0.75"))


def test_at_the_maximum_keeps_the_dose() -> None:
    advice = advise([tolerated("0.75")], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.KEEP, D("0.75"))
    assert "already at the protocol maximum" in advice.reason


def test_a_dose_above_the_maximum_steps_down_to_it() -> None:
    advice = advise([tolerated("1.0")], ResponseSoFar.RESPONSE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_DOWN, D("0.75"))
    assert "above the protocol maximum" in advice.reason


def test_not_tolerated_above_the_maximum_steps_down_to_at_most_the_maximum() -> None:
    advice = advise([tolerated("1.0", grade=2)], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_DOWN, D("0.75"))


def test_only_the_last_infusion_is_judged() -> None:
    priors = [tolerated("0.5", grade=3), tolerated("0.4")]
    advice = advise(priors, ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_UP, D("0.5"))


def test_policy_threshold_for_adverse_events_is_configurable() -> None:
    strict = TitrationPolicy(
        D("0.5"), D("0.1"), D("0.75"), D("0.1"), step_down_adverse_event_grade=1
    )
    advice = advise_titration(strict, [tolerated("0.5", grade=1)], ResponseSoFar.NONE)
    assert advice.action is TitrationAction.STEP_DOWN


@pytest.mark.parametrize(
    "values",
    [
        ("0.8", "0.1", "0.75", "0.1"),  # start above max
        ("0.05", "0.1", "0.75", "0.1"),  # start below min
        ("0.5", "0", "0.75", "0.1"),  # no step
        ("0.5", "0.1", "0.75", "-0.1"),  # negative minimum
    ],
)
def test_policy_rejects_inconsistent_values(values: tuple[str, str, str, str]) -> None:
    with pytest.raises(DoseInputError):
        start, step, maximum, minimum = (D(value) for value in values)
        TitrationPolicy(start, step, maximum, minimum)


@pytest.mark.parametrize(
    ("grade", "systolic", "mg_per_kg"),
    [(-1, 150, "0.5"), (6, 150, "0.5"), (0, 0, "0.5"), (0, 150, "0")],
)
def test_prior_infusion_rejects_impossible_values(
    grade: int, systolic: int, mg_per_kg: str
) -> None:
    with pytest.raises(DoseInputError):
        PriorInfusion(D(mg_per_kg), grade, systolic, 90)
