"""The dosing cast: a second prescriber, a patient ready to be ordered for (signed eligible
screening, current treatment consent, an 80 kg weight taken yesterday), the shipped protocols,
a course and orders. Only synthetic data; the base cast comes from the project's conftest.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from holdspace.clinics.models import Role
from holdspace.dosing import actions
from holdspace.dosing.models import Protocol
from holdspace.patients.models import (
    ConsentDecision,
    ConsentDocument,
    ConsentKind,
    ObservationCode,
    PatientConsent,
    Screening,
    ScreeningOutcome,
)
from holdspace.patients.vocabulary import SCREENING_KEYS
from tests.factories import MembershipFactory, ObservationFactory, UserFactory

HTMX = {"HX-Request": "true"}


def url(name: str, **kwargs: object) -> str:
    return reverse(f"dosing:{name}", kwargs=kwargs)


def sign_screening(patient, prescriber, outcome=ScreeningOutcome.ELIGIBLE):
    return Screening.objects.create(
        patient=patient,
        answers={key: {"present": False, "note": ""} for key in SCREENING_KEYS},
        outcome=outcome,
        created_by=prescriber,
        signed_by=prescriber,
        signed_at=timezone.now(),
    )


def grant_treatment_consent(patient, witness):
    document = ConsentDocument.objects.filter(
        clinic=patient.clinic, kind=ConsentKind.TREATMENT
    ).first() or ConsentDocument.objects.create(
        clinic=patient.clinic,
        kind=ConsentKind.TREATMENT,
        version=1,
        title="Treatment",
        body="Synthetic treatment consent.",
    )
    return PatientConsent.objects.create(
        patient=patient,
        document=document,
        decision=ConsentDecision.GRANTED,
        signed_name=patient.legal_name,
        signed_at=timezone.now(),
        witnessed_by=witness,
    )


def weigh(patient, kg, days_ago=1, nurse=None):
    return ObservationFactory(
        patient=patient,
        value=Decimal(kg),
        measured_at=timezone.now() - timedelta(days=days_ago),
        recorded_by=nurse,
    )


def measure_height(patient, cm, nurse=None):
    return ObservationFactory(
        patient=patient,
        code=ObservationCode.BODY_HEIGHT,
        value=Decimal(cm),
        unit="cm",
        measured_at=timezone.now() - timedelta(days=1),
        recorded_by=nurse,
    )


def order_post(weight, **overrides):
    """The order form as a browser posts it: the CLINICAL.md worked example by default."""
    data = {
        "amount": "0.5",
        "weight_observation": str(weight.public_id),
        "basis": "actual",
        "preparation_kind": "bag",
        "premixed_concentration_mg_ml": "",
        "stock_mg_ml": "50",
        "bag_ml": "100",
        "override_reason": "",
        "sign": "1",
    }
    data.update({key: str(value) for key, value in overrides.items()})
    return data


def place_order(course, actor, weight, sign=True, **overrides):
    """An order through the action, with the worked example's inputs unless overridden."""
    values = {
        "amount": Decimal("0.5"),
        "weight": weight,
        "basis": "actual",
        "preparation_kind": "bag",
        "stock_mg_ml": Decimal(50),
        "bag_ml": Decimal(100),
    }
    values.update(overrides)
    inputs = actions.OrderInputs(**values)
    return actions.create_order(actor=actor, course=course, inputs=inputs, sign=sign)


@pytest.fixture
def prescriber_a2(clinic_a):
    user = UserFactory(full_name="Pat Second", email="pat.second@example.test")
    MembershipFactory(user=user, clinic=clinic_a, role=Role.PRESCRIBER)
    return user


@pytest.fixture
def as_prescriber_a2(prescriber_a2, clinic_a):
    return signed_in(prescriber_a2, clinic_a)


@pytest.fixture
def protocols_a(clinic_a):
    actions.add_shipped_protocols(actor=None, clinic=clinic_a)
    return {p.shipped_key: p for p in Protocol.objects.current().filter(clinic=clinic_a)}


@pytest.fixture
def standard(protocols_a):
    return protocols_a["depression_anxiety_standard"]


@pytest.fixture
def weight_80(patient_a, nurse_a):
    return weigh(patient_a, "80.0", nurse=nurse_a)


@pytest.fixture
def ready_patient(patient_a, prescriber_a, nurse_a, weight_80):
    """patient_a, eligible, consented, weighed 80.0 kg yesterday."""
    sign_screening(patient_a, prescriber_a)
    grant_treatment_consent(patient_a, nurse_a)
    return patient_a


@pytest.fixture
def course(ready_patient, prescriber_a, standard):
    return actions.start_course(
        actor=prescriber_a,
        patient=ready_patient,
        protocol=standard,
        indication_category="trd",
        planned_infusions=6,
    )


@pytest.fixture
def signed_order(course, prescriber_a, weight_80):
    return place_order(course, prescriber_a, weight_80)
