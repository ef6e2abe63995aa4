"""Dosing weight, dose, preparation, plan and caps: worked examples from CLINICAL.md section 1."""

import json
from decimal import Decimal

import pytest

from holdspace.dosing.engine import (
    CRPS_CONTINUOUS_ORDER,
    CRPS_DAILY_ORDER,
    DEFAULT_WEIGHT_BASIS,
    NO_CAPS,
    STANDARD_PSYCHIATRIC_ORDER,
    BagAdmixture,
    Caps,
    DoseInputError,
    DoseMode,
    DoseOrder,
    DosingWeight,
    InfusionPlan,
    Premixed,
    Sex,
    WeightBasis,
    adjusted_body_weight_kg,
    body_mass_index,
    cm_to_inches,
    dose_mg,
    dosing_weight,
    ideal_body_weight_kg,
    inches_to_cm,
    lean_body_weight_kg,
    plan_as_dict,
    plan_infusion,
    prepare,
    rate_ml_h,
    round_concentration_mg_ml,
    round_dose_mg,
    round_rate_ml_h,
    round_volume_ml,
    round_weight_kg,
)

D = Decimal
TINY = D("1e-20")


def actual(kg: str) -> DosingWeight:
    return dosing_weight(D(kg), None, None, WeightBasis.ACTUAL)


def published_plan(caps: Caps = NO_CAPS) -> InfusionPlan:
    """CLINICAL.md section 1: 80 kg x 0.5 mg/kg, 50 mg/mL stock into 100 mL over 40 minutes."""
    return plan_infusion(
        actual("80"), STANDARD_PSYCHIATRIC_ORDER, BagAdmixture(D(50), D(100)), caps
    )


# --- the published example -------------------------------------------------------------------


def test_published_example_exact_values() -> None:
    plan = published_plan()
    assert plan.dose_mg == D(40)
    assert plan.drawn_ml == D("0.8")
    assert plan.total_ml == D("100.8")
    assert plan.rate_ml_h == D("151.2")
    assert plan.duration_min == D(40)
    assert plan.basis is WeightBasis.ACTUAL
    assert abs(plan.concentration_mg_ml - D(40) / D("100.8")) < TINY
    assert plan.warnings == ()
    assert plan.hard_stops == ()
    assert not plan.exceeds_caps


def test_published_example_as_dict_is_rounded_per_house_rule() -> None:
    assert plan_as_dict(published_plan()) == {
        "dosing_weight_kg": 80.0,
        "basis": "actual",
        "dose_mg": 40.0,
        "drawn_ml": 0.8,
        "total_ml": 100.8,
        "concentration_mg_ml": 0.397,
        "rate_ml_h": 151.2,
        "duration_min": 40.0,
        "warnings": [],
        "hard_stops": [],
    }


def test_plan_as_dict_serialises_to_the_rounded_decimals() -> None:
    text = json.dumps(plan_as_dict(published_plan()))
    assert '"rate_ml_h": 151.2' in text
    assert '"concentration_mg_ml": 0.397' in text


# --- ideal body weight (Devine) --------------------------------------------------------------


@pytest.mark.parametrize(("sex", "kg"), [(Sex.MALE, D(50)), (Sex.FEMALE, D("45.5"))])
def test_ibw_at_exactly_60_inches_is_the_base_weight(sex: Sex, kg: Decimal) -> None:
    assert ideal_body_weight_kg(D("152.4"), sex) == kg  # 152.4 cm = 60 in exactly


@pytest.mark.parametrize(("sex", "kg"), [(Sex.MALE, D(73)), (Sex.FEMALE, D("68.5"))])
def test_ibw_at_70_inches(sex: Sex, kg: Decimal) -> None:
    # 177.8 cm = 70 in; 10 in over 60 x 2.3 kg = 23 kg on top of the base weight.
    assert ideal_body_weight_kg(D("177.8"), sex) == kg


@pytest.mark.parametrize("sex", list(Sex))
def test_ibw_below_60_inches_is_unavailable(sex: Sex) -> None:
    assert ideal_body_weight_kg(D("152.3"), sex) is None
    assert ideal_body_weight_kg(D(120), sex) is None


def test_ibw_at_180_cm_male() -> None:
    # 180 / 2.54 = 70.866 in; 50 + 2.3 x 10.866 = 74.99 kg.
    ibw = ideal_body_weight_kg(D(180), Sex.MALE)
    assert ibw is not None
    assert round(ibw, 2) == D("74.99")


