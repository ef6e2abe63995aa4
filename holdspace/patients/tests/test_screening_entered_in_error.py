"""A wrong screening is marked entered in error; a signed one only by a prescriber."""

from datetime import timedelta

from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import RecordStatus, current_screening
from holdspace.patients.tests.conftest import make_screening
from holdspace.patients.tests.helpers import url


def mark(client, screening, reason="Completed for the wrong patient"):
    return client.post(
        url(
            "screening_error",
            patient_id=screening.patient.public_id,
            screening_id=screening.public_id,
        ),
        {"reason": reason},
    )


def test_a_nurse_may_mark_an_unsigned_screening(as_nurse_a, draft_screening):
    assert mark(as_nurse_a, draft_screening).status_code == 302
    draft_screening.refresh_from_db()
    assert draft_screening.status == RecordStatus.ENTERED_IN_ERROR


def test_a_nurse_may_not_mark_a_signed_screening(as_nurse_a, signed_screening):
    response = mark(as_nurse_a, signed_screening)
    assert response.status_code == 403
    assert "Only a prescriber can mark a signed screening" in response.content.decode()
    signed_screening.refresh_from_db()
    assert signed_screening.status == RecordStatus.FINAL


def test_a_prescriber_marks_a_signed_one_and_the_previous_becomes_current(
    as_prescriber_a, patient_a, prescriber_a
):
    older = make_screening(
        patient_a,
        prescriber_a,
        signed_by=prescriber_a,
        signed_at=timezone.now() - timedelta(days=30),
    )
    newer = make_screening(patient_a, prescriber_a, signed_by=prescriber_a)
    mark(as_prescriber_a, newer)
    newer.refresh_from_db()
    assert newer.status == RecordStatus.ENTERED_IN_ERROR
    assert newer.outcome == "eligible"  # kept as signed
    assert current_screening(patient_a) == older
    assert (
        AuditEvent.objects.filter(action=Action.ENTERED_IN_ERROR, category="screening").count() == 1
    )


def test_an_entered_in_error_screening_cannot_be_signed(as_prescriber_a, draft_screening):
    mark(as_prescriber_a, draft_screening)
    as_prescriber_a.post(
        url(
            "sign_screening",
            patient_id=draft_screening.patient.public_id,
            screening_id=draft_screening.public_id,
        )
    )
    draft_screening.refresh_from_db()
    assert not draft_screening.is_signed
