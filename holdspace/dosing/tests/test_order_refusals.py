"""Orders are refused, with a message that says why, when the patient may not be dosed."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from holdspace.dosing.models import CoursePhase, InfusionOrder
from holdspace.dosing.tests.conftest import (
    grant_treatment_consent,
    order_post,
    sign_screening,
    url,
    weigh,
)
from holdspace.patients.models import RecordStatus, ScreeningOutcome
from tests.factories import PatientFactory


def post(client, course, weight, **overrides):
    return client.post(
        url("new_order", course_id=course.public_id), order_post(weight, **overrides)
    )


def errors(response) -> str:
    form_errors = response.context["form"].errors.values()
    return " ".join(message for messages in form_errors for message in messages)


def test_no_current_eligible_screening(as_prescriber_a, course, patient_a, weight_80):
    patient_a.screenings.update(status=RecordStatus.ENTERED_IN_ERROR, error_reason="wrong")
    response = post(as_prescriber_a, course, weight_80)
    assert "No current eligible screening — sign one before ordering." in errors(response)
    assert not InfusionOrder.objects.exists()


def test_a_not_eligible_screening_also_refuses(
    as_prescriber_a, course, patient_a, prescriber_a, weight_80
):
    sign_screening(patient_a, prescriber_a, outcome=ScreeningOutcome.NOT_ELIGIBLE)
    response = post(as_prescriber_a, course, weight_80)
    assert "No current eligible screening" in errors(response)


def test_no_current_treatment_consent(as_prescriber_a, course, patient_a, weight_80):
    patient_a.consents.update(status=RecordStatus.ENTERED_IN_ERROR, error_reason="wrong")
    response = post(as_prescriber_a, course, weight_80)
    assert "No current treatment consent" in errors(response)
    assert not InfusionOrder.objects.exists()


def test_the_refusal_is_shown_before_anything_is_typed(as_prescriber_a, course, patient_a):
    patient_a.consents.update(status=RecordStatus.ENTERED_IN_ERROR, error_reason="wrong")
    page = as_prescriber_a.get(url("new_order", course_id=course.public_id)).content.decode()
    assert "Ordering is refused" in page and "No current treatment consent" in page


def test_a_stale_weight_is_refused_naming_its_date_and_the_limit(
    as_prescriber_a, course, patient_a
):
    old = weigh(patient_a, "81.5", days_ago=45)
    response = post(as_prescriber_a, course, old)
    # The date is the clinic's calendar day (clinic A is in New York).
    day = timezone.localtime(old.measured_at, ZoneInfo(course.patient.clinic.time_zone))
    day = day.strftime("%Y-%m-%d")
    message = errors(response)
    assert f"The weight of 81.5 kg was measured on {day} (45 days ago)" in message
    assert "within the last 30 days" in message
    assert not InfusionOrder.objects.exists()


def test_the_limit_is_the_protocols(as_prescriber_a, course, patient_a, standard):
    standard.weight_max_age_days = 60
    standard.save()
    post(as_prescriber_a, course, weigh(patient_a, "81.5", days_ago=45))
    assert InfusionOrder.objects.exists()


def test_a_weight_entered_in_error_cannot_be_chosen(as_prescriber_a, course, weight_80):
    weight_80.status = RecordStatus.ENTERED_IN_ERROR
    weight_80.save()
    response = post(as_prescriber_a, course, weight_80)
    assert "Choose one of this patient's recorded weights." in errors(response)


def test_another_patients_weight_is_rejected(as_prescriber_a, course, clinic_a):
    other = PatientFactory(clinic=clinic_a)
    response = post(as_prescriber_a, course, weigh(other, "60"))
    assert "Choose one of this patient's recorded weights." in errors(response)
    assert not InfusionOrder.objects.exists()


@pytest.mark.parametrize("phase", [CoursePhase.COMPLETED, CoursePhase.DISCONTINUED])
def test_a_closed_course_takes_no_orders(as_prescriber_a, course, weight_80, phase):
    course.phase = phase
    course.save()
    response = post(as_prescriber_a, course, weight_80)
    assert f"This course is {phase}" in errors(response)


def test_a_protocol_change_while_typing_is_refused(as_prescriber_a, course, weight_80):
    response = post(as_prescriber_a, course, weight_80, protocol_version=0)
    assert "The protocol changed to version 1 while you were ordering" in errors(response)


def test_a_nurse_cannot_create_an_order(as_nurse_a, course, weight_80):
    assert as_nurse_a.get(url("new_order", course_id=course.public_id)).status_code == 403
    response = post(as_nurse_a, course, weight_80)
    assert response.status_code == 403
    assert "Only a prescriber can order" in response.content.decode()
    assert not InfusionOrder.objects.exists()


@pytest.mark.parametrize("client_name", ["as_therapist_a", "as_admin_a"])
def test_other_roles_cannot_order_either(request, client_name, course, weight_80):
    response = post(request.getfixturevalue(client_name), course, weight_80)
    assert response.status_code == 403


def test_a_missing_preparation_value_is_named(as_prescriber_a, course, weight_80):
    response = post(as_prescriber_a, course, weight_80, bag_ml="")
    assert "Enter the bag volume." in errors(response)


def test_a_zero_dose_is_refused(as_prescriber_a, course, weight_80):
    response = post(as_prescriber_a, course, weight_80, amount="0")
    assert "greater than zero" in errors(response)
    assert not InfusionOrder.objects.exists()


def test_consent_on_a_superseded_document_refuses(
    as_prescriber_a, course, patient_a, nurse_a, weight_80
):
    from holdspace.patients.models import ConsentDocument, ConsentKind

    ConsentDocument.objects.create(
        clinic=patient_a.clinic, kind=ConsentKind.TREATMENT, version=2, title="T", body="v2"
    )
    assert "No current treatment consent" in errors(post(as_prescriber_a, course, weight_80))
    grant_treatment_consent(patient_a, nurse_a)  # signed on version 2: ordering works again
    post(as_prescriber_a, course, weight_80)
    assert InfusionOrder.objects.exists()
