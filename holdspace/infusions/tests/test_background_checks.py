"""The background checks: escalation of unacknowledged alerts, overdue vital signs and an
infusion running past its planned end. Each acts only on what is still true, and twice is
once."""

from datetime import timedelta
from decimal import Decimal

import pytest

from holdspace.infusions import actions, tasks
from holdspace.infusions.models import Alert
from holdspace.infusions.tests.conftest import pump, vitals
from holdspace.live.models import LiveEvent


def minutes(count):
    return timedelta(minutes=count)


@pytest.fixture
def hold_alert(running, nurse_a):
    vitals(running, nurse_a, systolic=184)
    return Alert.objects.get()


def test_an_unacknowledged_hold_alert_escalates_to_the_prescriber_on_the_board(hold_alert):
    escalated = actions.escalate_if_due(
        str(hold_alert.public_id), now=hold_alert.raised_at + minutes(5)
    )
    assert escalated is not None
    assert Alert.objects.get().escalated_at == hold_alert.raised_at + minutes(5)
    board = LiveEvent.objects.filter(topic="board", kind="alert.escalated").get()
    assert board.payload["message"].startswith("Escalated to the prescriber")
    assert board.payload["alert"] == str(hold_alert.public_id)


def test_escalating_twice_is_escalating_once(hold_alert):
    when = hold_alert.raised_at + minutes(6)
    actions.escalate_if_due(str(hold_alert.public_id), now=when)
    assert actions.escalate_if_due(str(hold_alert.public_id), now=when + minutes(1)) is None
    assert Alert.objects.get().escalated_at == when
    assert LiveEvent.objects.filter(kind="alert.escalated", topic="board").count() == 1


def test_an_acknowledged_alert_never_escalates(hold_alert, nurse_a):
    actions.acknowledge_alert(actor=nurse_a, alert=hold_alert, action_taken="Paused, Dr called")
    assert (
        actions.escalate_if_due(str(hold_alert.public_id), now=hold_alert.raised_at + minutes(10))
        is None
    )
    assert Alert.objects.get().escalated_at is None


def test_an_alert_checked_early_waits_for_its_time(hold_alert):
    assert (
        actions.escalate_if_due(str(hold_alert.public_id), now=hold_alert.raised_at + minutes(2))
        is None
    )
    assert Alert.objects.get().escalated_at is None


def test_the_escalation_task_runs_the_check(hold_alert):
    # Raised a moment ago: not due yet, so the task does nothing.
    assert tasks.check_escalation.call(str(hold_alert.public_id)) == "nothing to do"


def test_vitals_overdue_raises_once(running):
    session_id = str(running.public_id)
    late = running.started_at + minutes(15)
    first = actions.raise_overdue_if_due(session_id, now=late)
    again = actions.raise_overdue_if_due(session_id, now=late + minutes(5))
    assert first is not None and again == first
    assert Alert.objects.filter(rule="vitals_overdue").count() == 1
    assert first.breaches.count() == 1
    assert "No blood pressure since monitoring began 15 min ago" in first.message


def test_vitals_on_time_raise_nothing(running, nurse_a):
    row = vitals(running, nurse_a)
    assert (
        actions.raise_overdue_if_due(str(running.public_id), now=row.occurred_at + minutes(14))
        is None
    )
    assert not Alert.objects.exists()


def test_a_finished_session_is_not_overdue(ended, nurse_a):
    actions.abort_session(actor=nurse_a, session=ended, reason="Transferred to the ED")
    assert (
        actions.raise_overdue_if_due(str(ended.public_id), now=ended.started_at + minutes(60))
        is None
    )


def test_the_overdue_task_runs_the_check(running):
    assert tasks.check_vitals_overdue.call(str(running.public_id)) == "overdue"
    assert tasks.check_vitals_overdue.call(str(running.public_id)) == "overdue"
    assert Alert.objects.filter(rule="vitals_overdue").count() == 1


def test_an_infusion_past_its_planned_end_raises_once(running):
    session_id = str(running.public_id)
    assert actions.raise_past_end_if_due(session_id, now=running.started_at + minutes(40)) is None
    alert = actions.raise_past_end_if_due(session_id, now=running.started_at + minutes(41))
    assert alert is not None and alert.rule == "past_planned_end"
    actions.raise_past_end_if_due(session_id, now=running.started_at + minutes(45))
    assert Alert.objects.filter(rule="past_planned_end").count() == 1


def test_pauses_do_not_count_towards_the_planned_end(running, nurse_a):
    pump(running, nurse_a, "pause", at=running.started_at + minutes(5))
    pump(running, nurse_a, "resume", at=running.started_at + minutes(15))
    assert (
        actions.raise_past_end_if_due(str(running.public_id), now=running.started_at + minutes(45))
        is None
    )


def test_past_end_task_runs_the_check(running):
    assert tasks.check_past_planned_end.call(str(running.public_id)) == "on time"


def test_a_rate_cap_does_not_stop_the_past_end_check(running, nurse_a):
    # Slowed to half: the pump will run long; the alert says so at the planned end.
    pump(running, nurse_a, "rate", rate_ml_h=Decimal("75.6"))
    assert actions.raise_past_end_if_due(
        str(running.public_id), now=running.started_at + minutes(41)
    )
