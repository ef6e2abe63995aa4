"""The ketamine dose engine: from a weight and an order to an infusion plan, and from pump events
to the dose actually delivered.

Pure functions and frozen dataclasses, no Django. Every default and formula cites its source in
CLINICAL.md section 1 ("Dosing", in ../shared/docs) or says plainly that it is a project default.

Arithmetic: every quantity is a `decimal.Decimal` and stays exact where the mathematics allows
(sums and products of the entered numbers). Divisions that do not terminate (e.g. 100.8 mL over 7
minutes) are carried to the decimal context's precision, 28 significant digits by default, which is
some twenty orders of magnitude below anything a pump can deliver. Rounding to the house steps
(dose 0.1 mg, volumes 0.1 mL, rates 0.1 mL/h, ROUND_HALF_UP; CLINICAL.md section 1, "Rounding") is
done only by the explicit `round_*` helpers and `plan_as_dict`, never inside a calculation, so a
rounded figure is never fed back into another one.

Floats are refused at every entry point: a float such as 0.1 cannot be represented exactly and
would silently undo the point of computing in decimals.

The engine advises and calculates; clinicians decide. Nothing here places an order.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import assert_never

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class DosingError(ValueError):
    """Base class for every error the engine raises; the message is written for a clinician."""


class DoseInputError(DosingError):
    """A weight, height, order, preparation or cap is missing, zero, negative or not exact."""


class PumpSequenceError(DosingError):
    """A list of pump events that cannot have happened; the message names the offending event."""


def _require_decimal(label: str, value: object) -> Decimal:
    """Return `value` if it is a finite Decimal; otherwise raise DoseInputError naming `label`."""
    if not isinstance(value, Decimal):
        # Floats are binary approximations (0.1 is not 0.1); ints are refused only so that every
        # stored figure has one type and one printed form.
        raise DoseInputError(
            f"{label} must be an exact decimal number (got {type(value).__name__} {value!r})."
        )
    if not value.is_finite():
        raise DoseInputError(f"{label} must be a number (got {value}).")
    return value


def _require_positive(label: str, value: object) -> Decimal:
    """Return `value` if it is a finite Decimal above zero; otherwise raise DoseInputError."""
    number = _require_decimal(label, value)
    if number <= 0:
        raise DoseInputError(f"{label} must be greater than zero (got {number}).")
    return number


def _require_optional_positive(label: str, value: object) -> None:
    """Accept None (meaning "not set"); otherwise the value must be a positive Decimal."""
    if value is not None:
        _require_positive(label, value)


# ---------------------------------------------------------------------------------------------
# Display and pump-programming rounding (the only place where numbers are rounded)
# ---------------------------------------------------------------------------------------------

# CLINICAL.md section 1, "Rounding (house rule)": dose to 0.1 mg, volumes to 0.1 mL, rates to
# 0.1 mL/h. Half-up because that is how clinicians round by hand, so the screen never disagrees
# with a nurse's own check.
DOSE_STEP_MG = Decimal("0.1")
VOLUME_STEP_ML = Decimal("0.1")
RATE_STEP_ML_H = Decimal("0.1")
# Project defaults, not from a source: CLINICAL.md does not fix these two display steps.
# 0.1 kg matches how scales report; 0.001 mg/mL shows a bag concentration such as 0.397 mg/mL.
WEIGHT_STEP_KG = Decimal("0.1")
CONCENTRATION_STEP_MG_ML = Decimal("0.001")


def _round(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def round_dose_mg(mg: Decimal) -> Decimal:
    """Dose for display, to 0.1 mg (house rule)."""
    return _round(mg, DOSE_STEP_MG)


def round_volume_ml(ml: Decimal) -> Decimal:
    """Volume for display and for the pump's volume to be infused, to 0.1 mL (house rule)."""
    return _round(ml, VOLUME_STEP_ML)


def round_rate_ml_h(ml_h: Decimal) -> Decimal:
    """Rate for display and for programming the pump, to 0.1 mL/h (house rule)."""
    return _round(ml_h, RATE_STEP_ML_H)


def round_weight_kg(kg: Decimal) -> Decimal:
    """Weight for display, to 0.1 kg (project default)."""
    return _round(kg, WEIGHT_STEP_KG)


def round_concentration_mg_ml(mg_ml: Decimal) -> Decimal:
    """Concentration for display, to 0.001 mg/mL (project default)."""
    return _round(mg_ml, CONCENTRATION_STEP_MG_ML)


def _show(value: Decimal, places: int) -> str:
    """`value` with at least `places` decimals, and more if it has them (a cap of 0.755 must not
    be shown as 0.76)."""
    own_places = max(0, -int(value.normalize().as_tuple().exponent))
    return str(_round(value, Decimal(1).scaleb(-max(places, min(own_places, 6)))))


def _show_above(value: Decimal, limit: Decimal, places: int) -> str:
    """`value` rounded to `places` decimals, adding decimals until it visibly exceeds `limit`,
    so a breach message never reads "0.75 exceeds the cap of 0.75"."""
    while places < 10 and _round(value, Decimal(1).scaleb(-places)) <= limit:
        places += 1
    return str(_round(value, Decimal(1).scaleb(-places)))


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------

# CLINICAL.md section 1, Devine: "height in cm / 2.54". Exact by definition of the inch.
CM_PER_INCH = Decimal("2.54")


def cm_to_inches(cm: Decimal) -> Decimal:
    return cm / CM_PER_INCH


def inches_to_cm(inches: Decimal) -> Decimal:
    return inches * CM_PER_INCH


def mg_to_ml(mg: Decimal, concentration_mg_ml: Decimal) -> Decimal:
    """Volume holding `mg` of drug at `concentration_mg_ml` (CLINICAL.md: volume = dose / C)."""
    return mg / _require_positive("Concentration", concentration_mg_ml)


def ml_to_mg(ml: Decimal, concentration_mg_ml: Decimal) -> Decimal:
    """Drug in `ml` of solution at `concentration_mg_ml`."""
    return ml * _require_positive("Concentration", concentration_mg_ml)


def _seconds(span: timedelta) -> Decimal:
    """A timedelta as exact decimal seconds (timedelta is integral microseconds, so no loss)."""
    whole = span.days * 86_400 + span.seconds
    return Decimal(whole) + Decimal(span.microseconds).scaleb(-6)


