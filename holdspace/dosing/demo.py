"""Demo protocols, courses and orders for the synthetic demo clinics (called from demo/data.py).

Deterministic: which patient gets which story depends only on the seeded patients, and every
time is relative to now, like the rest of the demo. Orders are computed by the same
``actions.plan_order`` the order form uses; they are written directly (not through the actions)
only so that past infusions can carry past dates.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Clinic, Role
from holdspace.dosing import actions, engine
from holdspace.dosing.models import (
    CoursePhase,
    CoursePhaseChange,
    DoubleCheck,
    InfusionOrder,
    PreparationKind,
    Protocol,
    TreatmentCourse,
)
from holdspace.patients.models import (
    Observation,
    ObservationCode,
    Patient,
    PatientStatus,
    RecordStatus,
)

DEPRESSION = ("trd", "mdd", "gad")


@dataclass(frozen=True)
class Cast:
    prescriber: User
    nurse: User
    checker: User


@dataclass(frozen=True)
class Story:
    """One patient's course: protocol, orders (days ago, mg/kg) and how it ends."""

    patient: Patient
    protocol: Protocol
    cast: Cast


def seed_dosing(clinic: Clinic, staff: dict[str, list[User]], rng: random.Random) -> None:
    """Add the shipped protocols and courses at different stages for some patients.

    ``rng`` follows the demo's calling convention; the stories are fixed and need no chance."""
    actions.add_shipped_protocols(actor=None, clinic=clinic)
    protocols = {p.shipped_key: p for p in Protocol.objects.current().filter(clinic=clinic)}
    nurses = staff[Role.NURSE]
    cast = Cast(staff[Role.PRESCRIBER][0], nurses[0], nurses[-1])
    patients = list(Patient.objects.filter(clinic=clinic).order_by("mrn"))
    stories: dict[str, list[Callable[[Story], None]]] = {
        "depression_anxiety_standard": [_titrating, _maintenance, _discontinued, _blocked],
        "ptsd_induction": [_completed],
    }
    for patient in patients:
        category = _primary_category(patient)
        key = "depression_anxiety_standard" if category in DEPRESSION else None
        key = "ptsd_induction" if category == "ptsd" else key
        if category == "chronic_pain" and patient.status != PatientStatus.REFERRED:
            _crps_planned(Story(patient, protocols["crps"], cast))
            continue
        if key is None or not stories[key] or not _can_be_ordered_for(patient):
            continue
        stories[key].pop(0)(Story(patient, protocols[key], cast))


def _primary_category(patient: Patient) -> str | None:
    primary = patient.indications.filter(is_primary=True, status=RecordStatus.FINAL).first()
    return primary.category if primary else None


def _can_be_ordered_for(patient: Patient) -> bool:
    weight = patient.latest_observation(ObservationCode.BODY_WEIGHT)
    recent = weight is not None and timezone.now() - weight.measured_at < timedelta(days=25)
    return recent and not actions.eligibility_problems(patient)


# --- Building blocks ---------------------------------------------------------------------------


def _ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def _course(story: Story, started_days_ago: float, planned: int, schedule: str) -> TreatmentCourse:
    course = TreatmentCourse.objects.create(
        patient=story.patient,
        protocol=story.protocol,
        indication_category=_primary_category(story.patient) or "other",
        planned_infusions=planned,
        schedule_note=schedule,
        created_by=story.cast.prescriber,
        created_at=_ago(started_days_ago),
    )
    _audit(course, story.patient, "Demo seed: treatment course started")
    return course


def _weight_on(story: Story, at: datetime) -> Observation:
    """The weight the nurse took that morning (same as the latest: the demo keeps it steady)."""
    latest = story.patient.latest_observation(ObservationCode.BODY_WEIGHT)
    assert latest is not None
    if latest.measured_at <= at:
        return latest
    return Observation.objects.create(
        patient=story.patient,
        code=ObservationCode.BODY_WEIGHT,
        value=latest.value,
        unit="kg",
        measured_at=at - timedelta(hours=1),
        recorded_at=at - timedelta(hours=1),
        recorded_by=story.cast.nurse,
    )


def _order(
    story: Story,
    course: TreatmentCourse,
    sequence: int,
    mg_per_kg: str,
    days_ago: float,
    *,
    override: str = "",
    signed: bool = True,
) -> InfusionOrder:
    at = _ago(days_ago)
    protocol = story.protocol
    weight = _weight_on(story, at)
    inputs = actions.OrderInputs(
        amount=Decimal(mg_per_kg),
        weight=weight,
        basis=protocol.default_basis,
        preparation_kind=protocol.preparation_kind,
        premixed_concentration_mg_ml=protocol.premixed_concentration_mg_ml,
        stock_mg_ml=protocol.stock_mg_ml,
        bag_ml=protocol.bag_ml,
    )
    plan = actions.plan_order(
        protocol=protocol,
        patient=story.patient,
        amount=inputs.amount,
        weight=weight,
        basis=inputs.basis,
        preparation=inputs.preparation(),
        sequence=sequence,
        planned_infusions=course.planned_infusions,
    )
    assert bool(plan.hard_stops) == bool(override), "demo overrides must match hard stops"
    advice = actions.titration_advice(course, protocol)
    order = InfusionOrder.objects.create(
        course=course,
        sequence=sequence,
        protocol=protocol,
        dose_mode=protocol.dose_mode,
        amount=inputs.amount,
        weight_observation=weight,
        weight_kg=weight.value,
        weight_measured_at=weight.measured_at,
        height_observation=plan.height,
        height_cm=plan.height.value if plan.height else None,
        sex=story.patient.sex_at_birth,
        basis_requested=inputs.basis,
        preparation_kind=inputs.preparation_kind,
        premixed_concentration_mg_ml=inputs.premixed_concentration_mg_ml
        if inputs.preparation_kind == PreparationKind.PREMIXED
        else None,
        stock_mg_ml=inputs.stock_mg_ml if inputs.preparation_kind == PreparationKind.BAG else None,
        bag_ml=inputs.bag_ml if inputs.preparation_kind == PreparationKind.BAG else None,
        override_reason=override,
        titration_advice=advice.advice.reason if advice else "",
        created_by=story.cast.prescriber,
        created_at=at,
        signed_by=story.cast.prescriber if signed else None,
        signed_at=at if signed else None,
        **actions.plan_values(plan),
    )
    _audit(order, story.patient, f"Demo seed: infusion {sequence} order")
    return order


