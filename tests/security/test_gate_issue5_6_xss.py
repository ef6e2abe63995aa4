"""QUALITY.md security gate 4 for the routes of issues 5 and 6: hostile free text typed into
every new form (therapy, notes, goals, journal, safety flags, entered-in-error reasons) is shown
as text on every page and htmx partial that renders it, and in the HTML the infusion record and
the progress report PDFs are rendered from. The data is created through the actions, as the
forms would."""

import re
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from holdspace.goals import actions as goal_actions
from holdspace.goals.models import ReviewAction
from holdspace.infusions import actions as infusion_actions
from holdspace.infusions import record
from holdspace.infusions.models import PatientStatement
from holdspace.journal import actions as journal_actions
from holdspace.measures import actions as measures_actions
from holdspace.measures import progress
from holdspace.measures.models import SafetyAction, SafetyFlag
from holdspace.measures.tests.test_admin_world import session_for, submitted
from holdspace.notes import actions as note_actions
from holdspace.notes.models import NoteKind
from holdspace.notes.tests.builders import notes_goals_world
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose
from holdspace.portal.tests.test_portal_session import signed_in_patient
from holdspace.therapy import actions as therapy_actions
from holdspace.therapy.models import Readiness
from holdspace.therapy.tests.builders import discharged_infusion
from tests.security.test_csp_and_escaping import PAYLOADS

pytestmark = pytest.mark.django_db


def assert_escaped(html: str, where: str) -> None:
    """No payload came through as markup: no live tag, no javascript: link."""
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", html), where


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _portal_client(nurse, patient):
    _link, token = links.issue_link(actor=nurse, patient=patient, purpose=LinkPurpose.PORTAL)
    return signed_in_patient(token)


# --- Therapy: preparation, support plan, suggestions, integration ----------------------------


@pytest.fixture
def care_team(patient_a, therapist_a, prescriber_a):
    patient_a.therapist = therapist_a
    patient_a.prescriber = prescriber_a
    patient_a.save()
    return patient_a


