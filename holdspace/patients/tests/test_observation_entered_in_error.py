"""A wrong measurement is struck through with a reason, kept, and never used as the latest."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import ObservationCode, RecordStatus
from holdspace.patients.tests.helpers import url
from tests.factories import ObservationFactory


@pytest.fixture
def weights(patient_a, nurse_a):
    earlier = ObservationFactory(
        patient=patient_a,
        value=Decimal("70"),
        recorded_by=nurse_a,
        measured_at=timezone.now() - timedelta(days=3),
    )
    wrong = ObservationFactory(patient=patient_a, value=Decimal("170"), recorded_by=nurse_a)
    return earlier, wrong


def mark(client, observation, reason="Height typed into the weight field"):
    return client.post(
        url(
            "observation_error",
            patient_id=observation.patient.public_id,
            observation_id=observation.public_id,
        ),
        {"reason": reason},
    )


def test_marking_keeps_the_value_and_records_the_reason(as_nurse_a, weights):
    _, wrong = weights
    assert mark(as_nurse_a, wrong).status_code == 302
    wrong.refresh_from_db()
    assert wrong.status == RecordStatus.ENTERED_IN_ERROR
    assert wrong.error_reason == "Height typed into the weight field"
    assert wrong.value == Decimal("170")


def test_an_entered_in_error_weight_is_not_the_latest_weight(as_nurse_a, weights, patient_a):
    earlier, wrong = weights
    mark(as_nurse_a, wrong)
    assert patient_a.latest_observation(ObservationCode.BODY_WEIGHT) == earlier
    page = as_nurse_a.get(url("chart", patient_id=patient_a.public_id)).content.decode()
    assert "70 kg <span" in page
    assert '<tr class="struck">' in page and "Entered in error: Height typed" in page


def test_marking_is_audited(as_nurse_a, weights, patient_a):
    mark(as_nurse_a, weights[1])
    event = AuditEvent.objects.get(action=Action.ENTERED_IN_ERROR, category="observation")
    assert event.patient == patient_a
    assert "Height typed" not in event.summary


def test_a_reason_is_required(as_nurse_a, weights):
    response = mark(as_nurse_a, weights[1], reason="   ")
    assert response.context["form"].errors["reason"]
    weights[1].refresh_from_db()
    assert weights[1].status == RecordStatus.FINAL


def test_marking_twice_says_it_is_already_marked(as_nurse_a, weights):
    mark(as_nurse_a, weights[1])
    response = mark(as_nurse_a, weights[1], reason="again")
    assert "already marked entered in error" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.ENTERED_IN_ERROR).count() == 1


def test_the_confirmation_page_asks_for_a_reason(as_nurse_a, weights):
    wrong = weights[1]
    page = as_nurse_a.get(
        url("observation_error", patient_id=wrong.patient.public_id, observation_id=wrong.public_id)
    ).content.decode()
    assert "Body weight 170 kg" in page and 'name="reason"' in page


def test_a_clinic_admin_cannot_mark_measurements(as_admin_a, weights):
    assert mark(as_admin_a, weights[1]).status_code == 403
    weights[1].refresh_from_db()
    assert weights[1].status == RecordStatus.FINAL


def test_another_patients_measurement_is_not_found_under_this_patient(
    as_nurse_a, patient_a, other_patient_a
):
    theirs = ObservationFactory(patient=other_patient_a)
    response = as_nurse_a.post(
        url("observation_error", patient_id=patient_a.public_id, observation_id=theirs.public_id),
        {"reason": "x"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RecordStatus.FINAL