@pytest.mark.parametrize("basis", [WeightBasis.IDEAL, WeightBasis.ADJUSTED])
def test_basis_falls_back_to_actual_with_a_warning_below_60_inches(basis: WeightBasis) -> None:
    weight = dosing_weight(D(70), D(150), Sex.FEMALE, basis)
    assert weight.kg == D(70)
    assert weight.basis is WeightBasis.ACTUAL
    (warning,) = weight.warnings
    assert "Ideal body weight is unavailable" in warning
    assert "150.0 cm is under 60 in" in warning
    assert "Dosing on actual weight instead" in warning


def test_ideal_basis_uses_ibw() -> None:
    assert dosing_weight(D(100), D("177.8"), Sex.MALE, WeightBasis.IDEAL) == DosingWeight(
        D(73), WeightBasis.IDEAL, ()
    )


def test_ideal_basis_never_doses_above_actual_weight() -> None:
    weight = dosing_weight(D(60), D("177.8"), Sex.MALE, WeightBasis.IDEAL)
    assert (weight.kg, weight.basis) == (D(60), WeightBasis.ACTUAL)
    assert "Ideal body weight (73.0 kg) is above actual weight (60.0 kg)" in weight.warnings[0]


# --- adjusted body weight --------------------------------------------------------------------


def test_adjusted_weight_when_actual_is_above_ibw() -> None:
    # IBW 73 kg (male, 70 in); 73 + 0.4 x (100 - 73) = 83.8 kg.
    assert adjusted_body_weight_kg(D(100), D(73)) == D("83.8")
    weight = dosing_weight(D(100), D("177.8"), Sex.MALE, WeightBasis.ADJUSTED)
    assert weight == DosingWeight(D("83.8"), WeightBasis.ADJUSTED, ())


@pytest.mark.parametrize("kg", [D(73), D(60)])
def test_adjusted_weight_is_actual_weight_when_not_above_ibw(kg: Decimal) -> None:
    assert adjusted_body_weight_kg(kg, D(73)) == kg
    weight = dosing_weight(kg, D("177.8"), Sex.MALE, WeightBasis.ADJUSTED)
    assert (weight.kg, weight.basis) == (kg, WeightBasis.ACTUAL)
    assert "Adjusted body weight applies only above ideal body weight" in weight.warnings[0]


# --- lean body weight (Janmahasatian 2005) ---------------------------------------------------


def test_lean_body_weight_male_by_hand() -> None:
    # Male, 80 kg, 180 cm: BMI = 80 / 1.8^2 = 80 / 3.24; 216 x BMI = 17280 / 3.24 = 16000 / 3.
    # Denominator 6680 + 16000/3 = 36040 / 3. LBW = 9270 x 80 x 3 / 36040 = 55620 / 901
    # = 61.7314... kg.
    lbw = lean_body_weight_kg(D(80), D(180), Sex.MALE)
    assert abs(lbw - D(55620) / D(901)) < TINY
    assert round(lbw, 2) == D("61.73")


def test_lean_body_weight_female_by_hand() -> None:
    # Female, 60 kg, 165 cm: BMI = 60 / 2.7225 = 24000 / 1089; 244 x BMI = 5856000 / 1089.
    # Denominator 8780 + 5856000/1089 = 15417420 / 1089. LBW = 556200 x 1089 / 15417420
    # = 30285090 / 770871 = 39.2868... kg.
    lbw = lean_body_weight_kg(D(60), D(165), Sex.FEMALE)
    assert abs(lbw - D(30285090) / D(770871)) < TINY
    assert round(lbw, 2) == D("39.29")


def test_lean_basis() -> None:
    weight = dosing_weight(D(80), D(180), Sex.MALE, WeightBasis.LEAN)
    assert weight.basis is WeightBasis.LEAN
    assert round(weight.kg, 2) == D("61.73")


def test_lean_basis_never_doses_above_actual_weight() -> None:
    # A BMI below 12 makes the male formula exceed actual weight.
    weight = dosing_weight(D(30), D(180), Sex.MALE, WeightBasis.LEAN)
    assert (weight.kg, weight.basis) == (D(30), WeightBasis.ACTUAL)
    assert "Lean body weight" in weight.warnings[0]


def test_body_mass_index() -> None:
    assert body_mass_index(D(81), D(180)) == D(25)


# --- choosing the basis ----------------------------------------------------------------------


def test_default_basis_is_actual_weight() -> None:
    assert DEFAULT_WEIGHT_BASIS is WeightBasis.ACTUAL


