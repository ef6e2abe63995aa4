"""QUALITY.md security gate 3 for the portal of issues 5 and 6: a questionnaire link reads
nothing but its questionnaires (no portal page, no other patient); a portal session reaches no
staff URL (the list is generated from the URL configuration); used links are refused on replay
and the refusal is audited."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import AuditEvent, Outcome
from holdspace.goals.models import GoalCheckIn
from holdspace.journal.models import JournalEntry
from holdspace.measures.models import AdministrationStatus
from holdspace.measures.tests.test_admin_world import PHQ9_MODERATE, due
from holdspace.notes.tests.builders import notes_goals_world
from holdspace.portal import links, portal_session
from holdspace.portal.models import LinkPurpose
from holdspace.portal.tests.test_portal_session import DOB, signed_in_patient
from holdspace.therapy.models import SupportPlanSuggestion
from tests.factories import PatientFactory
from tests.security.test_object_access_matrix import ALL_ROUTES, NOT_OBJECT_IDS, _world

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ["portal:home", "portal:plan", "portal:progress", "portal:journal"]
PORTAL_POSTS = {
    "portal:journal": {"text": "Written through a questionnaire link", "prompt_kind": "free"},
    "portal:plan": {"text": "Suggested through a questionnaire link"},
    "portal:goal_checkin": {"goal": "", "times_done": "2"},
    "portal:journal_share": {"entry": "", "choice": "share"},
}


def _questionnaire_link(nurse, patient):
    rows = [due(patient, "phq9", nurse)]
    link, token = links.issue_link(
        actor=nurse, patient=patient, purpose=LinkPurpose.QUESTIONNAIRES, administrations=rows
    )
    return link, token, rows


def _verified_questionnaire_client(token: str) -> Client:
    client = Client()
    url = reverse("portal:link", kwargs={"token": token})
    assert client.post(url, {"date_of_birth": DOB}).status_code == 302
    assert client.get(url).status_code == 200
    return client


def _refusals(link):
    return AuditEvent.objects.filter(object_id=str(link.public_id), outcome=Outcome.DENIED)


# --- A questionnaire link is only a questionnaire link --------------------------------------


@pytest.mark.parametrize("page", PORTAL_PAGES)
def test_a_verified_questionnaire_link_cannot_read_portal_pages(page, nurse_a, patient_a):
    _link, token, _rows = _questionnaire_link(nurse_a, patient_a)
    client = _verified_questionnaire_client(token)
    response = client.get(reverse(page))
    assert response.status_code == 403
    assert patient_a.legal_family_name not in response.content.decode()


@pytest.mark.parametrize("page", sorted(PORTAL_POSTS))
def test_a_verified_questionnaire_link_cannot_act_in_the_portal(
    page, nurse_a, therapist_a, prescriber_a, patient_a
):
    _link, token, _rows = _questionnaire_link(nurse_a, patient_a)
    goal = notes_goals_world(patient_a, therapist_a, prescriber_a)["goal_id"]
    data = dict(PORTAL_POSTS[page])
    if "goal" in data:
        data["goal"] = str(goal.public_id)
    client = _verified_questionnaire_client(token)
    assert client.post(reverse(page), data).status_code == 403
    assert not JournalEntry.objects.exists()
    assert not SupportPlanSuggestion.objects.exists()
    assert not GoalCheckIn.objects.filter(goal=goal).exists()


def test_a_questionnaire_link_cannot_open_the_portal(nurse_a, patient_a):
    link, token, _rows = _questionnaire_link(nurse_a, patient_a)
    client = Client()
    url = reverse("portal:home_start", kwargs={"token": token})
    response = client.post(url, {"date_of_birth": DOB})
    assert response.status_code == 404
    assert client.get(reverse("portal:home")).status_code == 403
    link.refresh_from_db()
    assert link.used_at is None


def test_a_portal_link_cannot_open_questionnaires(nurse_a, patient_a):
    due(patient_a, "phq9", nurse_a)
    _link, token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    response = Client().post(
        reverse("portal:link", kwargs={"token": token}), {"date_of_birth": DOB}
    )
    assert response.status_code == 404


def test_a_questionnaire_link_shows_nothing_of_another_patient(nurse_a, patient_a, clinic_a):
    other = PatientFactory(
        clinic=clinic_a, legal_given_name="Quinn", legal_family_name="Zephyrine", mrn="A-7"
    )
    theirs = due(other, "phq9", nurse_a)
    _link, token, _rows = _questionnaire_link(nurse_a, patient_a)
    client = _verified_questionnaire_client(token)
    html = client.get(reverse("portal:link", kwargs={"token": token})).content.decode()
    assert "Zephyrine" not in html and theirs.public_id.hex not in html
    # Answers posted for the other patient's questionnaire are not stored.
    client.post(
        reverse("portal:save", kwargs={"token": token}),
        {f"{theirs.public_id.hex}-phq9-{n}": str(v) for n, v in enumerate(PHQ9_MODERATE, 1)},
    )
    client.post(
        reverse("portal:submit", kwargs={"token": token}),
        {f"{theirs.public_id.hex}-phq9-{n}": str(v) for n, v in enumerate(PHQ9_MODERATE, 1)},
    )
    theirs.refresh_from_db()
    assert theirs.answers == {} and theirs.status == AdministrationStatus.DUE


# --- A portal session reaches no staff URL ---------------------------------------------------


def _staff_routes():
    """Every named route outside /p/ (the device API excepted: token-authenticated, tested in
    holdspace/api), with parameters the portal world can fill."""
    return [
        r
        for r in ALL_ROUTES
        if not r.name.startswith("portal:")
        and not r.name.startswith("api-v1:")
        and "path" not in r.params
        and "uidb64" not in r.params
    ]


STAFF_ROUTES = _staff_routes()
# Routes anyone may reach, holding nothing about patients: the sign-in page, the display theme
# cookie, and the kiosk's locked screen (its save answers 410 Gone to an unknown token).
PUBLIC = {"accounts:login", "clinics:theme", "measures:kiosk_locked"}


def test_the_staff_route_list_is_not_empty():
    assert len(STAFF_ROUTES) >= 60


def _kwargs(route, world):
    kwargs = {}
    for param in route.params:
        if param in NOT_OBJECT_IDS:
            kwargs[param] = "x" * 20
        else:
            kwargs[param] = world[param].public_id
    return kwargs


def _refused_to_a_patient(response) -> bool:
    if response.status_code in {401, 403, 404, 405, 410}:
        return True
    if response.status_code == 302:
        target = response["Location"]
        return (
            target.startswith(resolve_url(settings.LOGIN_URL))
            or "/measures/kiosk/locked/" in target
        )
    return False


@pytest.fixture
def portal_world(clinic_a, nurse_a, prescriber_a):
    """Clinic A's world of every object kind, and a way to sign its patient in to the portal."""
    world = _world(clinic_a, nurse_a, prescriber_a)
    patient = world["patient_id"]
    patient.date_of_birth = DOB
    patient.save()

    def sign_in() -> Client:
        _link, token = links.issue_link(actor=nurse_a, patient=patient, purpose=LinkPurpose.PORTAL)
        return signed_in_patient(token)

    return world, sign_in


