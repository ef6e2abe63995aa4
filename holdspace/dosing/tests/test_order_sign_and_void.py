"""Drafts are signed by a prescriber after the rules are checked again; voiding needs a reason."""

from holdspace.audit.models import Action, AuditEvent
from holdspace.dosing.models import InfusionOrder
from holdspace.dosing.tests.conftest import place_order, url
from holdspace.patients.models import RecordStatus


def test_another_prescriber_signs_a_draft(
    as_prescriber_a2, course, prescriber_a, prescriber_a2, weight_80
):
    draft = place_order(course, prescriber_a, weight_80, sign=False)
    assert draft.check_state == "draft"
    response = as_prescriber_a2.post(url("sign_order", order_id=draft.public_id))
    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.signed_by == prescriber_a2 and draft.created_by == prescriber_a
    assert AuditEvent.objects.filter(category="order", action=Action.SIGN).count() == 1


def test_signing_checks_the_rules_again(
    as_prescriber_a, course, prescriber_a, weight_80, patient_a
):
    draft = place_order(course, prescriber_a, weight_80, sign=False)
    patient_a.consents.update(status=RecordStatus.ENTERED_IN_ERROR, error_reason="withdrawn")
    response = as_prescriber_a.post(url("sign_order", order_id=draft.public_id), follow=True)
    assert "No current treatment consent" in response.content.decode()
    assert not InfusionOrder.objects.get().is_signed


def test_a_weight_that_went_stale_since_drafting_refuses_signing(
    as_prescriber_a, course, prescriber_a, weight_80, standard
):
    draft = place_order(course, prescriber_a, weight_80, sign=False)
    # The clinic tightens its limit to 1 day; the weight was taken just over a day ago.
    type(standard).objects.filter(pk=standard.pk).update(weight_max_age_days=1)
    response = as_prescriber_a.post(url("sign_order", order_id=draft.public_id), follow=True)
    assert "needs a weight measured within the last day" in response.content.decode()
    assert not InfusionOrder.objects.get().is_signed


def test_a_nurse_cannot_sign(as_nurse_a, course, prescriber_a, weight_80):
    draft = place_order(course, prescriber_a, weight_80, sign=False)
    assert as_nurse_a.post(url("sign_order", order_id=draft.public_id)).status_code == 403
    assert not InfusionOrder.objects.get().is_signed


def test_sign_answers_get_with_the_order_page(as_nurse_a, signed_order):
    response = as_nurse_a.get(url("sign_order", order_id=signed_order.public_id))
    assert response.status_code == 302


def test_voiding_needs_a_reason_and_is_audited(as_prescriber_a, signed_order, patient_a):
    address = url("void_order", order_id=signed_order.public_id)
    response = as_prescriber_a.post(address, {"reason": "  "})
    assert "reason" in response.context["form"].errors
    as_prescriber_a.post(address, {"reason": "Patient cancelled the appointment"})
    signed_order.refresh_from_db()
    assert (
        signed_order.is_voided and signed_order.void_reason == "Patient cancelled the appointment"
    )
    assert AuditEvent.objects.filter(
        patient=patient_a, category="order", summary="Infusion 1 order voided"
    ).exists()
    assert not signed_order.is_ready_to_start


def test_a_nurse_cannot_void(as_nurse_a, signed_order):
    response = as_nurse_a.post(url("void_order", order_id=signed_order.public_id), {"reason": "x"})
    assert response.status_code == 403
    signed_order.refresh_from_db()
    assert not signed_order.is_voided
