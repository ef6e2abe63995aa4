"""Care team: only this clinic's active staff in the right role; status changes are audited."""

import pytest

from holdspace.audit.models import Action, AuditEvent
from holdspace.clinics.models import Membership, Role
from holdspace.patients.tests.helpers import url
from tests.factories import MembershipFactory, UserFactory


def assign(client, patient, **fields):
    return client.post(url("care_team", patient_id=patient.public_id), fields)


def form_errors(response):
    return response.context["form"].errors


def test_the_care_team_is_assigned_by_public_id(
    as_admin_a, patient_a, prescriber_a, therapist_a, nurse_a
):
    response = assign(
        as_admin_a,
        patient_a,
        prescriber=str(prescriber_a.public_id),
        therapist=str(therapist_a.public_id),
        nurses=[str(nurse_a.public_id)],
    )
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.prescriber == prescriber_a and patient_a.therapist == therapist_a
    assert list(patient_a.nurses.all()) == [nurse_a]
    event = AuditEvent.objects.get(action=Action.UPDATE, category="care_team")
    assert event.patient == patient_a
    assert event.summary == "Care team changed: prescriber, therapist, nurses"


def test_the_form_offers_only_this_clinics_staff_in_each_role(
    as_admin_a, patient_a, nurse_a, nurse_b, prescriber_a
):
    page = as_admin_a.get(url("care_team", patient_id=patient_a.public_id)).content.decode()
    assert "Nora Nurse" in page and "Priya Prescriber" in page
    assert "Nils Nurse" not in page and str(nurse_b.public_id) not in page
    assert f'value="{nurse_a.pk}"' not in page  # public ids only, never integer keys


def test_a_nurse_of_another_clinic_is_refused(as_nurse_a, patient_a, nurse_b):
    response = assign(as_nurse_a, patient_a, nurses=[str(nurse_b.public_id)])
    assert form_errors(response)["nurses"] == ["Choose only active nurses of this clinic."]
    assert not patient_a.nurses.exists()


def test_a_nurse_posted_as_prescriber_is_refused(as_nurse_a, patient_a, nurse_a):
    response = assign(as_nurse_a, patient_a, prescriber=str(nurse_a.public_id))
    assert form_errors(response)["prescriber"] == ["Choose an active prescriber of this clinic."]
    patient_a.refresh_from_db()
    assert patient_a.prescriber is None


def test_a_deactivated_prescriber_cannot_be_chosen(as_nurse_a, patient_a, prescriber_a):
    Membership.objects.filter(user=prescriber_a).update(is_active=False)
    response = assign(as_nurse_a, patient_a, prescriber=str(prescriber_a.public_id))
    assert "prescriber" in form_errors(response)


def test_an_integer_user_id_is_refused(as_nurse_a, patient_a, prescriber_a):
    response = assign(as_nurse_a, patient_a, prescriber=str(prescriber_a.pk))
    assert "prescriber" in form_errors(response)


def test_a_prescriber_working_in_both_clinics_is_offered_in_each(as_nurse_a, patient_a, clinic_b):
    shared = UserFactory(full_name="Dana Doubleday")
    MembershipFactory(user=shared, clinic=patient_a.clinic, role=Role.PRESCRIBER)
    MembershipFactory(user=shared, clinic=clinic_b, role=Role.NURSE)
    assign(as_nurse_a, patient_a, prescriber=str(shared.public_id))
    patient_a.refresh_from_db()
    assert patient_a.prescriber == shared


def test_saving_the_same_team_writes_no_audit_row(as_nurse_a, patient_a):
    assign(as_nurse_a, patient_a)
    assert not AuditEvent.objects.filter(category="care_team").exists()


@pytest.mark.parametrize("status", ["screening", "active", "maintenance", "discharged"])
def test_a_status_change_is_saved_and_audited(as_nurse_a, patient_a, status):
    response = as_nurse_a.post(url("status", patient_id=patient_a.public_id), {"status": status})
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.status == status
    event = AuditEvent.objects.get(action=Action.UPDATE, category="patient_status")
    assert event.patient == patient_a


def test_an_unknown_status_is_refused(as_nurse_a, patient_a):
    response = as_nurse_a.post(
        url("status", patient_id=patient_a.public_id), {"status": "deceased"}
    )
    assert response.context["form"].errors["status"]
    patient_a.refresh_from_db()
    assert patient_a.status == "referred"


def test_status_changes_do_not_make_an_open_demographics_form_stale(as_nurse_a, patient_a):
    as_nurse_a.post(url("status", patient_id=patient_a.public_id), {"status": "active"})
    patient_a.refresh_from_db()
    assert patient_a.version == 1
