"""A signed order cannot change, even by SQL; a change is a new order that voids the old one."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from holdspace.audit.models import Action, AuditEvent
from holdspace.dosing.models import InfusionOrder
from holdspace.dosing.tests.conftest import order_post, place_order, url


def test_the_dose_of_a_signed_order_cannot_be_rewritten_by_sql(signed_order):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dosing_infusionorder SET dose_mg = 400, rate_ml_h = 1512 WHERE id = %s",
            [signed_order.pk],
        )
    signed_order.refresh_from_db()
    assert signed_order.dose_mg == Decimal(40) and signed_order.rate_ml_h == Decimal("151.2")


def test_the_signature_cannot_be_removed_by_sql(signed_order):
    with pytest.raises(DatabaseError), transaction.atomic():
        InfusionOrder.objects.filter(pk=signed_order.pk).update(signed_at=None, signed_by=None)


def test_an_order_cannot_be_deleted(signed_order):
    with pytest.raises(DatabaseError), transaction.atomic():
        InfusionOrder.objects.filter(pk=signed_order.pk).delete()
    assert InfusionOrder.objects.filter(pk=signed_order.pk).exists()


def test_a_void_is_final(signed_order, prescriber_a):
    from holdspace.dosing import actions

    actions.void_order(actor=prescriber_a, order=signed_order, reason="Infusion cancelled")
    with pytest.raises(DatabaseError), transaction.atomic():
        InfusionOrder.objects.filter(pk=signed_order.pk).update(voided_at=None, void_reason="")


def test_changing_voids_the_old_order_and_replaces_it(
    as_prescriber_a, signed_order, weight_80, patient_a
):
    data = order_post(weight_80, amount="0.6", void_reason="Response too small; step up")
    response = as_prescriber_a.post(url("change_order", order_id=signed_order.public_id), data)
    old = InfusionOrder.objects.get(pk=signed_order.pk)
    new = InfusionOrder.objects.exclude(pk=old.pk).get()
    assert response["Location"] == url("order", order_id=new.public_id)
    assert old.is_voided and old.replaced_by == new and old.void_reason.startswith("Response")
    assert old.voided_by.full_name == "Priya Prescriber"
    assert new.is_signed and new.sequence == old.sequence == 1
    assert new.amount == Decimal("0.6") and new.dose_mg == Decimal(48)
    # The old one keeps its figures.
    assert old.dose_mg == Decimal(40)
    summaries = AuditEvent.objects.filter(patient=patient_a, category="order", action=Action.UPDATE)
    assert summaries.filter(summary="Infusion 1 order voided: replaced by a new order").exists()


def test_a_change_needs_a_reason(as_prescriber_a, signed_order, weight_80):
    response = as_prescriber_a.post(
        url("change_order", order_id=signed_order.public_id), order_post(weight_80, amount="0.6")
    )
    assert "void_reason" in response.context["form"].errors
    assert InfusionOrder.objects.count() == 1 and not InfusionOrder.objects.get().is_voided


def test_the_change_form_starts_from_the_old_order(
    as_prescriber_a, course, prescriber_a, weight_80
):
    order = place_order(course, prescriber_a, weight_80, amount=Decimal("0.6"))
    form = as_prescriber_a.get(url("change_order", order_id=order.public_id)).context["form"]
    assert form.initial["amount"] == "0.6"


def test_the_voided_order_is_struck_through_on_the_course(as_prescriber_a, signed_order, weight_80):
    data = order_post(weight_80, amount="0.6", void_reason="Step up")
    as_prescriber_a.post(url("change_order", order_id=signed_order.public_id), data)
    page = as_prescriber_a.get(
        url("course", course_id=signed_order.course.public_id)
    ).content.decode()
    assert '<tr class="struck">' in page and "Void" in page


def test_only_one_active_order_per_infusion_even_in_the_database(signed_order):
    duplicate = InfusionOrder.objects.get(pk=signed_order.pk)
    duplicate.pk, duplicate.public_id = None, uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save(force_insert=True)


def test_a_void_order_cannot_be_changed(as_prescriber_a, signed_order, prescriber_a):
    from holdspace.dosing import actions

    actions.void_order(actor=prescriber_a, order=signed_order, reason="Cancelled")
    response = as_prescriber_a.get(url("change_order", order_id=signed_order.public_id))
    assert response.status_code == 302
