"""Vital signs from the keypad or a monitor, and the alerts they raise in the same transaction
on the protocol's thresholds."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from holdspace.clinics.models import Device
from holdspace.dosing.models import Protocol
from holdspace.infusions import actions
from holdspace.infusions.models import Alert, AlertBreach, PatientState, VitalSigns
from holdspace.infusions.tests.conftest import cid, queued, vitals


class Rollback(Exception):
    pass


def test_a_vital_at_the_hold_tier_opens_exactly_one_alert_in_the_same_transaction(running, nurse_a):
    with pytest.raises(Rollback), transaction.atomic():
        row = vitals(running, nurse_a, systolic=184, diastolic=96)
        alert = Alert.objects.get(session=running)
        assert (alert.rule, alert.tier, alert.audience) == ("systolic_hold", "hold", "nurse")
        assert alert.raised_by_kind == "vitals" and alert.raised_by_id == row.public_id
        assert "Systolic 184 mmHg ≥ 180: hold the infusion and call the prescriber" in alert.message
        raise Rollback
    # The alert exists exactly when the vital does.
    assert not VitalSigns.objects.filter(systolic=184).exists()
    assert not Alert.objects.exists()


def test_a_second_breach_is_linked_to_the_open_alert_not_duplicated(running, nurse_a):
    vitals(running, nurse_a, systolic=184)
    vitals(running, nurse_a, systolic=190)
    alert = Alert.objects.get(session=running)
    assert alert.breaches.count() == 2
    assert "184" in alert.message  # the alert keeps its first finding


def test_after_acknowledgement_a_new_breach_opens_a_new_alert(running, nurse_a):
    vitals(running, nurse_a, systolic=184)
    actions.acknowledge_alert(
        actor=nurse_a, alert=Alert.objects.get(), action_taken="Paused, prescriber called"
    )
    vitals(running, nurse_a, systolic=186)
    assert Alert.objects.filter(session=running).count() == 2
    assert Alert.objects.filter(acknowledged_at__isnull=True).count() == 1


def test_each_sign_raises_at_its_highest_tier_only(running, nurse_a):
    vitals(running, nurse_a, spo2=88, heart_rate=150, resp_rate=8)
    rules = set(Alert.objects.values_list("rule", flat=True))
    assert rules == {"spo2_critical", "heart_rate_high_critical", "resp_rate_critical"}


def test_impossible_vitals_are_refused_naming_the_field_and_nothing_is_saved(running, nurse_a):
    with pytest.raises(ValidationError) as refused:
        vitals(running, nurse_a, systolic=400)
    assert "systolic" in refused.value.message_dict
    assert "Systolic 400 mmHg is outside the range" in refused.value.message_dict["systolic"][0]
    with pytest.raises(ValidationError) as refused:
        vitals(running, nurse_a, systolic=80, diastolic=90)
    assert (
        "Diastolic 90 mmHg is not below systolic 80" in refused.value.message_dict["diastolic"][0]
    )
    assert VitalSigns.objects.filter(session=running).count() == 1  # the baseline only
    assert not Alert.objects.exists()


def test_sedation_is_checked_against_its_scale(running, nurse_a):
    with pytest.raises(ValidationError, match="RASS is a whole number from -5 to 4"):
        vitals(running, nurse_a, sedation_scale="rass", sedation_value=5)
    row = vitals(running, nurse_a, sedation_scale="moaas", sedation_value=4)
    assert (row.sedation_scale, row.sedation_value) == ("moaas", 4)


def test_resubmitting_the_same_vitals_stores_one_row_and_one_alert(running, nurse_a):
    client_id = cid()
    for _ in range(3):
        row = actions.record_vitals(
            actor=nurse_a, session=running, client_id=client_id, systolic=184, diastolic=90
        )
    assert VitalSigns.objects.filter(client_id=client_id).count() == 1
    assert row.replayed
    assert AlertBreach.objects.count() == 1


def test_the_protocols_own_thresholds_are_used(scheduled, nurse_a, standard):
    Protocol.objects.filter(pk=standard.pk).update(bp_notify_systolic=140, bp_hold_systolic=150)
    vitals(scheduled, nurse_a, systolic=152)
    alert = Alert.objects.get()
    assert alert.rule == "systolic_hold"
    assert "Clinic protocol" in alert.source


def test_vitals_get_their_phase_from_the_pump(running, nurse_a):
    assert VitalSigns.objects.get().phase == "baseline"
    assert vitals(running, nurse_a).phase == "intra"


def test_a_blood_pressure_queues_the_next_overdue_check(running, nurse_a):
    row = vitals(running, nurse_a)
    assert queued("check_vitals_overdue")[-1][1:] == (
        row.occurred_at + timedelta(minutes=15),
        (str(running.public_id),),
    )


def test_a_hold_alert_queues_its_escalation_and_a_notify_alert_does_not(running, nurse_a):
    vitals(running, nurse_a, systolic=165)
    assert queued("check_escalation") == []
    vitals(running, nurse_a, diastolic=112)
    hold = Alert.objects.get(rule="diastolic_hold")
    assert queued("check_escalation") == [
        ("check_escalation", hold.raised_at + timedelta(minutes=5), (str(hold.public_id),))
    ]


def test_a_monitor_of_the_clinic_may_post_vitals_but_a_board_may_not(running, clinic_a, clinic_b):
    # A monitor feed is bound to the chair it writes into (see test_device_vitals.py).
    monitor = Device(clinic=clinic_a, name="Chair 1 monitor", kind="monitor", chair=running.chair)
    monitor.issue_token()
    monitor.save()
    row = actions.record_vitals(device=monitor, session=running, client_id=cid(), heart_rate=80)
    assert row.recorded_by_device == monitor and row.recorded_by is None
    board = Device(clinic=clinic_a, name="Wall board", kind="board")
    board.issue_token()
    board.save()
    with pytest.raises(PermissionDenied):
        actions.record_vitals(device=board, session=running, client_id=cid(), heart_rate=80)
    elsewhere = Device(clinic=clinic_b, name="Other monitor", kind="monitor")
    elsewhere.issue_token()
    elsewhere.save()
    with pytest.raises(PermissionDenied):
        actions.record_vitals(device=elsewhere, session=running, client_id=cid(), heart_rate=80)


def test_a_therapist_cannot_record_vitals(running, therapist_a):
    with pytest.raises(PermissionDenied):
        vitals(running, therapist_a)


def test_high_anxiety_prompts_the_therapist(running, therapist_a):
    actions.record_patient_state(
        actor=therapist_a, session=running, client_id=cid(), anxiety=8, nausea=2
    )
    alert = Alert.objects.get()
    assert (alert.rule, alert.audience, alert.tier) == ("anxiety_high", "therapist", "notify")
    assert PatientState.objects.get().nausea == 2


def test_a_state_needs_at_least_one_rating_within_0_to_10(running, therapist_a):
    with pytest.raises(ValidationError, match="at least one"):
        actions.record_patient_state(actor=therapist_a, session=running, client_id=cid())
    with pytest.raises(ValidationError, match="0 to 10"):
        actions.record_patient_state(actor=therapist_a, session=running, client_id=cid(), nausea=11)
