"""Every console entry as the tablet sends it (htmx POSTs with a client UUID): stored once,
answered with the panel and the other panels out of band; refused with the reason and nothing
saved; refused by role with a 403."""

import uuid

from django.urls import reverse

from holdspace.infusions.models import (
    AdverseEvent,
    AdverseEventResolution,
    Alert,
    PatientState,
    PatientStatement,
    PumpEvent,
    RescueMedication,
    SupportEvent,
    SupportResponse,
    TimeCorrection,
    VitalSigns,
)
from holdspace.infusions.tests.conftest import fresh, vitals
from holdspace.patients.models import RecordStatus

HTMX = {"HX-Request": "true"}


def url(name, session, **kwargs):
    return reverse(f"infusions:{name}", kwargs={"session_id": session.public_id, **kwargs})


def post(client, name, session, data, htmx=True, **kwargs):
    headers = HTMX if htmx else {}
    return client.post(url(name, session, **kwargs), data, headers=headers)


def entry(**values):
    return {"client_id": str(uuid.uuid4()), "page": "console", **values}


# --- Vital signs ---------------------------------------------------------------------------


def test_vitals_are_stored_and_every_panel_updates(as_nurse_a, running):
    response = post(as_nurse_a, "vitals", running, entry(systolic=131, diastolic=82, heart_rate=70))
    body = response.content.decode()
    assert response.status_code == 200
    assert VitalSigns.objects.filter(session=running, systolic=131).count() == 1
    assert body.lstrip().startswith('<section id="panel-vitals"')
    assert "Vital signs recorded" in body
    assert 'id="panel-timeline"' in body and "BP 131/82" in body


def test_a_resubmitted_entry_is_stored_once(as_nurse_a, running):
    data = entry(systolic=128, diastolic=80)
    for _ in range(3):
        assert post(as_nurse_a, "vitals", running, data).status_code == 200
    assert VitalSigns.objects.filter(session=running, client_id=data["client_id"]).count() == 1


def test_an_implausible_vital_is_refused_with_the_reason_and_nothing_saved(as_nurse_a, running):
    before = VitalSigns.objects.count()
    response = post(as_nurse_a, "vitals", running, entry(systolic=400, diastolic=80))
    body = response.content.decode()
    assert response.status_code == 422
    assert "outside the range the keypad accepts" in body
    assert 'value="400"' in body  # what was typed stays on the form
    assert VitalSigns.objects.count() == before


def test_a_therapist_cannot_record_vitals(as_therapist_a, running):
    response = post(as_therapist_a, "vitals", running, entry(systolic=120, diastolic=80))
    assert response.status_code == 403
    assert "Only a nurse or a prescriber" in response.content.decode()
    assert not VitalSigns.objects.filter(session=running, systolic=120).exists()


def test_without_htmx_a_saved_entry_redirects_back_to_the_console(as_nurse_a, running):
    response = post(as_nurse_a, "vitals", running, entry(heart_rate=88), htmx=False)
    assert response.status_code == 302 and response["Location"] == url("console", running)


def test_an_entry_made_offline_keeps_the_time_it_was_made(as_nurse_a, running):
    from datetime import timedelta

    from django.utils import timezone

    made = timezone.now() - timedelta(minutes=3)
    data = entry(heart_rate=91, occurred_at=made.isoformat())
    assert post(as_nurse_a, "vitals", running, data).status_code == 200
    row = VitalSigns.objects.get(client_id=data["client_id"])
    assert abs((row.occurred_at - made).total_seconds()) < 1


# --- Alerts ----------------------------------------------------------------------------------


def test_a_hold_tier_blood_pressure_raises_an_alert_that_is_acknowledged_with_the_action(
    as_nurse_a, running
):
    post(as_nurse_a, "vitals", running, entry(systolic=185, diastolic=96))
    alert = Alert.objects.get(session=running, rule="systolic_hold")
    page = as_nurse_a.get(url("console", running)).content.decode()
    assert "tier-hold" in page and "Acknowledge" in page
    refused = post(
        as_nurse_a, "acknowledge", running, {"page": "console"}, alert_id=alert.public_id
    )
    assert refused.status_code == 422 and "Choose what was done" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.is_open
    done = post(
        as_nurse_a,
        "acknowledge",
        running,
        {"action": ["Rechecked", "Paused pump"], "note": "", "page": "console"},
        alert_id=alert.public_id,
    )
    assert done.status_code == 200
    alert.refresh_from_db()
    assert not alert.is_open and alert.action_taken == "Rechecked; Paused pump"
    assert (
        "tier-hold"
        not in done.content.decode().split('id="panel-alerts"')[1].split("</section>")[0]
    )


