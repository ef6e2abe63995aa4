"""The demo clinics carry protocols and courses at different stages, with a titration history,
a voided-and-replaced order and an overridden order, all computed by the engine."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from holdspace.audit.trail import verify_chain
from holdspace.dosing import engine
from holdspace.dosing.models import CoursePhase, InfusionOrder, Protocol, TreatmentCourse
from holdspace.dosing.protocols import SHIPPED


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def test_every_demo_clinic_has_the_shipped_protocols(demo):
    for shipped in SHIPPED:
        assert Protocol.objects.filter(shipped_key=shipped.key).count() == 2


def test_courses_are_at_different_stages(demo):
    phases = set(TreatmentCourse.objects.values_list("phase", flat=True))
    assert phases == set(CoursePhase.values)


def test_a_titration_history_from_0_5_to_0_6(demo):
    titrated = [
        list(course.orders.filter(voided_at__isnull=True).values_list("amount", flat=True))
        for course in TreatmentCourse.objects.filter(phase=CoursePhase.INDUCTION)
    ]
    assert [Decimal("0.5"), Decimal("0.6"), Decimal("0.6"), Decimal("0.6")] in titrated


def test_a_voided_and_replaced_order_and_an_overridden_one(demo):
    voided = InfusionOrder.objects.filter(voided_at__isnull=False, replaced_by__isnull=False)
    assert voided.exists()
    assert all(order.replaced_by.sequence == order.sequence for order in voided)
    overridden = InfusionOrder.objects.exclude(override_reason="")
    assert overridden.exists() and all(order.hard_stops for order in overridden)


def test_demo_orders_are_the_engines_plans(demo):
    for order in InfusionOrder.objects.select_related("protocol"):
        plan = order.recomputed_plan()
        assert order.shown["dose_mg"] == engine.round_dose_mg(plan.dose_mg)
        assert order.dose_mg == plan.dose_mg.quantize(Decimal("0.000001"))
        assert order.rate_ml_h == plan.rate_ml_h.quantize(Decimal("0.000001"))


def test_states_for_the_double_check_are_all_shown(demo):
    states = {order.check_state for order in InfusionOrder.objects.all()}
    assert {"checked", "awaiting_check", "blocked", "voided"} <= states
    assert any(order.is_ready_to_start for order in InfusionOrder.objects.all())


def test_the_audit_chain_is_intact_after_seeding(demo):
    assert verify_chain() is None


def test_the_demo_pages_render(demo, client):
    from django.urls import reverse

    from conftest import signed_in
    from holdspace.clinics.models import Membership, Role

    membership = Membership.objects.filter(role=Role.PRESCRIBER).select_related("user").first()
    browser = signed_in(membership.user, membership.clinic)
    for course in TreatmentCourse.objects.filter(patient__clinic=membership.clinic):
        assert browser.get(reverse("dosing:course", args=[course.public_id])).status_code == 200
        chart = reverse("patients:chart", args=[course.patient.public_id])
        assert browser.get(chart).status_code == 200
        for order in course.orders.all():
            assert browser.get(reverse("dosing:order", args=[order.public_id])).status_code == 200