def _plan_content(payload: str) -> dict:
    return {
        "what_helps": [payload, "Music"],
        "grounding_techniques": [payload],
        "words_that_help": payload,
        "words_that_harm": payload,
        "music_detail": payload[:300],
        "touch_kinds": payload[:300],
        "topics_to_avoid": payload,
        "trauma_considerations": payload,
        "support_person": payload[:300],
        "escort": payload[:300],
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_therapy_notes_and_the_support_plan_is_escaped(
    payload, care_team, therapist_a, prescriber_a, nurse_a, as_therapist_a, as_nurse_a
):
    patient = care_team
    preparation = therapy_actions.create_preparation(
        actor=therapist_a,
        patient=patient,
        data={
            "held_at": timezone.now() - timedelta(hours=1),
            "questions": payload,
            "intentions": payload,
            "readiness": Readiness.NOT_YET,
            "readiness_note": payload,
        },
        sign=True,
    )
    draft_preparation = therapy_actions.create_preparation(
        actor=therapist_a, patient=patient, data={"held_at": timezone.now(), "questions": payload}
    )
    therapy_actions.add_addendum(
        actor=therapist_a, note=preparation, text=payload, client_id=uuid.uuid4()
    )
    version, _created = therapy_actions.save_support_plan(
        actor=therapist_a,
        patient=patient,
        content=_plan_content(payload),
        based_on=None,
        change_note=payload[:500],
    )
    suggestion = therapy_actions.suggest_support_plan_change(patient, payload)
    declined = therapy_actions.suggest_support_plan_change(patient, payload + " (2)")
    therapy_actions.decline_suggestion(actor=therapist_a, suggestion=declined, reason=payload)
    infusion = discharged_infusion(patient, therapist_a, prescriber_a)
    integration = therapy_actions.start_integration(
        actor=therapist_a,
        infusion=infusion,
        data={"experience": payload, "insights": payload, "homework": payload},
    )
    integration = therapy_actions.sign_integration(actor=therapist_a, integration=integration)
    therapy_actions.add_addendum(
        actor=therapist_a, note=integration, text=payload, client_id=uuid.uuid4()
    )
    pid = patient.public_id
    therapist_pages = [
        reverse("therapy:overview", args=[pid]),
        reverse("therapy:preparation", args=[pid, preparation.public_id]),
        reverse("therapy:preparation", args=[pid, draft_preparation.public_id]),
        reverse("therapy:support_plan", args=[pid]),
        reverse("therapy:support_plan_version", args=[pid, version.public_id]),
        reverse("therapy:edit_support_plan", args=[pid]) + f"?suggestion={suggestion.public_id}",
        reverse("therapy:decline_suggestion", args=[pid, suggestion.public_id]),
        reverse("therapy:integration", args=[pid, integration.public_id]),
    ]
    for url in therapist_pages:
        html = _get(as_therapist_a, url)
        assert_escaped(html, url)
        assert "alert" not in payload or "alert" in html, f"{url} should show the text"
    # The console's support-plan drawer, on an infusion of the same patient (nurse's view).
    chair_session = session_for(patient, nurse_a, prescriber_a)
    console = reverse("infusions:console", args=[chair_session.public_id])
    assert_escaped(_get(as_nurse_a, console), console)
    # The patient's own plan page in the portal shows the plan and their suggestions.
    portal = _portal_client(nurse_a, patient)
    assert_escaped(_get(portal, reverse("portal:plan")), "portal:plan")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_the_integration_prefill_is_escaped(
    payload, care_team, therapist_a, prescriber_a, as_therapist_a
):
    """The integration prefill quotes the patient's tagged statements and intention."""
    infusion = discharged_infusion(care_team, therapist_a, prescriber_a)
    infusion.intention_today = payload
    infusion.save(update_fields=["intention_today"])
    PatientStatement.objects.create(
        session=infusion,
        recorded_by=therapist_a,
        client_id=uuid.uuid4(),
        occurred_at=infusion.started_at + timedelta(minutes=25),
        text=payload,
        tagged_for_integration=True,
    )
    url = reverse("therapy:new_integration", args=[care_team.public_id, infusion.public_id])
    assert_escaped(_get(as_therapist_a, url), url)


# --- Notes, goals, the alliance --------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_notes_goals_and_alliance_reviews_is_escaped(
    payload, care_team, therapist_a, prescriber_a, nurse_a, as_therapist_a
):
    patient = care_team
    note = note_actions.create_therapy_note(
        actor=therapist_a, patient=patient, kind=NoteKind.OTHER, text=payload, sign=True
    )
    note_actions.add_addendum(actor=therapist_a, note=note, text=payload)
    draft = note_actions.create_therapy_note(
        actor=therapist_a, patient=patient, kind=NoteKind.OTHER, text=payload
    )
    private = note_actions.create_psychotherapy_note(
        actor=therapist_a, patient=patient, text=payload
    )
    goal = goal_actions.set_goal(
        actor=therapist_a,
        patient=patient,
        fields={
            "statement": payload,
            "target_behaviour": payload,
            "frequency_count": 2,
            "frequency_period": "week",
            "measure": payload,
            "target_date": timezone.localdate() + timedelta(days=10),
        },
    )
    goal_actions.record_goal_checkin(goal, times_done=1, note=payload[:500], actor=therapist_a)
    feedback = notes_goals_world(patient, therapist_a, prescriber_a)["feedback_id"]
    goal_actions.review_feedback(
        actor=therapist_a,
        administration=feedback,
        action_taken=ReviewAction.DISCUSSED,
        note=payload[:500],
    )
    pid = patient.public_id
    pages = [
        reverse("notes:list", args=[pid]),
        reverse("notes:detail", args=[pid, note.public_id]),
        reverse("notes:edit", args=[pid, draft.public_id]),
        reverse("notes:private_detail", args=[pid, private.public_id]),
        reverse("notes:private_edit", args=[pid, private.public_id]),
        reverse("goals:list", args=[pid]),
        reverse("goals:detail", args=[pid, goal.public_id]),
        reverse("goals:alliance", args=[pid]),
        reverse("patients:chart", args=[pid]),
    ]
    shows_text = {pages[1], pages[3], pages[6]}  # note, psychotherapy note, goal
    for url in pages:
        html = _get(as_therapist_a, url)
        assert_escaped(html, url)
        if url in shows_text and "alert" in payload:
            assert "alert" in html, f"{url} should show the text"
    # The patient sees their goals (and check-in forms) on the portal home.
    portal = _portal_client(nurse_a, patient)
    assert_escaped(_get(portal, reverse("portal:home")), "portal:home")


