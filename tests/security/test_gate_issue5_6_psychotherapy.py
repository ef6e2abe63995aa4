"""QUALITY.md security gate 6 for issue 6: a psychotherapy note's text is for its author (and
the supervisors the author names) only. It never appears in the chart, the therapy notes list,
the FHIR export, the infusion record or progress report, the portal, the worklist, the audit
report or a database dump (ciphertext only); and no psychotherapy-note route answers 200 to
anyone else, the clinic admin included."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from holdspace import cli
from holdspace.infusions import record
from holdspace.measures import progress
from holdspace.measures.tests.test_admin_world import session_for, submitted
from holdspace.notes import actions as note_actions
from holdspace.notes.models import PsychotherapyNote
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose
from holdspace.portal.tests.test_portal_session import signed_in_patient
from tests.security.test_object_access_matrix import PRIVATE_NOTE_ROUTES

pytestmark = pytest.mark.django_db

SECRET = "PSYNOTE-7f3a the dream about the lighthouse keeper"
SECRET_WORD = "lighthouse keeper"


@pytest.fixture
def private_note(patient_a, therapist_a, prescriber_a):
    """A signed psychotherapy note by therapist A about patient A (care team set)."""
    patient_a.therapist = therapist_a
    patient_a.prescriber = prescriber_a
    patient_a.save()
    note = note_actions.create_psychotherapy_note(
        actor=therapist_a, patient=patient_a, text=SECRET, sign=True
    )
    return note


@pytest.fixture
def draft_note(private_note, therapist_a):
    """A draft by the same author (a draft can still be edited: the edit routes are live)."""
    return note_actions.create_psychotherapy_note(
        actor=therapist_a, patient=private_note.patient, text=SECRET
    )


def _absent(html: str, where: str) -> None:
    assert SECRET_WORD not in html, where
    assert "PSYNOTE-7f3a" not in html, where


def test_the_author_can_read_it_so_the_other_checks_mean_something(
    private_note, patient_a, as_therapist_a
):
    url = reverse("notes:private_detail", args=[patient_a.public_id, private_note.public_id])
    response = as_therapist_a.get(url)
    assert response.status_code == 200 and SECRET_WORD in response.content.decode()


@pytest.mark.parametrize(
    "route", ["patients:chart", "notes:list", "goals:list", "therapy:overview", "journal:shared"]
)
def test_the_text_is_not_on_the_patients_pages_even_for_the_author(
    route, private_note, patient_a, as_therapist_a
):
    response = as_therapist_a.get(reverse(route, args=[patient_a.public_id]))
    assert response.status_code == 200
    _absent(response.content.decode(), route)


def test_the_text_is_not_on_the_worklist(private_note, draft_note, as_therapist_a, as_prescriber_a):
    for client in (as_therapist_a, as_prescriber_a):
        response = client.get(reverse("worklist:worklist"))
        assert response.status_code == 200
        _absent(response.content.decode(), "worklist")


def test_the_text_is_not_in_the_audit_report(private_note, as_therapist_a, as_admin_a):
    # Reading it first puts a read row in the trail; the row must not quote the note.
    as_therapist_a.get(
        reverse(
            "notes:private_detail",
            args=[private_note.patient.public_id, private_note.public_id],
        )
    )
    response = as_admin_a.get(reverse("audit:report"))
    assert response.status_code == 200
    _absent(response.content.decode(), "audit report")


def test_the_text_is_not_in_the_fhir_export(private_note, patient_a, therapist_a, as_therapist_a):
    row = submitted(patient_a, therapist_a)
    url = reverse("interop:questionnaire_response", args=[patient_a.public_id, row.public_id])
    response = as_therapist_a.get(url)
    assert response.status_code == 200
    _absent(response.content.decode(), "FHIR")


def test_the_text_is_not_in_the_infusion_record_or_the_progress_report(
    private_note, patient_a, therapist_a, nurse_a, prescriber_a
):
    session = session_for(patient_a, nurse_a, prescriber_a)
    submitted(patient_a, therapist_a)
    _absent(record.record_html(session, printed_by=therapist_a, role="therapist"), "record")
    _absent(progress.report_html(patient_a, therapist_a), "progress report")


@pytest.mark.parametrize(
    "page", ["portal:home", "portal:plan", "portal:progress", "portal:journal"]
)
def test_the_text_is_not_in_the_portal(page, private_note, patient_a, nurse_a):
    _link, token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    response = signed_in_patient(token).get(reverse(page))
    assert response.status_code == 200
    _absent(response.content.decode(), page)


@pytest.mark.parametrize("everything", [False, True], ids=["default", "all"])
def test_a_database_dump_holds_only_ciphertext(everything, private_note):
    # `holdspace dumpdata` is Django's dumpdata (holdspace.cli only maps names); it is called
    # in-process here because the console entry point closes the database connection on exit,
    # which would end the test's transaction.
    assert cli.ALIASES.get("dumpdata", "dumpdata") == "dumpdata"
    out = io.StringIO()
    call_command("dumpdata", "notes", indent=0, use_base_manager=everything, stdout=out)
    dumped = out.getvalue()
    _absent(dumped, "dumpdata")
    if everything:
        # The row was dumped (so the check above looked at it), as its Fernet token.
        stored = PsychotherapyNote.private.get(pk=private_note.pk).ciphertext
        assert stored in dumped and SECRET not in stored


# --- No route answers anyone else ------------------------------------------------------------


def _route_urls(note) -> list[str]:
    pid = note.patient.public_id
    urls = [
        reverse(route.name, kwargs={"patient_id": pid, "psychotherapy_note_id": note.public_id})
        for route in PRIVATE_NOTE_ROUTES
    ]
    return urls


def test_there_are_routes_to_check(private_note):
    assert len(_route_urls(private_note)) >= 3


@pytest.mark.parametrize(
    "role_client", ["as_nurse_a", "as_prescriber_a", "as_admin_a", "as_nurse_b"]
)
def test_no_psychotherapy_note_route_answers_200_to_anyone_but_the_author(
    role_client, private_note, draft_note, request
):
    client = request.getfixturevalue(role_client)
    for url in _route_urls(private_note) + _route_urls(draft_note):
        for method in (client.get, client.post):
            response = method(url, {"text": "Overwritten"})
            assert response.status_code != 200, (role_client, method.__name__, url)
            _absent(response.content.decode(), url)
    stored = PsychotherapyNote.private.filter(pk__in=[private_note.pk, draft_note.pk])
    assert [note.text for note in stored] == [SECRET, SECRET]
    assert stored.filter(signed_at__isnull=True).count() == 1  # the draft was not signed


@pytest.mark.parametrize("role_client", ["as_nurse_a", "as_admin_a"])
def test_roles_that_may_not_write_them_cannot_open_the_new_note_or_supervisor_pages(
    role_client, patient_a, request
):
    client = request.getfixturevalue(role_client)
    for url in (
        reverse("notes:private_new", args=[patient_a.public_id]),
        reverse("notes:supervisors"),
    ):
        assert client.get(url).status_code != 200, url
        client.post(url, {"text": "Not theirs"})
    assert not PsychotherapyNote.private.exists()


# --- Side channels: search and live events ---------------------------------------------------


def test_searching_the_patient_list_for_words_of_the_note_finds_nothing(
    private_note, as_therapist_a
):
    response = as_therapist_a.get(reverse("patients:list"), {"q": SECRET_WORD})
    assert response.status_code == 200
    # (The search box echoes the query; what matters is that no patient matches it.)
    html = response.content.decode()
    assert private_note.patient.mrn not in html
    assert private_note.patient.legal_family_name not in html


def test_live_events_carry_no_free_text(private_note, patient_a, therapist_a, prescriber_a):
    """Live payloads are minimum necessary (public ids, a few values a screen shows): no note,
    no acknowledgement words, no error reason — the board and consoles are on shared screens."""
    from holdspace.live.models import LiveEvent
    from holdspace.measures import actions as measures_actions
    from holdspace.measures.models import SafetyAction, SafetyFlag
    from holdspace.notes.models import NoteKind
    from holdspace.therapy import actions as therapy_actions
    from holdspace.therapy.tests.builders import plan_with_versions

    marker = "LIVE-MARKER words"
    note_actions.create_therapy_note(
        actor=therapist_a, patient=patient_a, kind=NoteKind.OTHER, text=marker, sign=True
    )
    row = submitted(patient_a, prescriber_a, (1,) * 9)
    measures_actions.acknowledge_safety_flag(
        actor=prescriber_a,
        flag=SafetyFlag.objects.get(administration=row),
        action=SafetyAction.OTHER,
        action_taken=marker,
    )
    measures_actions.mark_entered_in_error(actor=prescriber_a, administration=row, reason=marker)
    plan_with_versions(patient_a, therapist_a)
    therapy_actions.review_support_plan(patient_a, prescriber_a, note=marker)
    payloads = json.dumps([event.payload for event in LiveEvent.objects.all()])
    assert LiveEvent.objects.exists()
    assert "LIVE-MARKER" not in payloads
    _absent(payloads, "live events")


def test_the_audit_trail_quotes_no_free_text_of_the_new_forms(
    private_note, patient_a, therapist_a, prescriber_a, nurse_a, as_admin_a
):
    """The clinic admin reads the audit report: it says what happened to which record, never
    what the patient or the clinician wrote (journal, suggestions, notes, reasons, goals)."""
    from datetime import timedelta

    from django.utils import timezone

    from holdspace.audit.models import AuditEvent
    from holdspace.goals import actions as goal_actions
    from holdspace.journal import actions as journal_actions
    from holdspace.measures import actions as measures_actions
    from holdspace.measures.models import SafetyAction, SafetyFlag
    from holdspace.therapy import actions as therapy_actions

    marker = "AUDIT-MARKER"
    link, _ = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    journal_actions.write_entry(link=link, text=f"{marker} journal", share=True)
    suggestion = therapy_actions.suggest_support_plan_change(
        patient_a, f"{marker} suggestion", via_link=link
    )
    therapy_actions.decline_suggestion(
        actor=therapist_a, suggestion=suggestion, reason=f"{marker} declined"
    )
    row = submitted(patient_a, prescriber_a, (1,) * 9)
    measures_actions.acknowledge_safety_flag(
        actor=prescriber_a,
        flag=SafetyFlag.objects.get(administration=row),
        action=SafetyAction.OTHER,
        action_taken=f"{marker} acknowledged",
    )
    measures_actions.mark_entered_in_error(
        actor=prescriber_a, administration=row, reason=f"{marker} in error"
    )
    goal = goal_actions.set_goal(
        actor=therapist_a,
        patient=patient_a,
        fields={
            "statement": f"{marker} goal",
            "target_behaviour": marker,
            "frequency_count": 2,
            "frequency_period": "week",
            "measure": marker,
            "target_date": timezone.localdate() + timedelta(days=10),
        },
    )
    goal_actions.record_goal_checkin(
        goal, times_done=1, note=f"{marker} check-in", actor=therapist_a
    )
    goal_actions.close_goal(actor=therapist_a, goal=goal, status="dropped", reason=marker)
    note = note_actions.create_therapy_note(
        actor=therapist_a, patient=patient_a, kind="other", text=f"{marker} note", sign=True
    )
    note_actions.add_addendum(actor=therapist_a, note=note, text=f"{marker} addendum")
    summaries = list(AuditEvent.objects.values_list("summary", flat=True))
    assert len(summaries) >= 10
    assert not [s for s in summaries if marker in s or SECRET_WORD in s]
    html = as_admin_a.get(reverse("audit:report")).content.decode()
    assert marker not in html
    _absent(html, "audit report")
