"""Check-in to start, recovery to discharge, the signature and addenda, and stopping early,
as the pages drive them."""

import uuid

from django.urls import reverse

from holdspace.infusions import actions
from holdspace.infusions.models import CheckIn, Discharge, PumpEvent, SessionAddendum
from holdspace.infusions.tests.conftest import (
    check_in,
    fresh,
    pump,
    start,
    vitals,
)

HTMX = {"HX-Request": "true"}

ALL_YES = {
    "identity_confirmed": "on",
    "fasting_as_instructed": "on",
    "escort_confirmed": "on",
    "medication_changes_reviewed": "on",
    "intention": "To rest",
    "touch_consent": "ask_each_time",
    "iv_site_chip": "Left antecubital",
    "iv_gauge_chip": "22 G",
    "style": "guided",
}


def url(name, session, **kwargs):
    return reverse(f"infusions:{name}", kwargs={"session_id": session.public_id, **kwargs})


# --- Check-in --------------------------------------------------------------------------------


def test_a_scheduled_patient_is_checked_in_with_one_tap(as_nurse_a, scheduled):
    page = as_nurse_a.get(url("check_in", scheduled)).content.decode()
    assert "Check the patient in" in page
    response = as_nurse_a.post(
        url("check_in", scheduled), {"style": "quiet", "page": "check_in"}, headers=HTMX
    )
    assert response.status_code == 200
    assert fresh(scheduled).state == "checked_in"
    # Every item is listed with why it is missing, the verified ones by the system.
    body = response.content.decode()
    assert "Identity not confirmed" in body and "Support plan not reviewed" in body
    assert "Due: PHQ-9" in body  # the course's baseline questionnaire, before the first infusion
    assert "Verified" in body  # the order's double-check


def test_answers_save_as_they_are_tapped_and_set_the_style(as_nurse_a, checked_in):
    data = {**ALL_YES, "expected_version": fresh(checked_in).version, "page": "check_in"}
    response = as_nurse_a.post(url("check_in", checked_in), data, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:2000]
    session = fresh(checked_in)
    answers = CheckIn.objects.get(session=session).checkin_answers()
    assert answers.iv_site == "Left antecubital, 22 G" and answers.intention == "To rest"
    assert session.touch_consent_today == "ask_each_time" and session.style == "guided"


def test_a_stale_check_in_is_a_conflict_and_saves_nothing(as_nurse_a, checked_in):
    data = {**ALL_YES, "expected_version": 1, "page": "check_in"}
    response = as_nurse_a.post(url("check_in", checked_in), data, headers=HTMX)
    assert response.status_code == 422
    assert "Someone else changed this session" in response.content.decode()
    assert CheckIn.objects.get(session=checked_in).checkin_answers().intention != "To rest"


def test_a_therapist_cannot_check_a_patient_in(as_therapist_a, scheduled):
    response = as_therapist_a.post(url("check_in", scheduled), {"style": "quiet"}, headers=HTMX)
    assert response.status_code == 403
    assert fresh(scheduled).state == "scheduled"


