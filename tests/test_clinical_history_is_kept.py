"""Nothing clinical is deleted or silently edited, even with direct SQL (database triggers)."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from holdspace.patients.models import (
    Observation,
    RecordStatus,
    Screening,
    ScreeningOutcome,
)
from holdspace.patients.vocabulary import SCREENING_KEYS
from tests.factories import ObservationFactory


@pytest.fixture
def weight(patient_a, nurse_a):
    return ObservationFactory(patient=patient_a, value=Decimal("80.0"), recorded_by=nurse_a)


@pytest.fixture
def signed_screening(patient_a, prescriber_a):
    return Screening.objects.create(
        patient=patient_a,
        answers={key: {"present": False, "note": ""} for key in SCREENING_KEYS},
        outcome=ScreeningOutcome.ELIGIBLE,
        created_by=prescriber_a,
        signed_by=prescriber_a,
        signed_at=timezone.now(),
    )


def test_a_weight_cannot_be_deleted(weight):
    with pytest.raises(DatabaseError), transaction.atomic():
        Observation.objects.filter(pk=weight.pk).delete()
    assert Observation.objects.filter(pk=weight.pk).exists()


def test_a_recorded_weight_value_cannot_be_rewritten(weight):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE patients_observation SET value = 40 WHERE id = %s", [weight.pk])
    weight.refresh_from_db()
    assert weight.value == Decimal("80.0")


def test_a_wrong_weight_can_be_marked_entered_in_error(weight):
    Observation.objects.filter(pk=weight.pk).update(
        status=RecordStatus.ENTERED_IN_ERROR, error_reason="Weighed with shoes and coat"
    )
    weight.refresh_from_db()
    assert weight.status == RecordStatus.ENTERED_IN_ERROR
    assert weight.value == Decimal("80.0")


def test_a_signed_screening_outcome_cannot_change(signed_screening):
    with pytest.raises(DatabaseError), transaction.atomic():
        Screening.objects.filter(pk=signed_screening.pk).update(
            outcome=ScreeningOutcome.NOT_ELIGIBLE
        )
    signed_screening.refresh_from_db()
    assert signed_screening.outcome == ScreeningOutcome.ELIGIBLE


def test_an_unsigned_screening_draft_can_still_be_completed(patient_a, nurse_a):
    draft = Screening.objects.create(
        patient=patient_a, answers={}, outcome="eligible", created_by=nurse_a
    )
    Screening.objects.filter(pk=draft.pk).update(conditions="Recheck blood pressure")
    draft.refresh_from_db()
    assert draft.conditions == "Recheck blood pressure"
