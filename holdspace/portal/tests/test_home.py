"""The portal's pages (issue 6, "The patient's side"): upcoming sessions with minimum detail,
tasks (questionnaires due, reflection prompts 24 h and 72 h after discharge, goal check-ins),
the intentions and support plan with "suggest a change", the patient's own scores, and every
page view audited once with the portal link as the object. No note text ever appears."""

# The shared fixtures are imported from test_portal_session; pytest passes them by name.
# ruff: noqa: F811

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.dosing.tests.builders import dosing_world
from holdspace.goals.models import GoalCheckIn
from holdspace.infusions.models import InfusionSession
from holdspace.journal.models import JournalEntry
from holdspace.measures import actions as measures_actions
from holdspace.measures.tests.test_admin_world import due, submitted
from holdspace.notes.tests.builders import notes_goals_world
from holdspace.portal.tests.test_portal_session import (  # noqa: F401 - fixtures
    patient_client,
    portal_link,
)
from holdspace.therapy.models import PreparationSession, SupportPlanSuggestion
from holdspace.therapy.tests.builders import discharged_infusion, plan_with_versions
from tests.factories import ChairFactory

pytestmark = pytest.mark.django_db

PAGES = ["portal:home", "portal:journal", "portal:plan", "portal:progress"]


def _reads(link):
    return AuditEvent.objects.filter(
        action=Action.READ, category="portal", object_id=str(link.public_id)
    )


@pytest.mark.parametrize("page", PAGES)
def test_every_portal_page_view_is_audited_once_as_the_link(page, patient_client, portal_link):
    link = portal_link[0]
    before = _reads(link).count()
    assert patient_client.get(reverse(page)).status_code == 200
    reads = _reads(link)
    assert reads.count() == before + 1
    row = reads.order_by("-id").first()
    assert row.patient_id == link.patient_id and row.actor_id is None
    assert row.actor_label == f"patient by link {link.public_id}"


@pytest.mark.parametrize("page", PAGES)
def test_no_page_is_shown_without_a_portal_session(page, client):
    response = client.get(reverse(page))
    assert response.status_code == 403 and "ask your clinic" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.READ, category="portal").exists()


def test_home_shows_upcoming_sessions_with_the_therapists_first_name_only(
    patient_client, patient_a, therapist_a, nurse_a, prescriber_a
):
    patient_a.therapist = therapist_a
    patient_a.save()
    chair = ChairFactory(clinic=patient_a.clinic, name="Window chair 3")
    InfusionSession.objects.create(
        clinic=patient_a.clinic,
        patient=patient_a,
        order=dosing_world(patient_a, nurse_a, prescriber_a)["order_id"],
        chair=chair,
        scheduled_for=timezone.now() + timedelta(days=2),
        created_by=nurse_a,
    )
    body = patient_client.get(reverse("portal:home")).content.decode()
    first_name = therapist_a.full_name.split()[0]
    assert f"with {first_name}" in body
    assert therapist_a.full_name not in body
    for staff_detail in ("Window chair 3", nurse_a.full_name, prescriber_a.full_name):
        assert staff_detail not in body


def test_questionnaires_due_are_listed_with_how_they_will_arrive(
    patient_client, patient_a, nurse_a
):
    due(patient_a, "phq9", nurse_a)
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert "Questionnaires" in body and "will email you a separate link" in body


def test_reflection_prompts_open_24_and_72_hours_after_discharge(
    patient_client, patient_a, nurse_a, prescriber_a
):
    # CLINICAL.md §6: integration 24-72 h after an infusion.
    fresh = discharged_infusion(patient_a, nurse_a, prescriber_a, hours_ago=10)
    day_after = discharged_infusion(patient_a, nurse_a, prescriber_a, hours_ago=30)
    three_days = discharged_infusion(patient_a, nurse_a, prescriber_a, hours_ago=80)
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert f"session={fresh.public_id}" not in body
    assert f"prompt=reflection_24h&amp;session={day_after.public_id}" in body
    assert f"prompt=reflection_72h&amp;session={three_days.public_id}" in body
    assert f"prompt=reflection_24h&amp;session={three_days.public_id}" not in body


