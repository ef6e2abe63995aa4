"""Titration advice on the order form: from the course's earlier orders, in words, advice only."""

from decimal import Decimal

from holdspace.dosing.tests.conftest import place_order, url


def form_page(client, course):
    return client.get(url("new_order", course_id=course.public_id))


def test_the_first_order_is_advised_to_start_at_the_protocol_start(as_prescriber_a, course):
    page = form_page(as_prescriber_a, course).content.decode()
    assert "Start: 0.5 mg/kg" in page
    assert "No previous infusion: start at the protocol starting dose of 0.50 mg/kg." in page
    assert "Tolerance data arrives with the live infusion module" in page


def test_after_a_titration_the_advice_keeps_the_last_dose_and_says_why(
    as_prescriber_a, course, prescriber_a, weight_80
):
    place_order(course, prescriber_a, weight_80)
    place_order(course, prescriber_a, weight_80, amount=Decimal("0.6"))
    response = form_page(as_prescriber_a, course)
    page = response.content.decode()
    assert "Keep: 0.6 mg/kg" in page
    assert "The response is not yet known, so keep 0.60 mg/kg until it is measured." in page
    assert "was not recorded" in page
    assert "Earlier infusions in this course: 1: 0.5 mg/kg; 2: 0.6 mg/kg." in page
    # Never applied: the dose field starts at the protocol default.
    assert response.context["form"].initial["amount"] == "0.5"


def test_void_orders_do_not_count_as_history(as_prescriber_a, course, prescriber_a, weight_80):
    from holdspace.dosing import actions

    order = place_order(course, prescriber_a, weight_80, amount=Decimal("0.7"))
    actions.void_order(actor=prescriber_a, order=order, reason="Entered for the wrong patient")
    assert "Start: 0.5 mg/kg" in form_page(as_prescriber_a, course).content.decode()


def test_the_advice_shown_is_kept_on_the_order(course, prescriber_a, weight_80):
    place_order(course, prescriber_a, weight_80)
    second = place_order(course, prescriber_a, weight_80)
    assert second.titration_advice.startswith("The response is not yet known, so keep 0.50 mg/kg")


def test_a_protocol_without_titration_says_so(
    as_prescriber_a, ready_patient, protocols_a, prescriber_a
):
    from holdspace.dosing import actions

    course = actions.start_course(
        actor=prescriber_a,
        patient=ready_patient,
        protocol=protocols_a["ptsd_induction"],
        indication_category="ptsd",
        planned_infusions=6,
    )
    assert (
        "This protocol has no titration settings"
        in form_page(as_prescriber_a, course).content.decode()
    )
