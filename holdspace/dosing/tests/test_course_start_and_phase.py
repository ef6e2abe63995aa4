"""Treatment courses: started by a prescriber; induction → maintenance, completion and
discontinuation (with a reason) are explicit, audited steps."""

import pytest
from django.db import DatabaseError, transaction

from holdspace.audit.models import Action, AuditEvent
from holdspace.dosing.models import CoursePhaseChange, TreatmentCourse
from holdspace.dosing.tests.conftest import url
from holdspace.patients.models import Indication


def start(client, patient, protocol, **overrides):
    data = {
        "protocol": str(protocol.public_id),
        "indication_category": "trd",
        "planned_infusions": "6",
        "schedule_note": "Mon/Wed/Fri",
    }
    data.update(overrides)
    return client.post(url("new_course", patient_id=patient.public_id), data)


def phase(client, course, to, reason=""):
    return client.post(
        url("course_phase", course_id=course.public_id), {"phase": to, "reason": reason}
    )


def test_a_prescriber_starts_a_course_in_induction(
    as_prescriber_a, ready_patient, standard, prescriber_a
):
    response = start(as_prescriber_a, ready_patient, standard)
    course = TreatmentCourse.objects.get()
    assert response["Location"] == url("course", course_id=course.public_id)
    assert (course.phase, course.planned_infusions, course.protocol) == ("induction", 6, standard)
    assert course.created_by == prescriber_a
    assert AuditEvent.objects.filter(
        patient=ready_patient, category="treatment_course", action=Action.CREATE
    ).exists()


def test_the_form_suggests_the_primary_indication(as_prescriber_a, ready_patient, standard):
    Indication.objects.create(
        patient=ready_patient, category="gad", icd10_code="F41.1", is_primary=True
    )
    form = as_prescriber_a.get(url("new_course", patient_id=ready_patient.public_id)).context[
        "form"
    ]
    assert form.initial["indication_category"] == "gad"


def test_a_protocol_for_another_indication_is_refused(as_prescriber_a, ready_patient, protocols_a):
    response = start(as_prescriber_a, ready_patient, protocols_a["ptsd_induction"])
    message = response.context["form"].errors["indication_category"][0]
    assert "“PTSD induction” is written for Post-traumatic stress disorder" in message
    assert not TreatmentCourse.objects.exists()


@pytest.mark.parametrize("client_name", ["as_nurse_a", "as_therapist_a", "as_admin_a"])
def test_only_prescribers_start_courses(request, client_name, ready_patient, standard):
    response = start(request.getfixturevalue(client_name), ready_patient, standard)
    assert response.status_code == 403
    assert "Only a prescriber can start a treatment course" in response.content.decode()


def test_induction_to_maintenance_is_an_audited_step(as_prescriber_a, course, patient_a):
    phase(as_prescriber_a, course, "maintenance", "Response after six infusions")
    course.refresh_from_db()
    assert course.phase == "maintenance"
    step = CoursePhaseChange.objects.get()
    assert (step.from_phase, step.to_phase) == ("induction", "maintenance")
    assert AuditEvent.objects.filter(
        patient=patient_a, summary="Course phase changed: Induction → Maintenance"
    ).exists()
    page = as_prescriber_a.get(url("course", course_id=course.public_id)).content.decode()
    assert "Response after six infusions" in page


def test_discontinuing_needs_a_reason(as_prescriber_a, course):
    response = phase(as_prescriber_a, course, "discontinued")
    assert (
        "Give the reason the course is discontinued." in response.context["form"].errors["reason"]
    )
    phase(as_prescriber_a, course, "discontinued", "Patient moved away")
    course.refresh_from_db()
    assert course.phase == "discontinued" and course.end_reason == "Patient moved away"


def test_completed_is_final(as_prescriber_a, course):
    phase(as_prescriber_a, course, "completed")
    response = phase(as_prescriber_a, course, "maintenance")
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.phase == "completed"


def test_maintenance_cannot_go_back_to_induction(as_prescriber_a, course):
    phase(as_prescriber_a, course, "maintenance")
    response = phase(as_prescriber_a, course, "induction")
    assert "phase" in response.context["form"].errors


def test_a_nurse_cannot_change_the_phase(as_nurse_a, course):
    assert phase(as_nurse_a, course, "maintenance").status_code == 403
    course.refresh_from_db()
    assert course.phase == "induction"


def test_phase_history_is_append_only(as_prescriber_a, course):
    phase(as_prescriber_a, course, "maintenance")
    with pytest.raises(DatabaseError), transaction.atomic():
        CoursePhaseChange.objects.update(to_phase="completed")


def test_the_course_page_shows_orders_and_offers_the_next_one(as_prescriber_a, signed_order):
    page = as_prescriber_a.get(
        url("course", course_id=signed_order.course.public_id)
    ).content.decode()
    assert "1 of 6" in page and "Order infusion 2" in page
    assert "Signed · awaiting double-check" in page


def test_a_course_can_be_planned_before_consent_but_says_what_blocks_orders(
    as_prescriber_a, patient_a, standard, weight_80
):
    page = as_prescriber_a.get(url("new_course", patient_id=patient_a.public_id)).content.decode()
    assert "No current eligible screening" in page and "No current treatment consent" in page
