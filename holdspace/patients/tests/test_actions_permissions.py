"""The actions check roles and rules themselves, whoever calls them (not only the views)."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from holdspace.patients import actions
from holdspace.patients.models import Observation, PatientConsent, Screening
from holdspace.patients.tests.conftest import make_document
from holdspace.patients.tests.helpers import answers, years_before


def weight(actor, patient, value="72.5"):
    return actions.record_measurement(
        actor=actor,
        patient=patient,
        code="29463-7",
        value=Decimal(value),
        measured_at=timezone.now(),
        client_id=uuid.uuid4(),
    )


def test_an_admin_cannot_record_a_measurement(admin_a, patient_a):
    with pytest.raises(PermissionDenied, match="Only clinicians"):
        weight(admin_a, patient_a)
    assert not Observation.objects.exists()


def test_staff_of_another_clinic_cannot_act_on_this_patient(nurse_b, patient_a):
    with pytest.raises(PermissionDenied, match="not working in this patient's clinic"):
        weight(nurse_b, patient_a)


def test_a_deactivated_nurse_cannot_act(nurse_a, patient_a):
    nurse_a.memberships.update(is_active=False)
    with pytest.raises(PermissionDenied):
        weight(nurse_a, patient_a)


def test_the_action_refuses_an_implausible_weight_even_without_a_form(nurse_a, patient_a):
    with pytest.raises(ValidationError) as refused:
        weight(nurse_a, patient_a, value="12")
    assert "plausible adult range" in refused.value.message_dict["value"][0]
    assert not Observation.objects.exists()


def test_a_nurse_cannot_sign_through_the_action(nurse_a, draft_screening):
    with pytest.raises(PermissionDenied, match="Only a prescriber can sign"):
        actions.sign_screening(actor=nurse_a, screening=draft_screening)
    draft_screening.refresh_from_db()
    assert not draft_screening.is_signed


def test_a_nurse_cannot_create_and_sign_in_one_step(nurse_a, patient_a):
    with pytest.raises(PermissionDenied, match="Only a prescriber can sign"):
        actions.create_screening(
            actor=nurse_a, patient=patient_a, answers=answers(), outcome="eligible", sign=True
        )
    assert not Screening.objects.exists()


def test_the_action_refuses_eligible_with_a_contraindication(prescriber_a, patient_a):
    with pytest.raises(ValidationError):
        actions.create_screening(
            actor=prescriber_a,
            patient=patient_a,
            answers=answers("psychosis"),
            outcome="eligible",
            sign=True,
        )
    assert not Screening.objects.exists()


def test_the_action_refuses_another_clinics_document(nurse_a, patient_a, clinic_b):
    foreign = make_document(clinic_b)
    with pytest.raises(ValidationError):
        actions.record_consent(
            actor=nurse_a,
            patient=patient_a,
            document=foreign,
            decision="granted",
            signed_name="Alex Rivera",
        )
    assert not PatientConsent.objects.exists()


def test_the_action_refuses_a_mismatched_typed_name(nurse_a, patient_a, treatment_document):
    with pytest.raises(ValidationError):
        actions.record_consent(
            actor=nurse_a,
            patient=patient_a,
            document=treatment_document,
            decision="granted",
            signed_name="Someone Else",
        )


def test_the_action_refuses_a_care_team_member_of_another_clinic(admin_a, patient_a, nurse_b):
    with pytest.raises(ValidationError):
        actions.set_care_team(
            actor=admin_a, patient=patient_a, prescriber=None, therapist=None, nurses=[nurse_b]
        )
    assert not patient_a.nurses.exists()


def test_the_action_refuses_a_minor_even_without_a_form(nurse_a, clinic_a):
    today = actions.clinic_today(clinic_a)
    with pytest.raises(ValidationError):
        actions.register_patient(
            actor=nurse_a,
            clinic=clinic_a,
            demographics={
                "mrn": "A-9",
                "legal_given_name": "Kim",
                "legal_family_name": "Young",
                "date_of_birth": years_before(today, 10),
                "sex_at_birth": "female",
            },
        )


def test_a_nurse_cannot_write_consent_documents(nurse_a, clinic_a):
    with pytest.raises(PermissionDenied, match="Only a clinic admin or a prescriber"):
        actions.create_consent_document(
            actor=nurse_a, clinic=clinic_a, kind="treatment", title="t", body="b"
        )
