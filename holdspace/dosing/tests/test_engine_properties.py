"""Properties of the dose engine that must hold for every input (hypothesis)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.dosing.engine import (
    BagAdmixture,
    Caps,
    DoseMode,
    DoseOrder,
    Premixed,
    Preparation,
    PumpAction,
    PumpEvent,
    PumpSequenceError,
    PumpState,
    Sex,
    WeightBasis,
    cm_to_inches,
    cumulative_curve,
    delivered_at,
    dose_mg,
    dosing_weight,
    inches_to_cm,
    mg_to_ml,
    ml_to_mg,
    plan_as_dict,
    plan_infusion,
    reconstruct,
    round_concentration_mg_ml,
    round_dose_mg,
    round_rate_ml_h,
    round_volume_ml,
)

# Modest example counts keep the suite fast; database=None keeps hypothesis from writing a
# .hypothesis directory into the working tree.
PROPERTY = settings(max_examples=150, deadline=None, database=None)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# Relative tolerance for results that pass through a non-terminating division (28 significant
# digits); far tighter than the 1e-9 the engine promises.
RELATIVE = Decimal("1e-20")


def close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b), Decimal(1))


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False
    ).filter(lambda value: value > 0)


weights = decimals("2", "300", 1)
heights = decimals("100", "230", 1)
mg_per_kg = decimals("0.05", "2", 2)
minutes = decimals("1", "600", 1)  # tenths of a minute = whole 6-second steps
rates = decimals("0.1", "999", 1)
concentrations = decimals("0.1", "100", 2)
sexes = st.sampled_from(list(Sex))
bases = st.sampled_from(list(WeightBasis))
modes = st.sampled_from(list(DoseMode))
preparations: st.SearchStrategy[Preparation] = st.one_of(
    st.builds(Premixed, concentrations),
    st.builds(
        BagAdmixture,
        st.sampled_from([Decimal(10), Decimal(50), Decimal(100)]),
        decimals("50", "1000", 0),
    ),
)


def minutes_delta(value: Decimal) -> timedelta:
    return timedelta(seconds=int(value * 60))


# --- dose monotonicity -----------------------------------------------------------------------


@PROPERTY
@given(weights, weights, heights, sexes, bases, mg_per_kg, modes, minutes)
def test_dose_is_non_decreasing_in_weight(
    a: Decimal,
    b: Decimal,
    height: Decimal,
    sex: Sex,
    basis: WeightBasis,
    amount: Decimal,
    mode: DoseMode,
    duration: Decimal,
) -> None:
    light, heavy = sorted((a, b))
    order = DoseOrder(mode, amount, duration)
    lighter = plan_infusion(dosing_weight(light, height, sex, basis), order, Premixed(Decimal(1)))
    heavier = plan_infusion(dosing_weight(heavy, height, sex, basis), order, Premixed(Decimal(1)))
    assert lighter.dose_mg <= heavier.dose_mg


@PROPERTY
@given(weights, mg_per_kg, mg_per_kg, modes, minutes)
def test_dose_is_non_decreasing_in_amount(
    weight: Decimal, a: Decimal, b: Decimal, mode: DoseMode, duration: Decimal
) -> None:
    low, high = sorted((a, b))
    assert dose_mg(DoseOrder(mode, low, duration), weight) <= dose_mg(
        DoseOrder(mode, high, duration), weight
    )


@PROPERTY
@given(weights, heights, sexes, bases)
def test_dosing_weight_is_positive_and_never_above_actual(
    weight: Decimal, height: Decimal, sex: Sex, basis: WeightBasis
) -> None:
    chosen = dosing_weight(weight, height, sex, basis)
    assert 0 < chosen.kg <= weight
    assert chosen.basis in (basis, WeightBasis.ACTUAL)
    assert (chosen.basis is basis) or chosen.warnings  # a fallback always says why


# --- plan arithmetic -------------------------------------------------------------------------


@PROPERTY
@given(weights, mg_per_kg, modes, minutes, preparations)
def test_plan_is_internally_consistent(
    weight: Decimal, amount: Decimal, mode: DoseMode, duration: Decimal, prep: Preparation
) -> None:
    plan = plan_infusion(
        dosing_weight(weight, None, None, WeightBasis.ACTUAL),
        DoseOrder(mode, amount, duration),
        prep,
    )
    assert close(plan.concentration_mg_ml * plan.total_ml, plan.dose_mg)
    assert close(plan.rate_ml_h * duration / 60, plan.total_ml)
    if isinstance(prep, BagAdmixture):
        assert plan.drawn_ml is not None
        assert plan.total_ml == prep.bag_ml + plan.drawn_ml


@PROPERTY
@given(weights, mg_per_kg, minutes, preparations)
def test_plan_as_dict_numbers_are_the_rounded_decimals(
    weight: Decimal, amount: Decimal, duration: Decimal, prep: Preparation
) -> None:
    order = DoseOrder(DoseMode.MG_PER_KG_OVER_MINUTES, amount, duration)
    plan = plan_infusion(dosing_weight(weight, None, None, WeightBasis.ACTUAL), order, prep)
    shown = plan_as_dict(plan)
    assert Decimal(repr(shown["dose_mg"])) == round_dose_mg(plan.dose_mg)
    assert Decimal(repr(shown["total_ml"])) == round_volume_ml(plan.total_ml)
    assert Decimal(repr(shown["rate_ml_h"])) == round_rate_ml_h(plan.rate_ml_h)
    concentration = round_concentration_mg_ml(plan.concentration_mg_ml)
    assert Decimal(repr(shown["concentration_mg_ml"])) == concentration


@PROPERTY
@given(weights, mg_per_kg, minutes, mg_per_kg)
def test_mg_per_kg_cap_stops_exactly_when_exceeded(
    weight: Decimal, amount: Decimal, duration: Decimal, cap: Decimal
) -> None:
    order = DoseOrder(DoseMode.MG_PER_KG_OVER_MINUTES, amount, duration)
    actual = dosing_weight(weight, None, None, WeightBasis.ACTUAL)
    plan = plan_infusion(actual, order, Premixed(Decimal(1)), Caps(max_mg_per_kg=cap))
    assert plan.exceeds_caps is (amount > cap)


# --- delivered dose --------------------------------------------------------------------------


@PROPERTY
@given(weights, mg_per_kg, modes, minutes, preparations)
def test_running_the_plan_delivers_the_planned_dose(
    weight: Decimal, amount: Decimal, mode: DoseMode, duration: Decimal, prep: Preparation
) -> None:
    order = DoseOrder(mode, amount, duration)
    plan = plan_infusion(dosing_weight(weight, None, None, WeightBasis.ACTUAL), order, prep)
    events = [
        PumpEvent(T0, PumpAction.START, plan.rate_ml_h),
        PumpEvent(T0 + minutes_delta(duration), PumpAction.STOP),
    ]
    delivered = reconstruct(events, plan.concentration_mg_ml)
    assert close(delivered.delivered_ml, plan.total_ml)
    assert close(delivered.delivered_mg, plan.dose_mg)


@st.composite
def running_sequences(draw: st.DrawFn) -> list[PumpEvent]:
    """start, zero or more rate changes, stop: the pump runs throughout."""
    count = draw(st.integers(min_value=0, max_value=4))
    gaps = draw(st.lists(st.integers(0, 3600), min_size=count + 1, max_size=count + 1))
    events = [PumpEvent(T0, PumpAction.START, draw(rates))]
    moment = T0
    for gap in gaps[:-1]:
        moment += timedelta(seconds=gap)
        events.append(PumpEvent(moment, PumpAction.RATE, draw(rates)))
    events.append(PumpEvent(moment + timedelta(seconds=gaps[-1]), PumpAction.STOP))
    return events


@PROPERTY
@given(running_sequences(), st.data())
def test_inserting_a_pause_never_increases_the_delivered_dose(
    events: list[PumpEvent], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(events) - 2))
    begin, end = events[index].at, events[index + 1].at
    span = int((end - begin).total_seconds())
    pause_at = begin + timedelta(seconds=data.draw(st.integers(0, span)))
    resume_at = pause_at + timedelta(
        seconds=data.draw(st.integers(0, int((end - pause_at).total_seconds())))
    )
    paused = [
        *events[: index + 1],
        PumpEvent(pause_at, PumpAction.PAUSE),
        PumpEvent(resume_at, PumpAction.RESUME),
        *events[index + 1 :],
    ]
    concentration = Decimal(2)
    assert (
        reconstruct(paused, concentration).delivered_mg
        <= reconstruct(events, concentration).delivered_mg
    )


@st.composite
def accepted_sequences(draw: st.DrawFn) -> list[PumpEvent]:
    """Any sequence the pump could really produce: each action is one allowed in the state."""
    allowed = {
        PumpState.RUNNING: [PumpAction.RATE, PumpAction.PAUSE, PumpAction.STOP],
        PumpState.PAUSED: [PumpAction.RESUME, PumpAction.STOP],
    }
    events = [PumpEvent(T0, PumpAction.START, draw(rates))]
    state, moment = PumpState.RUNNING, T0
    for _ in range(draw(st.integers(0, 8))):
        moment += timedelta(seconds=draw(st.integers(0, 3600)))
        action = draw(st.sampled_from(allowed[state]))
        with_rate = action is PumpAction.RATE or (
            action is PumpAction.RESUME and draw(st.booleans())
        )
        events.append(PumpEvent(moment, action, draw(rates) if with_rate else None))
        state = {PumpAction.PAUSE: PumpState.PAUSED, PumpAction.STOP: PumpState.STOPPED}.get(
            action, PumpState.RUNNING
        )
        if state is PumpState.STOPPED:
            break
    return events


def assert_non_negative_and_non_decreasing(events: list[PumpEvent]) -> None:
    curve = cumulative_curve(events, Decimal(1))
    amounts = [point.delivered_mg for point in curve]
    assert all(amount >= 0 for amount in amounts)
    assert amounts == sorted(amounts)
    instants = [T0 + timedelta(minutes=m) for m in range(-5, 8 * 60 + 5, 7)]
    live = [delivered_at(events, Decimal(1), instant).delivered_mg for instant in instants]
    assert all(amount >= 0 for amount in live)
    assert live == sorted(live)


@PROPERTY
@given(accepted_sequences())
def test_accepted_sequences_accumulate_monotonically(events: list[PumpEvent]) -> None:
    assert_non_negative_and_non_decreasing(events)


arbitrary_events = st.builds(
    PumpEvent,
    st.integers(0, 4 * 3600).map(lambda s: T0 + timedelta(seconds=s)),
    st.sampled_from(list(PumpAction)),
    st.one_of(st.none(), decimals("-10", "500", 1), st.just(Decimal(0))),
)


@PROPERTY
@given(st.lists(arbitrary_events, max_size=8))
def test_any_sequence_is_either_refused_or_monotonic(events: list[PumpEvent]) -> None:
    try:
        reconstruct(events, Decimal(1))
    except PumpSequenceError as error:
        assert str(error).startswith("Event ")
        return
    assert_non_negative_and_non_decreasing(events)


# --- unit round trips ------------------------------------------------------------------------


@PROPERTY
@given(heights)
def test_cm_inches_round_trip(cm: Decimal) -> None:
    assert close(inches_to_cm(cm_to_inches(cm)), cm)


@PROPERTY
@given(decimals("0.1", "5000", 1), concentrations)
def test_mg_ml_round_trip(mg: Decimal, concentration: Decimal) -> None:
    assert close(ml_to_mg(mg_to_ml(mg, concentration), concentration), mg)
    assert ml_to_mg(mg, concentration) / concentration == mg  # the product side is exact
