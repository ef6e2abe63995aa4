"""Engine additions for ordering: the protocol's allowed dose range, and titration advice when
the last infusion's tolerance was not recorded (never a step up on unknown tolerance)."""

from decimal import Decimal

import pytest

from holdspace.dosing.engine import (
    DEFAULT_TITRATION_POLICY,
    STANDARD_PSYCHIATRIC_ORDER,
    DoseInputError,
    DoseMode,
    DoseOrder,
    PriorInfusion,
    ResponseSoFar,
    TitrationAction,
    advise_titration,
    check_dose_range,
)

D = Decimal


def order(amount: str, mode: DoseMode = DoseMode.MG_PER_KG_OVER_MINUTES) -> DoseOrder:
    return DoseOrder(mode, D(amount), D(40))


def unrecorded(mg_per_kg: str) -> PriorInfusion:
    return PriorInfusion(D(mg_per_kg), None, None, None)


def test_a_dose_inside_the_range_passes() -> None:
    assert check_dose_range(STANDARD_PSYCHIATRIC_ORDER, D("0.1"), D("0.75")) == ()
    assert check_dose_range(order("0.75"), D("0.1"), D("0.75")) == ()


def test_above_the_range_is_a_hard_stop_naming_both_figures() -> None:
    assert check_dose_range(order("0.8"), D("0.1"), D("0.75")) == (
        "Dose 0.80 mg/kg is above the protocol's allowed maximum of 0.75 mg/kg",
    )


def test_just_above_the_maximum_is_shown_with_enough_decimals() -> None:
    (message,) = check_dose_range(order("0.751"), D("0.1"), D("0.75"))
    assert message.startswith("Dose 0.751 mg/kg")


def test_below_the_range_in_the_order_unit() -> None:
    mode = DoseMode.FIXED_MG_PER_HOUR
    assert check_dose_range(order("10", mode), D(20), D(30)) == (
        "Dose 10.00 mg/h is below the protocol's allowed minimum of 20.00 mg/h",
    )


def test_no_bounds_means_no_range_check() -> None:
    assert check_dose_range(order("5"), None, None) == ()


def test_a_bound_must_be_positive() -> None:
    with pytest.raises(DoseInputError):
        check_dose_range(order("0.5"), D(0), D(1))


def test_unrecorded_tolerance_is_allowed_but_grades_and_pressures_still_validate() -> None:
    assert not unrecorded("0.5").tolerance_recorded
    with pytest.raises(DoseInputError):
        PriorInfusion(D("0.5"), 6, None, None)
    with pytest.raises(DoseInputError):
        PriorInfusion(D("0.5"), None, 0, None)


def test_no_response_with_unrecorded_tolerance_keeps_the_dose_and_says_why() -> None:
    advice = advise_titration(DEFAULT_TITRATION_POLICY, [unrecorded("0.5")], ResponseSoFar.NONE)
    assert advice.action is TitrationAction.KEEP
    assert advice.suggested_mg_per_kg == D("0.5")
    assert "no response so far" in advice.reason
    assert "was not recorded" in advice.reason and "no step up" in advice.reason


def test_unknown_response_and_tolerance_keeps_the_dose() -> None:
    priors = [unrecorded("0.5"), unrecorded("0.6")]
    advice = advise_titration(DEFAULT_TITRATION_POLICY, priors, ResponseSoFar.UNKNOWN)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.KEEP, D("0.6"))
    assert advice.reason.startswith("The response is not yet known, so keep 0.60 mg/kg")


def test_a_recorded_high_pressure_still_steps_down_when_the_grade_is_unknown() -> None:
    prior = PriorInfusion(D("0.6"), None, 185, None)
    advice = advise_titration(DEFAULT_TITRATION_POLICY, [prior], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_DOWN, D("0.5"))
    assert "185/? mmHg" in advice.reason


def test_a_dose_above_the_maximum_steps_down_even_with_unrecorded_tolerance() -> None:
    advice = advise_titration(DEFAULT_TITRATION_POLICY, [unrecorded("0.8")], ResponseSoFar.NONE)
    assert (advice.action, advice.suggested_mg_per_kg) == (TitrationAction.STEP_DOWN, D("0.75"))
