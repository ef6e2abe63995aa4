"""Recovery and discharge: the protocol's score from the recorded vitals and the nurse's items,
the conditions of CLINICAL.md §3, and a prescriber's override below the threshold."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from holdspace.dosing.models import Protocol
from holdspace.infusions import actions
from holdspace.infusions.discharge import AldreteNurseItems, PadssNurseItems
from holdspace.infusions.models import Discharge, SessionState
from holdspace.infusions.tests.conftest import fresh, pump, start, vitals

FULL_MARKS = AldreteNurseItems(activity=2, respiration=2, consciousness=2, on_oxygen=False)
DROWSY = AldreteNurseItems(activity=1, respiration=2, consciousness=1, on_oxygen=False)
CONDITIONS = {
    "escort_confirmed": True,
    "instructions_given": True,
    "follow_up_booked": True,
    "driving_advice_given": True,
}


@pytest.fixture
def in_recovery(checked_in, nurse_a, prescriber_a):
    """Pump ran 40 minutes and stopped 40 minutes ago; recovery vitals close to baseline."""
    session = start(checked_in, prescriber_a, minutes_ago=80)
    stop = pump(session, nurse_a, "stop", at=session.started_at + timedelta(minutes=40))
    actions.start_recovery(
        actor=nurse_a, session=session, occurred_at=stop.occurred_at + timedelta(minutes=1)
    )
    vitals(session, nurse_a, minutes_ago=2, systolic=126, diastolic=80, heart_rate=76)
    return fresh(session)


def discharge(session, actor, items=FULL_MARKS, **kwargs):
    return actions.discharge(
        actor=actor, session=session, nurse_items=items, **(CONDITIONS | kwargs)
    )


def test_recovery_follows_the_end_of_the_infusion(ended, nurse_a):
    session = actions.start_recovery(actor=nurse_a, session=ended)
    assert session.state == SessionState.RECOVERING and session.recovery_started_at


def test_recovery_cannot_start_while_the_pump_runs(running, nurse_a):
    with pytest.raises(ValidationError, match="cannot be moved to recovery"):
        actions.start_recovery(actor=nurse_a, session=running)


def test_a_fit_patient_is_discharged_with_the_score_kept(in_recovery, nurse_a):
    row = discharge(in_recovery, nurse_a)
    assert (row.scale, row.total, row.maximum, row.threshold) == ("aldrete_modified", 10, 10, 9)
    assert fresh(in_recovery).state == SessionState.DISCHARGED
    assert {c["key"] for c in row.criteria} >= {"circulation", "spo2"}


def test_discharge_below_the_threshold_is_refused_without_a_prescribers_override(
    in_recovery, nurse_a
):
    with pytest.raises(ValidationError) as refused:
        discharge(in_recovery, nurse_a, items=DROWSY)
    assert any(
        "Modified Aldrete 8/10 is below the clinic threshold of 9" in m
        for m in refused.value.messages
    )
    assert fresh(in_recovery).state == SessionState.RECOVERING


def test_a_nurse_cannot_override_a_low_score(in_recovery, nurse_a):
    with pytest.raises(ValidationError, match="Only a prescriber can override"):
        discharge(in_recovery, nurse_a, items=DROWSY, override_reason="Looks fine to me")


def test_a_prescriber_discharges_below_the_threshold_with_a_reason(in_recovery, prescriber_a):
    row = discharge(
        in_recovery,
        prescriber_a,
        items=DROWSY,
        override_reason="Drowsy at baseline; escort present",
    )
    assert row.override_by == prescriber_a and row.override_reason.startswith("Drowsy")
    assert row.overridden and row.total == 8


def test_no_override_waives_the_escort(in_recovery, prescriber_a):
    with pytest.raises(ValidationError, match="Escort not confirmed"):
        discharge(in_recovery, prescriber_a, escort_confirmed=False, override_reason="Taxi")


def test_discharge_waits_for_the_minimum_recovery_time(ended, nurse_a):
    session = actions.start_recovery(actor=nurse_a, session=ended)
    vitals(session, nurse_a)
    with pytest.raises(ValidationError, match="the clinic minimum is 30 min"):
        discharge(session, nurse_a)


def test_discharge_needs_recovery_vitals(ended, nurse_a):
    session = actions.start_recovery(actor=nurse_a, session=ended)
    with pytest.raises(ValidationError, match="Record recovery vital signs"):
        discharge(session, nurse_a)


def test_a_padss_protocol_is_scored_with_the_padss(in_recovery, nurse_a, standard):
    Protocol.objects.filter(pk=standard.pk).update(discharge_rule="padss_9")
    session = fresh(in_recovery)
    with pytest.raises(ValidationError, match="PADSS"):
        discharge(session, nurse_a)
    items = PadssNurseItems(
        activity_mental_status=2, pain_nausea_vomiting=2, iv_site_bleeding=2, intake_output=1
    )
    row = discharge(session, nurse_a, items=items)
    assert (row.scale, row.total) == ("padss", 9)
    assert Discharge.objects.get(session=session) == row