# --- Journal, through the portal's own forms -------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_journal_entries_are_escaped_for_the_patient_and_the_care_team(
    payload, care_team, nurse_a, as_therapist_a
):
    portal = _portal_client(nurse_a, care_team)
    response = portal.post(
        reverse("portal:journal"), {"text": payload, "prompt_kind": "free", "share": "on"}
    )
    assert response.status_code == 302
    assert care_team.journal_entries.get().text == payload.strip()
    assert_escaped(_get(portal, reverse("portal:journal")), "portal:journal")
    shared = reverse("journal:shared", args=[care_team.public_id])
    html = _get(as_therapist_a, shared)
    assert_escaped(html, shared)


def test_a_journal_entry_written_by_the_action_is_escaped_too(care_team, nurse_a, as_therapist_a):
    link, _token = links.issue_link(actor=nurse_a, patient=care_team, purpose=LinkPurpose.PORTAL)
    for payload in PAYLOADS:
        journal_actions.write_entry(link=link, text=payload, share=True)
    html = _get(as_therapist_a, reverse("journal:shared", args=[care_team.public_id]))
    assert_escaped(html, "journal:shared")
    assert "&lt;script&gt;alert" in html  # the entry is there, as text


# --- Measures: safety-flag acknowledgement, entered in error ---------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_flag_acknowledgements_and_error_reasons_is_escaped(
    payload, care_team, prescriber_a, as_prescriber_a
):
    patient = care_team
    row = submitted(patient, prescriber_a, (1,) * 9)  # item 9 answered: a safety flag
    flag = SafetyFlag.objects.get(administration=row)
    measures_actions.acknowledge_safety_flag(
        actor=prescriber_a, flag=flag, action=SafetyAction.OTHER, action_taken=payload
    )
    measures_actions.mark_entered_in_error(actor=prescriber_a, administration=row, reason=payload)
    pid = patient.public_id
    pages = [
        reverse("measures:patient_measures", args=[pid]),
        reverse("measures:flag", args=[pid, flag.public_id]),
        reverse("measures:administration", args=[pid, row.public_id]),
        reverse("measures:patient_outcomes", args=[pid]),
        reverse("worklist:worklist"),
    ]
    for url in pages:
        html = _get(as_prescriber_a, url)
        assert_escaped(html, url)
        if url in pages[1:3] and "alert" in payload:
            assert "alert" in html, f"{url} should show the text"


# --- The PDFs, on the HTML they are rendered from --------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_infusion_record_html_escapes_hostile_text(
    payload, care_team, therapist_a, nurse_a, prescriber_a
):
    care_team.preferred_name = payload[:100]
    care_team.save()
    session = session_for(care_team, nurse_a, prescriber_a)
    session.intention_today = payload
    session.save(update_fields=["intention_today"])
    infusion_actions.record_statement(
        actor=therapist_a, session=session, client_id=uuid.uuid4(), text=payload
    )
    infusion_actions.record_support_event(
        actor=therapist_a, session=session, client_id=uuid.uuid4(), kind="breathing", note=payload
    )
    html = record.record_html(session, printed_by=nurse_a, role="nurse")
    assert_escaped(html, "record_html")
    assert "&lt;script&gt;alert" in html or "<script>" not in payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_progress_report_html_escapes_hostile_text(payload, care_team, prescriber_a):
    care_team.preferred_name = payload[:100]
    care_team.legal_family_name = payload[:100]
    care_team.save()
    row = submitted(care_team, prescriber_a)
    measures_actions.mark_entered_in_error(actor=prescriber_a, administration=row, reason=payload)
    submitted(care_team, prescriber_a)
    html = progress.report_html(care_team, prescriber_a)
    assert_escaped(html, "progress report")
    assert "&lt;script&gt;alert" in html or "<script>" not in payload


# --- Query strings the new pages read back ---------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_query_strings_are_not_reflected_as_markup(
    payload, care_team, nurse_a, as_therapist_a, as_prescriber_a
):
    pid = care_team.public_id
    staff_pages = [
        (as_therapist_a, reverse("notes:new", args=[pid]), {"kind": payload}),
        (as_therapist_a, reverse("therapy:edit_support_plan", args=[pid]), {"suggestion": payload}),
        (as_prescriber_a, reverse("measures:outcome_summary"), {"date_from": payload}),
        (as_prescriber_a, reverse("measures:kiosk_locked"), {"done": payload}),
    ]
    for client, url, query in staff_pages:
        assert_escaped(_get(client, url + "?" + urlencode(query)), url)
    portal = _portal_client(nurse_a, care_team)
    query = urlencode({"prompt": payload, "session": payload})
    assert_escaped(_get(portal, reverse("portal:journal") + "?" + query), "portal:journal")
