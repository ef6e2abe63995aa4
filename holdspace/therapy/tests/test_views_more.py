"""The rest of the therapist's pages: the worklist item, declining a suggestion or an
integration, addenda to signed notes, an old version of the plan, and the live event a plan
change sends to the console of a patient in the chair."""

import uuid

from django.urls import reverse
from django.utils import timezone

from holdspace.live.models import LiveEvent
from holdspace.therapy import actions
from holdspace.therapy.models import IntegrationSession, PreparationSession, SuggestionStatus


def url(name, patient, *args):
    return reverse(f"therapy:{name}", args=[patient.public_id, *args])


def test_the_worklist_shows_the_integration_due_with_its_link(as_therapist_a, discharged):
    page = as_therapist_a.get(reverse("worklist:worklist") + "?show=everyone").content.decode()
    assert "Integration due" in page
    assert url("new_integration", discharged.patient, discharged.public_id) in page


def test_declining_an_integration_through_the_page(as_therapist_a, patient_a, discharged):
    target = url("decline_integration", patient_a, discharged.public_id)
    assert "Say why" in as_therapist_a.post(target, {"reason": ""}).content.decode()
    response = as_therapist_a.post(target, {"reason": "Patient chose not to come in"})
    assert response.status_code == 302
    row = IntegrationSession.objects.get(infusion=discharged)
    assert row.status == "declined" and row.decline_reason == "Patient chose not to come in"


def test_declining_a_suggestion_through_the_page(as_therapist_a, patient_a, plan_a):
    suggestion = actions.suggest_support_plan_change(patient_a, "More talking, please")
    response = as_therapist_a.post(
        url("decline_suggestion", patient_a, suggestion.public_id),
        {"reason": "We agreed quiet suits the first sessions; let us revisit after three"},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DECLINED


def test_accepting_a_suggestion_opens_the_form_with_it(as_therapist_a, patient_a, plan_a):
    suggestion = actions.suggest_support_plan_change(patient_a, "Start with silence")
    page = as_therapist_a.get(
        url("edit_support_plan", patient_a) + f"?suggestion={suggestion.public_id}"
    ).content.decode()
    assert "Start with silence" in page and str(suggestion.public_id) in page


def test_an_addendum_to_a_signed_preparation(as_therapist_a, therapist_a, patient_a):
    row = PreparationSession.objects.create(
        clinic=patient_a.clinic,
        patient=patient_a,
        held_at=timezone.now(),
        therapist=therapist_a,
        created_by=therapist_a,
        signed_at=timezone.now(),
        signed_by=therapist_a,
    )
    as_therapist_a.post(
        url("preparation_addendum", patient_a, row.public_id),
        {"text": "Patient later asked about driving home", "client_id": str(uuid.uuid4())},
    )
    page = as_therapist_a.get(url("preparation", patient_a, row.public_id)).content.decode()
    assert "Patient later asked about driving home" in page and "Signed" in page


def test_an_addendum_to_a_signed_integration(as_therapist_a, therapist_a, patient_a, discharged):
    row = actions.start_integration(actor=therapist_a, infusion=discharged)
    actions.sign_integration(actor=therapist_a, integration=row)
    as_therapist_a.post(
        url("integration_addendum", patient_a, row.public_id),
        {"text": "Homework changed by phone", "client_id": str(uuid.uuid4())},
    )
    assert row.addenda.get().text == "Homework changed by phone"


def test_an_old_version_of_the_plan_is_shown_as_it_was(as_nurse_a, therapist_a, patient_a, plan_a):
    actions.save_support_plan(
        actor=therapist_a, patient=patient_a, content={"what_helps": ["Silence"]}, based_on=1
    )
    page = as_nurse_a.get(url("support_plan_version", patient_a, plan_a.public_id)).content.decode()
    assert "version 1" in page and "Slow breathing together" in page


def test_a_plan_change_reaches_the_console_of_the_patient_in_the_chair(therapist_a, running):
    actions.save_support_plan(
        actor=therapist_a, patient=running.patient, content={"what_helps": ["Music"]}, based_on=None
    )
    assert LiveEvent.objects.filter(topic=running.topic, kind="support_plan.changed").exists()


def test_the_chart_counts_therapy_records_without_showing_their_text(
    as_nurse_a, as_admin_a, patient_a, plan_a, discharged
):
    chart = reverse("patients:chart", args=[patient_a.public_id])
    page = as_nurse_a.get(chart).content.decode()
    assert "Support plan: version 1" in page and "1 integration due" in page
    assert "Slow breathing together" not in page
    assert "For the care team." in as_admin_a.get(chart).content.decode()