# ---------------------------------------------------------------------------------------------
# Dosing weight
# ---------------------------------------------------------------------------------------------


class Sex(StrEnum):
    """Sex as used by the weight formulas, which are defined only for these two values."""

    FEMALE = "female"
    MALE = "male"


class WeightBasis(StrEnum):
    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"
    LEAN = "lean"


# CLINICAL.md section 1, "Dosing weight": trials dose on actual body weight and a 2024 comparison
# supports it, so actual weight is the default basis; ideal/adjusted are a practice claim.
DEFAULT_WEIGHT_BASIS = WeightBasis.ACTUAL

# CLINICAL.md section 1, Ideal body weight (Devine): male 50 kg, female 45.5 kg,
# + 2.3 kg per inch over 60 in; not extrapolated below 60 in.
DEVINE_BASE_KG = {Sex.MALE: Decimal(50), Sex.FEMALE: Decimal("45.5")}
DEVINE_KG_PER_INCH = Decimal("2.3")
DEVINE_BASE_HEIGHT_IN = Decimal(60)

# CLINICAL.md section 1, Adjusted body weight: IBW + 0.4 x (actual - IBW), only when actual > IBW.
ADJUSTED_WEIGHT_FACTOR = Decimal("0.4")

# CLINICAL.md section 1, Lean body weight (Janmahasatian 2005): 9270 x W / (a + b x BMI) with
# (a, b) = (6680, 216) for men and (8780, 244) for women.
JANMAHASATIAN_NUMERATOR = Decimal(9270)
JANMAHASATIAN_DENOMINATOR = {
    Sex.MALE: (Decimal(6680), Decimal(216)),
    Sex.FEMALE: (Decimal(8780), Decimal(244)),
}


@dataclass(frozen=True)
class DosingWeight:
    """The weight a dose is calculated on. `basis` is the basis actually used, which may differ
    from the one asked for; `warnings` then says why, in words for the prescriber."""

    kg: Decimal
    basis: WeightBasis
    warnings: tuple[str, ...] = ()