def test_actual_basis_needs_no_height_or_sex() -> None:
    assert actual("92.4") == DosingWeight(D("92.4"), WeightBasis.ACTUAL, ())


@pytest.mark.parametrize(
    ("height", "sex", "missing"),
    [(None, Sex.MALE, "height"), (D(170), None, "sex")],
)
@pytest.mark.parametrize("basis", [WeightBasis.IDEAL, WeightBasis.ADJUSTED, WeightBasis.LEAN])
def test_alternative_basis_without_height_or_sex_falls_back(
    height: Decimal | None, sex: Sex | None, missing: str, basis: WeightBasis
) -> None:
    weight = dosing_weight(D(90), height, sex, basis)
    assert (weight.kg, weight.basis) == (D(90), WeightBasis.ACTUAL)
    assert f"needs the {missing}" in weight.warnings[0]


@pytest.mark.parametrize("bad", [D(0), D(-70), D("NaN"), 70.0, 70])
def test_weight_must_be_a_positive_decimal(bad: object) -> None:
    with pytest.raises(DoseInputError, match="Weight"):
        dosing_weight(bad, None, None, WeightBasis.ACTUAL)  # type: ignore[arg-type]


def test_height_must_be_positive() -> None:
    with pytest.raises(DoseInputError, match="Height must be greater than zero"):
        dosing_weight(D(70), D(0), Sex.MALE, WeightBasis.IDEAL)


# --- dose modes ------------------------------------------------------------------------------


def test_dose_mg_per_kg_over_minutes() -> None:
    assert dose_mg(STANDARD_PSYCHIATRIC_ORDER, D(80)) == D(40)


def test_dose_mg_per_kg_per_hour() -> None:
    # CRPS: 0.35 mg/kg/h for 4 h; 70 kg -> 0.35 x 70 x 4 = 98 mg.
    assert dose_mg(CRPS_DAILY_ORDER, D(70)) == D(98)


def test_dose_fixed_mg_per_hour() -> None:
    assert dose_mg(DoseOrder(DoseMode.FIXED_MG_PER_HOUR, D(22), D(90)), D(70)) == D(33)
    # 22 mg/h for 4 days = 2112 mg, whatever the weight.
    assert dose_mg(CRPS_CONTINUOUS_ORDER, D(50)) == D(2112)


@pytest.mark.parametrize(
    ("amount", "minutes", "message"),
    [
        (D(0), D(40), "Dose amount"),
        (D("-0.5"), D(40), "Dose amount"),
        (D("0.5"), D(0), "Infusion duration"),
        (D("0.5"), D(-40), "Infusion duration"),
        (0.5, D(40), "exact decimal"),
    ],
)
def test_order_rejects_bad_values(amount: object, minutes: Decimal, message: str) -> None:
    with pytest.raises(DoseInputError, match=message):
        DoseOrder(DoseMode.MG_PER_KG_OVER_MINUTES, amount, minutes)  # type: ignore[arg-type]


def test_input_errors_are_value_errors() -> None:
    assert issubclass(DoseInputError, ValueError)


# --- preparations ----------------------------------------------------------------------------


def test_premixed_volume_is_dose_over_concentration() -> None:
    volumes = prepare(D(40), Premixed(D(2)))
    assert (volumes.drawn_ml, volumes.total_ml, volumes.concentration_mg_ml) == (None, D(20), D(2))


def test_bag_admixture_volumes() -> None:
    volumes = prepare(D(40), BagAdmixture(D(50), D(100)))
    assert volumes.drawn_ml == D("0.8")
    assert volumes.total_ml == D("100.8")
    assert volumes.concentration_mg_ml * volumes.total_ml == D(40)


@pytest.mark.parametrize("concentration", [D("0.5"), D(1), D(2), D(5)])
def test_usual_premixed_concentration_has_no_warning(concentration: Decimal) -> None:
    plan = plan_infusion(actual("80"), STANDARD_PSYCHIATRIC_ORDER, Premixed(concentration))
    assert plan.warnings == ()


@pytest.mark.parametrize("concentration", [D("0.4"), D("5.1"), D(10), D(50)])
def test_unusual_premixed_concentration_warns(concentration: Decimal) -> None:
    plan = plan_infusion(actual("80"), STANDARD_PSYCHIATRIC_ORDER, Premixed(concentration))
    (warning,) = plan.warnings
    assert "is unusual" in warning
    assert not plan.exceeds_caps