def test_answering_a_reflection_prompt_clears_it(patient_client, patient_a, nurse_a, prescriber_a):
    infusion = discharged_infusion(patient_a, nurse_a, prescriber_a, hours_ago=30)
    url = reverse("portal:journal")
    form = patient_client.get(url, {"prompt": "reflection_24h", "session": infusion.public_id})
    assert "Reflection a day after an infusion" in form.content.decode()
    response = patient_client.post(
        url,
        {
            "text": "The fear was smaller than I thought",
            "prompt_kind": "reflection_24h",
            "session": str(infusion.public_id),
        },
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert entry.session == infusion and entry.prompt_kind == "reflection_24h"
    assert not entry.shared_with_therapist
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert f"session={infusion.public_id}" not in body


def test_a_reflection_cannot_be_tied_to_another_patients_infusion(
    patient_client, patient_b, nurse_b
):
    theirs = discharged_infusion(patient_b, nurse_b, nurse_b, hours_ago=30)
    patient_client.post(
        reverse("portal:journal"),
        {"text": "Mine", "prompt_kind": "reflection_24h", "session": str(theirs.public_id)},
    )
    entry = JournalEntry.objects.get()
    assert entry.session is None and entry.prompt_kind == "free"


def test_the_patient_checks_in_on_a_goal(patient_client, portal_link, patient_a, therapist_a):
    goal = notes_goals_world(patient_a, therapist_a, therapist_a)["goal_id"]
    assert "Goal: Walk" in patient_client.get(reverse("portal:home")).content.decode()
    response = patient_client.post(
        reverse("portal:goal_checkin"), {"goal": str(goal.public_id), "times_done": "2"}
    )
    assert response.status_code == 302
    checkin = GoalCheckIn.objects.get(goal=goal)
    assert checkin.by_patient and checkin.times_done == 2
    assert checkin.via_link == str(portal_link[0].public_id)


def test_a_wrong_check_in_number_says_so_and_saves_nothing(patient_client, patient_a, therapist_a):
    goal = notes_goals_world(patient_a, therapist_a, therapist_a)["goal_id"]
    response = patient_client.post(
        reverse("portal:goal_checkin"),
        {"goal": str(goal.public_id), "times_done": "-3"},
        follow=True,
    )
    assert "Check-in not saved: Give a number from 0 to 100." in response.content.decode()
    assert not GoalCheckIn.objects.exists()


def test_another_patients_goal_cannot_be_checked_in(patient_client, patient_b, nurse_b):
    goal = notes_goals_world(patient_b, nurse_b, nurse_b)["goal_id"]
    response = patient_client.post(
        reverse("portal:goal_checkin"),
        {"goal": str(goal.public_id), "times_done": "1"},
        follow=True,
    )
    assert "that goal is no longer open" in response.content.decode()
    assert not GoalCheckIn.objects.exists()


def test_the_plan_page_shows_intentions_and_the_current_plan(
    patient_client, patient_a, therapist_a
):
    plan_with_versions(patient_a, therapist_a, what_helps=["Slow breathing", "Music"])
    PreparationSession.objects.create(
        clinic=patient_a.clinic,
        patient=patient_a,
        held_at=timezone.now(),
        therapist=therapist_a,
        created_by=therapist_a,
        intentions="To meet the sadness with kindness",
        # Signed: the portal shows intentions from signed preparation notes only.
        signed_at=timezone.now(),
        signed_by=therapist_a,
    )
    body = patient_client.get(reverse("portal:plan")).content.decode()
    assert "To meet the sadness with kindness" in body
    assert "Slow breathing, Music" in body and "Version 2" in body


def test_the_patient_suggests_a_change_to_the_plan(patient_client, portal_link, patient_a):
    url = reverse("portal:plan")
    empty = patient_client.post(url, {"text": "  "})
    assert empty.status_code == 422 and "Write the change" in empty.content.decode()
    assert not SupportPlanSuggestion.objects.exists()
    response = patient_client.post(url, {"text": "Please no music this time"})
    assert response.status_code == 302
    suggestion = SupportPlanSuggestion.objects.get()
    assert suggestion.patient == patient_a and suggestion.via_link == portal_link[0].public_id
    assert "Please no music this time" in patient_client.get(url).content.decode()


def test_progress_shows_completed_scores_but_not_entered_in_error(
    patient_client, patient_a, nurse_a
):
    submitted(patient_a, nurse_a, values=(3, 3, 3, 3, 3, 3, 3, 3, 0))  # 24
    wrong = submitted(patient_a, nurse_a, values=(1, 1, 1, 1, 1, 1, 1, 1, 0))  # 8
    measures_actions.mark_entered_in_error(actor=nurse_a, administration=wrong, reason="Mix-up")
    body = patient_client.get(reverse("portal:progress")).content.decode()
    assert "<svg" in body and "PHQ-9" in body
    assert ": 24</title>" in body  # each plotted score is named "<date>: <score>"
    assert ": 8</title>" not in body


def test_progress_leaves_out_clinician_ratings_and_the_session_feedback(
    patient_client, patient_a, therapist_a
):
    notes_goals_world(patient_a, therapist_a, therapist_a)  # a completed session feedback
    body = patient_client.get(reverse("portal:progress")).content.decode()
    assert "Session feedback" not in body and "No completed questionnaires yet." in body


def test_no_note_text_appears_on_any_portal_page(patient_client, patient_a, therapist_a):
    from holdspace.notes.tests.builders import PRIVATE_TEXT

    notes_goals_world(patient_a, therapist_a, therapist_a)
    for page in PAGES:
        body = patient_client.get(reverse(page)).content.decode()
        assert "Matrix therapy note" not in body and PRIVATE_TEXT not in body, page
