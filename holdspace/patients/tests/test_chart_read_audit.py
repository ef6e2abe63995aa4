"""Each chart view is one audited read of that patient; its cost does not grow with history."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import ConsentKind, Indication
from holdspace.patients.tests.conftest import make_consent, make_document, make_screening
from holdspace.patients.tests.helpers import url
from tests.factories import ObservationFactory


def chart_reads(patient=None):
    events = AuditEvent.objects.filter(action=Action.READ, category="patient_chart")
    return events.filter(patient=patient) if patient else events


def test_each_chart_view_writes_exactly_one_read_row_for_that_patient(
    as_nurse_a, patient_a, other_patient_a, nurse_a
):
    as_nurse_a.get(url("chart", patient_id=patient_a.public_id))
    assert chart_reads().count() == 1
    event = chart_reads().get()
    assert event.patient == patient_a
    assert event.actor == nurse_a and event.actor_role == "nurse"
    assert event.object_id == str(patient_a.public_id)
    as_nurse_a.get(url("chart", patient_id=patient_a.public_id))
    as_nurse_a.get(url("chart", patient_id=other_patient_a.public_id))
    assert chart_reads(patient_a).count() == 2
    assert chart_reads(other_patient_a).count() == 1


def test_a_refused_chart_view_writes_no_read_row(as_nurse_b, patient_a):
    response = as_nurse_b.get(url("chart", patient_id=patient_a.public_id))
    assert response.status_code == 404
    assert not chart_reads().exists()


def _long_history(patient, staff, clinic):
    start = timezone.now() - timedelta(days=3 * 365)
    for day in range(0, 3 * 365, 14):
        ObservationFactory(
            patient=patient,
            value=Decimal("80"),
            recorded_by=staff,
            measured_at=start + timedelta(days=day),
        )
    for code in ("F33.1", "F41.1", "F43.10"):
        Indication.objects.create(patient=patient, category="other", icd10_code=code)
    for version in range(1, 4):
        document = make_document(clinic, ConsentKind.TREATMENT, version)
        make_consent(patient, document, staff)
        make_screening(patient, staff, signed_by=staff)


def count_chart_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("chart", patient_id=patient.public_id)).status_code == 200
    return len(queries)


def test_the_chart_query_count_does_not_grow_with_history(
    as_prescriber_a, patient_a, other_patient_a, prescriber_a, nurse_a, clinic_a
):
    other_patient_a.nurses.add(nurse_a)
    patient_a.nurses.add(nurse_a)
    make_screening(other_patient_a, prescriber_a, signed_by=prescriber_a)
    ObservationFactory(patient=other_patient_a)
    _long_history(patient_a, prescriber_a, clinic_a)
    assert count_chart_queries(as_prescriber_a, patient_a) == count_chart_queries(
        as_prescriber_a, other_patient_a
    )


def test_a_chart_view_writes_no_other_audit_rows(as_nurse_a, patient_a):
    as_nurse_a.get(url("chart", patient_id=patient_a.public_id))  # settle session bookkeeping
    before = AuditEvent.objects.count()
    as_nurse_a.get(url("chart", patient_id=patient_a.public_id))
    assert AuditEvent.objects.count() == before + 1


def test_the_chart_needs_a_small_fixed_number_of_queries(as_nurse_a, patient_a):
    # The record itself, plus the therapy card's two counts (preparations, integrations);
    # PostgreSQL takes the audit chain's advisory lock with one more statement than SQLite.
    assert count_chart_queries(as_nurse_a, patient_a) <= 28
