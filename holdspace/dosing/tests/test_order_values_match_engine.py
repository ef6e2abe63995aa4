"""An order stores exactly what the engine computes for its inputs, and the version used."""

from decimal import Decimal

import pytest

from holdspace.audit.models import Action, AuditEvent
from holdspace.dosing import engine
from holdspace.dosing.models import InfusionOrder
from holdspace.dosing.tests.conftest import measure_height, order_post, place_order, url

D = Decimal


def test_the_worked_example_is_stored_exactly(signed_order, standard):
    order = signed_order
    assert order.dosing_weight_kg == D(80)
    assert order.basis_requested == order.basis_used == "actual"
    assert order.dose_mg == D(40)
    assert order.drawn_ml == D("0.8")
    assert order.total_ml == D("100.8")
    assert order.rate_ml_h == D("151.2")
    assert order.duration_minutes == D(40)
    # 40 / 100.8 does not terminate: stored to 9 places, shown to 0.001 mg/mL.
    assert order.concentration_mg_ml == D("0.396825397")
    assert order.shown["concentration_mg_ml"] == D("0.397")
    assert order.protocol == standard and standard.version == 1
    assert order.warnings == [] and order.hard_stops == [] and not order.is_overridden


def test_stored_values_survive_a_round_trip_through_the_database(signed_order):
    order = InfusionOrder.objects.get(pk=signed_order.pk)
    plan = order.recomputed_plan()
    assert order.dose_mg == plan.dose_mg
    assert order.total_ml == plan.total_ml
    assert order.rate_ml_h == plan.rate_ml_h
    assert abs(order.concentration_mg_ml - plan.concentration_mg_ml) < D("0.000000001")


@pytest.mark.parametrize("kg", ["52.35", "72.45", "118.9"])
def test_the_order_equals_the_engine_plan_for_that_weight(course, prescriber_a, patient_a, kg):
    from holdspace.dosing.tests.conftest import weigh

    weight = weigh(patient_a, kg)
    order = place_order(course, prescriber_a, weight, amount=D("0.6"))
    plan = engine.plan_infusion(
        engine.dosing_weight(D(kg), None, None, engine.WeightBasis.ACTUAL),
        engine.DoseOrder(engine.DoseMode.MG_PER_KG_OVER_MINUTES, D("0.6"), D(40)),
        engine.BagAdmixture(D(50), D(100)),
        course.protocol.caps(),
    )
    order.refresh_from_db()
    assert order.shown == {
        "dosing_weight_kg": engine.round_weight_kg(plan.dosing_weight_kg),
        "dose_mg": engine.round_dose_mg(plan.dose_mg),
        "drawn_ml": engine.round_volume_ml(plan.drawn_ml),
        "total_ml": engine.round_volume_ml(plan.total_ml),
        "concentration_mg_ml": engine.round_concentration_mg_ml(plan.concentration_mg_ml),
        "rate_ml_h": engine.round_rate_ml_h(plan.rate_ml_h),
    }
    assert order.dose_mg == plan.dose_mg  # a product of the inputs: exact


def test_another_basis_is_stamped_with_height_and_sex(course, prescriber_a, patient_a, weight_80):
    height = measure_height(patient_a, "165")  # patient_a is female: IBW 57 kg
    order = place_order(course, prescriber_a, weight_80, basis="ideal")
    assert order.basis_requested == order.basis_used == "ideal"
    assert order.height_observation == height and order.height_cm == D(165)
    assert order.sex == "female"
    expected = engine.ideal_body_weight_kg(D(165), engine.Sex.FEMALE)
    assert order.dosing_weight_kg == expected.quantize(D("0.000001"))


def test_a_basis_that_cannot_be_used_falls_back_with_a_stamped_warning(
    course, prescriber_a, weight_80
):
    order = place_order(course, prescriber_a, weight_80, basis="lean")
    assert order.basis_requested == "lean" and order.basis_used == "actual"
    assert order.warnings == ["Lean weight needs the height. Dosing on actual weight instead."]


def test_the_form_signs_the_order_and_audits_create_and_sign(
    as_prescriber_a, course, weight_80, patient_a
):
    response = as_prescriber_a.post(
        url("new_order", course_id=course.public_id), order_post(weight_80)
    )
    order = InfusionOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == url(
        "order", order_id=order.public_id
    )
    assert order.is_signed and order.rate_ml_h == D("151.2") and order.sequence == 1
    actions_logged = AuditEvent.objects.filter(patient=patient_a, category="order")
    assert set(actions_logged.values_list("action", flat=True)) == {Action.CREATE, Action.SIGN}
    assert all("151" not in row.summary for row in actions_logged)


def test_a_draft_is_saved_unsigned(as_prescriber_a, course, weight_80):
    data = order_post(weight_80)
    del data["sign"]
    data["draft"] = "1"
    as_prescriber_a.post(url("new_order", course_id=course.public_id), data)
    assert not InfusionOrder.objects.get().is_signed


def test_the_order_page_shows_the_figures_to_the_prescriber(as_prescriber_a, signed_order):
    page = as_prescriber_a.get(url("order", order_id=signed_order.public_id)).content.decode()
    assert "151.2 mL/h" in page and "40.0 mg" in page and "0.8 mL" in page
    assert "Depression / anxiety — standard v1" in page
