"""Records the patient tests build on: consent documents, screenings, indications, consents.

Only synthetic data. The cast (clinic A staff, clinic B nurse, patient_a, patient_b) comes from
the project's conftest.py.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from holdspace.patients.models import (
    ConsentDecision,
    ConsentDocument,
    ConsentKind,
    Indication,
    PatientConsent,
    Screening,
    ScreeningOutcome,
)
from holdspace.patients.tests.helpers import answers
from tests.factories import ObservationFactory, PatientFactory


def make_document(clinic, kind=ConsentKind.TREATMENT, version=1, author=None):
    return ConsentDocument.objects.create(
        clinic=clinic,
        kind=kind,
        version=version,
        title=f"{kind} consent",
        body=f"Synthetic {kind} consent text, version {version}.",
        created_by=author,
    )


def make_consent(patient, document, witness, decision=ConsentDecision.GRANTED, signed_at=None):
    return PatientConsent.objects.create(
        patient=patient,
        document=document,
        decision=decision,
        signed_name=patient.legal_name,
        witnessed_by=witness,
        signed_at=signed_at or timezone.now(),
    )


def make_screening(
    patient,
    author,
    *,
    signed_by=None,
    outcome=ScreeningOutcome.ELIGIBLE,
    present=(),
    conditions="",
    signed_at=None,
):
    return Screening.objects.create(
        patient=patient,
        answers=answers(*present),
        outcome=outcome,
        conditions=conditions,
        created_by=author,
        signed_by=signed_by,
        signed_at=(signed_at or timezone.now()) if signed_by else None,
    )


@pytest.fixture
def treatment_document(clinic_a, admin_a):
    return make_document(clinic_a, ConsentKind.TREATMENT, 1, admin_a)


@pytest.fixture
def touch_document(clinic_a, admin_a):
    return make_document(clinic_a, ConsentKind.TOUCH, 1, admin_a)


@pytest.fixture
def treatment_document_b(clinic_b):
    return make_document(clinic_b, ConsentKind.TREATMENT, 1)


@pytest.fixture
def draft_screening(patient_a, nurse_a):
    return make_screening(patient_a, nurse_a)


@pytest.fixture
def signed_screening(patient_a, prescriber_a):
    return make_screening(patient_a, prescriber_a, signed_by=prescriber_a)


@pytest.fixture
def other_patient_a(clinic_a):
    """A second patient in clinic A, for "child of another patient" checks."""
    return PatientFactory(
        clinic=clinic_a, legal_given_name="Casey", legal_family_name="Lindqvist", mrn="A-3003"
    )


def history_for(patient, clinician, prescriber, document):
    """One of every child record for ``patient``: the objects behind every child URL."""
    return {
        "observation_id": ObservationFactory(
            patient=patient, value=Decimal("70"), recorded_by=clinician
        ).public_id,
        "indication_id": Indication.objects.create(
            patient=patient, category="mdd", icd10_code="F33.1"
        ).public_id,
        "screening_id": make_screening(patient, clinician).public_id,
        "consent_id": make_consent(patient, document, clinician).public_id,
    }
