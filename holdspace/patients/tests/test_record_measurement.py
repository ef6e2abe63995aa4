"""Recording weight and height: plausible values, sensible times, and one row per submission."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import Observation
from holdspace.patients.tests.helpers import HTMX, url

WEIGHT, HEIGHT = "29463-7", "8302-2"


def post(client, patient, headers=None, **fields):
    data = {"code": WEIGHT, "value": "72.5", "measured_at": "", "client_id": str(uuid.uuid4())}
    data.update(fields)
    return client.post(
        url("record_measurement", patient_id=patient.public_id), data, headers=headers or {}
    )


def errors(response, field):
    return response.context["measurement_form"].errors.get(field, [])


def test_a_weight_is_stored_in_kg_with_its_loinc_code_and_author(as_nurse_a, patient_a, nurse_a):
    response = post(as_nurse_a, patient_a)
    assert response.status_code == 302
    weight = Observation.objects.get(patient=patient_a)
    assert (weight.code, weight.value, weight.unit) == (WEIGHT, Decimal("72.5"), "kg")
    assert weight.recorded_by == nurse_a
    assert abs(weight.measured_at - timezone.now()) < timedelta(minutes=1)


def test_a_height_is_stored_in_cm(as_therapist_a, patient_a):
    post(as_therapist_a, patient_a, code=HEIGHT, value="172")
    height = Observation.objects.get(patient=patient_a)
    assert (height.code, height.value, height.unit) == (HEIGHT, Decimal("172"), "cm")


def test_recording_is_audited_as_a_create(as_nurse_a, patient_a):
    post(as_nurse_a, patient_a)
    event = AuditEvent.objects.get(action=Action.CREATE, category="observation")
    assert event.patient == patient_a and event.summary == "Body weight recorded"


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        (WEIGHT, "12", "A weight of 12 kg is outside the plausible adult range (30 to 300 kg)."),
        (WEIGHT, "301", "A weight of 301 kg is outside the plausible adult range (30 to 300 kg)."),
        (HEIGHT, "66", "A height of 66 cm is outside the plausible adult range (120 to 230 cm)."),
        (
            HEIGHT,
            "231.5",
            "A height of 231.5 cm is outside the plausible adult range (120 to 230 cm).",
        ),
    ],
)
def test_implausible_adult_values_are_refused_and_nothing_is_stored(
    as_nurse_a, patient_a, code, value, message
):
    response = post(as_nurse_a, patient_a, code=code, value=value)
    assert errors(response, "value")[0].startswith(message)
    assert not Observation.objects.exists()
    assert not AuditEvent.objects.filter(category="observation").exists()


def test_a_weight_in_pounds_is_caught_with_a_hint(as_nurse_a, patient_a):
    response = post(as_nurse_a, patient_a, value="350")
    assert "kilograms, not pounds" in errors(response, "value")[0]


@pytest.mark.parametrize(("value", "stored"), [("30", "30"), ("300", "300")])
def test_the_range_limits_themselves_are_accepted(as_nurse_a, patient_a, value, stored):
    post(as_nurse_a, patient_a, value=value)
    assert Observation.objects.get().value == Decimal(stored)


def test_resubmitting_the_same_form_stores_one_row(as_nurse_a, patient_a):
    client_id = str(uuid.uuid4())
    first = post(as_nurse_a, patient_a, client_id=client_id)
    second = post(as_nurse_a, patient_a, client_id=client_id)
    assert first.status_code == second.status_code == 302
    assert Observation.objects.filter(patient=patient_a).count() == 1
    assert AuditEvent.objects.filter(category="observation").count() == 1


def test_a_resubmission_says_nothing_was_added_twice(as_nurse_a, patient_a):
    client_id = str(uuid.uuid4())
    post(as_nurse_a, patient_a, client_id=client_id, headers=HTMX)
    again = post(as_nurse_a, patient_a, client_id=client_id, headers=HTMX)
    assert "already saved; nothing was added twice" in again.content.decode()


def test_the_form_carries_a_server_generated_submission_id(as_nurse_a, patient_a):
    page = as_nurse_a.get(url("chart", patient_id=patient_a.public_id)).content.decode()
    found = re.search(r'name="client_id" value="([0-9a-f-]{36})"', page)
    assert found and uuid.UUID(found.group(1))


def test_htmx_gets_the_updated_panel_with_a_fresh_submission_id(as_nurse_a, patient_a):
    client_id = str(uuid.uuid4())
    response = post(as_nurse_a, patient_a, client_id=client_id, value="81.2", headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section class="card" id="measurements"')
    assert "81.2 kg" in page and "Body weight 81.2 kg recorded." in page
    assert client_id not in page
    assert re.search(r'name="client_id" value="[0-9a-f-]{36}"', page)


def test_htmx_errors_come_back_in_the_panel_keeping_the_submission_id(as_nurse_a, patient_a):
    client_id = str(uuid.uuid4())
    response = post(as_nurse_a, patient_a, client_id=client_id, value="12", headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "outside the plausible adult range" in page
    assert f'value="{client_id}"' in page


def test_without_htmx_an_error_shows_the_full_form_page(as_nurse_a, patient_a):
    page = post(as_nurse_a, patient_a, value="12").content.decode()
    assert "<html" in page and "Record a measurement" in page and "Nothing was saved" in page


def test_a_measurement_time_in_the_future_is_refused(as_nurse_a, patient_a, clinic_a):
    with timezone.override(clinic_a.time_zone):
        local = timezone.localtime(timezone.now() + timedelta(minutes=30))
    response = post(as_nurse_a, patient_a, measured_at=local.strftime("%Y-%m-%dT%H:%M"))
    assert "in the future" in errors(response, "measured_at")[0]
    assert not Observation.objects.exists()


def test_a_couple_of_minutes_of_clock_drift_is_tolerated(as_nurse_a, patient_a, clinic_a):
    with timezone.override(clinic_a.time_zone):
        local = timezone.localtime(timezone.now() + timedelta(minutes=2))
    post(as_nurse_a, patient_a, measured_at=local.strftime("%Y-%m-%dT%H:%M"))
    assert Observation.objects.count() == 1


def test_a_measurement_before_the_date_of_birth_is_refused(as_nurse_a, patient_a):
    response = post(as_nurse_a, patient_a, measured_at="1980-01-01T09:00")
    assert "before the patient's date of birth" in errors(response, "measured_at")[0]


def test_the_measurement_time_is_read_in_the_clinic_time_zone(as_nurse_a, patient_a):
    post(as_nurse_a, patient_a, measured_at="2026-01-15T09:30")  # New York, winter: UTC-5
    assert Observation.objects.get().measured_at == datetime(2026, 1, 15, 14, 30, tzinfo=UTC)


def test_a_missing_submission_id_is_refused(as_nurse_a, patient_a):
    response = post(as_nurse_a, patient_a, client_id="")
    assert "Reload the page" in errors(response, "client_id")[0]
    assert not Observation.objects.exists()


def test_a_clinic_admin_cannot_record_measurements(as_admin_a, patient_a):
    response = post(as_admin_a, patient_a)
    assert response.status_code == 403
    assert "Only clinicians" in response.content.decode()
    assert not Observation.objects.exists()
