"""QUALITY.md security gate 1: the object-access matrix, generated from the URL configuration.

Every route that takes an object id is requested by every clinic role of clinic A, once with
clinic A's object (must not be 404: the route works) and once with clinic B's object (must be
404 — never 403, never 200 — and must leave no successful read in the audit trail). A new route
whose id parameter has no builder below fails the suite until it is covered.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.clinics.models import Device, Membership
from holdspace.dosing.tests.builders import dosing_world
from holdspace.infusions import actions as infusion_actions
from holdspace.infusions.models import Alert, InfusionSession
from holdspace.measures.tests.test_admin_world import (  # measures-administration (issue 5)
    measures_administration_world,
)
from holdspace.notes.tests.builders import notes_goals_world  # notes-goals (issue 6)
from holdspace.patients.models import (
    ConsentDocument,
    ConsentKind,
    Indication,
    Patient,
    PatientConsent,
    Screening,
)
from holdspace.patients.vocabulary import SCREENING_KEYS
from holdspace.therapy.tests.builders import therapy_world  # therapy (issue 6)
from tests.factories import ChairFactory, ObservationFactory

# URL parameters that are not object ids: secrets checked by their own views and tests.
NOT_OBJECT_IDS = {"token", "uidb64", "path"}


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]


def _walk(patterns: list, namespace: str = "", prefix_params: tuple = ()) -> Iterator[Route]:
    for entry in patterns:
        params = prefix_params + tuple(entry.pattern.converters)
        if isinstance(entry, URLResolver):
            child_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, child_ns, params)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(f"{namespace}{entry.name}", params)


ALL_ROUTES = sorted(set(_walk(get_resolver().url_patterns)), key=lambda r: r.name)
OBJECT_ROUTES = [r for r in ALL_ROUTES if set(r.params) - NOT_OBJECT_IDS]
# notes-goals (issue 6): routes that show one psychotherapy note, and the rest.
PRIVATE_NOTE_ROUTES = [r for r in OBJECT_ROUTES if "psychotherapy_note_id" in r.params]
SHARED_OBJECT_ROUTES = [r for r in OBJECT_ROUTES if r not in PRIVATE_NOTE_ROUTES]


def _world(clinic, author, prescriber) -> dict[str, object]:
    """One object of every kind, all belonging to ``clinic``."""
    patient = Patient.objects.create(
        clinic=clinic,
        mrn=f"M-{clinic.pk}",
        legal_given_name="Sam",
        legal_family_name="Lee",
        date_of_birth="1980-01-01",
        sex_at_birth="female",
    )
    document = ConsentDocument.objects.create(
        clinic=clinic, kind=ConsentKind.TREATMENT, version=1, title="Treatment", body="Text"
    )
    answers = {key: {"present": False, "note": ""} for key in SCREENING_KEYS}
    dosing = dosing_world(patient, author, prescriber)
    session = InfusionSession.objects.create(
        clinic=clinic,
        patient=patient,
        order=dosing["order_id"],
        chair=ChairFactory(clinic=clinic),
        scheduled_for=timezone.now(),
        created_by=author,
    )
    entry = infusion_actions.record_vitals(
        actor=author, session=session, client_id=uuid.uuid4(), systolic=185, diastolic=95
    )
    return {
        "patient_id": patient,
        "observation_id": ObservationFactory(patient=patient, recorded_by=author),
        "indication_id": Indication.objects.create(
            patient=patient, category="trd", icd10_code="F33.2", recorded_by=author
        ),
        "screening_id": Screening.objects.create(
            patient=patient, answers=answers, outcome="eligible", created_by=prescriber
        ),
        "consent_id": PatientConsent.objects.create(
            patient=patient,
            document=document,
            decision="granted",
            signed_name="Sam Lee",
            signed_at=timezone.now(),
            witnessed_by=author,
        ),
        "document_id": document,
        "membership_id": Membership.objects.get(user=author, clinic=clinic),
        "device_id": _device(clinic),
        **dosing,
        # A session of that order, one entry (a blood pressure at the hold tier) and its alert.
        "session_id": session,
        "entry_id": entry,
        "alert_id": Alert.objects.get(session=session),
        # therapy (issue 6): preparation, plan version, suggestion, integration.
        **therapy_world(patient, author, prescriber),
        # notes-goals (issue 6): therapy note, psychotherapy note (author: prescriber), goal,
        # session-feedback form.
        **notes_goals_world(patient, author, prescriber),
        # measures-administration (issue 5): a submitted PHQ-9 and the safety flag it raised.
        **measures_administration_world(patient, author),
        # measures-schedules (issue 5): one of the clinic's measure schedule rules.
        "rule_id": _schedule_rule(clinic),
    }


def _schedule_rule(clinic):
    # measures-schedules (issue 5)
    from holdspace.measures.models import ScheduleRule
    from holdspace.measures.scheduling import ensure_default_rules

    ensure_default_rules(clinic)
    return ScheduleRule.objects.filter(clinic=clinic).first()


def _device(clinic) -> Device:
    device = Device(clinic=clinic, name="Board")
    device.issue_token()
    device.save()
    return device


BUILDERS: set[str] = {
    "patient_id",
    "observation_id",
    "indication_id",
    "screening_id",
    "consent_id",
    "document_id",
    "membership_id",
    "device_id",
    "protocol_id",
    "course_id",
    "order_id",
    "session_id",
    "alert_id",
    "entry_id",
    # measures-administration (issue 5)
    "administration_id",
    "flag_id",
    "link_id",
    # measures-schedules (issue 5)
    "rule_id",
    # therapy (issue 6)
    "preparation_id",
    "plan_version_id",
    "suggestion_id",
    "integration_id",
    # notes-goals (issue 6)
    "note_id",
    "psychotherapy_note_id",
    "goal_id",
    "feedback_id",
}


def test_every_object_route_is_covered_by_the_matrix():
    uncovered = {
        r.name: p
        for r in OBJECT_ROUTES
        for p in r.params
        if p not in BUILDERS and p not in NOT_OBJECT_IDS
    }
    assert not uncovered, f"Add a builder for these route parameters: {uncovered}"


def test_the_matrix_is_not_empty():
    # If URL discovery broke, the matrix would silently test nothing.
    assert len(OBJECT_ROUTES) >= 10


@pytest.fixture
def worlds(clinic_a, clinic_b, nurse_a, prescriber_a, nurse_b):
    prescriber_b = nurse_b  # clinic B's screening author need only be a member there
    return _world(clinic_a, nurse_a, prescriber_a), _world(clinic_b, nurse_b, prescriber_b)


class _Nothing:
    def __init__(self) -> None:
        self.public_id = uuid.uuid4()


def _nowhere(route: Route) -> dict[str, object]:
    return {p: _Nothing() for p in route.params}


def _url(route: Route, world: dict[str, object]) -> str:
    kwargs = {p: world[p].public_id for p in route.params}
    return reverse(route.name, kwargs=kwargs)


ROLE_CLIENTS = ["as_nurse_a", "as_therapist_a", "as_prescriber_a", "as_admin_a"]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("role_client", ROLE_CLIENTS)
def test_other_clinics_objects_are_not_found(route, role_client, worlds, request):
    client = request.getfixturevalue(role_client)
    _own, foreign = worlds
    foreign_patient = foreign["patient_id"]
    for method in (client.get, client.post):
        status = method(_url(route, foreign)).status_code
        # A method the route does not accept is refused before any lookup (405), exactly as
        # for an id that exists nowhere, so it reveals nothing; anything else must be 404.
        if status == 405:
            assert method(_url(route, _nowhere(route))).status_code == 405
            continue
        assert status == 404, f"{method.__name__.upper()} {route.name} gave {status}"
    leaked = AuditEvent.objects.filter(
        patient=foreign_patient, action=Action.READ, outcome=Outcome.SUCCESS
    )
    assert not leaked.exists()


# Psychotherapy-note routes answer 404 inside the clinic too (all but author and named
# supervisors); they have their own test below (notes-goals, issue 6).
@pytest.mark.parametrize("route", SHARED_OBJECT_ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("role_client", ROLE_CLIENTS)
def test_own_clinics_objects_are_reachable_or_refused_by_role(route, role_client, worlds, request):
    client = request.getfixturevalue(role_client)
    own, _ = worlds
    response = client.get(_url(route, own))
    # 405 is a POST-only route; 403 a role refusal; 200/302 the page or its redirect.
    assert response.status_code in {200, 302, 403, 405}, route.name


def test_unknown_patient_id_is_not_found(as_nurse_a):
    response = as_nurse_a.get(reverse("patients:chart", kwargs={"patient_id": uuid.uuid4()}))
    assert response.status_code == 404


# --- notes-goals (issue 6): psychotherapy notes inside the clinic ----------------------------
# QUALITY.md gate 6: no one but the author and the supervisors the author names reaches a
# psychotherapy note through any route. In clinic A's world the note's author is prescriber_a.


def test_there_are_psychotherapy_note_routes_to_check():
    assert len(PRIVATE_NOTE_ROUTES) >= 3


@pytest.mark.parametrize("route", PRIVATE_NOTE_ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("role_client", ["as_nurse_a", "as_therapist_a", "as_admin_a"])
def test_psychotherapy_notes_are_not_found_by_anyone_but_their_author(
    route, role_client, worlds, request
):
    client = request.getfixturevalue(role_client)
    own, _ = worlds
    for method in (client.get, client.post):
        status = method(_url(route, own)).status_code
        if status == 405:
            assert method(_url(route, _nowhere(route))).status_code == 405
            continue
        assert status == 404, f"{method.__name__.upper()} {route.name} gave {status}"
    read = AuditEvent.objects.filter(
        category="psychotherapy_note", action=Action.READ, outcome=Outcome.SUCCESS
    )
    assert not read.exists()


@pytest.mark.parametrize("route", PRIVATE_NOTE_ROUTES, ids=lambda r: r.name)
def test_the_author_reaches_every_psychotherapy_note_route(route, worlds, as_prescriber_a):
    own, _ = worlds
    assert as_prescriber_a.get(_url(route, own)).status_code in {200, 302, 405}


@pytest.mark.parametrize("route", PRIVATE_NOTE_ROUTES, ids=lambda r: r.name)
def test_a_named_supervisor_reaches_them_and_loses_them_when_removed(
    route, worlds, clinic_a, prescriber_a, therapist_a, as_therapist_a
):
    from holdspace.notes import actions as note_actions

    own, _ = worlds
    nomination = note_actions.name_supervisor(
        actor=prescriber_a, clinic=clinic_a, supervisor=therapist_a
    )
    assert as_therapist_a.get(_url(route, own)).status_code in {200, 302, 405}
    note_actions.end_supervision(actor=prescriber_a, clinic=clinic_a, nomination=nomination)
    status = as_therapist_a.get(_url(route, own)).status_code
    assert status in {404, 405}
