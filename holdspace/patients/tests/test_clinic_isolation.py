"""Another clinic's records do not exist for you: 404 on every patient route, never 403.

The routes are read from holdspace.patients.urls, so a new route with an object id is covered
without editing this file (an unknown kwarg name fails loudly).
"""

import pytest
from django.urls import reverse

from conftest import signed_in
from holdspace.audit.models import Action, AuditEvent
from holdspace.clinics.models import Role
from holdspace.patients import urls as patient_urls
from holdspace.patients.tests.conftest import history_for, make_document
from holdspace.patients.tests.helpers import url
from tests.factories import MembershipFactory, UserFactory

OBJECT_ROUTES = [p for p in patient_urls.urlpatterns if p.pattern.converters]
CHILD_ROUTES = [p for p in OBJECT_ROUTES if len(p.pattern.converters) > 1]
KNOWN_KWARGS = {
    "patient_id",
    "document_id",
    "observation_id",
    "indication_id",
    "screening_id",
    "consent_id",
}
ROUTE_IDS = [p.name for p in OBJECT_ROUTES]
# Pages that only show a record answer POST with 405 before any lookup, whether or not the id
# exists, so the status says nothing about another clinic's records.
READ_ONLY = {"chart", "screening", "consent", "consent_document"}


def ids_for(patient, staff, document):
    return {
        "patient_id": patient.public_id,
        "document_id": document.public_id,
        **history_for(patient, staff, staff, document),
    }


def address(route, ids):
    names = set(route.pattern.converters)
    assert names <= KNOWN_KWARGS, f"{route.name}: teach this test the kwarg {names - KNOWN_KWARGS}"
    return reverse(f"patients:{route.name}", kwargs={name: ids[name] for name in names})


@pytest.fixture
def clinic_a_ids(patient_a, prescriber_a, clinic_a):
    return ids_for(patient_a, prescriber_a, make_document(clinic_a))


@pytest.fixture
def other_patient_ids(other_patient_a, prescriber_a, clinic_a):
    return ids_for(other_patient_a, prescriber_a, make_document(clinic_a, "touch"))


@pytest.fixture(params=[Role.NURSE, Role.PRESCRIBER, Role.THERAPIST, Role.CLINIC_ADMIN])
def clinic_b_member(request, clinic_b):
    person = UserFactory(full_name=f"Clinic B {request.param}")
    MembershipFactory(user=person, clinic=clinic_b, role=request.param)
    return signed_in(person, clinic_b)


def test_the_routes_under_test_include_every_record_page():
    assert set(ROUTE_IDS) >= {
        "chart",
        "edit",
        "status",
        "care_team",
        "record_measurement",
        "observation_error",
        "add_indication",
        "indication_error",
        "new_screening",
        "screening",
        "sign_screening",
        "screening_error",
        "new_consent",
        "consent",
        "consent_error",
        "consent_document",
    }


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=ROUTE_IDS)
def test_every_role_of_clinic_b_gets_404_on_clinic_a_records(route, clinic_b_member, clinic_a_ids):
    target = address(route, clinic_a_ids)
    assert clinic_b_member.get(target).status_code == 404
    posted = clinic_b_member.post(target, {"reason": "x", "status": "active"})
    assert posted.status_code == (405 if route.name in READ_ONLY else 404)
    assert not AuditEvent.objects.filter(action=Action.READ, patient__isnull=False).exists()


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=ROUTE_IDS)
def test_clinic_a_staff_reach_the_same_addresses(route, as_nurse_a, clinic_a_ids):
    # Proves the matrix above is built from real, reachable addresses.
    assert as_nurse_a.get(address(route, clinic_a_ids)).status_code in (200, 302)


@pytest.mark.parametrize("route", CHILD_ROUTES, ids=[p.name for p in CHILD_ROUTES])
def test_a_record_of_another_patient_is_not_found_under_this_patient(
    route, as_prescriber_a, clinic_a_ids, other_patient_ids
):
    if "document_id" in route.pattern.converters:
        pytest.skip("consent documents belong to the clinic, not to a patient")
    mixed = {**other_patient_ids, "patient_id": clinic_a_ids["patient_id"]}
    target = address(route, mixed)
    assert as_prescriber_a.get(target).status_code == 404
    if route.name not in READ_ONLY:
        assert as_prescriber_a.post(target, {"reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    "name", ["record_measurement", "add_indication", "new_screening", "new_consent"]
)
def test_a_clinic_admin_gets_a_clear_403_on_clinical_entry(as_admin_a, patient_a, name):
    response = as_admin_a.get(url(name, patient_id=patient_a.public_id))
    assert response.status_code == 403
    assert "Only clinicians (prescriber, nurse or therapist)" in response.content.decode()