def test_a_therapist_may_not_acknowledge_the_nurses_alert(as_therapist_a, running, nurse_a):
    vitals(running, nurse_a, systolic=185)
    alert = Alert.objects.get(session=running, rule="systolic_hold")
    page = as_therapist_a.get(url("console", running)).content.decode()
    assert "The nurse acknowledges this alert." in page
    response = post(
        as_therapist_a,
        "acknowledge",
        running,
        {"action": "Grounding", "page": "console"},
        alert_id=alert.public_id,
    )
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.is_open


# --- The pump --------------------------------------------------------------------------------


def test_pausing_and_resuming_the_pump(as_nurse_a, running):
    paused = post(as_nurse_a, "pump", running, entry(action="pause", reason="Nausea"))
    assert paused.status_code == 200 and fresh(running).state == "paused"
    assert PumpEvent.objects.filter(session=running, action="pause", reason="Nausea").exists()
    assert 'value="resume"' in paused.content.decode()
    post(as_nurse_a, "pump", running, entry(action="resume"))
    assert fresh(running).state == "running"


def test_a_preset_rate_is_one_tap(as_nurse_a, running):
    response = post(as_nurse_a, "pump", running, entry(preset="136.1", action=""))
    assert response.status_code == 200
    event = PumpEvent.objects.get(session=running, action="rate")
    assert str(event.rate_ml_h.normalize()) == "136.1"


def test_a_rate_above_the_cap_is_refused_and_nothing_is_saved(as_nurse_a, running):
    before = PumpEvent.objects.filter(session=running).count()
    response = post(as_nurse_a, "pump", running, entry(action="rate", rate_ml_h="400"))
    assert response.status_code == 422
    assert "Refused:" in response.content.decode()
    assert PumpEvent.objects.filter(session=running).count() == before
    assert fresh(running).state == "running"


def test_a_therapist_cannot_run_the_pump(as_therapist_a, running):
    response = post(as_therapist_a, "pump", running, entry(action="pause"))
    assert response.status_code == 403
    assert fresh(running).state == "running"


def test_stopping_ends_the_infusion_and_offers_recovery(as_nurse_a, running):
    response = post(as_nurse_a, "pump", running, entry(action="stop", reason="Planned end"))
    assert fresh(running).state == "infusion_ended"
    assert "Start recovery" in response.content.decode()


# --- The patient and the therapist -----------------------------------------------------------


def test_patient_state_is_one_tap_per_scale(as_therapist_a, running):
    response = post(as_therapist_a, "state", running, entry(dissociation=6))
    assert response.status_code == 200
    row = PatientState.objects.get(session=running)
    assert row.dissociation == 6 and row.anxiety is None


def test_a_support_event_then_the_response_on_a_second_tap(as_therapist_a, running):
    response = post(as_therapist_a, "support", running, entry(kind="grounding"))
    event = SupportEvent.objects.get(session=running, kind="grounding")
    body = response.content.decode()
    assert "Response to <strong>grounding</strong>" in body
    answered = post(
        as_therapist_a,
        "support_response",
        running,
        entry(response="settled"),
        entry_id=event.public_id,
    )
    assert answered.status_code == 200
    assert SupportResponse.objects.get(support_event=event).response == "settled"
    assert "Response to <strong>grounding</strong>" not in answered.content.decode()


def test_touch_is_refused_when_the_patient_said_no(as_therapist_a, running):
    running.touch_consent_today = "no"
    running.save(update_fields=["touch_consent_today"])
    response = post(as_therapist_a, "support", running, entry(kind="touch_offered"))
    assert response.status_code == 422
    assert "consent to touch" in response.content.decode()
    assert not SupportEvent.objects.filter(session=running).exists()


