"""QUALITY.md security gate 2 for the routes of issues 5 and 6: forms posted with an object id
of another patient (same clinic) or of another clinic, in a hidden field or the body, are
refused — nothing is saved against the foreign object, and nothing of it is linked to ours."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.goals.models import Goal, GoalCheckIn
from holdspace.infusions.models import SessionState
from holdspace.journal import actions as journal_actions
from holdspace.journal.models import JournalEntry
from holdspace.measures.models import Administration, AdministrationStatus
from holdspace.measures.tests.test_admin_world import (
    due,
    measures_administration_world,
    session_for,
)
from holdspace.notes import actions as note_actions
from holdspace.notes.models import NamedSupervisor, TherapyNote
from holdspace.notes.tests.builders import notes_goals_world
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose, PatientLink
from holdspace.portal.tests.test_portal_session import signed_in_patient
from holdspace.therapy.models import (
    IntegrationSession,
    SupportPlanReview,
    SupportPlanSuggestion,
)
from holdspace.therapy.tests.builders import (
    discharged_infusion,
    plan_with_versions,
    therapy_world,
)
from tests.factories import PatientFactory
from tests.security.test_object_access_matrix import ALL_ROUTES

pytestmark = pytest.mark.django_db

WHOSE = ["other_patient_same_clinic", "patient_in_other_clinic"]


@pytest.fixture
def neighbour(clinic_a):
    """Another patient of clinic A."""
    return PatientFactory(
        clinic=clinic_a, legal_given_name="Noa", legal_family_name="Berg", mrn="A-1002"
    )


@pytest.fixture
def foreign(request, neighbour, patient_b, nurse_a, prescriber_a, nurse_b):
    """(patient, a member of its clinic, a prescriber-ish member) for the parametrised case."""
    if request.param == "other_patient_same_clinic":
        return neighbour, nurse_a, prescriber_a
    return patient_b, nurse_b, nurse_b


@pytest.fixture
def care_team(patient_a, therapist_a, prescriber_a):
    patient_a.therapist = therapist_a
    patient_a.prescriber = prescriber_a
    patient_a.save()
    return patient_a


# --- Therapy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_the_drawers_review_cannot_name_another_patients_infusion(
    foreign, care_team, therapist_a, prescriber_a, as_nurse_a
):
    other, member, prescriber = foreign
    plan_with_versions(care_team, therapist_a)
    their_session = session_for(other, member, prescriber)
    url = reverse("therapy:review_support_plan", args=[care_team.public_id])
    as_nurse_a.post(url, {"session": str(their_session.public_id)})
    assert not SupportPlanReview.objects.filter(session=their_session).exists()
    assert not SupportPlanReview.objects.filter(plan__patient=other).exists()


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_a_support_plan_save_cannot_accept_another_patients_suggestion(
    foreign, care_team, therapist_a, as_therapist_a
):
    other, _member, _prescriber = foreign
    theirs = SupportPlanSuggestion.objects.create(
        clinic=other.clinic, patient=other, text="Their suggestion"
    )
    url = reverse("therapy:edit_support_plan", args=[care_team.public_id])
    as_therapist_a.post(
        url, {"what_helps": "Music", "suggestion": str(theirs.public_id), "based_on": ""}
    )
    theirs.refresh_from_db()
    assert theirs.status == SupportPlanSuggestion._meta.get_field("status").default
    assert theirs.accepted_into is None and theirs.decided_at is None


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_an_integration_cannot_be_prefilled_from_another_patients_infusion(
    foreign, care_team, therapist_a, as_therapist_a
):
    other, member, prescriber = foreign
    their_infusion = discharged_infusion(other, member, prescriber)
    url = reverse("therapy:new_integration", args=[care_team.public_id, their_infusion.public_id])
    assert as_therapist_a.get(url).status_code == 404
    assert as_therapist_a.post(url, {"held_at": "2026-01-01T10:00"}).status_code == 404
    decline = reverse(
        "therapy:decline_integration", args=[care_team.public_id, their_infusion.public_id]
    )
    assert as_therapist_a.post(decline, {"reason": "x"}).status_code == 404
    assert not IntegrationSession.objects.filter(infusion=their_infusion).exists()


# --- Notes and goals: the "relates to infusion" choice ---------------------------------------


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_a_therapy_note_cannot_be_tied_to_another_patients_infusion(
    foreign, care_team, as_therapist_a
):
    other, member, prescriber = foreign
    their_session = session_for(other, member, prescriber)
    url = reverse("notes:new", args=[care_team.public_id])
    response = as_therapist_a.post(
        url, {"kind": "other", "text": "Tampered", "session": str(their_session.public_id)}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not TherapyNote.objects.filter(text="Tampered").exists()


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_a_goal_cannot_be_tied_to_another_patients_infusion(foreign, care_team, as_therapist_a):
    other, member, prescriber = foreign
    their_session = session_for(other, member, prescriber)
    url = reverse("goals:new", args=[care_team.public_id])
    as_therapist_a.post(
        url,
        {
            "statement": "Tampered",
            "target_behaviour": "Walk",
            "frequency_count": 2,
            "frequency_period": "week",
            "measure": "Log",
            "target_date": (timezone.localdate() + timedelta(days=20)).isoformat(),
            "session": str(their_session.public_id),
        },
    )
    assert not Goal.objects.filter(statement="Tampered").exists()


def test_ending_supervision_with_another_authors_nomination_changes_nothing(
    clinic_a, therapist_a, prescriber_a, as_therapist_a
):
    nomination = note_actions.name_supervisor(
        actor=prescriber_a, clinic=clinic_a, supervisor=therapist_a
    )
    response = as_therapist_a.post(reverse("notes:supervisors"), {"end": str(nomination.public_id)})
    assert response.status_code == 404
    nomination.refresh_from_db()
    assert nomination.is_active and nomination.ended_at is None


def test_a_supervisor_cannot_be_named_from_another_clinic(
    clinic_a, nurse_b, as_prescriber_a, prescriber_a
):
    response = as_prescriber_a.post(reverse("notes:supervisors"), {"supervisor": nurse_b.pk})
    assert response.status_code == 200  # the form again, with the error
    assert not NamedSupervisor.objects.filter(supervisor=nurse_b).exists()


@pytest.mark.parametrize("who", ["nurse_a", "admin_a", "prescriber_a"], ids=str)
def test_a_supervisor_must_be_a_therapy_colleague_other_than_the_author(
    who, request, as_prescriber_a
):
    # A nurse or the clinic admin posted in place of a listed colleague, or the author
    # naming themselves: none may become a reader of the author's notes.
    user = request.getfixturevalue(who)
    response = as_prescriber_a.post(reverse("notes:supervisors"), {"supervisor": user.pk})
    assert response.status_code == 200
    assert not NamedSupervisor.objects.filter(supervisor=user).exists()


# --- The portal: goal check-in, journal share/withdraw, journal session ----------------------


def _portal(nurse, patient) -> tuple[PatientLink, Client]:
    link, token = links.issue_link(actor=nurse, patient=patient, purpose=LinkPurpose.PORTAL)
    return link, signed_in_patient(token)


def _goal(patient, author) -> Goal:
    return Goal.objects.create(
        clinic=patient.clinic,
        patient=patient,
        statement="Walk",
        target_behaviour="A walk",
        frequency_count=3,
        measure="Log",
        target_date=timezone.localdate() + timedelta(days=30),
        created_by=author,
    )


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_a_portal_check_in_cannot_be_posted_to_another_patients_goal(foreign, care_team, nurse_a):
    other, member, _prescriber = foreign
    their_goal = _goal(other, member)
    _link, portal = _portal(nurse_a, care_team)
    response = portal.post(
        reverse("portal:goal_checkin"), {"goal": str(their_goal.public_id), "times_done": 3}
    )
    assert response.status_code == 302
    assert not GoalCheckIn.objects.filter(goal=their_goal).exists()


@pytest.mark.parametrize("choice", ["share", "withdraw"])
@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_a_portal_session_cannot_share_or_withdraw_another_patients_entry(
    foreign, choice, care_team, nurse_a
):
    other, member, _prescriber = foreign
    their_link, _ = links.issue_link(actor=member, patient=other, purpose=LinkPurpose.PORTAL)
    shared = choice == "withdraw"
    entry = journal_actions.write_entry(link=their_link, text="Theirs", share=shared)
    _link, portal = _portal(nurse_a, care_team)
    portal.post(reverse("portal:journal_share"), {"entry": str(entry.public_id), "choice": choice})
    entry.refresh_from_db()
    assert entry.shared_with_therapist is shared
    assert entry.sharing_withdrawn_at is None


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_a_journal_reflection_cannot_be_tied_to_another_patients_infusion(
    foreign, care_team, nurse_a
):
    other, member, prescriber = foreign
    their_infusion = discharged_infusion(other, member, prescriber)
    assert their_infusion.state == SessionState.DISCHARGED
    _link, portal = _portal(nurse_a, care_team)
    portal.post(
        reverse("portal:journal"),
        {"text": "Mine", "prompt_kind": "reflection_24h", "session": str(their_infusion.public_id)},
    )
    assert not JournalEntry.objects.filter(session=their_infusion).exists()
    assert not JournalEntry.objects.filter(patient=other).exists()


# --- Measures: links and the kiosk -----------------------------------------------------------


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_a_questionnaire_link_cannot_carry_another_patients_questionnaire(
    foreign, care_team, nurse_a, as_nurse_a
):
    other, member, _prescriber = foreign
    care_team.email = "lex@example.test"
    care_team.save()
    theirs = due(other, "phq9", member)
    url = reverse("measures:send_link", args=[care_team.public_id])
    as_nurse_a.post(url, {"administrations": [str(theirs.public_id)]})
    assert not PatientLink.objects.filter(patient=care_team).exists()
    assert not PatientLink.objects.filter(administrations=theirs).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("foreign", WHOSE, indirect=True)
def test_the_kiosk_cannot_be_handed_over_for_another_patients_questionnaire(
    foreign, care_team, as_nurse_a
):
    other, member, _prescriber = foreign
    theirs = due(other, "phq9", member)
    url = reverse("measures:hand_to_patient", args=[care_team.public_id, theirs.public_id])
    assert as_nurse_a.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AdministrationStatus.DUE and theirs.mode == ""


def _kiosk(client, patient, row) -> str:
    url = reverse("measures:hand_to_patient", args=[patient.public_id, row.public_id])
    response = client.post(url)
    assert response.status_code == 302
    return re.search(r"/measures/kiosk/([^/]+)/", response["Location"]).group(1)


def test_a_kiosk_save_cannot_write_answers_into_another_questionnaire(
    care_team, neighbour, nurse_a, as_nurse_a
):
    mine = due(care_team, "phq9", nurse_a)
    theirs = due(neighbour, "phq9", nurse_a)
    token = _kiosk(as_nurse_a, care_team, mine)
    prefix = theirs.public_id.hex
    response = as_nurse_a.post(
        reverse("measures:kiosk_save", kwargs={"token": token}),
        {f"{prefix}-phq9-{n}": "3" for n in range(1, 10)},
    )
    assert response.status_code in {200, 422}
    theirs.refresh_from_db()
    assert theirs.answers == {} and theirs.status == AdministrationStatus.DUE


def test_a_kiosk_token_does_not_work_in_another_browser(care_team, nurse_a, as_nurse_a):
    mine = due(care_team, "phq9", nurse_a)
    token = _kiosk(as_nurse_a, care_team, mine)
    stranger = Client()
    response = stranger.post(
        reverse("measures:kiosk", kwargs={"token": token}),
        {f"{mine.public_id.hex}-phq9-{n}": "0" for n in range(1, 10)},
    )
    assert response.status_code == 302 and "locked" in response["Location"]
    mine.refresh_from_db()
    assert mine.answers == {} and mine.completed_at is None


def test_a_forged_kiosk_token_opens_nothing(care_team, neighbour, nurse_a, as_nurse_a):
    mine = due(care_team, "phq9", nurse_a)
    theirs = due(neighbour, "phq9", nurse_a)
    token = _kiosk(as_nurse_a, care_team, mine)
    # Swap the signed payload for another id while keeping the signature: refused.
    forged = token.replace(token.split(":")[0], str(theirs.public_id))
    response = as_nurse_a.get(reverse("measures:kiosk", kwargs={"token": forged}))
    assert response.status_code == 302 and "locked" in response["Location"]
    theirs.refresh_from_db()
    assert theirs.status == AdministrationStatus.DUE
    assert Administration.objects.filter(pk=theirs.pk, mode="").exists()


# --- Controls: the same posts with the patient's own objects do work -------------------------
# Without these, a tampering test could pass because the form was broken for everyone.


def test_control_the_same_posts_succeed_with_the_patients_own_objects(
    care_team, therapist_a, nurse_a, prescriber_a, as_therapist_a, as_nurse_a
):
    pid = care_team.public_id
    plan_with_versions(care_team, therapist_a)
    own_session = session_for(care_team, nurse_a, prescriber_a)
    own_infusion = discharged_infusion(care_team, therapist_a, prescriber_a)
    as_nurse_a.post(
        reverse("therapy:review_support_plan", args=[pid]), {"session": str(own_session.public_id)}
    )
    assert SupportPlanReview.objects.filter(session=own_session).exists()
    as_therapist_a.post(
        reverse("notes:new", args=[pid]),
        {"kind": "other", "text": "Own", "session": str(own_session.public_id)},
    )
    assert TherapyNote.objects.filter(text="Own", session=own_session).exists()
    as_therapist_a.post(
        reverse("goals:new", args=[pid]),
        {
            "statement": "Own",
            "target_behaviour": "Walk",
            "frequency_count": 2,
            "frequency_period": "week",
            "measure": "Log",
            "target_date": (timezone.localdate() + timedelta(days=20)).isoformat(),
            "session": str(own_session.public_id),
        },
    )
    own_goal = Goal.objects.get(statement="Own")
    link, portal = _portal(nurse_a, care_team)
    portal.post(reverse("portal:goal_checkin"), {"goal": str(own_goal.public_id), "times_done": 3})
    assert GoalCheckIn.objects.filter(goal=own_goal).exists()
    entry = journal_actions.write_entry(link=link, text="Mine")
    portal.post(reverse("portal:journal_share"), {"entry": str(entry.public_id), "choice": "share"})
    entry.refresh_from_db()
    assert entry.shared_with_therapist
    portal.post(
        reverse("portal:journal"),
        {
            "text": "Reflect",
            "prompt_kind": "reflection_24h",
            "session": str(own_infusion.public_id),
        },
    )
    assert JournalEntry.objects.filter(session=own_infusion, text="Reflect").exists()


def test_control_a_link_with_the_patients_own_questionnaire_is_sent(care_team, nurse_a, as_nurse_a):
    care_team.email = "lex@example.test"
    care_team.save()
    mine = due(care_team, "phq9", nurse_a)
    url = reverse("measures:send_link", args=[care_team.public_id])
    as_nurse_a.post(url, {"administrations": [str(mine.public_id)]})
    assert PatientLink.objects.filter(patient=care_team, administrations=mine).exists()
    assert len(mail.outbox) == 1


# --- The drawer's "next" field: back to a page of this site only -----------------------------


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/"],
    ids=["absolute", "scheme-relative", "slash-backslash", "backslashes"],
)
def test_the_drawers_review_does_not_redirect_off_site(target, care_team, therapist_a, as_nurse_a):
    plan_with_versions(care_team, therapist_a)
    url = reverse("therapy:review_support_plan", args=[care_team.public_id])
    response = as_nurse_a.post(url, {"next": target})
    assert response.status_code == 302
    location = response["Location"]
    # Browsers read a raw backslash as a slash ("/\\evil" is "//evil", another site); an
    # escaped one (%5C) is only part of a path on this site.
    assert "\\" not in location
    assert location.startswith("/") and not location.startswith("//")
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})


# --- Another patient's object under this patient's URL (same clinic) -------------------------
# The matrix checks other clinics; inside one clinic, each object must also belong to the
# patient named in the URL, or a record could be read or written under another chart.

NEW_NAMESPACES = ("measures", "portal", "therapy", "notes", "goals", "journal", "interop")
MIXED_ROUTES = [
    r
    for r in ALL_ROUTES
    if r.name.split(":")[0] in NEW_NAMESPACES and "patient_id" in r.params and len(r.params) > 1
]


def test_there_are_mixed_routes_to_check():
    assert len(MIXED_ROUTES) >= 20


@pytest.fixture
def two_patients(patient_a, neighbour, nurse_a, prescriber_a):
    """patient A, and every kind of object of the neighbour (same clinic)."""
    theirs = {
        **therapy_world(neighbour, nurse_a, prescriber_a),
        **notes_goals_world(neighbour, nurse_a, prescriber_a),
        **measures_administration_world(neighbour, nurse_a),
        "session_id": discharged_infusion(neighbour, nurse_a, prescriber_a),
    }
    return patient_a, theirs


@pytest.mark.parametrize("route", MIXED_ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("role_client", ["as_nurse_a", "as_therapist_a", "as_prescriber_a"])
def test_another_patients_object_under_this_patients_url_is_not_found(
    route, role_client, two_patients, neighbour, request
):
    client = request.getfixturevalue(role_client)
    patient, theirs = two_patients
    kwargs = {p: theirs[p].public_id for p in route.params if p != "patient_id"}
    url = reverse(route.name, kwargs={"patient_id": patient.public_id, **kwargs})
    before = AuditEvent.objects.exclude(action=Action.READ).count()
    for method in (client.get, client.post):
        status = method(url, {"text": "x", "reason": "x"}).status_code
        assert status in {404, 405}, f"{method.__name__.upper()} {route.name} gave {status}"
    assert not AuditEvent.objects.filter(
        patient=neighbour, action=Action.READ, outcome=Outcome.SUCCESS
    ).exists()
    assert AuditEvent.objects.exclude(action=Action.READ).count() == before


def test_control_a_therapist_colleague_can_be_named_through_the_form(therapist_a, as_prescriber_a):
    response = as_prescriber_a.post(reverse("notes:supervisors"), {"supervisor": therapist_a.pk})
    assert response.status_code == 302
    assert NamedSupervisor.objects.filter(supervisor=therapist_a, is_active=True).exists()