def test_premixed_at_vial_strength_warns_it_must_be_diluted() -> None:
    plan = plan_infusion(actual("80"), STANDARD_PSYCHIATRIC_ORDER, Premixed(D(100)))
    (warning,) = plan.warnings
    assert "100 mg/mL must be diluted" in warning


def test_bag_with_100_mg_ml_stock_does_not_warn() -> None:
    plan = plan_infusion(actual("80"), STANDARD_PSYCHIATRIC_ORDER, BagAdmixture(D(100), D(100)))
    assert plan.warnings == ()
    assert plan.drawn_ml == D("0.4")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Premixed(D(0)), "Premixed concentration"),
        (lambda: Premixed(D(-1)), "Premixed concentration"),
        (lambda: BagAdmixture(D(0), D(100)), "Stock concentration"),
        (lambda: BagAdmixture(D(50), D(0)), "Bag volume"),
        (lambda: BagAdmixture(D(50), D(-100)), "Bag volume"),
    ],
)
def test_preparations_reject_zero_and_negative(make: object, message: str) -> None:
    with pytest.raises(DoseInputError, match=message):
        make()  # type: ignore[operator]


# --- the plan --------------------------------------------------------------------------------


def test_premixed_plan_has_no_drawn_volume() -> None:
    plan = plan_infusion(actual("80"), STANDARD_PSYCHIATRIC_ORDER, Premixed(D(1)))
    assert (plan.drawn_ml, plan.total_ml, plan.rate_ml_h) == (None, D(40), D(60))
    assert plan_as_dict(plan)["drawn_ml"] is None


def test_weight_warnings_are_carried_into_the_plan() -> None:
    weight = dosing_weight(D(70), D(150), Sex.FEMALE, WeightBasis.IDEAL)
    plan = plan_infusion(weight, STANDARD_PSYCHIATRIC_ORDER, Premixed(D(10)))
    assert plan.basis is WeightBasis.ACTUAL
    assert len(plan.warnings) == 2
    assert plan_as_dict(plan)["basis"] == "actual"


def test_plan_on_adjusted_weight_names_the_basis() -> None:
    weight = dosing_weight(D(100), D("177.8"), Sex.MALE, WeightBasis.ADJUSTED)
    plan = plan_infusion(weight, STANDARD_PSYCHIATRIC_ORDER, Premixed(D(1)))
    assert (plan.basis, plan.dosing_weight_kg, plan.dose_mg) == (
        WeightBasis.ADJUSTED,
        D("83.8"),
        D("41.9"),
    )


def test_rate_is_volume_over_hours() -> None:
    assert rate_ml_h(D("100.8"), D(40)) == D("151.2")
    assert rate_ml_h(D(98), D(240)) == D("24.5")


def test_weight_based_hourly_plan() -> None:
    plan = plan_infusion(actual("70"), CRPS_DAILY_ORDER, BagAdmixture(D(50), D(250)))
    # 98 mg -> 1.96 mL of stock, 251.96 mL over 4 h -> 62.99 mL/h.
    assert (plan.dose_mg, plan.drawn_ml, plan.total_ml) == (D(98), D("1.96"), D("251.96"))
    assert plan.rate_ml_h == D("62.99")
    assert plan_as_dict(plan)["rate_ml_h"] == 63.0


def test_warns_when_rounding_the_drawn_volume_changes_the_dose() -> None:
    # 73 kg x 0.5 mg/kg = 36.5 mg = 0.365 mL of 100 mg/mL; 0.4 mL would put 40 mg in the bag.
    plan = plan_infusion(actual("73"), STANDARD_PSYCHIATRIC_ORDER, BagAdmixture(D(100), D(100)))
    assert plan.drawn_ml == D("0.365")
    assert plan.warnings == (
        "Stock volume to draw 0.365 mL rounds to 0.4 mL, which would change the dose in the bag "
        "by +9.6 %: set it more precisely or change the preparation.",
    )


def test_no_rounding_warning_within_five_percent() -> None:
    # 0.73 mL of 50 mg/mL shown as 0.7 mL is -4.1 %.
    plan = plan_infusion(actual("73"), STANDARD_PSYCHIATRIC_ORDER, BagAdmixture(D(50), D(100)))
    assert plan.warnings == ()


def test_warns_when_rounding_a_small_pump_rate_changes_the_dose() -> None:
    # 36.5 mg at 100 mg/mL = 0.365 mL over 40 min = 0.5475 mL/h; 0.5 mL/h is -8.7 %.
    plan = plan_infusion(actual("73"), STANDARD_PSYCHIATRIC_ORDER, Premixed(D(100)))
    assert plan.warnings[1] == (
        "Pump rate 0.548 mL/h rounds to 0.5 mL/h, which would change the dose given in the "
        "planned time by -8.7 %: set it more precisely or change the preparation."
    )