def test_the_nurse_sees_what_is_missing_and_cannot_start(as_nurse_a, checked_in):
    page = as_nurse_a.get(url("check_in", checked_in)).content.decode()
    assert "Not complete yet" in page and "pre-infusion measures" in page
    assert "disabled>Start the pump" in page
    response = as_nurse_a.post(
        url("start", checked_in), {"client_id": str(uuid.uuid4())}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Cannot start the pump" in response.content.decode()
    assert fresh(checked_in).state == "checked_in"
    assert not PumpEvent.objects.filter(session=checked_in).exists()


def test_a_prescriber_starts_on_an_override_with_a_reason(as_prescriber_a, checked_in):
    page = as_prescriber_a.get(url("check_in", checked_in)).content.decode()
    assert "Start on my override" in page
    response = as_prescriber_a.post(
        url("start", checked_in),
        {"client_id": str(uuid.uuid4()), "override_reason": "Measures reviewed on paper"},
        headers=HTMX,
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == url("console", checked_in)
    assert fresh(checked_in).state == "running"


def test_baseline_vitals_from_the_check_in_page_update_its_checklist(as_nurse_a, scheduled):
    response = as_nurse_a.post(
        url("vitals", scheduled),
        {
            "client_id": str(uuid.uuid4()),
            "page": "check_in",
            "systolic": 120,
            "diastolic": 78,
            "heart_rate": 70,
            "spo2": 98,
            "resp_rate": 14,
        },
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Baseline: BP 120/78" in body
    assert 'id="panel-checklist"' in body and 'hx-swap-oob="true"' in body


# --- Recovery and discharge ------------------------------------------------------------------


def _ready_for_discharge(scheduled, nurse, prescriber):
    session = check_in(scheduled, nurse, minutes_ago=100)
    session = start(session, prescriber, minutes_ago=80)
    pump(session, nurse, "stop", minutes_ago=35)
    actions.start_recovery(actor=nurse, session=fresh(session))
    vitals(fresh(session), nurse)
    return fresh(session)


PADSS_ITEMS = {
    "activity_mental_status": "2",
    "pain_nausea_vomiting": "2",
    "iv_site_bleeding": "2",
    "intake_output": "2",
    "activity": "2",
    "respiration": "2",
    "consciousness": "2",
}
CONDITIONS = {
    "escort_confirmed": "on",
    "driving_advice_given": "on",
    "instructions_given": "on",
    "follow_up_booked": "on",
}


def test_stopping_then_starting_recovery(as_nurse_a, running, nurse_a):
    pump(running, nurse_a, "stop")
    response = as_nurse_a.post(url("recovery", running))
    assert response.status_code == 302 and response["Location"] == url("discharge", running)
    assert fresh(running).state == "recovering"


def test_the_discharge_page_computes_the_vital_sign_criterion_from_the_record(
    as_nurse_a, scheduled, nurse_a, prescriber_a
):
    session = _ready_for_discharge(scheduled, nurse_a, prescriber_a)
    page = as_nurse_a.get(url("discharge", session)).content.decode()
    assert "computed from the recorded vitals" in page and "2 / 2" in page
    preview = as_nurse_a.get(
        url("discharge", session), {"panel": "assessment", "preview": "1", **PADSS_ITEMS}
    ).content.decode()
    assert "/10" in preview and "Escort not confirmed" in preview


def test_discharge_is_refused_until_the_conditions_are_met_then_recorded(
    as_nurse_a, scheduled, nurse_a, prescriber_a
):
    session = _ready_for_discharge(scheduled, nurse_a, prescriber_a)
    data = {**PADSS_ITEMS, "expected_version": session.version}
    refused = as_nurse_a.post(url("discharge", session), data, headers=HTMX)
    assert refused.status_code == 422
    assert "Follow-up not booked" in refused.content.decode()
    assert fresh(session).state == "recovering"
    done = as_nurse_a.post(url("discharge", session), {**data, **CONDITIONS}, headers=HTMX)
    assert done.status_code == 204 and done["HX-Redirect"] == url("sign", session)
    assert fresh(session).state == "discharged"
    assert Discharge.objects.get(session=session).total >= 9


def test_the_nurse_signs_then_care_team_adds_addenda(
    as_nurse_a, as_therapist_a, scheduled, nurse_a, prescriber_a
):
    session = _ready_for_discharge(scheduled, nurse_a, prescriber_a)
    as_nurse_a.post(url("discharge", session), {**PADSS_ITEMS, **CONDITIONS})
    page = as_nurse_a.get(url("sign", session)).content.decode()
    assert "Sign the infusion record" in page
    signed = as_nurse_a.post(
        url("sign", session), {"expected_version": fresh(session).version}, headers=HTMX
    )
    assert signed.status_code == 200 and fresh(session).is_signed
    assert "Add an addendum" in signed.content.decode()
    added = as_therapist_a.post(
        url("addendum", session),
        {"client_id": str(uuid.uuid4()), "text": "Patient called: feeling well."},
        headers=HTMX,
    )
    assert added.status_code == 200
    assert SessionAddendum.objects.get(session=session).text == "Patient called: feeling well."
    # The console of a signed session offers no entry forms.
    console = as_nurse_a.get(url("console", session)).content.decode()
    assert "Record vitals" not in console and "Signed" in console


def test_stopping_a_session_early_needs_a_reason(as_nurse_a, running):
    refused = as_nurse_a.post(url("abort", running), {"expected_version": running.version})
    assert refused.status_code == 422 and fresh(running).state == "running"
    done = as_nurse_a.post(
        url("abort", running),
        {"expected_version": running.version, "reason_chip": "Adverse event"},
    )
    assert done.status_code == 302
    session = fresh(running)
    assert session.state == "aborted" and session.abort_reason == "Adverse event"
    assert PumpEvent.objects.filter(session=session, action="stop").exists()


def test_a_therapist_cannot_stop_a_session(as_therapist_a, running):
    response = as_therapist_a.post(
        url("abort", running), {"expected_version": running.version, "reason_chip": "Other"}
    )
    assert response.status_code == 403 and fresh(running).state == "running"


# --- Scheduling ------------------------------------------------------------------------------


def test_a_nurse_schedules_a_ready_order_in_a_chair(as_nurse_a, ready_order, chair_a):
    schedule = reverse("infusions:schedule", kwargs={"order_id": ready_order.public_id})
    page = as_nurse_a.get(schedule).content.decode()
    assert "Chair 1" in page and "Book the chair" in page
    response = as_nurse_a.post(
        schedule,
        {"chair": str(chair_a.public_id), "scheduled_for": "2026-11-28T10:30", "style": "quiet"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("infusions:today")
    assert ready_order.infusion_sessions.get().chair == chair_a


def test_a_therapist_cannot_schedule(as_therapist_a, ready_order, chair_a):
    schedule = reverse("infusions:schedule", kwargs={"order_id": ready_order.public_id})
    assert as_therapist_a.get(schedule).status_code == 403


def test_the_chart_offers_scheduling_a_ready_order_then_links_its_session(
    as_nurse_a, as_therapist_a, ready_order, ready_patient, scheduled
):
    chart = reverse("patients:chart", kwargs={"patient_id": ready_patient.public_id})
    page = as_nurse_a.get(chart).content.decode()
    assert url("console", scheduled) in page
    assert "Schedule infusion" not in page  # the order already has its session
    assert url("console", scheduled) in as_therapist_a.get(chart).content.decode()


def test_the_chart_offers_scheduling_to_nurses_only(as_nurse_a, as_therapist_a, ready_order):
    patient = ready_order.course.patient
    chart = reverse("patients:chart", kwargs={"patient_id": patient.public_id})
    schedule = reverse("infusions:schedule", kwargs={"order_id": ready_order.public_id})
    assert schedule in as_nurse_a.get(chart).content.decode()
    assert schedule not in as_therapist_a.get(chart).content.decode()