def _in_portal(client: Client) -> bool:
    return portal_session.SESSION_KEY in client.session and "_auth_user_id" not in client.session


def test_a_portal_session_reaches_no_staff_url(portal_world):
    world, sign_in = portal_world
    client = sign_in()
    reached, probed = [], 0
    for route in STAFF_ROUTES:
        if route.name in PUBLIC:
            continue
        url = reverse(route.name, kwargs=_kwargs(route, world))
        for method in (client.get, client.post):
            # Some routes end the portal session (logout, the kiosk): every probe must be made
            # with a live one, or the rest of the list would be probed anonymously.
            if not _in_portal(client):
                client = sign_in()
                method = getattr(client, method.__name__)
            response = method(url)
            probed += 1
            if not _refused_to_a_patient(response):
                reached.append((method.__name__, route.name, response.status_code))
            assert "_auth_user_id" not in client.session, route.name
    assert not reached, reached
    assert probed >= 2 * 60


# --- Replayed links --------------------------------------------------------------------------


def test_a_used_portal_link_is_refused_on_replay_and_audited(nurse_a, patient_a):
    link, token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    signed_in_patient(token)
    replay = Client()
    url = reverse("portal:home_start", kwargs={"token": token})
    response = replay.post(url, {"date_of_birth": DOB})
    assert response.status_code == 410
    assert replay.get(reverse("portal:home")).status_code == 403
    assert _refusals(link).filter(summary__contains="used").exists()