# --- caps and hard stops ---------------------------------------------------------------------


def test_mg_per_kg_cap() -> None:
    order = DoseOrder(DoseMode.MG_PER_KG_OVER_MINUTES, D("0.8"), D(40))
    plan = plan_infusion(actual("80"), order, Premixed(D(1)), Caps(max_mg_per_kg=D("0.75")))
    assert plan.hard_stops == ("Dose 0.80 mg/kg exceeds the protocol cap of 0.75 mg/kg",)
    assert plan.exceeds_caps


def test_total_mg_cap() -> None:
    plan = published_plan(Caps(max_total_mg=D(35)))
    assert plan.hard_stops == ("Total dose 40.0 mg exceeds the protocol cap of 35.0 mg",)


def test_rate_cap() -> None:
    plan = published_plan(Caps(max_rate_ml_h=D(150)))
    assert plan.hard_stops == ("Rate 151.2 mL/h exceeds the protocol cap of 150.0 mL/h",)


def test_mg_per_kg_per_hour_cap() -> None:
    # 0.5 mg/kg over 40 minutes is 0.75 mg/kg/h.
    plan = published_plan(Caps(max_mg_per_kg_per_hour=D("0.7")))
    assert plan.hard_stops == ("Dose rate 0.75 mg/kg/h exceeds the protocol cap of 0.70 mg/kg/h",)


def test_values_exactly_at_the_caps_pass() -> None:
    caps = Caps(D("0.5"), D(40), D("151.2"), D("0.75"))
    plan = published_plan(caps)
    assert plan.hard_stops == ()
    assert not plan.exceeds_caps


def test_every_cap_breached_at_once() -> None:
    plan = published_plan(Caps(D("0.4"), D(30), D(100), D("0.5")))
    assert [stop.split()[0] for stop in plan.hard_stops] == ["Dose", "Total", "Rate", "Dose"]
    assert plan_as_dict(plan)["hard_stops"] == list(plan.hard_stops)


def test_breach_just_over_the_cap_shows_enough_decimals() -> None:
    order = DoseOrder(DoseMode.MG_PER_KG_OVER_MINUTES, D("0.7504"), D(40))
    plan = plan_infusion(actual("80"), order, Premixed(D(1)), Caps(max_mg_per_kg=D("0.75")))
    assert plan.hard_stops == ("Dose 0.7504 mg/kg exceeds the protocol cap of 0.75 mg/kg",)


def test_cap_is_shown_with_its_own_decimals() -> None:
    plan = published_plan(Caps(max_mg_per_kg=D("0.455")))
    assert plan.hard_stops == ("Dose 0.50 mg/kg exceeds the protocol cap of 0.455 mg/kg",)


def test_mg_per_kg_cap_uses_the_dosing_weight() -> None:
    # 41.9 mg on an adjusted 83.8 kg is 0.5 mg/kg (0.419 mg/kg of actual weight).
    weight = dosing_weight(D(100), D("177.8"), Sex.MALE, WeightBasis.ADJUSTED)
    plan = plan_infusion(
        weight, STANDARD_PSYCHIATRIC_ORDER, Premixed(D(1)), Caps(max_mg_per_kg=D("0.45"))
    )
    assert plan.hard_stops == ("Dose 0.50 mg/kg exceeds the protocol cap of 0.45 mg/kg",)


@pytest.mark.parametrize("field", ["max_mg_per_kg", "max_total_mg", "max_rate_ml_h"])
def test_caps_reject_zero_and_negative(field: str) -> None:
    for bad in (D(0), D(-1)):
        with pytest.raises(DoseInputError, match="Cap"):
            Caps(**{field: bad})


# --- rounding and units ----------------------------------------------------------------------


def test_rounding_is_half_up_to_the_house_steps() -> None:
    assert round_dose_mg(D("40.05")) == D("40.1")
    assert round_volume_ml(D("100.85")) == D("100.9")
    assert round_rate_ml_h(D("151.25")) == D("151.3")
    assert round_rate_ml_h(D("151.249")) == D("151.2")
    assert round_weight_kg(D("83.75")) == D("83.8")
    assert round_concentration_mg_ml(D("0.3968")) == D("0.397")


def test_exact_unit_conversions() -> None:
    assert cm_to_inches(D("152.4")) == D(60)
    assert inches_to_cm(D(70)) == D("177.8")
