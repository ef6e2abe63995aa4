"""Acknowledging an alert: the action taken is required, and a therapist may acknowledge only
the therapist's prompts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from holdspace.infusions import actions
from holdspace.infusions.models import Alert
from holdspace.infusions.tests.conftest import cid, queued, vitals


@pytest.fixture
def hold_alert(running, nurse_a):
    vitals(running, nurse_a, systolic=184)
    return Alert.objects.get()


def test_acknowledging_needs_the_action_taken(hold_alert, nurse_a):
    with pytest.raises(ValidationError) as refused:
        actions.acknowledge_alert(actor=nurse_a, alert=hold_alert, action_taken="   ")
    assert "action_taken" in refused.value.message_dict
    assert Alert.objects.get().is_open


def test_the_nurse_acknowledges_with_the_action_taken(hold_alert, nurse_a):
    actions.acknowledge_alert(
        actor=nurse_a, alert=hold_alert, action_taken="Pump paused, Dr called, recheck in 5 min"
    )
    alert = Alert.objects.get()
    assert not alert.is_open
    assert (alert.acknowledged_by, alert.action_taken) == (
        nurse_a,
        "Pump paused, Dr called, recheck in 5 min",
    )


def test_acknowledging_twice_with_the_same_words_is_a_resubmission(
    hold_alert, nurse_a, prescriber_a
):
    actions.acknowledge_alert(actor=nurse_a, alert=hold_alert, action_taken="Paused")
    actions.acknowledge_alert(actor=nurse_a, alert=hold_alert, action_taken="Paused")
    with pytest.raises(ValidationError, match="already acknowledged"):
        actions.acknowledge_alert(actor=prescriber_a, alert=hold_alert, action_taken="Other")
    assert Alert.objects.get().acknowledged_by == nurse_a


def test_a_therapist_cannot_acknowledge_a_hold_tier_blood_pressure_alert(hold_alert, therapist_a):
    with pytest.raises(PermissionDenied, match="only the therapist's prompts"):
        actions.acknowledge_alert(actor=therapist_a, alert=hold_alert, action_taken="Grounding")
    assert Alert.objects.get().is_open


def test_a_therapist_acknowledges_an_anxiety_prompt(running, therapist_a):
    actions.record_patient_state(actor=therapist_a, session=running, client_id=cid(), anxiety=9)
    prompt = Alert.objects.get()
    actions.acknowledge_alert(
        actor=therapist_a, alert=prompt, action_taken="Breathing together; music changed"
    )
    assert not Alert.objects.get().is_open


def test_a_nurse_of_another_clinic_cannot_acknowledge(hold_alert, nurse_b):
    with pytest.raises(PermissionDenied, match="not working in this patient's clinic"):
        actions.acknowledge_alert(actor=nurse_b, alert=hold_alert, action_taken="Seen")


def test_acknowledging_an_overdue_alert_queues_the_next_check(running, nurse_a):
    actions.raise_overdue_if_due(str(running.public_id), now=running.started_at + _minutes(16))
    alert = Alert.objects.get(rule="vitals_overdue")
    before = len(queued("check_vitals_overdue"))
    actions.acknowledge_alert(actor=nurse_a, alert=alert, action_taken="BP cuff replaced")
    assert len(queued("check_vitals_overdue")) == before + 1


def _minutes(count):
    from datetime import timedelta

    return timedelta(minutes=count)
