"""The therapist's pages: who may read and write what, audited reads, forms that say what is
wrong and save nothing, and the plan inside the live console."""

import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.infusions import actions as infusion_actions
from holdspace.therapy import actions
from holdspace.therapy.models import (
    IntegrationSession,
    PreparationSession,
    SupportPlanVersion,
)


def url(name, patient, *args):
    return reverse(f"therapy:{name}", args=[patient.public_id, *args])


def clinic_now(patient):
    """Now as the form shows it: the clinic's wall-clock time."""
    return timezone.localtime(timezone=ZoneInfo(patient.clinic.time_zone)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def reads(patient, category):
    return AuditEvent.objects.filter(patient=patient, action=Action.READ, category=category)


@pytest.mark.parametrize(
    ("client", "overview", "plan", "new_preparation"),
    [
        ("as_therapist_a", 200, 200, 200),
        ("as_prescriber_a", 200, 200, 403),
        ("as_nurse_a", 200, 200, 403),
        ("as_admin_a", 403, 403, 403),
    ],
)
def test_who_may_open_what(client, overview, plan, new_preparation, patient_a, request):
    browser = request.getfixturevalue(client)
    assert browser.get(url("overview", patient_a)).status_code == overview
    assert browser.get(url("support_plan", patient_a)).status_code == plan
    assert browser.get(url("new_preparation", patient_a)).status_code == new_preparation


def test_nurses_read_the_plan_but_not_the_therapists_notes(
    as_nurse_a, therapist_a, patient_a, plan_a
):
    row = PreparationSession.objects.create(
        clinic=patient_a.clinic,
        patient=patient_a,
        held_at=timezone.now(),
        therapist=therapist_a,
        created_by=therapist_a,
    )
    page = as_nurse_a.get(url("overview", patient_a)).content.decode()
    assert "Slow breathing together" in page and "Preparation sessions" not in page
    assert as_nurse_a.get(url("preparation", patient_a, row.public_id)).status_code == 403


def test_each_page_view_is_one_audited_read(as_therapist_a, patient_a, plan_a):
    as_therapist_a.get(url("support_plan", patient_a))
    assert reads(patient_a, "support_plan").count() == 1


def test_a_therapist_writes_a_preparation_through_the_form(as_therapist_a, patient_a):
    response = as_therapist_a.post(
        url("new_preparation", patient_a),
        {
            "held_at": clinic_now(patient_a),
            "explained_dissociation": "on",
            "explained_blood_pressure": "on",
            "explained_nausea": "on",
            "explained_therapist_role": "on",
            "intentions": "To rest",
            "readiness": "ready",
            "sign": "1",
        },
    )
    assert response.status_code == 302
    assert PreparationSession.objects.get(patient=patient_a).is_signed


def test_a_refused_signature_shows_why_and_saves_nothing(as_therapist_a, patient_a):
    response = as_therapist_a.post(
        url("new_preparation", patient_a),
        {
            "held_at": clinic_now(patient_a),
            "readiness": "ready",
            "sign": "1",
        },
    )
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert "Not ticked" in response.content.decode()
    assert not PreparationSession.objects.filter(patient=patient_a).exists()


def plan_post(**changes):
    return {
        "what_helps": "1. Slow breathing together\n2. Hearing my name\n3. Music",
        "grounding_techniques": "Feet on the floor",
        "session_style": "guided",
        "music": "playlist",
        "music_detail": "Clinic calm list",
        "touch_consent": "ask_each_time",
        "touch_kinds": "Hand on the shoulder",
        "based_on": "",
        **changes,
    }


def test_saving_the_plan_form_makes_versions_and_shows_what_changed(as_therapist_a, patient_a):
    assert as_therapist_a.post(url("edit_support_plan", patient_a), plan_post()).status_code == 302
    as_therapist_a.post(
        url("edit_support_plan", patient_a), plan_post(based_on="1", words_that_harm="Calm down")
    )
    versions = SupportPlanVersion.objects.filter(plan__patient=patient_a).order_by("number")
    assert [v.what_helps[0] for v in versions] == ["Slow breathing together"] * 2
    page = as_therapist_a.get(url("support_plan", patient_a)).content.decode()
    assert "Version 2" in page and "Changed: Words that harm" in page


def test_a_plan_form_with_a_mistake_says_so(as_therapist_a, patient_a):
    response = as_therapist_a.post(
        url("edit_support_plan", patient_a), plan_post(touch_consent="no")
    )
    assert response.status_code == 200
    assert "said no to touch" in response.content.decode()
    assert not SupportPlanVersion.objects.filter(plan__patient=patient_a).exists()


def test_a_stale_plan_form_is_a_conflict_that_keeps_the_typed_text(
    as_therapist_a, therapist_a, patient_a, plan_a
):
    actions.save_support_plan(
        actor=therapist_a, patient=patient_a, content={"what_helps": ["Silence"]}, based_on=1
    )
    response = as_therapist_a.post(
        url("edit_support_plan", patient_a), plan_post(based_on="1", what_helps="My typed list")
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "My typed list" in page and 'name="based_on" value="2"' in page


def test_the_nurse_marks_the_plan_reviewed_today(as_nurse_a, patient_a, plan_a):
    response = as_nurse_a.post(url("review_support_plan", patient_a), {"note": "At check-in"})
    assert response.status_code == 302
    page = as_nurse_a.get(url("support_plan", patient_a)).content.decode()
    assert "Reviewed today" in page


def test_integration_opens_prefilled_and_saves(as_therapist_a, patient_a, discharged):
    page = as_therapist_a.get(url("new_integration", patient_a, discharged.public_id))
    text = page.content.decode()
    assert "I could see my thoughts without following them" in text
    assert "To stay curious when the fear shows up" in text and "Settled" in text
    response = as_therapist_a.post(
        url("new_integration", patient_a, discharged.public_id),
        {
            "held_at": clinic_now(patient_a),
            "experience": "Floating, then quiet",
            "homework": "Two minutes of breathing each morning",
            "sign": "1",
        },
    )
    row = IntegrationSession.objects.get(infusion=discharged)
    assert response.status_code == 302 and row.is_signed and row.homework.startswith("Two")


def test_a_prescriber_reads_an_integration_but_cannot_write_it(
    as_prescriber_a, therapist_a, patient_a, discharged
):
    row = actions.start_integration(actor=therapist_a, infusion=discharged)
    assert as_prescriber_a.get(url("integration", patient_a, row.public_id)).status_code == 200
    response = as_prescriber_a.post(url("integration", patient_a, row.public_id), {})
    assert response.status_code == 403


def test_an_infusion_of_another_patient_is_not_found(as_therapist_a, patient_a, discharged):
    other = reverse("therapy:new_integration", args=[uuid.uuid4(), discharged.public_id])
    assert as_therapist_a.get(other).status_code == 404


# --- The console --------------------------------------------------------------------------


def console(browser, session):
    return browser.get(reverse("infusions:console", args=[session.public_id])).content.decode()


def test_the_plan_is_one_tap_away_in_the_console(as_therapist_a, running, plan_a):
    page = console(as_therapist_a, running)
    assert 'data-testid="support-plan-drawer"' in page
    assert "Slow breathing together" in page and "Calm down" in page


def test_high_anxiety_prompts_the_patients_own_first_two_preferences(
    as_therapist_a, therapist_a, running, plan_a
):
    infusion_actions.record_patient_state(
        actor=therapist_a, session=running, client_id=uuid.uuid4(), anxiety=8
    )
    page = console(as_therapist_a, running)
    assert "Try first: Slow breathing together, then Hearing my name" in page


def test_a_blood_pressure_alert_has_no_calming_prompt(as_nurse_a, nurse_a, running, plan_a):
    infusion_actions.record_vitals(
        actor=nurse_a, session=running, client_id=uuid.uuid4(), systolic=185, diastolic=95
    )
    page = console(as_nurse_a, running)
    assert "Systolic" in page and 'data-testid="calming-prompt"' not in page


def test_without_a_plan_the_prompt_says_to_ask(as_therapist_a, therapist_a, running):
    infusion_actions.record_patient_state(
        actor=therapist_a, session=running, client_id=uuid.uuid4(), dissociation=9
    )
    page = console(as_therapist_a, running)
    assert "No calming preferences" in page


def test_the_drawer_marks_the_plan_reviewed_today_and_returns_to_the_console(
    as_nurse_a, running, plan_a
):
    console_url = reverse("infusions:console", args=[running.public_id])
    page = console(as_nurse_a, running)
    assert "Reviewed today with the patient" in page
    response = as_nurse_a.post(url("review_support_plan", running.patient), {"next": console_url})
    assert response.status_code == 302 and response.url == console_url
    assert "Reviewed today</span>" in console(as_nurse_a, running)