def _check(story: Story, order: InfusionOrder, *, dose_off_by: str = "0") -> DoubleCheck:
    """The second nurse's independent check, an hour after signing."""
    weight = engine.round_weight_kg(Decimal(order.dosing_weight_kg))
    dose = engine.round_dose_mg(Decimal(order.dose_mg))
    entered_dose = dose + Decimal(dose_off_by)
    check = DoubleCheck.objects.create(
        order=order,
        checked_by=story.cast.checker,
        checked_at=(order.signed_at or timezone.now()) + timedelta(hours=1),
        entered_weight_kg=weight,
        entered_dose_mg=entered_dose,
        order_weight_kg=weight,
        order_dose_mg=dose,
        weight_matches=True,
        dose_matches=entered_dose == dose,
    )
    _audit(order, story.patient, "Demo seed: order double-checked")
    return check


def _phase(story: Story, course: TreatmentCourse, phase: str, days_ago: float, why: str) -> None:
    at = _ago(days_ago)
    CoursePhaseChange.objects.create(
        course=course,
        from_phase=course.phase,
        to_phase=phase,
        reason=why,
        changed_by=story.cast.prescriber,
        changed_at=at,
    )
    end = why if phase in (CoursePhase.COMPLETED, CoursePhase.DISCONTINUED) else ""
    TreatmentCourse.objects.filter(pk=course.pk).update(
        phase=phase, phase_changed_at=at, end_reason=end
    )
    course.phase = phase
    _audit(course, story.patient, "Demo seed: course phase changed")


def _audit(obj: object, patient: Patient, summary: str) -> None:
    category = "order" if isinstance(obj, InfusionOrder) else "treatment_course"
    record(action=Action.CREATE, category=category, patient=patient, obj=obj, summary=summary)


# --- The stories -------------------------------------------------------------------------------


def _titrating(story: Story) -> None:
    """Induction under way: 0.5 → 0.6 mg/kg, and today's order awaiting its double-check."""
    course = _course(story, 12, 6, "Mon/Wed/Fri for two weeks")
    for sequence, (dose, days) in enumerate([("0.5", 9), ("0.6", 7), ("0.6", 5)], start=1):
        _check(story, _order(story, course, sequence, dose, days))
    _order(story, course, 4, "0.6", 0.1)


def _maintenance(story: Story) -> None:
    """Titrated to 0.75 mg/kg in induction, an overridden 0.8 mg/kg booster, and a booster
    order voided and replaced after review."""
    course = _course(story, 45, 4, "Induction twice weekly, then boosters every 4-6 weeks")
    doses = [("0.5", 44), ("0.6", 41), ("0.7", 38), ("0.75", 35)]
    for sequence, (dose, days) in enumerate(doses, start=1):
        _check(story, _order(story, course, sequence, dose, days))
    _phase(story, course, CoursePhase.MAINTENANCE, 34, "Response after induction")
    reason = (
        "Partial response at 0.75 mg/kg, well tolerated; 0.8 mg/kg agreed with the medical "
        "director for one booster."
    )
    _check(story, _order(story, course, 5, "0.8", 14, override=reason))
    first = _order(story, course, 6, "0.8", 2, override=reason)
    _check(story, _replace(story, course, first, "0.75", 1.5))


def _replace(
    story: Story, course: TreatmentCourse, old: InfusionOrder, dose: str, days_ago: float
) -> InfusionOrder:
    why = "Back to 0.75 mg/kg: the override was for one booster only."
    InfusionOrder.objects.filter(pk=old.pk).update(
        voided_at=_ago(days_ago), voided_by=story.cast.prescriber, void_reason=why
    )
    new = _order(story, course, old.sequence, dose, days_ago)
    InfusionOrder.objects.filter(pk=old.pk).update(replaced_by=new)
    _audit(old, story.patient, "Demo seed: order voided and replaced")
    return new


def _discontinued(story: Story) -> None:
    course = _course(story, 20, 6, "Three a week")
    for sequence, days in enumerate([18, 16], start=1):
        _check(story, _order(story, course, sequence, "0.5", days))
    _phase(story, course, CoursePhase.DISCONTINUED, 15, "Patient chose to stop after two infusions")


def _blocked(story: Story) -> None:
    """A first order whose double-check found a different dose: blocked until resolved."""
    course = _course(story, 1, 6, "Mon/Wed/Fri")
    _check(story, _order(story, course, 1, "0.5", 0.2), dose_off_by="1")


def _completed(story: Story) -> None:
    course = _course(story, 60, 6, "6 infusions over 2 weeks")
    days = [58, 56, 54, 51, 49, 47]
    for sequence, day in enumerate(days, start=1):
        _check(story, _order(story, course, sequence, "0.5", day))
    _phase(story, course, CoursePhase.COMPLETED, 46, "Induction series completed")


def _crps_planned(story: Story) -> None:
    """A CRPS course planned; orders wait for the patient's screening and consent."""
    _course(story, 2, 10, "4 hours daily for 10 days")