def body_mass_index(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """BMI in kg/m^2. Requires positive weight and height."""
    _require_positive("Weight", weight_kg)
    height_m = _require_positive("Height", height_cm) / 100
    return weight_kg / (height_m * height_m)


def ideal_body_weight_kg(height_cm: Decimal, sex: Sex) -> Decimal | None:
    """Devine ideal body weight, or None below 60 in (152.4 cm).

    None rather than a smaller number because the formula is not valid there and CLINICAL.md
    section 1 says not to extrapolate it downward. Exactly 60 in gives the base weight.
    """
    inches = cm_to_inches(_require_positive("Height", height_cm))
    if inches < DEVINE_BASE_HEIGHT_IN:
        return None
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * (inches - DEVINE_BASE_HEIGHT_IN)


def adjusted_body_weight_kg(actual_kg: Decimal, ideal_kg: Decimal) -> Decimal:
    """IBW + 0.4 x (actual - IBW) when actual is above IBW; otherwise the actual weight, because
    the adjustment exists only to scale back an excess over ideal weight (CLINICAL.md section 1)."""
    _require_positive("Weight", actual_kg)
    _require_positive("Ideal body weight", ideal_kg)
    if actual_kg <= ideal_kg:
        return actual_kg
    return ideal_kg + ADJUSTED_WEIGHT_FACTOR * (actual_kg - ideal_kg)


def lean_body_weight_kg(actual_kg: Decimal, height_cm: Decimal, sex: Sex) -> Decimal:
    """Janmahasatian 2005 lean body weight (CLINICAL.md section 1)."""
    constant, per_bmi = JANMAHASATIAN_DENOMINATOR[sex]
    bmi = body_mass_index(actual_kg, height_cm)
    return JANMAHASATIAN_NUMERATOR * actual_kg / (constant + per_bmi * bmi)


def _actual_instead(actual_kg: Decimal, why: str) -> DosingWeight:
    return DosingWeight(actual_kg, WeightBasis.ACTUAL, (f"{why} Dosing on actual weight instead.",))


def _ibw_unavailable(height_cm: Decimal) -> str:
    return (
        f"Ideal body weight is unavailable: height {_show(height_cm, 1)} cm is under 60 in "
        "(152.4 cm) and the Devine formula is not extrapolated below that."
    )


def _above_actual(name: str, kg: Decimal, actual_kg: Decimal) -> str:
    # Judgement call: ideal/adjusted/lean weights exist to dose *less* than actual weight in
    # larger patients. Above actual weight they would give more than the actual-weight dose the
    # trials used, so actual weight is used instead (and the prescriber is told).
    return (
        f"{name} ({_show(round_weight_kg(kg), 1)} kg) is above actual weight "
        f"({_show(actual_kg, 1)} kg)."
    )


def _ideal_weight(actual_kg: Decimal, height_cm: Decimal, sex: Sex) -> DosingWeight:
    ideal = ideal_body_weight_kg(height_cm, sex)
    if ideal is None:
        return _actual_instead(actual_kg, _ibw_unavailable(height_cm))
    if ideal > actual_kg:
        return _actual_instead(actual_kg, _above_actual("Ideal body weight", ideal, actual_kg))
    return DosingWeight(ideal, WeightBasis.IDEAL)


def _adjusted_weight(actual_kg: Decimal, height_cm: Decimal, sex: Sex) -> DosingWeight:
    ideal = ideal_body_weight_kg(height_cm, sex)
    if ideal is None:
        return _actual_instead(actual_kg, _ibw_unavailable(height_cm))
    if actual_kg <= ideal:
        why = (
            f"Adjusted body weight applies only above ideal body weight "
            f"({_show(round_weight_kg(ideal), 1)} kg), and actual weight is not above it."
        )
        return _actual_instead(actual_kg, why)
    return DosingWeight(adjusted_body_weight_kg(actual_kg, ideal), WeightBasis.ADJUSTED)


def _lean_weight(actual_kg: Decimal, height_cm: Decimal, sex: Sex) -> DosingWeight:
    lean = lean_body_weight_kg(actual_kg, height_cm, sex)
    if lean > actual_kg:  # only at a BMI near 12 or below; see _above_actual
        return _actual_instead(actual_kg, _above_actual("Lean body weight", lean, actual_kg))
    return DosingWeight(lean, WeightBasis.LEAN)


_ALTERNATIVE_WEIGHTS: dict[WeightBasis, Callable[[Decimal, Decimal, Sex], DosingWeight]] = {
    WeightBasis.IDEAL: _ideal_weight,
    WeightBasis.ADJUSTED: _adjusted_weight,
    WeightBasis.LEAN: _lean_weight,
}


def dosing_weight(
    actual_kg: Decimal, height_cm: Decimal | None, sex: Sex | None, basis: WeightBasis
) -> DosingWeight:
    """The weight to dose on for the requested `basis`.

    Contract: `actual_kg` (and `height_cm` when given) must be positive Decimals, else
    DoseInputError. The result's `basis` is the one actually used. Whenever the requested basis
    cannot be used (height or sex not recorded, IBW undefined below 60 in, or the alternative
    weight would exceed actual weight) the result is the actual weight with a warning saying why;
    the engine never silently doses on a different basis.
    """
    _require_positive("Weight", actual_kg)
    if basis is WeightBasis.ACTUAL:
        return DosingWeight(actual_kg, WeightBasis.ACTUAL)
    if height_cm is None or sex is None:
        missing = "height" if height_cm is None else "sex"
        return _actual_instead(actual_kg, f"{basis.capitalize()} weight needs the {missing}.")
    return _ALTERNATIVE_WEIGHTS[basis](actual_kg, height_cm, sex)


# ---------------------------------------------------------------------------------------------
# Orders: how much drug
# ---------------------------------------------------------------------------------------------


class DoseMode(StrEnum):
    """CLINICAL.md section 1: protocols must support mg/kg over N minutes (psychiatric),
    mg/kg/h for N hours and fixed mg/h (chronic pain, ASRA/AAPM/ASA 2018)."""

    MG_PER_KG_OVER_MINUTES = "mg_per_kg_over_minutes"
    MG_PER_KG_PER_HOUR = "mg_per_kg_per_hour"
    FIXED_MG_PER_HOUR = "fixed_mg_per_hour"


AMOUNT_UNITS = {
    DoseMode.MG_PER_KG_OVER_MINUTES: "mg/kg",
    DoseMode.MG_PER_KG_PER_HOUR: "mg/kg/h",
    DoseMode.FIXED_MG_PER_HOUR: "mg/h",
}


@dataclass(frozen=True)
class DoseOrder:
    """What the prescriber asks for: `amount` in the unit of `mode`, given over `duration_minutes`.

    Contract: amount and duration are positive Decimals, else DoseInputError on construction.
    """

    mode: DoseMode
    amount: Decimal
    duration_minutes: Decimal

    def __post_init__(self) -> None:
        _require_positive(f"Dose amount ({AMOUNT_UNITS[self.mode]})", self.amount)
        _require_positive("Infusion duration (minutes)", self.duration_minutes)


# CLINICAL.md section 1, "Standard psychiatric protocol": 0.5 mg/kg IV over 40 minutes
# (Andrade, J Clin Psychiatry 2017; Fava et al., Mol Psychiatry 2018).
STANDARD_PSYCHIATRIC_ORDER = DoseOrder(DoseMode.MG_PER_KG_OVER_MINUTES, Decimal("0.5"), Decimal(40))
# CLINICAL.md section 1, chronic pain (ASRA/AAPM/ASA 2018 consensus, CRPS): 0.35 mg/kg/h for 4 h
# daily, or 22 mg/h for 4 days.
CRPS_DAILY_ORDER = DoseOrder(DoseMode.MG_PER_KG_PER_HOUR, Decimal("0.35"), Decimal(240))
CRPS_CONTINUOUS_ORDER = DoseOrder(DoseMode.FIXED_MG_PER_HOUR, Decimal(22), Decimal(4 * 24 * 60))


def dose_mg(order: DoseOrder, weight_kg: Decimal) -> Decimal:
    """Total milligrams the order asks for (CLINICAL.md section 1, three dose modes):
    mg/kg x kg; mg/kg/h x kg x hours; mg/h x hours. Products come before the one division by 60
    so the result is exact whenever it can be."""
    _require_positive("Dosing weight", weight_kg)
    minutes = order.duration_minutes
    match order.mode:
        case DoseMode.MG_PER_KG_OVER_MINUTES:
            return order.amount * weight_kg
        case DoseMode.MG_PER_KG_PER_HOUR:
            return order.amount * weight_kg * minutes / 60
        case DoseMode.FIXED_MG_PER_HOUR:
            return order.amount * minutes / 60
        case _:
            assert_never(order.mode)


# ---------------------------------------------------------------------------------------------
# Preparations: how the drug is put into fluid
# ---------------------------------------------------------------------------------------------

# CLINICAL.md section 1: typical infusion concentrations are about 1-2 mg/mL. The 0.5-5 mg/mL
# band outside which a premixed concentration is called unusual is a project default around it.
USUAL_PREMIXED_MG_ML = (Decimal("0.5"), Decimal(5))
# CLINICAL.md section 1: vials come as 10, 50 and 100 mg/mL; 100 mg/mL must be diluted.
MUST_DILUTE_MG_ML = Decimal(100)


@dataclass(frozen=True)
class Premixed:
    """A ready-made solution at `concentration_mg_ml`; the volume to give is dose / C."""

    concentration_mg_ml: Decimal

    def __post_init__(self) -> None:
        _require_positive("Premixed concentration (mg/mL)", self.concentration_mg_ml)


@dataclass(frozen=True)
class BagAdmixture:
    """The dose drawn from a vial at `stock_mg_ml` and added to a bag of `bag_ml` (e.g. saline).

    The stock strength is not restricted to the 10/50/100 mg/mL vials: the clinic's stock list
    is the place for that, and a bag always dilutes it."""

    stock_mg_ml: Decimal
    bag_ml: Decimal

    def __post_init__(self) -> None:
        _require_positive("Stock concentration (mg/mL)", self.stock_mg_ml)
        _require_positive("Bag volume (mL)", self.bag_ml)


Preparation = Premixed | BagAdmixture


@dataclass(frozen=True)
class PreparedVolumes:
    """What the preparation implies for a dose: drawn_ml is None for a premixed solution."""

    drawn_ml: Decimal | None
    total_ml: Decimal
    concentration_mg_ml: Decimal


def prepare(dose: Decimal, preparation: Preparation) -> PreparedVolumes:
    """Volumes for `dose` mg (CLINICAL.md section 1, "Two ways to prepare"):
    premixed: total = dose / C. Bag: drawn = dose / stock, total = bag + drawn,
    final concentration = dose / total."""
    _require_positive("Dose (mg)", dose)
    match preparation:
        case Premixed(concentration_mg_ml=concentration):
            return PreparedVolumes(None, dose / concentration, concentration)
        case BagAdmixture(stock_mg_ml=stock, bag_ml=bag):
            drawn = dose / stock
            total = bag + drawn
            return PreparedVolumes(drawn, total, dose / total)
        case _:
            assert_never(preparation)


def preparation_warnings(preparation: Preparation) -> tuple[str, ...]:
    """Warnings about the preparation itself. Only premixed solutions are checked: a bag dilutes
    whatever stock goes into it, and its final concentration depends on the dose."""
    if not isinstance(preparation, Premixed):
        return ()
    concentration = preparation.concentration_mg_ml
    low, high = USUAL_PREMIXED_MG_ML
    if concentration >= MUST_DILUTE_MG_ML:
        return (
            f"Premixed concentration {_show(concentration, 0)} mg/mL is vial strength: "
            "100 mg/mL must be diluted before infusion. Check the preparation.",
        )
    if not low <= concentration <= high:
        return (
            f"Premixed concentration {_show(concentration, 1)} mg/mL is unusual (infusions are "
            "typically about 1-2 mg/mL). Check the preparation.",
        )
    return ()


# ---------------------------------------------------------------------------------------------
# Caps and the infusion plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caps:
    """Protocol caps; None means "no cap of this kind".

    CLINICAL.md section 1: ASKP3's only cap is "sub-anaesthetic", so caps are clinic settings,
    expressed in mg/kg, absolute mg and mL/h; a breach is a hard stop that a prescriber may
    override with a reason (the override lives outside the engine). mg/kg caps are checked
    against the dosing weight the plan uses.
    """

    max_mg_per_kg: Decimal | None = None
    max_total_mg: Decimal | None = None
    max_rate_ml_h: Decimal | None = None
    max_mg_per_kg_per_hour: Decimal | None = None

    def __post_init__(self) -> None:
        _require_optional_positive("Cap in mg/kg", self.max_mg_per_kg)
        _require_optional_positive("Cap in mg", self.max_total_mg)
        _require_optional_positive("Cap in mL/h", self.max_rate_ml_h)
        _require_optional_positive("Cap in mg/kg/h", self.max_mg_per_kg_per_hour)


NO_CAPS = Caps()


@dataclass(frozen=True)
class InfusionPlan:
    """An exact (unrounded) plan. Use `plan_as_dict` or the `round_*` helpers to show it.

    `hard_stops` lists cap breaches; `warnings` lists everything else the prescriber should see.
    """

    dosing_weight_kg: Decimal
    basis: WeightBasis
    dose_mg: Decimal
    drawn_ml: Decimal | None
    total_ml: Decimal
    concentration_mg_ml: Decimal
    rate_ml_h: Decimal
    duration_min: Decimal
    warnings: tuple[str, ...] = ()
    hard_stops: tuple[str, ...] = ()

    @property
    def exceeds_caps(self) -> bool:
        return bool(self.hard_stops)

    @property
    def mg_per_kg(self) -> Decimal:
        """Whole-infusion dose per kg of dosing weight."""
        return self.dose_mg / self.dosing_weight_kg

    @property
    def mg_per_kg_per_hour(self) -> Decimal:
        """Average dose rate per kg of dosing weight."""
        return self.dose_mg * 60 / (self.dosing_weight_kg * self.duration_min)


def rate_ml_h(total_ml: Decimal, duration_minutes: Decimal) -> Decimal:
    """CLINICAL.md section 1: rate (mL/h) = total volume / (minutes / 60), written as
    volume x 60 / minutes so the only inexact step is the last division."""
    _require_positive("Infusion duration (minutes)", duration_minutes)
    return total_ml * 60 / duration_minutes


def _breach(label: str, value: Decimal, cap: Decimal | None, unit: str, places: int) -> str | None:
    """A hard-stop message when `value` is above `cap`. Caps are compared with exact values,
    never rounded ones, so rounding can never hide a breach."""
    if cap is None or value <= cap:
        return None
    shown = _show_above(value, cap, places)
    return f"{label} {shown} {unit} exceeds the protocol cap of {_show(cap, places)} {unit}"


def check_caps(plan: InfusionPlan, caps: Caps) -> tuple[str, ...]:
    """One hard-stop message per cap the plan breaches, naming the cap and the value."""
    messages = (
        _breach("Dose", plan.mg_per_kg, caps.max_mg_per_kg, "mg/kg", 2),
        _breach("Total dose", plan.dose_mg, caps.max_total_mg, "mg", 1),
        _breach("Rate", plan.rate_ml_h, caps.max_rate_ml_h, "mL/h", 1),
        _breach("Dose rate", plan.mg_per_kg_per_hour, caps.max_mg_per_kg_per_hour, "mg/kg/h", 2),
    )
    return tuple(message for message in messages if message is not None)


def check_dose_range(
    order: DoseOrder, minimum: Decimal | None, maximum: Decimal | None
) -> tuple[str, ...]:
    """A hard-stop message when the ordered amount lies outside the protocol's allowed range,
    in the order's own unit (mg/kg, mg/kg/h or mg/h); None means "no bound on that side".

    CLINICAL.md section 1: the studied range (0.1-0.75 mg/kg) and the caps are clinic settings,
    and leaving them needs a prescriber's override with a reason (outside the engine). Exact
    comparison, as for caps."""
    _require_optional_positive("Allowed minimum dose", minimum)
    _require_optional_positive("Allowed maximum dose", maximum)
    unit = AMOUNT_UNITS[order.mode]
    amount = order.amount
    if maximum is not None and amount > maximum:
        shown = _show_above(amount, maximum, 2)
        return (
            f"Dose {shown} {unit} is above the protocol's allowed maximum of "
            f"{_show(maximum, 2)} {unit}",
        )
    if minimum is not None and amount < minimum:
        return (
            f"Dose {_show(amount, 2)} {unit} is below the protocol's allowed minimum of "
            f"{_show(minimum, 2)} {unit}",
        )
    return ()


# Project default, not from a source: rounding the stock volume to draw, or the pump rate, to the
# house step should not change the drug given by more than 5 %. With 100 mg/mL stock a 0.1 mL
# step is up to 5 mg, so small drawn volumes can cross this; the prescriber is then warned.
ROUNDING_TOLERANCE = Decimal("0.05")


def _rounding_warning(
    what: tuple[str, str], exact: Decimal, rounded: Decimal, unit: str
) -> str | None:
    """A warning when using `rounded` for `exact` would change the drug by more than
    ROUNDING_TOLERANCE; `what` ends with the phrase saying which dose changes."""
    change = (rounded - exact) / exact
    if abs(change) <= ROUNDING_TOLERANCE:
        return None
    exact_text = _round(exact, Decimal("0.001"))
    percent = _round(change * 100, Decimal("0.1"))
    return (
        f"{what[0]} {exact_text} {unit} rounds to {rounded} {unit}, which would change {what[1]} "
        f"by {percent:+} %: set it more precisely or change the preparation."
    )


def rounding_warnings(plan: InfusionPlan) -> tuple[str, ...]:
    """Warnings where the house rounding of the drawn volume or pump rate would change the dose
    by more than ROUNDING_TOLERANCE. The plan itself stays exact."""
    rate = plan.rate_ml_h
    rate_words = ("Pump rate", "the dose given in the planned time")
    messages = [_rounding_warning(rate_words, rate, round_rate_ml_h(rate), "mL/h")]
    if plan.drawn_ml is not None:
        drawn_words = ("Stock volume to draw", "the dose in the bag")
        drawn = _rounding_warning(drawn_words, plan.drawn_ml, round_volume_ml(plan.drawn_ml), "mL")
        messages.insert(0, drawn)
    return tuple(message for message in messages if message is not None)


def plan_infusion(
    weight: DosingWeight, order: DoseOrder, preparation: Preparation, caps: Caps = NO_CAPS
) -> InfusionPlan:
    """The infusion plan for an order: dose, volumes, concentration, pump rate, warnings (from
    the weight, the preparation and rounding), and a hard stop per breached cap.

    Contract: the inputs are validated on construction, so a plan is always computable; a cap
    breach does not raise, it is reported in `hard_stops` (and `exceeds_caps`) for the UI to
    block or to require a reasoned override.
    """
    dose = dose_mg(order, weight.kg)
    volumes = prepare(dose, preparation)
    plan = InfusionPlan(
        dosing_weight_kg=weight.kg,
        basis=weight.basis,
        dose_mg=dose,
        drawn_ml=volumes.drawn_ml,
        total_ml=volumes.total_ml,
        concentration_mg_ml=volumes.concentration_mg_ml,
        rate_ml_h=rate_ml_h(volumes.total_ml, order.duration_minutes),
        duration_min=order.duration_minutes,
        warnings=weight.warnings + preparation_warnings(preparation),
    )
    warnings = plan.warnings + rounding_warnings(plan)
    return replace(plan, warnings=warnings, hard_stops=check_caps(plan, caps))


def plan_as_dict(plan: InfusionPlan) -> dict[str, object]:
    """The plan rounded per the house rule, as JSON-ready values with exactly these keys.

    Numbers are JSON numbers (Python floats) of the *rounded* Decimals (duration as entered).
    That is safe: a rounded value has at most three decimals, and a float is printed as the
    shortest decimal string that identifies it, so json.dumps prints 151.2, never
    151.19999999999999. The property tests check this round trip.
    Callers that need the exact figures use the InfusionPlan itself.
    """
    drawn = None if plan.drawn_ml is None else float(round_volume_ml(plan.drawn_ml))
    return {
        "dosing_weight_kg": float(round_weight_kg(plan.dosing_weight_kg)),
        "basis": plan.basis.value,
        "dose_mg": float(round_dose_mg(plan.dose_mg)),
        "drawn_ml": drawn,
        "total_ml": float(round_volume_ml(plan.total_ml)),
        "concentration_mg_ml": float(round_concentration_mg_ml(plan.concentration_mg_ml)),
        "rate_ml_h": float(round_rate_ml_h(plan.rate_ml_h)),
        "duration_min": float(plan.duration_min),
        "warnings": list(plan.warnings),
        "hard_stops": list(plan.hard_stops),
    }


# ---------------------------------------------------------------------------------------------
# Delivered dose from pump events
# ---------------------------------------------------------------------------------------------
# CLINICAL.md section 1: pumps, overfill and line priming change what is delivered, so the
# delivered dose is reconstructed from the pump events x concentration, never assumed from the
# order.


class PumpAction(StrEnum):
    START = "start"
    RATE = "rate"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


class PumpState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


_ACTION_WORDS = {
    PumpAction.START: "start",
    PumpAction.RATE: "rate change",
    PumpAction.PAUSE: "pause",
    PumpAction.RESUME: "resume",
    PumpAction.STOP: "stop",
}


@dataclass(frozen=True)
class PumpEvent:
    """One thing the pump did. `at` must be time-zone aware. `rate_ml_h` is required for start
    and rate, optional for resume (None resumes at the previous rate), absent for pause and stop.
    Events are checked as a sequence, by `reconstruct` and friends, so that errors can name the
    event's position."""

    at: datetime
    action: PumpAction
    rate_ml_h: Decimal | None = None


@dataclass(frozen=True)
class DeliveredDose:
    """What the pump had delivered by `as_of` (None when there were no events).

    `rate_ml_h` is the rate the pump is running at (None unless running)."""

    delivered_ml: Decimal
    delivered_mg: Decimal
    running: bool
    state: PumpState
    rate_ml_h: Decimal | None
    as_of: datetime | None


@dataclass(frozen=True)
class CurvePoint:
    """Cumulative delivery at one event boundary, for the live chart."""

    at: datetime
    delivered_ml: Decimal
    delivered_mg: Decimal


@dataclass(frozen=True)
class _Step:
    """The pump right after one event. `rate_ml_h` is the running rate, remembered while paused
    so a plain resume can return to it. `rate_seconds` is the integral of rate over time so far,
    in (mL/h) x s: summing products keeps it exact, and it is divided by 3600 only once."""

    at: datetime
    state: PumpState
    rate_ml_h: Decimal | None
    rate_seconds: Decimal


def _sequence_error(position: int, event: PumpEvent, reason: str) -> PumpSequenceError:
    """E.g. "Event 3 (rate change at 10:12): the pump is stopped, so the rate cannot change"."""
    words = _ACTION_WORDS.get(event.action, str(event.action))
    return PumpSequenceError(f"Event {position} ({words} at {event.at:%H:%M}): {reason}")


def _check_rate_field(position: int, event: PumpEvent) -> None:
    """Start and rate need a rate; resume may have one; pause and stop must not."""
    needs = event.action in (PumpAction.START, PumpAction.RATE)
    allowed = needs or event.action is PumpAction.RESUME
    if event.rate_ml_h is None:
        if needs:
            raise _sequence_error(position, event, "a rate in mL/h is required")
        return
    if not allowed:
        raise _sequence_error(position, event, f"a {_ACTION_WORDS[event.action]} has no rate")
    if not isinstance(event.rate_ml_h, Decimal) or not event.rate_ml_h.is_finite():
        raise _sequence_error(position, event, "the rate must be an exact decimal number")
    if event.rate_ml_h <= 0:
        raise _sequence_error(position, event, "the rate must be above 0 mL/h (use pause)")


def _check_shape(position: int, event: PumpEvent) -> None:
    """Checks that need only the event itself."""
    if not isinstance(event.action, PumpAction):
        raise PumpSequenceError(f"Event {position}: unknown pump action {event.action!r}")
    if event.at.utcoffset() is None:
        raise _sequence_error(position, event, "the time has no time zone")
    _check_rate_field(position, event)


def _first_step(event: PumpEvent) -> _Step:
    if event.action is not PumpAction.START:
        raise _sequence_error(1, event, "the first event must be a start")
    return _Step(event.at, PumpState.RUNNING, event.rate_ml_h, Decimal(0))


# Why each action is impossible once the pump has stopped.
_AFTER_STOP = {
    PumpAction.START: "it cannot start again (record a new infusion)",
    PumpAction.RATE: "the rate cannot change",
    PumpAction.PAUSE: "it cannot pause",
    PumpAction.RESUME: "it cannot resume",
    PumpAction.STOP: "it cannot stop again",
}


def _transition(
    previous: _Step, position: int, event: PumpEvent
) -> tuple[PumpState, Decimal | None]:
    """The state and running rate after `event`, or PumpSequenceError if it cannot happen.

    Strict on purpose: a rate change while paused is refused (resume at the new rate instead),
    so the record never holds a rate the pump was not actually running at."""
    state = previous.state
    if state is PumpState.STOPPED:
        # Everything after a stop is refused; a restart is a new infusion record.
        reason = f"the pump is stopped, so {_AFTER_STOP[event.action]}"
        raise _sequence_error(position, event, reason)
    match event.action:
        case PumpAction.START:
            raise _sequence_error(position, event, "the pump has already been started")
        case PumpAction.RATE if state is PumpState.PAUSED:
            reason = "the pump is paused, so the rate cannot change; resume at the new rate"
            raise _sequence_error(position, event, reason)
        case PumpAction.RATE:
            return PumpState.RUNNING, event.rate_ml_h
        case PumpAction.PAUSE if state is not PumpState.RUNNING:
            raise _sequence_error(position, event, "the pump is not running, so it cannot pause")
        case PumpAction.PAUSE:
            return PumpState.PAUSED, previous.rate_ml_h
        case PumpAction.RESUME if state is not PumpState.PAUSED:
            raise _sequence_error(position, event, "the pump is not paused, so it cannot resume")
        case PumpAction.RESUME:
            resumed = previous.rate_ml_h if event.rate_ml_h is None else event.rate_ml_h
            return PumpState.RUNNING, resumed
        case PumpAction.STOP:
            return PumpState.STOPPED, None
        case _:
            assert_never(event.action)


def _running_rate(step: _Step) -> Decimal:
    """The rate at which volume accrues after `step`: zero unless the pump is running."""
    if step.state is PumpState.RUNNING and step.rate_ml_h is not None:
        return step.rate_ml_h
    return Decimal(0)


def _next_step(previous: _Step, position: int, event: PumpEvent) -> _Step:
    if event.at < previous.at:
        raise _sequence_error(position, event, f"it is earlier than event {position - 1}")
    accrued = previous.rate_seconds + _running_rate(previous) * _seconds(event.at - previous.at)
    state, rate = _transition(previous, position, event)
    return _Step(event.at, state, rate, accrued)


def _replay(events: Sequence[PumpEvent]) -> tuple[_Step, ...]:
    """Validate the sequence, event by event, and return the pump's state after each one."""
    steps: list[_Step] = []
    for position, event in enumerate(events, start=1):
        _check_shape(position, event)
        steps.append(_next_step(steps[-1], position, event) if steps else _first_step(event))
    return tuple(steps)


def _delivered(
    rate_seconds: Decimal, step: _Step, concentration: Decimal, as_of: datetime
) -> DeliveredDose:
    ml = rate_seconds / 3600
    running = step.state is PumpState.RUNNING
    rate = step.rate_ml_h if running else None
    return DeliveredDose(ml, ml * concentration, running, step.state, rate, as_of)


def _nothing_delivered(as_of: datetime | None) -> DeliveredDose:
    return DeliveredDose(Decimal(0), Decimal(0), False, PumpState.NOT_STARTED, None, as_of)


def reconstruct(events: Sequence[PumpEvent], concentration_mg_ml: Decimal) -> DeliveredDose:
    """Volume and drug delivered from the first event up to the last one.

    Contract: events in the order they happened (equal times allowed); raises PumpSequenceError
    naming the first impossible event, DoseInputError for a bad concentration. No events means
    nothing delivered. A pump still running is counted only up to its last event; use
    `delivered_at` for the amount at a later instant.
    """
    concentration = _require_positive("Concentration (mg/mL)", concentration_mg_ml)
    steps = _replay(events)
    if not steps:
        return _nothing_delivered(None)
    last = steps[-1]
    return _delivered(last.rate_seconds, last, concentration, last.at)


def delivered_at(
    events: Sequence[PumpEvent], concentration_mg_ml: Decimal, instant: datetime
) -> DeliveredDose:
    """Volume and drug delivered by `instant` (time-zone aware), for the live chart.

    The whole sequence is validated; events after `instant` are then ignored, and events exactly
    at `instant` are applied. Before the first event nothing has been delivered.
    """
    concentration = _require_positive("Concentration (mg/mL)", concentration_mg_ml)
    if instant.utcoffset() is None:
        raise DoseInputError("The time asked about has no time zone.")
    reached = [step for step in _replay(events) if step.at <= instant]
    if not reached:
        return _nothing_delivered(instant)
    last = reached[-1]
    rate_seconds = last.rate_seconds + _running_rate(last) * _seconds(instant - last.at)
    return _delivered(rate_seconds, last, concentration, instant)


def cumulative_curve(
    events: Sequence[PumpEvent], concentration_mg_ml: Decimal
) -> tuple[CurvePoint, ...]:
    """Cumulative delivery at each event, one point per event, in order. Between points the
    curve is a straight line (constant rate), so these points draw it exactly."""
    concentration = _require_positive("Concentration (mg/mL)", concentration_mg_ml)
    points = []
    for step in _replay(events):
        ml = step.rate_seconds / 3600
        points.append(CurvePoint(step.at, ml, ml * concentration))
    return tuple(points)


# ---------------------------------------------------------------------------------------------
# Titration advice
# ---------------------------------------------------------------------------------------------


class ResponseSoFar(StrEnum):
    """The course's response so far (classification lives with the outcome engine)."""

    NONE = "none"
    PARTIAL = "partial"
    RESPONSE = "response"
    REMISSION = "remission"
    UNKNOWN = "unknown"


class TitrationAction(StrEnum):
    START = "start"  # no previous infusion: there is nothing to keep or step from
    KEEP = "keep"
    STEP_UP = "step_up"
    STEP_DOWN = "step_down"


# CLINICAL.md section 2: hold tier "SBP >= 180 or DBP >= 110 -> hold infusion", shipped as a
# clinic default, not a guideline.
DEFAULT_HOLD_SYSTOLIC = 180
DEFAULT_HOLD_DIASTOLIC = 110
# Project default, not from a source (CLINICAL.md has none): an adverse event of grade 2 or
# higher (CTCAE-style 1-5 scale) at the last infusion argues for a lower dose next time.
DEFAULT_STEP_DOWN_GRADE = 2


@dataclass(frozen=True)
class TitrationPolicy:
    """A protocol's titration bounds in mg/kg. Contract: all positive Decimals and
    min <= start <= max, else DoseInputError."""

    start_mg_per_kg: Decimal
    step_mg_per_kg: Decimal
    max_mg_per_kg: Decimal
    min_mg_per_kg: Decimal
    step_down_adverse_event_grade: int = DEFAULT_STEP_DOWN_GRADE

    def __post_init__(self) -> None:
        for label, value in (
            ("Starting dose", self.start_mg_per_kg),
            ("Titration step", self.step_mg_per_kg),
            ("Maximum dose", self.max_mg_per_kg),
            ("Minimum dose", self.min_mg_per_kg),
        ):
            _require_positive(f"{label} (mg/kg)", value)
        if not self.min_mg_per_kg <= self.start_mg_per_kg <= self.max_mg_per_kg:
            raise DoseInputError("The starting dose must lie between the minimum and maximum.")
        if not 1 <= self.step_down_adverse_event_grade <= 5:
            raise DoseInputError("The step-down adverse event grade must be 1 to 5.")


# CLINICAL.md section 1: start at the standard 0.5 mg/kg (Andrade 2017; Fava 2018); the studied
# range is 0.1-0.75 mg/kg and 1.0 mg/kg was no better and less well tolerated, so 0.1 and 0.75
# bound the titration. The 0.1 mg/kg step is a project default with no source.
DEFAULT_TITRATION_POLICY = TitrationPolicy(
    start_mg_per_kg=Decimal("0.5"),
    step_mg_per_kg=Decimal("0.1"),
    max_mg_per_kg=Decimal("0.75"),
    min_mg_per_kg=Decimal("0.1"),
)


@dataclass(frozen=True)
class PriorInfusion:
    """What happened at one earlier infusion: the dose given (mg/kg), the worst adverse event
    grade (0 = none), the peak blood pressure, and the protocol's hold tier at the time.

    None for the grade or a peak pressure means "not recorded" (e.g. before the live infusion
    module records them). Unrecorded tolerance is never read as "tolerated": see
    `advise_titration`, which then does not step up."""

    mg_per_kg: Decimal
    max_adverse_event_grade: int | None
    peak_systolic: int | None
    peak_diastolic: int | None
    hold_systolic: int = DEFAULT_HOLD_SYSTOLIC
    hold_diastolic: int = DEFAULT_HOLD_DIASTOLIC

    def __post_init__(self) -> None:
        _require_positive("Previous dose (mg/kg)", self.mg_per_kg)
        grade = self.max_adverse_event_grade
        if grade is not None and not 0 <= grade <= 5:
            raise DoseInputError("Adverse event grade must be 0 (none) to 5.")
        pressures = [p for p in (self.peak_systolic, self.peak_diastolic) if p is not None]
        if pressures and min(pressures) <= 0:
            raise DoseInputError("Peak blood pressure must be greater than zero.")

    @property
    def tolerance_recorded(self) -> bool:
        """True when the grade and both peak pressures are known."""
        values = (self.max_adverse_event_grade, self.peak_systolic, self.peak_diastolic)
        return all(value is not None for value in values)


@dataclass(frozen=True)
class TitrationAdvice:
    """A suggestion for the prescriber: what to do, the dose it leads to, and why in words."""

    action: TitrationAction
    suggested_mg_per_kg: Decimal
    reason: str


def _mg_kg(value: Decimal) -> str:
    return f"{_show(value, 2)} mg/kg"


def _tolerance_concerns(last: PriorInfusion, policy: TitrationPolicy) -> list[str]:
    """Why the last infusion was not tolerated, in words; empty when it was."""
    concerns = []
    grade = last.max_adverse_event_grade
    if grade is not None and grade >= policy.step_down_adverse_event_grade:
        concerns.append(
            f"it had an adverse event of grade {grade} "
            f"(grade {policy.step_down_adverse_event_grade} or higher calls for a lower dose)"
        )
    systolic, diastolic = last.peak_systolic, last.peak_diastolic
    high_systolic = systolic is not None and systolic >= last.hold_systolic
    high_diastolic = diastolic is not None and diastolic >= last.hold_diastolic
    if high_systolic or high_diastolic:
        shown = f"{_unknown_or(systolic)}/{_unknown_or(diastolic)}"
        concerns.append(
            f"blood pressure peaked at {shown} mmHg, at or "
            f"above the hold tier of {last.hold_systolic}/{last.hold_diastolic} mmHg"
        )
    return concerns


def _unknown_or(value: int | None) -> str:
    return "?" if value is None else str(value)


def _step_down(
    policy: TitrationPolicy, last: PriorInfusion, concerns: list[str]
) -> TitrationAdvice:
    why = f"The last infusion ({_mg_kg(last.mg_per_kg)}) was not well tolerated: "
    why += "; ".join(concerns) + "."
    if last.mg_per_kg <= policy.min_mg_per_kg:
        why += f" It is already at the protocol minimum of {_mg_kg(policy.min_mg_per_kg)}; "
        why += "review whether to continue."
        return TitrationAdvice(TitrationAction.KEEP, last.mg_per_kg, why)
    # One step down, but never below the minimum nor (if the last dose was above it) the maximum.
    stepped = max(last.mg_per_kg - policy.step_mg_per_kg, policy.min_mg_per_kg)
    lower = min(stepped, policy.max_mg_per_kg)
    return TitrationAdvice(TitrationAction.STEP_DOWN, lower, why + f" Suggest {_mg_kg(lower)}.")


def _step_up(
    policy: TitrationPolicy, last: PriorInfusion, response: ResponseSoFar
) -> TitrationAdvice:
    how = "no response" if response is ResponseSoFar.NONE else "only a partial response"
    why = f"The last infusion ({_mg_kg(last.mg_per_kg)}) was tolerated with {how} so far"
    if last.mg_per_kg >= policy.max_mg_per_kg:
        why += f"; already at the protocol maximum of {_mg_kg(policy.max_mg_per_kg)}."
        return TitrationAdvice(TitrationAction.KEEP, last.mg_per_kg, why)
    higher = min(last.mg_per_kg + policy.step_mg_per_kg, policy.max_mg_per_kg)
    return TitrationAdvice(TitrationAction.STEP_UP, higher, why + f". Suggest {_mg_kg(higher)}.")


def _keep(last: PriorInfusion, response: ResponseSoFar) -> TitrationAdvice:
    if response is ResponseSoFar.UNKNOWN:
        why = (
            f"The response is not yet known, so keep {_mg_kg(last.mg_per_kg)} until it is measured."
        )
    else:
        words = "a response" if response is ResponseSoFar.RESPONSE else "remission"
        why = f"The course shows {words} at {_mg_kg(last.mg_per_kg)}, so keep this dose."
    return TitrationAdvice(TitrationAction.KEEP, last.mg_per_kg, why)


def advise_titration(
    policy: TitrationPolicy, priors: Sequence[PriorInfusion], response: ResponseSoFar
) -> TitrationAdvice:
    """ADVICE ONLY: a suggestion for the prescriber, never an order (PRODUCT.md: suggestions
    such as titration are never automatic orders).

    `priors` are this course's earlier infusions, oldest first; only the last one is judged.
    Rules, in order:
    1. no prior infusion -> START at the policy's starting dose;
    2. last infusion not tolerated (adverse event grade >= policy threshold, or peak BP at or
       above its hold tier) -> STEP_DOWN by one step, never below the minimum (KEEP if already
       at or below it, asking for review);
    3. last dose above the protocol maximum -> STEP_DOWN to the maximum;
    4. response or remission -> KEEP; response unknown -> KEEP until measured;
    5. no or partial response -> STEP_UP by one step, never above the maximum (KEEP with
       "already at the protocol maximum" when there);
    6. the last infusion's tolerance not recorded (a None in `PriorInfusion`) -> never STEP_UP:
       KEEP, saying that tolerance is unknown. Recorded values that breach still step down.
    """
    if not priors:
        why = "No previous infusion: start at the protocol starting dose of "
        return TitrationAdvice(
            TitrationAction.START,
            policy.start_mg_per_kg,
            why + _mg_kg(policy.start_mg_per_kg) + ".",
        )
    last = priors[-1]
    concerns = _tolerance_concerns(last, policy)
    if concerns:
        return _step_down(policy, last, concerns)
    if last.mg_per_kg > policy.max_mg_per_kg:
        why = f"The last dose ({_mg_kg(last.mg_per_kg)}) is above the protocol maximum."
        return TitrationAdvice(TitrationAction.STEP_DOWN, policy.max_mg_per_kg, why)
    if response in (ResponseSoFar.RESPONSE, ResponseSoFar.REMISSION, ResponseSoFar.UNKNOWN):
        advice = _keep(last, response)
    elif last.tolerance_recorded:
        return _step_up(policy, last, response)
    else:
        # Judgement call: a higher dose is suggested only after a tolerated infusion, and an
        # infusion whose adverse events or peak blood pressure were not recorded is not known
        # to have been tolerated.
        how = "no response" if response is ResponseSoFar.NONE else "only a partial response"
        why = f"The last infusion ({_mg_kg(last.mg_per_kg)}) had {how} so far; keep this dose."
        advice = TitrationAdvice(TitrationAction.KEEP, last.mg_per_kg, why)
    if last.tolerance_recorded:
        return advice
    unknown = (
        " The last infusion's tolerance (adverse events, peak blood pressure) was not "
        "recorded, so it could not be considered and no step up is suggested."
    )
    return replace(advice, reason=advice.reason + unknown)
