"""One protocol, course and signed order for a patient, written directly (no eligibility
rules), for the security suite's object-access matrix (tests/security)."""

from decimal import Decimal

from holdspace.dosing import actions
from holdspace.dosing.models import InfusionOrder, Protocol, TreatmentCourse
from tests.factories import ObservationFactory


def dosing_world(patient, author, prescriber) -> dict[str, object]:
    """``{"protocol_id": …, "course_id": …, "order_id": …}`` in the patient's clinic."""
    actions.add_shipped_protocols(actor=None, clinic=patient.clinic)
    protocol = Protocol.objects.get(
        clinic=patient.clinic, shipped_key="depression_anxiety_standard"
    )
    course = TreatmentCourse.objects.create(
        patient=patient,
        protocol=protocol,
        indication_category="trd",
        planned_infusions=6,
        created_by=prescriber,
    )
    weight = ObservationFactory(patient=patient, value=Decimal("70.0"), recorded_by=author)
    inputs = actions.OrderInputs(
        amount=protocol.default_amount,
        weight=weight,
        basis="actual",
        preparation_kind="bag",
        stock_mg_ml=protocol.stock_mg_ml,
        bag_ml=protocol.bag_ml,
    )
    plan = actions.plan_order(
        protocol=protocol,
        patient=patient,
        amount=inputs.amount,
        weight=weight,
        basis="actual",
        preparation=inputs.preparation(),
    )
    order = InfusionOrder.objects.create(
        course=course,
        sequence=1,
        protocol=protocol,
        dose_mode=protocol.dose_mode,
        amount=inputs.amount,
        weight_observation=weight,
        weight_kg=weight.value,
        weight_measured_at=weight.measured_at,
        sex=patient.sex_at_birth,
        basis_requested="actual",
        preparation_kind="bag",
        stock_mg_ml=inputs.stock_mg_ml,
        bag_ml=inputs.bag_ml,
        created_by=prescriber,
        signed_by=prescriber,
        signed_at=weight.measured_at,
        **actions.plan_values(plan),
    )
    return {"protocol_id": protocol, "course_id": course, "order_id": order}
