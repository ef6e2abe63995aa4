"""A dose beyond a cap or outside the protocol's range is a hard stop; with the prescriber's
reason it is accepted and flagged wherever the order appears."""

from decimal import Decimal

from django.urls import reverse

from holdspace.dosing.models import InfusionOrder
from holdspace.dosing.tests.conftest import order_post, url

REASON = "Partial response at 0.75 mg/kg; agreed with the medical director."


def post(client, course, weight, **overrides):
    return client.post(
        url("new_order", course_id=course.public_id), order_post(weight, **overrides)
    )


def test_above_the_cap_without_a_reason_is_a_hard_stop(as_prescriber_a, course, weight_80):
    response = post(as_prescriber_a, course, weight_80, amount="0.8")
    errors = response.context["form"].errors["override_reason"][0]
    assert errors.startswith("Hard stop: ")
    assert "Dose 0.80 mg/kg is above the protocol's allowed maximum of 0.75 mg/kg" in errors
    assert "Dose 0.80 mg/kg exceeds the protocol cap of 0.75 mg/kg" in errors
    assert "give your reason for overriding" in errors
    assert not InfusionOrder.objects.exists()


def test_below_the_allowed_range_is_a_hard_stop_too(as_prescriber_a, course, weight_80):
    response = post(as_prescriber_a, course, weight_80, amount="0.05")
    message = response.context["form"].errors["override_reason"][0]
    assert "Dose 0.05 mg/kg is below the protocol's allowed minimum of 0.10 mg/kg" in message


def test_with_a_reason_it_is_accepted_and_flagged(as_prescriber_a, course, weight_80, patient_a):
    post(as_prescriber_a, course, weight_80, amount="0.8", override_reason=REASON)
    order = InfusionOrder.objects.get()
    assert order.is_signed and order.is_overridden
    assert order.override_reason == REASON
    assert len(order.hard_stops) == 2 and order.dose_mg == Decimal(64)
    for address in (
        url("order", order_id=order.public_id),
        url("course", course_id=course.public_id),
        reverse("patients:chart", kwargs={"patient_id": patient_a.public_id}),
    ):
        page = as_prescriber_a.get(address).content.decode()
        assert "Overridden hard stop" in page, address
    detail = as_prescriber_a.get(url("order", order_id=order.public_id)).content.decode()
    assert REASON in detail and "exceeds the protocol cap of 0.75 mg/kg" in detail


def test_a_reason_without_a_hard_stop_is_not_kept_and_not_flagged(
    as_prescriber_a, course, weight_80
):
    post(as_prescriber_a, course, weight_80, override_reason="Just in case")
    order = InfusionOrder.objects.get()
    assert not order.is_overridden and order.override_reason == ""


def test_the_flag_reaches_the_audit_summary(as_prescriber_a, course, weight_80):
    from holdspace.audit.models import AuditEvent

    post(as_prescriber_a, course, weight_80, amount="0.8", override_reason=REASON)
    summaries = list(AuditEvent.objects.filter(category="order").values_list("summary", flat=True))
    assert "Infusion 1 order signed (hard stop overridden)" in summaries
    assert not any(REASON in summary for summary in summaries)


def test_a_rate_cap_counts_too(as_prescriber_a, course, weight_80, standard):
    standard.cap_rate_ml_h = Decimal(150)
    standard.save()
    response = post(as_prescriber_a, course, weight_80)
    message = response.context["form"].errors["override_reason"][0]
    assert "Rate 151.2 mL/h exceeds the protocol cap of 150.0 mL/h" in message
