"""Running the pump: each action is checked against the session's state, the dose engine and
the caps; the delivered dose is the engine's reconstruction of the recorded events."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from holdspace.dosing import engine
from holdspace.dosing.models import Protocol
from holdspace.infusions import actions
from holdspace.infusions.models import PumpEvent, SessionState
from holdspace.infusions.queries import delivered_dose, pump_history
from holdspace.infusions.tests.conftest import (
    check_in,
    cid,
    fresh,
    pump,
    queued,
    start,
)


def test_a_rate_change_above_the_protocols_rate_cap_is_refused_with_the_reason(
    scheduled, nurse_a, prescriber_a, standard
):
    Protocol.objects.filter(pk=standard.pk).update(cap_rate_ml_h=Decimal(200))
    session = start(check_in(scheduled, nurse_a), prescriber_a, minutes_ago=10)
    with pytest.raises(ValidationError) as refused:
        pump(session, nurse_a, "rate", rate_ml_h=Decimal("250"))
    assert "Refused: Rate 250 mL/h exceeds the protocol cap of 200 mL/h." in refused.value.messages
    assert PumpEvent.objects.count() == 1


def test_a_rate_that_would_give_more_than_the_ordered_dose_is_refused(running, nurse_a):
    with pytest.raises(ValidationError) as refused:
        pump(running, nurse_a, "rate", rate_ml_h=Decimal("300"))
    message = " ".join(refused.value.messages)
    assert "more than the ordered 40 mg (+5 % allowed)" in message
    assert PumpEvent.objects.filter(action="rate").count() == 0


def test_catching_up_after_a_pause_within_the_ordered_dose_is_allowed(running, nurse_a):
    pump(running, nurse_a, "pause", at=running.started_at + timedelta(minutes=10))
    # 10 of the 40 minutes ran at 151.2 mL/h; 30 left at 151.2 gives exactly the ordered dose.
    event = pump(running, nurse_a, "resume", rate_ml_h=Decimal("151.2"))
    assert event.action == "resume" and fresh(running).state == SessionState.RUNNING


def test_a_rate_change_while_stopped_is_refused(ended, nurse_a):
    with pytest.raises(
        ValidationError, match="The pump cannot be given a new rate: the infusion has ended"
    ):
        pump(ended, nurse_a, "rate", rate_ml_h=Decimal("100"))


def test_a_rate_change_while_paused_is_refused(running, nurse_a):
    pump(running, nurse_a, "pause")
    with pytest.raises(ValidationError, match="the infusion is paused"):
        pump(running, nurse_a, "rate", rate_ml_h=Decimal("100"))


def test_pause_and_resume_move_the_session_and_stop_ends_the_infusion(running, nurse_a):
    pump(running, nurse_a, "pause", reason="Patient asked for a moment")
    assert fresh(running).state == SessionState.PAUSED
    pump(running, nurse_a, "resume")
    assert fresh(running).state == SessionState.RUNNING
    stop = pump(running, nurse_a, "stop")
    session = fresh(running)
    assert session.state == SessionState.INFUSION_ENDED and session.ended_at == stop.occurred_at


def test_start_goes_through_the_checklist_not_the_pump_buttons(checked_in, nurse_a):
    with pytest.raises(ValidationError, match="Start infusion"):
        pump(checked_in, nurse_a, "start", rate_ml_h=Decimal("151.2"))


def test_a_pump_event_before_the_last_one_is_refused(running, nurse_a):
    with pytest.raises(ValidationError, match="earlier than event 1"):
        pump(running, nurse_a, "pause", minutes_ago=30)


def test_delivered_dose_after_start_pause_resume_stop_is_the_engines_reconstruction(
    checked_in, nurse_a, prescriber_a
):
    session = start(checked_in, prescriber_a, minutes_ago=40)
    t0 = session.started_at
    pump(session, nurse_a, "rate", at=t0 + timedelta(minutes=10), rate_ml_h=Decimal("120"))
    pump(session, nurse_a, "pause", at=t0 + timedelta(minutes=15))
    pump(session, nurse_a, "resume", at=t0 + timedelta(minutes=20))
    pump(session, nurse_a, "stop", at=t0 + timedelta(minutes=35))
    events = [
        engine.PumpEvent(e.occurred_at, engine.PumpAction(e.action), e.rate_ml_h)
        for e in PumpEvent.objects.order_by("occurred_at")
    ]
    concentration = Decimal(session.order.concentration_mg_ml)
    expected = engine.reconstruct(events, concentration)
    # 10 min at 151.2 + 5 min at 120 + 15 min at 120 = 25.2 + 10 + 30 = 65.2 mL.
    assert expected.delivered_ml == Decimal("65.2")
    got = delivered_dose(fresh(session))
    assert got.delivered_mg == expected.delivered_mg
    assert got.delivered_ml == Decimal("65.2")
    halfway = delivered_dose(fresh(session), at=events[0].at + timedelta(minutes=5))
    assert halfway.delivered_ml == Decimal("12.6")


def test_resubmitting_a_pump_action_stores_it_once(running, nurse_a):
    client_id = cid()
    for _ in range(3):
        actions.pump_action(actor=nurse_a, session=running, action="pause", client_id=client_id)
    assert PumpEvent.objects.filter(action="pause").count() == 1
    assert fresh(running).state == SessionState.PAUSED


def test_resuming_queues_the_past_end_check_for_the_new_end(running, nurse_a):
    pump(running, nurse_a, "pause", at=running.started_at + timedelta(minutes=10))
    resume = pump(running, nurse_a, "resume")
    # 10 of 40 minutes ran before the pause, so 30 remain from the resume.
    assert queued("check_past_planned_end")[-1][1] == resume.occurred_at + timedelta(
        minutes=30, seconds=1
    )


def test_a_rate_change_needs_a_rate_and_a_pause_takes_none(running, nurse_a):
    with pytest.raises(ValidationError, match="Enter the rate"):
        pump(running, nurse_a, "rate")
    with pytest.raises(ValidationError, match="has no rate"):
        pump(running, nurse_a, "pause", rate_ml_h=Decimal("10"))
    with pytest.raises(ValidationError, match="exact decimal"):
        pump(running, nurse_a, "rate", rate_ml_h=120.5)


def test_the_pump_history_uses_corrected_times(running, nurse_a):
    start_event = PumpEvent.objects.get(action="start")
    earlier = start_event.occurred_at - timedelta(minutes=2)
    actions.correct_entry_time(
        actor=nurse_a,
        entry=start_event,
        new_time=earlier,
        reason="Pump started before the button was pressed",
        client_id=cid(),
    )
    assert pump_history(fresh(running))[0].at == earlier
    assert PumpEvent.objects.get(pk=start_event.pk).occurred_at == start_event.occurred_at


def test_an_order_at_the_cap_starts_at_its_rounded_pump_rate(
    ready_patient, protocols_a, prescriber_a, nurse_a, chair_a
):
    """PTSD induction: 0.5 mg/kg with a 0.5 mg/kg cap. At 72.3 kg the exact rate 151.08 mL/h
    is programmed as 151.1 (house rounding), a hair above the cap: that is the order as the
    pump gives it, so it starts; anything faster is refused."""
    from django.utils import timezone

    from holdspace.dosing import actions as dosing_actions
    from holdspace.dosing.tests.conftest import place_order, weigh
    from holdspace.infusions.tests.conftest import check_in, double_check

    ptsd = protocols_a["ptsd_induction"]
    assert ptsd.cap_mg_per_kg == Decimal("0.5")
    weight = weigh(ready_patient, "72.3", nurse=nurse_a)
    course = dosing_actions.start_course(
        actor=prescriber_a,
        patient=ready_patient,
        protocol=ptsd,
        indication_category="ptsd",
        planned_infusions=6,
    )
    order = place_order(course, prescriber_a, weight)
    double_check(order, nurse_a)
    session = actions.schedule_session(
        actor=nurse_a,
        patient=ready_patient,
        order=order,
        chair=chair_a,
        scheduled_for=timezone.now(),
    )
    session = start(check_in(session, nurse_a), prescriber_a, minutes_ago=5)
    assert PumpEvent.objects.get(session=session).rate_ml_h == Decimal("151.1")
    with pytest.raises(ValidationError, match=r"above the protocol cap of 0\.50 mg/kg"):
        pump(session, nurse_a, "rate", rate_ml_h=Decimal("155"))


def test_two_nurses_pausing_from_the_same_screen_state_keep_the_first_pause(running, nurse_a):
    seen = running.version
    pump(running, nurse_a, "pause", expected_version=seen)
    with pytest.raises(actions.SessionConflict) as conflict:
        pump(running, nurse_a, "stop", expected_version=seen)
    assert conflict.value.current.state == SessionState.PAUSED
    assert list(PumpEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "start",
        "pause",
    ]
