"""Delivered dose reconstructed from pump events (CLINICAL.md section 1: never assumed from the
order), and every way a pump-event sequence is refused."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from holdspace.dosing.engine import (
    CurvePoint,
    DoseInputError,
    PumpAction,
    PumpEvent,
    PumpSequenceError,
    PumpState,
    cumulative_curve,
    delivered_at,
    reconstruct,
)

D = Decimal
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
START, RATE, PAUSE, RESUME, STOP = (
    PumpAction.START,
    PumpAction.RATE,
    PumpAction.PAUSE,
    PumpAction.RESUME,
    PumpAction.STOP,
)


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def ev(minute: float, action: PumpAction, rate: str | None = None) -> PumpEvent:
    return PumpEvent(at(minute), action, None if rate is None else D(rate))


# --- amounts ---------------------------------------------------------------------------------


def test_published_plan_run_as_ordered_delivers_the_dose() -> None:
    # 151.2 mL/h for 40 minutes = 100.8 mL at 40/100.8 mg/mL = 40 mg.
    events = [ev(0, START, "151.2"), ev(40, STOP)]
    dose = reconstruct(events, D(40) / D("100.8"))
    assert dose.delivered_ml == D("100.8")
    assert abs(dose.delivered_mg - D(40)) < D("1e-20")
    assert (dose.running, dose.state, dose.rate_ml_h, dose.as_of) == (
        False,
        PumpState.STOPPED,
        None,
        at(40),
    )


def test_pause_rate_change_and_resume() -> None:
    # 60 mL/h x 10 min = 10 mL; paused 5 min; 60 mL/h x 5 min = 5 mL; 120 mL/h x 10 min = 20 mL.
    events = [
        ev(0, START, "60"),
        ev(10, PAUSE),
        ev(15, RESUME),
        ev(20, RATE, "120"),
        ev(30, STOP),
    ]
    dose = reconstruct(events, D(1))
    assert (dose.delivered_ml, dose.delivered_mg) == (D(35), D(35))


def test_resume_at_a_new_rate() -> None:
    events = [ev(0, START, "60"), ev(10, PAUSE), ev(20, RESUME, "30"), ev(40, STOP)]
    assert reconstruct(events, D(2)).delivered_mg == D(40)  # (10 + 10) mL x 2 mg/mL


def test_a_running_pump_is_counted_up_to_its_last_event() -> None:
    dose = reconstruct([ev(0, START, "60"), ev(10, RATE, "90")], D(1))
    assert (dose.delivered_ml, dose.running, dose.rate_ml_h) == (D(10), True, D(90))


def test_no_events_means_nothing_delivered() -> None:
    dose = reconstruct([], D(1))
    assert (dose.delivered_ml, dose.delivered_mg, dose.running, dose.state) == (
        D(0),
        D(0),
        False,
        PumpState.NOT_STARTED,
    )


def test_events_at_the_same_instant_are_allowed() -> None:
    events = [ev(0, START, "60"), ev(0, RATE, "120"), ev(30, STOP)]
    assert reconstruct(events, D(1)).delivered_ml == D(60)


def test_events_in_different_time_zones() -> None:
    plus_two = timezone(timedelta(hours=2))
    stop = PumpEvent(at(30).astimezone(plus_two), STOP)
    assert reconstruct([ev(0, START, "60"), stop], D(1)).delivered_ml == D(30)


def test_seconds_are_exact() -> None:
    events = [ev(0, START, "100"), PumpEvent(T0 + timedelta(seconds=36), STOP)]
    assert reconstruct(events, D(1)).delivered_ml == D(1)


# --- live values -----------------------------------------------------------------------------

LIVE = [ev(0, START, "60"), ev(10, PAUSE), ev(20, RESUME), ev(30, STOP)]


@pytest.mark.parametrize(
    ("minute", "ml", "state"),
    [
        (-5, D(0), PumpState.NOT_STARTED),
        (0, D(0), PumpState.RUNNING),
        (5, D(5), PumpState.RUNNING),
        (10, D(10), PumpState.PAUSED),
        (15, D(10), PumpState.PAUSED),
        (25, D(15), PumpState.RUNNING),
        (30, D(20), PumpState.STOPPED),
        (90, D(20), PumpState.STOPPED),
    ],
)
def test_delivered_at_any_instant(minute: int, ml: Decimal, state: PumpState) -> None:
    dose = delivered_at(LIVE, D(2), at(minute))
    assert (dose.delivered_ml, dose.delivered_mg, dose.state) == (ml, ml * 2, state)
    assert dose.running is (state is PumpState.RUNNING)
    assert dose.as_of == at(minute)


def test_delivered_at_extends_a_running_pump_to_the_instant() -> None:
    dose = delivered_at([ev(0, START, "60")], D(1), at(45))
    assert (dose.delivered_ml, dose.running, dose.rate_ml_h) == (D(45), True, D(60))


def test_delivered_at_still_validates_later_events() -> None:
    with pytest.raises(PumpSequenceError, match="Event 2"):
        delivered_at([ev(0, START, "60"), ev(20, RESUME)], D(1), at(10))


def test_delivered_at_needs_a_time_zone() -> None:
    with pytest.raises(DoseInputError, match="no time zone"):
        delivered_at(LIVE, D(1), datetime(2026, 3, 2, 10, 5))  # naive on purpose


def test_cumulative_curve_has_a_point_per_event() -> None:
    assert cumulative_curve(LIVE, D(2)) == (
        CurvePoint(at(0), D(0), D(0)),
        CurvePoint(at(10), D(10), D(20)),
        CurvePoint(at(20), D(10), D(20)),
        CurvePoint(at(30), D(20), D(40)),
    )


def test_cumulative_curve_of_nothing_is_empty() -> None:
    assert cumulative_curve([], D(1)) == ()


@pytest.mark.parametrize("bad", [D(0), D(-1), 1.0])
def test_concentration_must_be_a_positive_decimal(bad: object) -> None:
    with pytest.raises(DoseInputError, match="Concentration"):
        reconstruct([ev(0, START, "60")], bad)  # type: ignore[arg-type]


# --- refused sequences: the message names the event by position, action and time ---------------


def refused(events: list[PumpEvent]) -> str:
    with pytest.raises(PumpSequenceError) as caught:
        reconstruct(events, D(1))
    return str(caught.value)


def test_message_from_the_brief() -> None:
    events = [ev(0, START, "60"), ev(10, STOP), ev(12, RATE, "90")]
    assert refused(events) == (
        "Event 3 (rate change at 10:12): the pump is stopped, so the rate cannot change"
    )


def test_first_event_must_be_a_start() -> None:
    assert refused([ev(0, PAUSE)]) == "Event 1 (pause at 10:00): the first event must be a start"
    assert refused([ev(0, RATE, "60")]).startswith("Event 1 (rate change at 10:00)")


def test_rate_change_while_paused() -> None:
    message = refused([ev(0, START, "60"), ev(5, PAUSE), ev(7, RATE, "90")])
    assert message == (
        "Event 3 (rate change at 10:07): the pump is paused, so the rate cannot change; "
        "resume at the new rate"
    )


def test_time_going_backwards() -> None:
    message = refused([ev(0, START, "60"), ev(20, PAUSE), ev(15, RESUME)])
    assert message == "Event 3 (resume at 10:15): it is earlier than event 2"


def test_resume_without_pause() -> None:
    message = refused([ev(0, START, "60"), ev(5, RESUME)])
    assert message == "Event 2 (resume at 10:05): the pump is not paused, so it cannot resume"


def test_pause_when_not_running() -> None:
    message = refused([ev(0, START, "60"), ev(5, PAUSE), ev(6, PAUSE)])
    assert message == "Event 3 (pause at 10:06): the pump is not running, so it cannot pause"


def test_second_start() -> None:
    message = refused([ev(0, START, "60"), ev(5, START, "60")])
    assert message == "Event 2 (start at 10:05): the pump has already been started"


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (ev(12, START, "60"), "Event 3 (start at 10:12): the pump is stopped, so it cannot start"),
        (ev(12, PAUSE), "Event 3 (pause at 10:12): the pump is stopped, so it cannot pause"),
        (ev(12, RESUME), "Event 3 (resume at 10:12): the pump is stopped, so it cannot resume"),
        (ev(12, STOP), "Event 3 (stop at 10:12): the pump is stopped, so it cannot stop again"),
    ],
)
def test_nothing_may_follow_a_stop(event: PumpEvent, expected: str) -> None:
    assert refused([ev(0, START, "60"), ev(10, STOP), event]).startswith(expected)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (ev(5, RATE), "Event 2 (rate change at 10:05): a rate in mL/h is required"),
        (ev(5, RATE, "0"), "Event 2 (rate change at 10:05): the rate must be above 0 mL/h"),
        (ev(5, RATE, "-10"), "Event 2 (rate change at 10:05): the rate must be above 0 mL/h"),
        (ev(5, PAUSE, "60"), "Event 2 (pause at 10:05): a pause has no rate"),
        (ev(5, STOP, "60"), "Event 2 (stop at 10:05): a stop has no rate"),
    ],
)
def test_rate_field_checks(event: PumpEvent, expected: str) -> None:
    assert refused([ev(0, START, "60"), event]).startswith(expected)


def test_start_needs_a_positive_rate() -> None:
    assert refused([ev(0, START)]) == "Event 1 (start at 10:00): a rate in mL/h is required"
    assert refused([ev(0, START, "0")]).startswith("Event 1 (start at 10:00): the rate must be")


def test_resume_rate_if_given_must_be_positive() -> None:
    message = refused([ev(0, START, "60"), ev(5, PAUSE), ev(6, RESUME, "0")])
    assert message.startswith("Event 3 (resume at 10:06): the rate must be above 0 mL/h")


def test_float_rate_is_refused() -> None:
    event = PumpEvent(at(0), START, 60.0)  # type: ignore[arg-type]
    assert refused([event]) == "Event 1 (start at 10:00): the rate must be an exact decimal number"


def test_naive_time_is_refused() -> None:
    naive = PumpEvent(datetime(2026, 3, 2, 10, 30), STOP)  # naive on purpose
    message = refused([ev(0, START, "60"), naive])
    assert message == "Event 2 (stop at 10:30): the time has no time zone"


def test_the_first_bad_event_is_the_one_named() -> None:
    naive = PumpEvent(datetime(2026, 3, 2, 10, 30), STOP)  # naive on purpose
    assert refused([ev(0, START, "60"), ev(5, RESUME), naive]).startswith("Event 2 (resume")


def test_sequence_errors_are_value_errors() -> None:
    assert issubclass(PumpSequenceError, ValueError)
