"""The clinic admin runs the clinic, not the care (QUALITY.md gates 1 and 6): on the routes of
issues 5 and 6 they open no page of a patient's clinical record, and the clinic outcome summary
they may read names no patient. Generated from the URL configuration."""

import pytest
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent, Outcome
from tests.security.test_object_access_matrix import ALL_ROUTES, NOT_OBJECT_IDS, _world

pytestmark = pytest.mark.django_db

NEW_NAMESPACES = ("measures", "therapy", "notes", "goals", "journal", "interop")
PATIENT_ROUTES = [
    r
    for r in ALL_ROUTES
    if r.name.split(":")[0] in NEW_NAMESPACES
    and "patient_id" in r.params
    and not set(r.params) & NOT_OBJECT_IDS
] + [r for r in ALL_ROUTES if r.name == "infusions:record_pdf"]


def test_there_are_patient_routes_to_check():
    assert len(PATIENT_ROUTES) >= 30


@pytest.fixture
def world(clinic_a, nurse_a, prescriber_a):
    return _world(clinic_a, nurse_a, prescriber_a)


def test_the_clinic_admin_opens_no_patient_page_of_the_new_apps(world, as_admin_a):
    patient = world["patient_id"]
    opened = []
    for route in PATIENT_ROUTES:
        url = reverse(route.name, kwargs={p: world[p].public_id for p in route.params})
        status = as_admin_a.get(url).status_code
        if status not in {403, 404, 405}:
            opened.append((route.name, status))
    assert not opened, opened
    assert not AuditEvent.objects.filter(
        patient=patient, action__in=[Action.READ, Action.EXPORT], outcome=Outcome.SUCCESS
    ).exists()


def test_the_clinic_outcome_summary_names_no_patient(world, as_admin_a):
    patient = world["patient_id"]
    response = as_admin_a.get(reverse("measures:outcome_summary"))
    assert response.status_code == 200
    html = response.content.decode()
    for identifier in (patient.legal_family_name, patient.mrn, str(patient.public_id)):
        assert identifier not in html


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-01-01'; DROP TABLE measures_administration; --"},
        {"date_from": "<script>alert(1)</script>", "date_to": "2026-13-45"},
        {"date_to": "9999-99-99", "sort": "id; DELETE FROM audit_auditevent"},
    ],
)
def test_the_outcome_summarys_period_filter_only_takes_dates(query, world, as_admin_a):
    response = as_admin_a.get(reverse("measures:outcome_summary"), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert AuditEvent.objects.exists()  # the trail (and every table) is still there
