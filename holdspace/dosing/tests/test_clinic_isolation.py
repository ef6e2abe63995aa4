"""Clinic B never sees clinic A's protocols, courses or orders: 404, never 403."""

import pytest

from holdspace.dosing.tests.conftest import url

# Pages that accept GET only answer a POST with 405 before any lookup, whatever the id.
READ_ONLY = {"protocol", "course", "order"}
ROUTES = [
    ("protocol", "protocol_id"),
    ("edit_protocol", "protocol_id"),
    ("course", "course_id"),
    ("course_phase", "course_id"),
    ("new_order", "course_id"),
    ("order_preview", "course_id"),
    ("order", "order_id"),
    ("change_order", "order_id"),
    ("void_order", "order_id"),
    ("double_check", "order_id"),
    ("resolve_mismatch", "order_id"),
    ("sign_order", "order_id"),
]


@pytest.fixture
def objects_a(signed_order):
    return {
        "protocol_id": signed_order.protocol.public_id,
        "course_id": signed_order.course.public_id,
        "order_id": signed_order.public_id,
    }


@pytest.mark.parametrize(("name", "kwarg"), ROUTES)
def test_clinic_b_gets_404_for_clinic_a_objects(as_nurse_b, objects_a, name, kwarg):
    address = url(name, **{kwarg: objects_a[kwarg]})
    assert as_nurse_b.get(address).status_code == (405 if name == "order_preview" else 404)
    posted = as_nurse_b.post(address, {"weight_kg": "80", "dose_mg": "40"}).status_code
    assert posted == (405 if name in READ_ONLY else 404)


def test_clinic_b_does_not_list_clinic_a_protocols(as_nurse_b, protocols_a):
    page = as_nurse_b.get(url("protocols")).content.decode()
    assert "Depression / anxiety — standard" not in page and "No protocols yet." in page


def test_clinic_b_cannot_start_a_course_for_clinic_a_patient(as_nurse_b, patient_a):
    assert as_nurse_b.get(url("new_course", patient_id=patient_a.public_id)).status_code == 404


def test_a_clinic_b_protocol_cannot_be_used_for_a_clinic_a_course(
    as_prescriber_a, ready_patient, clinic_b
):
    from holdspace.dosing import actions
    from holdspace.dosing.models import Protocol, TreatmentCourse

    actions.add_shipped_protocols(actor=None, clinic=clinic_b)
    foreign = Protocol.objects.get(clinic=clinic_b, shipped_key="depression_anxiety_standard")
    response = as_prescriber_a.post(
        url("new_course", patient_id=ready_patient.public_id),
        {
            "protocol": str(foreign.public_id),
            "indication_category": "trd",
            "planned_infusions": "6",
        },
    )
    assert "protocol" in response.context["form"].errors
    assert not TreatmentCourse.objects.exists()