def test_a_statement_tagged_for_integration(as_therapist_a, running):
    data = entry(text="I could breathe again", tagged_for_integration="on")
    assert post(as_therapist_a, "statement", running, data).status_code == 200
    assert PatientStatement.objects.get(session=running).tagged_for_integration
    empty = post(as_therapist_a, "statement", running, entry(text=""))
    assert empty.status_code == 422
    assert PatientStatement.objects.filter(session=running).count() == 1


def test_a_support_response_for_another_sessions_event_is_not_found(
    as_therapist_a, running, checked_in
):
    response = post(
        as_therapist_a,
        "support_response",
        running,
        entry(response="settled"),
        entry_id=uuid.uuid4(),
    )
    assert response.status_code == 404


# --- Adverse events and rescue medication ----------------------------------------------------


def test_an_adverse_event_its_rescue_medication_and_its_resolution(
    as_nurse_a, running, prescriber_a
):
    response = post(
        as_nurse_a,
        "adverse_event",
        running,
        entry(type="nausea_vomiting", severity_grade="2", actions_taken=["slowed"]),
    )
    assert response.status_code == 200
    event = AdverseEvent.objects.get(session=running)
    assert event.actions_taken == ["slowed"]
    rescue = post(
        as_nurse_a,
        "rescue",
        running,
        entry(
            drug="Ondansetron",
            dose="4",
            unit="mg",
            route="iv",
            given_minutes_ago="0",
            ordered_by=str(prescriber_a.pk),
            adverse_event=str(event.public_id),
        ),
    )
    assert rescue.status_code == 200, rescue.content.decode()[:2000]
    given = RescueMedication.objects.get(session=running)
    assert given.drug == "Ondansetron" and given.adverse_event == event
    resolved = post(
        as_nurse_a,
        "resolve_adverse_event",
        running,
        entry(resolution="Resolved after rescue medication"),
        entry_id=event.public_id,
    )
    assert resolved.status_code == 200
    assert AdverseEventResolution.objects.filter(adverse_event=event).exists()


def test_rescue_medication_must_be_ordered_by_a_prescriber(as_nurse_a, running, nurse_a):
    response = post(
        as_nurse_a,
        "rescue",
        running,
        entry(drug="Lorazepam", dose="1", unit="mg", route="iv", ordered_by=str(nurse_a.pk)),
    )
    assert response.status_code == 422
    assert not RescueMedication.objects.exists()


# --- Corrections -----------------------------------------------------------------------------


def test_an_entry_time_is_corrected_with_a_reason_and_the_first_time_is_kept(
    as_nurse_a, running, nurse_a
):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    row = vitals(running, nurse_a, heart_rate=77, minutes_ago=2)
    clinic_time = timezone.localtime(row.occurred_at, ZoneInfo(running.clinic.time_zone))
    new_time = clinic_time.replace(second=0, microsecond=0) - timedelta(minutes=5)
    response = post(
        as_nurse_a,
        "correct_time",
        running,
        {
            "client_id": str(uuid.uuid4()),
            "new_time": new_time.strftime("%Y-%m-%dT%H:%M"),
            "reason_chip": "Entered late",
            "page": "console",
        },
        entry_id=row.public_id,
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    correction = TimeCorrection.objects.get(entry_id=row.public_id)
    assert correction.reason == "Entered late"
    assert "time corrected from" in response.content.decode()


def test_an_entry_marked_entered_in_error_is_struck_through_never_deleted(
    as_nurse_a, running, nurse_a
):
    row = vitals(running, nurse_a, heart_rate=99)
    missing = post(
        as_nurse_a, "entered_in_error", running, {"page": "console"}, entry_id=row.public_id
    )
    assert missing.status_code == 422
    response = post(
        as_nurse_a,
        "entered_in_error",
        running,
        {"reason_chip": "Wrong session", "page": "console"},
        entry_id=row.public_id,
    )
    row.refresh_from_db()
    assert row.status == RecordStatus.ENTERED_IN_ERROR and row.error_reason == "Wrong session"
    body = response.content.decode()
    assert "struck" in body and "Entered in error</strong>: Wrong session" in body


def test_a_therapist_may_correct_only_their_own_entries(as_therapist_a, running, nurse_a):
    row = vitals(running, nurse_a, heart_rate=95)
    response = post(
        as_therapist_a,
        "entered_in_error",
        running,
        {"reason_chip": "Duplicate", "page": "console"},
        entry_id=row.public_id,
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == RecordStatus.FINAL
