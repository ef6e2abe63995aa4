"""The patient chart shows courses and orders, with their flags, in a fixed number of queries."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from holdspace.dosing.tests.conftest import place_order


def chart(client, patient):
    return client.get(reverse("patients:chart", kwargs={"patient_id": patient.public_id}))


def test_no_course_is_said_truthfully(as_nurse_a, patient_a):
    page = chart(as_nurse_a, patient_a).content.decode()
    assert "No infusions recorded yet." in page and "No treatment course has been started." in page


def test_courses_and_orders_are_listed(as_prescriber_a, signed_order, patient_a):
    page = chart(as_prescriber_a, patient_a).content.decode()
    assert "Treatment-resistant depression" in page and "Induction" in page
    assert "Infusion 1" in page and "40.0 mg at 151.2 mL/h" in page
    assert "Signed · awaiting double-check" in page


def test_a_nurse_sees_the_dose_only_after_the_double_check(
    as_nurse_a, signed_order, patient_a, nurse_a
):
    from holdspace.dosing import actions

    page = chart(as_nurse_a, patient_a).content.decode()
    assert "0.5 mg/kg" in page and "40.0 mg" not in page and "after double-check" in page
    actions.double_check_order(
        actor=nurse_a, order=signed_order, weight_kg=Decimal(80), dose_mg=Decimal(40)
    )
    assert "40.0 mg at 151.2 mL/h" in chart(as_nurse_a, patient_a).content.decode()


def test_only_prescribers_are_offered_a_new_course(as_nurse_a, as_prescriber_a, patient_a):
    assert "Start a course" not in chart(as_nurse_a, patient_a).content.decode()
    assert "Start a course" in chart(as_prescriber_a, patient_a).content.decode()


def test_the_number_of_queries_does_not_grow_with_the_orders(
    as_prescriber_a, course, prescriber_a, weight_80, patient_a
):
    place_order(course, prescriber_a, weight_80)
    chart(as_prescriber_a, patient_a)
    with CaptureQueriesContext(connection) as one:
        chart(as_prescriber_a, patient_a)
    for _ in range(4):
        place_order(course, prescriber_a, weight_80)
    with CaptureQueriesContext(connection) as five:
        chart(as_prescriber_a, patient_a)
    assert len(five) == len(one)