def test_a_submitted_questionnaire_link_is_refused_on_replay_and_audited(nurse_a, patient_a):
    link, token, rows = _questionnaire_link(nurse_a, patient_a)
    client = _verified_questionnaire_client(token)
    answers = {f"{rows[0].public_id.hex}-phq9-{n}": str(v) for n, v in enumerate(PHQ9_MODERATE, 1)}
    response = client.post(reverse("portal:submit", kwargs={"token": token}), answers)
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.used_at is not None
    for name in ("link", "save", "submit"):
        replay = Client().post(reverse(f"portal:{name}", kwargs={"token": token}), answers)
        assert replay.status_code == 410, name
    # The same browser, too.
    assert client.get(reverse("portal:link", kwargs={"token": token})).status_code == 410
    assert _refusals(link).filter(summary__contains="used").count() >= 4


def test_a_tampered_portal_token_is_refused_and_audited(nurse_a, patient_a):
    _link, token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = Client().post(
        reverse("portal:home_start", kwargs={"token": tampered}), {"date_of_birth": DOB}
    )
    assert response.status_code == 404
    assert patient_a.legal_family_name not in response.content.decode()
    assert AuditEvent.objects.filter(
        outcome=Outcome.DENIED, summary__contains="unknown or tampered"
    ).exists()


# --- The journal stays the patient's ---------------------------------------------------------


@pytest.fixture
def journal(patient_a, therapist_a, prescriber_a, nurse_a):
    """Patient A's journal: one private entry, one shared, one shared then withdrawn."""
    from holdspace.journal import actions as journal_actions

    patient_a.therapist = therapist_a
    patient_a.prescriber = prescriber_a
    patient_a.save()
    link, _token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    journal_actions.write_entry(link=link, text="PRIVATE-ENTRY only mine")
    journal_actions.write_entry(link=link, text="SHARED-ENTRY for my therapist", share=True)
    taken_back = journal_actions.write_entry(link=link, text="WITHDRAWN-ENTRY", share=True)
    journal_actions.withdraw_sharing(link=link, entry=taken_back)
    return patient_a


@pytest.mark.parametrize("role_client", ["as_therapist_a", "as_prescriber_a"])
def test_the_care_team_sees_only_what_is_shared_now(role_client, journal, request):
    client = request.getfixturevalue(role_client)
    html = client.get(reverse("journal:shared", args=[journal.public_id])).content.decode()
    assert "SHARED-ENTRY" in html
    assert "PRIVATE-ENTRY" not in html and "WITHDRAWN-ENTRY" not in html


@pytest.mark.parametrize("role_client", ["as_nurse_a", "as_admin_a"])
def test_staff_outside_the_patients_care_team_cannot_read_the_journal(
    role_client, journal, request
):
    client = request.getfixturevalue(role_client)
    response = client.get(reverse("journal:shared", args=[journal.public_id]))
    assert response.status_code in {403, 404}
    assert "SHARED-ENTRY" not in response.content.decode()


def test_the_worklist_names_a_shared_entry_but_quotes_none(journal, as_therapist_a):
    html = as_therapist_a.get(reverse("worklist:worklist")).content.decode()
    assert reverse("journal:shared", args=[journal.public_id]) in html  # the item is there
    for words in ("SHARED-ENTRY", "PRIVATE-ENTRY", "WITHDRAWN-ENTRY"):
        assert words not in html


def test_no_journal_text_leaks_onto_the_staff_chart(journal, as_therapist_a):
    html = as_therapist_a.get(reverse("patients:chart", args=[journal.public_id])).content
    assert b"PRIVATE-ENTRY" not in html and b"WITHDRAWN-ENTRY" not in html


# --- Minimum necessary: the portal never shows the clinician's notes ------------------------


@pytest.mark.parametrize("page", PORTAL_PAGES)
def test_the_portal_shows_no_clinician_note_or_trauma_consideration(
    page, patient_a, therapist_a, prescriber_a, nurse_a
):
    from holdspace.notes import actions as note_actions
    from holdspace.therapy import actions as therapy_actions
    from holdspace.therapy.models import Readiness
    from holdspace.therapy.tests.builders import discharged_infusion

    note_actions.create_therapy_note(
        actor=therapist_a, patient=patient_a, kind="other", text="CLIN-NOTE sealed", sign=True
    )
    therapy_actions.create_preparation(
        actor=therapist_a,
        patient=patient_a,
        data={
            "held_at": timezone.now(),
            "readiness": Readiness.NOT_YET,
            "readiness_note": "CLIN-READINESS concerns",
            "questions": "CLIN-QUESTIONS",
        },
    )
    therapy_actions.save_support_plan(
        actor=therapist_a,
        patient=patient_a,
        content={"what_helps": ["Music"], "trauma_considerations": "CLIN-TRAUMA history"},
        based_on=None,
    )
    infusion = discharged_infusion(patient_a, therapist_a, prescriber_a)
    therapy_actions.start_integration(
        actor=therapist_a, infusion=infusion, data={"insights": "CLIN-INSIGHT observed"}
    )
    _link, token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    response = signed_in_patient(token).get(reverse(page))
    assert response.status_code == 200
    html = response.content.decode()
    assert "CLIN-" not in html


# --- The kiosk tablet, once handed over, is the patient's side too --------------------------


def test_a_handed_over_tablet_reaches_no_staff_or_portal_page(patient_a, nurse_a, as_nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    url = reverse("measures:hand_to_patient", args=[patient_a.public_id, row.public_id])
    response = as_nurse_a.post(url)
    assert response.status_code == 302 and "/measures/kiosk/" in response["Location"]
    assert as_nurse_a.get(response["Location"]).status_code == 200
    assert "_auth_user_id" not in as_nurse_a.session
    for staff_url in (
        reverse("patients:chart", args=[patient_a.public_id]),
        reverse("measures:patient_measures", args=[patient_a.public_id]),
        reverse("notes:list", args=[patient_a.public_id]),
        reverse("worklist:worklist"),
    ):
        refused = as_nurse_a.get(staff_url)
        assert refused.status_code == 302, staff_url
        assert refused["Location"].startswith(resolve_url(settings.LOGIN_URL)), staff_url
    for page in PORTAL_PAGES:
        assert as_nurse_a.get(reverse(page)).status_code == 403, page


# --- Session fixation: signing in with a link gives the browser a new session key ----------


def _planted_session(client: Client) -> str:
    session = client.session
    session["planted"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_signing_in_to_the_portal_replaces_a_planted_session(nurse_a, patient_a):
    _link, token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    client = Client()
    planted = _planted_session(client)
    start = reverse("portal:home_start", kwargs={"token": token})
    assert client.post(start, {"date_of_birth": DOB}).status_code == 302
    assert client.session.session_key != planted
    # Whoever planted the old key holds nothing.
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert attacker.get(reverse("portal:home")).status_code == 403


def test_opening_a_questionnaire_link_replaces_a_planted_session(nurse_a, patient_a):
    _link, token, _rows = _questionnaire_link(nurse_a, patient_a)
    client = Client()
    planted = _planted_session(client)
    url = reverse("portal:link", kwargs={"token": token})
    assert client.post(url, {"date_of_birth": DOB}).status_code == 302
    assert client.session.session_key != planted
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    response = attacker.get(url)
    assert response.status_code == 200
    assert "date_of_birth" in response.content.decode()  # asked again, no questionnaire
