"""Every change to protocols, treatment courses, orders and double-checks, one function each.

Each action runs in one transaction, checks that the actor may do it in the clinic
(``PermissionDenied`` with a message a person can act on), re-checks the clinical rules (so no
caller can bypass them: ``ValidationError`` keyed by form field), and writes the change with its
audit row. Audit summaries say what happened, never clinical content or figures.

The arithmetic is the engine's (engine.py); ``plan_order`` is the one place that turns an
order's inputs into an engine plan, used alike by the live preview, the order and the demo.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Role
from holdspace.dosing import engine
from holdspace.dosing.models import (
    OPEN_PHASES,
    STORED_CONCENTRATION_STEP,
    CoursePhase,
    CoursePhaseChange,
    DoubleCheck,
    InfusionOrder,
    MismatchResolution,
    PreparationKind,
    Protocol,
    TreatmentCourse,
    WeightBasis,
    engine_sex,
    indication_label,
    order_author_ids,
    plain,
    rounded_figures,
    stored,
)
from holdspace.dosing.protocols import SHIPPED
from holdspace.measures.tasks import queue_course_sync
from holdspace.patients.actions import require_role
from holdspace.patients.models import (
    Observation,
    ObservationCode,
    Patient,
    RecordStatus,
    has_current_eligible_screening,
    has_current_treatment_consent,
)

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.clinics.models import Clinic

# --- Messages people see ---------------------------------------------------------------------

PROTOCOL_AUTHORS = "Only a prescriber or a clinic admin can write or change protocols."
PRESCRIBERS_COURSES = "Only a prescriber can start a treatment course or change its phase."
PRESCRIBERS_ORDER = "Only a prescriber can order, sign, change or void an infusion order."
PRESCRIBERS_RESOLVE = "Only a prescriber can record how a double-check mismatch was resolved."
DOUBLE_CHECKERS = "Only a nurse or a prescriber can double-check an infusion order."
OWN_ORDER = (
    "You wrote or signed this order, so your check would not be independent. Ask another "
    "nurse or prescriber to double-check it."
)
NO_SCREENING = "No current eligible screening — sign one before ordering."
NO_CONSENT = (
    "No current treatment consent — record the patient's consent to treatment on the clinic's "
    "current document before ordering."
)
PROTOCOL_CONFLICT = (
    "Someone changed this protocol while you were editing it; nothing was saved. Here is the "
    "protocol as it is now."
)
DOUBLE_CHECK_TOLERANCE_NOTE = (
    "Weight is compared to 0.1 kg and dose to 0.1 mg after rounding half up (the house rule), "
    "with no further tolerance."
)

PROTOCOL_AUTHOR_ROLES = (Role.PRESCRIBER, Role.CLINIC_ADMIN)
CHECKER_ROLES = (Role.NURSE, Role.PRESCRIBER)

# Course phase steps a prescriber may take; completed and discontinued are final.
PHASE_STEPS: dict[str, tuple[str, ...]] = {
    CoursePhase.INDUCTION: (
        CoursePhase.MAINTENANCE,
        CoursePhase.COMPLETED,
        CoursePhase.DISCONTINUED,
    ),
    CoursePhase.MAINTENANCE: (CoursePhase.COMPLETED, CoursePhase.DISCONTINUED),
    CoursePhase.COMPLETED: (),
    CoursePhase.DISCONTINUED: (),
}


class ProtocolConflict(Exception):
    """An edit based on an older revision of the protocol; ``current`` is the row as it is."""

    def __init__(self, current: Protocol) -> None:
        super().__init__(PROTOCOL_CONFLICT)
        self.current = current


def _clean_text(text: str) -> str:
    return " ".join(text.split())


def clinic_day(moment: datetime, clinic: Clinic) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(clinic.time_zone)).strftime("%Y-%m-%d")


# --- Rules shared with forms, views and the live infusion module ---------------------------


def eligibility_problems(patient: Patient) -> list[str]:
    """What stops any infusion from being ordered (or started) for this patient now."""
    problems = []
    if not has_current_eligible_screening(patient):
        problems.append(NO_SCREENING)
    if not has_current_treatment_consent(patient):
        problems.append(NO_CONSENT)
    return problems


def weight_age_problem(
    weight_kg: Decimal,
    measured_at: datetime,
    protocol: Protocol,
    clinic: Clinic,
    now: datetime | None = None,
) -> str | None:
    """CLINICAL.md section 1: the weight used must be recent (the protocol's limit, in days)."""
    age = (now or timezone.now()) - measured_at
    limit = protocol.weight_max_age_days
    if age.total_seconds() <= limit * 86400:
        return None
    # "31 days ago", or "more than 30 days ago" when it is only hours past the limit.
    ago = _days(age.days) if age.days > limit else f"more than {_days(limit)}"
    return (
        f"The weight of {Decimal(weight_kg).normalize():f} kg was measured on "
        f"{clinic_day(measured_at, clinic)} ({ago} ago). This protocol needs a weight "
        f"measured within the last {_days(limit) if limit != 1 else 'day'}: weigh the "
        "patient, record it on the chart and choose the new weight."
    )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def weight_choice_problem(observation: Observation, patient: Patient) -> str | None:
    if observation.patient_id != patient.pk or observation.code != ObservationCode.BODY_WEIGHT:
        return "Choose one of this patient's recorded weights."
    if observation.status != RecordStatus.FINAL:
        return "This weight was marked entered in error; choose another."
    return None


def latest_height(patient: Patient) -> Observation | None:
    return patient.latest_observation(ObservationCode.BODY_HEIGHT)


def preparation_from(
    kind: str,
    premixed_concentration_mg_ml: Decimal | None,
    stock_mg_ml: Decimal | None,
    bag_ml: Decimal | None,
) -> engine.Preparation:
    """The engine's preparation from form values, or ValidationError naming the missing field."""
    if kind == PreparationKind.PREMIXED:
        if premixed_concentration_mg_ml is None:
            raise ValidationError(
                {"premixed_concentration_mg_ml": "Enter the premixed concentration."}
            )
        return engine.Premixed(Decimal(premixed_concentration_mg_ml))
    if kind == PreparationKind.BAG:
        missing = {}
        if stock_mg_ml is None:
            missing["stock_mg_ml"] = "Enter the stock vial strength."
        if bag_ml is None:
            missing["bag_ml"] = "Enter the bag volume."
        if missing:
            raise ValidationError(missing)
        return engine.BagAdmixture(Decimal(stock_mg_ml), Decimal(bag_ml))
    raise ValidationError({"preparation_kind": "Choose premixed or a bag."})


@dataclass(frozen=True)
class OrderPlan:
    """The engine's plan for an order's inputs, with the protocol's range checked too."""

    plan: engine.InfusionPlan
    range_stops: tuple[str, ...]
    extra_warnings: tuple[str, ...]
    height: Observation | None

    @property
    def hard_stops(self) -> tuple[str, ...]:
        return self.range_stops + self.plan.hard_stops

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.plan.warnings + self.extra_warnings

    @property
    def shown(self) -> dict[str, Decimal | None]:
        return rounded_figures(self.plan)

    @property
    def basis_label(self) -> str:
        return WeightBasis(self.plan.basis.value).label


def plan_order(
    *,
    protocol: Protocol,
    patient: Patient,
    amount: Decimal,
    weight: Observation,
    basis: str,
    preparation: engine.Preparation,
    sequence: int | None = None,
    planned_infusions: int | None = None,
) -> OrderPlan:
    """The plan for these inputs: the engine's figures, warnings and cap breaches, plus the
    protocol's allowed-range check and a warning past the course's planned number."""
    height = latest_height(patient)
    dosing = engine.dosing_weight(
        Decimal(weight.value),
        None if height is None else Decimal(height.value),
        engine_sex(patient.sex_at_birth),
        engine.WeightBasis(basis),
    )
    order = protocol.dose_order(Decimal(amount))
    plan = engine.plan_infusion(dosing, order, preparation, protocol.caps())
    ranges = engine.check_dose_range(
        order, Decimal(protocol.min_amount), Decimal(protocol.max_amount)
    )
    extra = ()
    if sequence is not None and planned_infusions is not None and sequence > planned_infusions:
        extra = (f"This is infusion {sequence} of a course planned for {planned_infusions}.",)
    return OrderPlan(plan, ranges, extra, height)


def override_problem(plan: OrderPlan, override_reason: str) -> str | None:
    if not plan.hard_stops or override_reason:
        return None
    stops = "; ".join(plan.hard_stops)
    return (
        f"Hard stop: {stops}. Change the dose, or give your reason for overriding; the order "
        "will then be flagged as overridden wherever it appears."
    )


@dataclass(frozen=True)
class TitrationView:
    advice: engine.TitrationAdvice
    previous: list[InfusionOrder]

    @property
    def suggested(self) -> str:
        return plain(self.advice.suggested_mg_per_kg)


def titration_advice(
    course: TreatmentCourse, protocol: Protocol, replacing: InfusionOrder | None = None
) -> TitrationView | None:
    """ADVICE ONLY, never applied: the engine's suggestion from this course's earlier active
    orders (their mg/kg). Tolerance is not recorded yet (the live infusion module will record
    adverse events and blood pressure), so it is passed as unknown, and so is the response
    (the outcomes module); the engine then never suggests a step up."""
    policy = protocol.titration_policy()
    if policy is None:
        return None
    before = replacing.sequence if replacing is not None else course.next_sequence()
    previous = [
        order
        for order in course.orders.filter(signed_at__isnull=False, voided_at__isnull=True)
        .select_related("protocol")
        .order_by("sequence")
        if order.sequence < before and order.dose_mode == protocol.dose_mode
    ]
    priors = [
        engine.PriorInfusion(
            Decimal(order.amount),
            max_adverse_event_grade=None,
            peak_systolic=None,
            peak_diastolic=None,
            hold_systolic=protocol.bp_hold_systolic,
            hold_diastolic=protocol.bp_hold_diastolic,
        )
        for order in previous
    ]
    advice = engine.advise_titration(policy, priors, engine.ResponseSoFar.UNKNOWN)
    return TitrationView(advice, previous)


# --- Protocols -------------------------------------------------------------------------------

# The protocol's own settings: what a version consists of (copied into the next version).
PROTOCOL_FIELDS = [
    field.name
    for field in Protocol._meta.get_fields()
    if getattr(field, "editable", False)
    and field.name not in {"id", "clinic", "created_by", "created_at"}
    and not field.auto_created
]


def _require_protocol_author(actor: User, clinic: Clinic, request: HttpRequest | None) -> None:
    require_role(actor, clinic.pk, PROTOCOL_AUTHOR_ROLES, PROTOCOL_AUTHORS, request)


# The database enforces the constraints (one current version per protocol); full_clean checks
# the settings themselves.
_NOT_FROM_FORM = ["clinic", "created_by", "superseded_by"]


def _save_new_protocol(protocol: Protocol) -> Protocol:
    protocol.full_clean(exclude=_NOT_FROM_FORM, validate_constraints=False)
    protocol.save(force_insert=True)
    return protocol


@transaction.atomic
def create_protocol(
    *, actor: User, clinic: Clinic, values: dict[str, Any], request: HttpRequest | None = None
) -> Protocol:
    _require_protocol_author(actor, clinic, request)
    protocol = _save_new_protocol(Protocol(clinic=clinic, created_by=actor, **values))
    record(
        action=Action.CREATE,
        category="protocol",
        request=request,
        actor=actor,
        clinic=clinic,
        obj=protocol,
        summary="Protocol created (version 1)",
    )
    return protocol


@transaction.atomic
def add_shipped_protocols(
    *, actor: User | None, clinic: Clinic, request: HttpRequest | None = None
) -> list[Protocol]:
    """Add the protocols holdspace ships that this clinic does not have yet (idempotent).

    ``actor`` None is the demo seed; everyone else must be a prescriber or clinic admin."""
    if actor is not None:
        _require_protocol_author(actor, clinic, request)
    have = set(
        Protocol.objects.filter(clinic=clinic)
        .exclude(shipped_key="")
        .values_list("shipped_key", flat=True)
    )
    added = []
    for shipped in SHIPPED:
        if shipped.key in have:
            continue
        protocol = Protocol(clinic=clinic, created_by=actor, shipped_key=shipped.key)
        for name, value in shipped.values.items():
            setattr(protocol, name, value)
        added.append(_save_new_protocol(protocol))
        record(
            action=Action.CREATE,
            category="protocol",
            request=request,
            actor=actor,
            clinic=clinic,
            obj=protocol,
            summary="Shipped protocol added (version 1)",
        )
    return added


@transaction.atomic
def edit_protocol(
    *,
    actor: User,
    protocol: Protocol,
    values: dict[str, Any],
    expected_revision: int | None,
    request: HttpRequest | None = None,
) -> Protocol:
    """Change a protocol. Returns the version now in force.

    A version that any order used is never changed: the edit becomes the next version and this
    one is marked superseded (orders keep pointing at the version they were made with)."""
    _require_protocol_author(actor, protocol.clinic, request)
    current = Protocol.objects.select_for_update().get(pk=protocol.pk)
    if not current.is_current:
        raise ValidationError(
            f"Version {current.version} has been superseded; edit the current version instead."
        )
    if expected_revision is None or current.revision != expected_revision:
        raise ProtocolConflict(current)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if not changed:
        return current
    if current.is_in_use():
        return _next_version(actor, current, values, changed, request)
    for name in changed:
        setattr(current, name, values[name])
    current.full_clean(exclude=_NOT_FROM_FORM)
    current.revision += 1
    current.save()
    record(
        action=Action.UPDATE,
        category="protocol",
        request=request,
        actor=actor,
        clinic=current.clinic,
        obj=current,
        summary=f"Protocol version {current.version} changed: {', '.join(changed)}"[:300],
    )
    return current


def _next_version(
    actor: User,
    old: Protocol,
    values: dict[str, Any],
    changed: list[str],
    request: HttpRequest | None,
) -> Protocol:
    copied = {name: getattr(old, name) for name in PROTOCOL_FIELDS} | values
    new = Protocol(
        clinic=old.clinic,
        created_by=actor,
        lineage=old.lineage,
        version=old.version + 1,
        shipped_key=old.shipped_key,
        **copied,
    )
    new.full_clean(exclude=_NOT_FROM_FORM, validate_constraints=False)
    # The old version stops being current before the new one exists (one current per lineage).
    now = timezone.now()
    Protocol.objects.filter(pk=old.pk).update(superseded_at=now)
    new.save(force_insert=True)
    Protocol.objects.filter(pk=old.pk).update(superseded_by=new)
    old.superseded_at, old.superseded_by = now, new
    record(
        action=Action.CREATE,
        category="protocol",
        request=request,
        actor=actor,
        clinic=old.clinic,
        obj=new,
        summary=(
            f"Protocol version {new.version} created because version {old.version} is used by "
            f"orders; changed: {', '.join(changed)}"
        )[:300],
    )
    return new


# --- Treatment courses -----------------------------------------------------------------------


def _require_prescriber(
    actor: User, clinic_id: int, message: str, request: HttpRequest | None
) -> None:
    require_role(actor, clinic_id, [Role.PRESCRIBER], message, request)


@transaction.atomic
def start_course(
    *,
    actor: User,
    patient: Patient,
    protocol: Protocol,
    indication_category: str,
    planned_infusions: int,
    schedule_note: str = "",
    request: HttpRequest | None = None,
) -> TreatmentCourse:
    _require_prescriber(actor, patient.clinic_id, PRESCRIBERS_COURSES, request)
    if protocol.clinic_id != patient.clinic_id or not protocol.is_current:
        raise ValidationError({"protocol": "Choose one of this clinic's current protocols."})
    if indication_category not in (protocol.indication_categories or []):
        raise ValidationError(
            {
                "indication_category": f"“{protocol.name}” is written for "
                f"{', '.join(protocol.indication_labels)}, not "
                f"{indication_label(indication_category)}. Choose a protocol for this "
                "indication, or add the indication to the protocol first."
            }
        )
    if not 1 <= planned_infusions <= 60:
        raise ValidationError({"planned_infusions": "Plan between 1 and 60 infusions."})
    course = TreatmentCourse.objects.create(
        patient=patient,
        protocol=protocol,
        indication_category=indication_category,
        planned_infusions=planned_infusions,
        schedule_note=_clean_text(schedule_note),
        created_by=actor,
    )
    record(
        action=Action.CREATE,
        category="treatment_course",
        request=request,
        actor=actor,
        patient=patient,
        obj=course,
        summary="Treatment course started (induction)",
    )
    # The course's questionnaires (baseline first) are scheduled after this commits.
    queue_course_sync(course)
    return course


@transaction.atomic
def change_course_phase(
    *,
    actor: User,
    course: TreatmentCourse,
    phase: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> TreatmentCourse:
    """Induction → maintenance, or either → completed / discontinued (with a reason)."""
    patient = course.patient
    _require_prescriber(actor, patient.clinic_id, PRESCRIBERS_COURSES, request)
    current = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
    if phase not in PHASE_STEPS.get(current.phase, ()):
        raise ValidationError(
            {
                "phase": f"A course in {current.get_phase_display().lower()} cannot move to "
                f"{CoursePhase(phase).label.lower() if phase in CoursePhase.values else phase}."
            }
        )
    reason = " ".join(reason.split())
    if phase == CoursePhase.DISCONTINUED and not reason:
        raise ValidationError({"reason": "Give the reason the course is discontinued."})
    now = timezone.now()
    CoursePhaseChange.objects.create(
        course=current,
        from_phase=current.phase,
        to_phase=phase,
        reason=reason,
        changed_by=actor,
        changed_at=now,
    )
    before = current.get_phase_display()
    fields = {"phase": phase, "phase_changed_at": now}
    if phase in (CoursePhase.COMPLETED, CoursePhase.DISCONTINUED):
        fields["end_reason"] = reason
    TreatmentCourse.objects.filter(pk=current.pk).update(**fields)
    current.refresh_from_db()
    record(
        action=Action.UPDATE,
        category="treatment_course",
        request=request,
        actor=actor,
        patient=patient,
        obj=current,
        summary=f"Course phase changed: {before} → {current.get_phase_display()}",
    )
    course.phase, course.phase_changed_at = current.phase, current.phase_changed_at
    course.end_reason = current.end_reason
    # A new phase changes what is due (follow-ups start after induction; a discontinued course's
    # due questionnaires are cancelled with the reason).
    queue_course_sync(current)
    return current


# --- Orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderInputs:
    """What the prescriber entered on the order form."""

    amount: Decimal
    weight: Observation
    basis: str
    preparation_kind: str
    premixed_concentration_mg_ml: Decimal | None = None
    stock_mg_ml: Decimal | None = None
    bag_ml: Decimal | None = None
    override_reason: str = ""

    def preparation(self) -> engine.Preparation:
        return preparation_from(
            self.preparation_kind, self.premixed_concentration_mg_ml, self.stock_mg_ml, self.bag_ml
        )


def _order_refusals(course: TreatmentCourse, protocol: Protocol, inputs: OrderInputs) -> None:
    """Raise ValidationError for every rule that stops this order, keyed by form field."""
    patient = course.patient
    if course.phase not in OPEN_PHASES:
        raise ValidationError(
            f"This course is {course.get_phase_display().lower()}: start a new course to "
            "order more infusions."
        )
    problems = eligibility_problems(patient)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems})
    weight = inputs.weight
    problem = weight_choice_problem(weight, patient) or weight_age_problem(
        weight.value, weight.measured_at, protocol, patient.clinic
    )
    if problem:
        raise ValidationError({"weight_observation": problem})


def plan_values(plan: OrderPlan) -> dict[str, Any]:
    exact = plan.plan
    return {
        "basis_used": exact.basis.value,
        "dosing_weight_kg": stored(exact.dosing_weight_kg),
        "dose_mg": stored(exact.dose_mg),
        "drawn_ml": None if exact.drawn_ml is None else stored(exact.drawn_ml),
        "total_ml": stored(exact.total_ml),
        "concentration_mg_ml": stored(exact.concentration_mg_ml, STORED_CONCENTRATION_STEP),
        "rate_ml_h": stored(exact.rate_ml_h),
        "duration_minutes": exact.duration_min,
        "warnings": list(plan.warnings),
        "hard_stops": list(plan.hard_stops),
    }


def _void(order: InfusionOrder, actor: User, reason: str, now: datetime) -> None:
    updated = InfusionOrder.objects.filter(pk=order.pk, voided_at__isnull=True).update(
        voided_at=now, voided_by=actor, void_reason=reason
    )
    if not updated:
        raise ValidationError("This order is already void.")
    order.voided_at, order.voided_by, order.void_reason = now, actor, reason


@transaction.atomic
def create_order(
    *,
    actor: User,
    course: TreatmentCourse,
    inputs: OrderInputs,
    sign: bool = False,
    expected_protocol_version: int | None = None,
    replaces: InfusionOrder | None = None,
    void_reason: str = "",
    request: HttpRequest | None = None,
) -> InfusionOrder:
    """Order one infusion of ``course``, computed by the engine; sign it now if asked.

    ``replaces`` is a change: the old order is voided (with ``void_reason``) and the new one,
    always signed, takes its place in the course. ``expected_protocol_version`` is the version
    the prescriber saw; if the protocol changed meanwhile, nothing is saved."""
    patient = course.patient
    _require_prescriber(actor, patient.clinic_id, PRESCRIBERS_ORDER, request)
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    protocol = Protocol.objects.select_for_update().get(pk=course.current_protocol().pk)
    if expected_protocol_version is not None and protocol.version != expected_protocol_version:
        raise ValidationError(
            f"The protocol changed to version {protocol.version} while you were ordering. "
            "Check the plan below and sign again."
        )
    _order_refusals(course, protocol, inputs)
    now = timezone.now()
    void_reason = _clean_text(void_reason)
    if replaces is not None:
        replaces = _check_replaceable(course, replaces, void_reason, sign)
    sequence = replaces.sequence if replaces is not None else course.next_sequence()
    plan = plan_order(
        protocol=protocol,
        patient=patient,
        amount=inputs.amount,
        weight=inputs.weight,
        basis=inputs.basis,
        preparation=inputs.preparation(),
        sequence=sequence,
        planned_infusions=course.planned_infusions,
    )
    override = _clean_text(inputs.override_reason)
    problem = override_problem(plan, override)
    if problem:
        raise ValidationError({"override_reason": problem})
    advice = titration_advice(course, protocol, replacing=replaces)
    if replaces is not None:
        _void(replaces, actor, void_reason, now)
    order = InfusionOrder(
        course=course,
        sequence=sequence,
        protocol=protocol,
        dose_mode=protocol.dose_mode,
        amount=inputs.amount,
        weight_observation=inputs.weight,
        weight_kg=inputs.weight.value,
        weight_measured_at=inputs.weight.measured_at,
        height_observation=plan.height,
        height_cm=None if plan.height is None else plan.height.value,
        sex=patient.sex_at_birth,
        basis_requested=inputs.basis,
        preparation_kind=inputs.preparation_kind,
        premixed_concentration_mg_ml=_only_if(
            inputs.preparation_kind == PreparationKind.PREMIXED,
            inputs.premixed_concentration_mg_ml,
        ),
        stock_mg_ml=_only_if(inputs.preparation_kind == PreparationKind.BAG, inputs.stock_mg_ml),
        bag_ml=_only_if(inputs.preparation_kind == PreparationKind.BAG, inputs.bag_ml),
        override_reason=override if plan.hard_stops else "",
        titration_advice=advice.advice.reason if advice else "",
        created_by=actor,
        created_at=now,
        signed_by=actor if sign else None,
        signed_at=now if sign else None,
        **plan_values(plan),
    )
    _insert_order(order)
    if replaces is not None:
        InfusionOrder.objects.filter(pk=replaces.pk).update(replaced_by=order)
        replaces.replaced_by = order
    _audit_new_order(order, replaces, request, actor)
    return order


def _only_if(condition: bool, value: Decimal | None) -> Decimal | None:
    return value if condition else None


def _check_replaceable(
    course: TreatmentCourse, old: InfusionOrder, reason: str, sign: bool
) -> InfusionOrder:
    old = InfusionOrder.objects.select_for_update().get(pk=old.pk)
    if old.course_id != course.pk:
        raise ValidationError("That order belongs to another course.")
    if old.is_voided:
        raise ValidationError(
            "This order is already void; change its replacement instead, if it has one."
        )
    if not reason:
        raise ValidationError({"void_reason": "Give the reason the order is being changed."})
    if not sign:
        raise ValidationError("A replacement order is signed when it is placed.")
    return old


def _insert_order(order: InfusionOrder) -> None:
    try:
        with transaction.atomic():
            order.save(force_insert=True)
    except IntegrityError as error:
        raise ValidationError(
            f"Infusion {order.sequence} of this course already has a signed order. To change "
            "it, open that order and choose “Change order”, which voids it."
        ) from error


def _audit_new_order(
    order: InfusionOrder,
    replaces: InfusionOrder | None,
    request: HttpRequest | None,
    actor: User,
) -> None:
    patient = order.course.patient
    flag = " (hard stop overridden)" if order.is_overridden else ""
    if replaces is not None:
        record(
            action=Action.UPDATE,
            category="order",
            request=request,
            actor=actor,
            patient=patient,
            obj=replaces,
            summary=f"Infusion {replaces.sequence} order voided: replaced by a new order",
        )
    record(
        action=Action.CREATE,
        category="order",
        request=request,
        actor=actor,
        patient=patient,
        obj=order,
        summary=f"Infusion {order.sequence} order created{flag}",
    )
    if order.is_signed:
        record(
            action=Action.SIGN,
            category="order",
            request=request,
            actor=actor,
            patient=patient,
            obj=order,
            summary=f"Infusion {order.sequence} order signed{flag}",
        )


@transaction.atomic
def sign_order(
    *, actor: User, order: InfusionOrder, request: HttpRequest | None = None
) -> InfusionOrder:
    """Sign a draft. The rules are checked again: time has passed since it was drafted."""
    course = order.course
    patient = course.patient
    _require_prescriber(actor, patient.clinic_id, PRESCRIBERS_ORDER, request)
    current = InfusionOrder.objects.select_for_update().get(pk=order.pk)
    if current.is_signed or current.is_voided:
        raise ValidationError("This order is already signed or void; it cannot be signed.")
    course = TreatmentCourse.objects.select_related("patient").get(pk=course.pk)
    inputs = OrderInputs(
        amount=current.amount,
        weight=current.weight_observation,
        basis=current.basis_requested,
        preparation_kind=current.preparation_kind,
    )
    _order_refusals(course, current.protocol, inputs)
    if not current.protocol.is_current:
        raise ValidationError(
            "The protocol has a newer version since this draft was written. Change the order "
            "to use the current version."
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            InfusionOrder.objects.filter(pk=current.pk).update(signed_by=actor, signed_at=now)
    except IntegrityError as error:
        raise ValidationError(
            f"Infusion {current.sequence} of this course already has a signed order."
        ) from error
    order.signed_by, order.signed_at = actor, now
    flag = " (hard stop overridden)" if order.is_overridden else ""
    record(
        action=Action.SIGN,
        category="order",
        request=request,
        actor=actor,
        patient=patient,
        obj=order,
        summary=f"Infusion {order.sequence} order signed{flag}",
    )
    return order


@transaction.atomic
def void_order(
    *, actor: User, order: InfusionOrder, reason: str, request: HttpRequest | None = None
) -> InfusionOrder:
    """Cancel an order without replacing it (the infusion will not be given on it)."""
    patient = order.course.patient
    _require_prescriber(actor, patient.clinic_id, PRESCRIBERS_ORDER, request)
    reason = _clean_text(reason)
    if not reason:
        raise ValidationError({"reason": "Give the reason the order is voided."})
    _void(order, actor, reason, timezone.now())
    record(
        action=Action.UPDATE,
        category="order",
        request=request,
        actor=actor,
        patient=patient,
        obj=order,
        summary=f"Infusion {order.sequence} order voided",
    )
    return order


# --- The independent double-check ------------------------------------------------------------


def double_check_refusal(order: InfusionOrder) -> str | None:
    """Why this order cannot be double-checked now (any checker), or None."""
    state = order.check_state
    if state == "voided":
        return "This order is void; double-check the order that replaced it, if any."
    if state == "draft":
        return "This order is not signed yet; only a signed order can be double-checked."
    if state == "checked":
        return "This order has already been double-checked, with a match."
    if state == "blocked":
        latest = order.latest_double_check()
        differing = " and ".join(latest.differing) if latest else "a value"
        return (
            f"The last double-check did not match ({differing}). The order is blocked until "
            "the prescriber records how it was resolved, or replaces the order."
        )
    return None


def require_independent_checker(
    actor: User, order: InfusionOrder, request: HttpRequest | None = None
) -> None:
    """PermissionDenied unless ``actor`` is a nurse or prescriber who neither wrote nor signed
    the order."""
    clinic_id = order.course.patient.clinic_id
    require_role(actor, clinic_id, CHECKER_ROLES, DOUBLE_CHECKERS, request)
    if actor.pk in order_author_ids(order):
        raise PermissionDenied(OWN_ORDER)


@transaction.atomic
def double_check_order(
    *,
    actor: User,
    order: InfusionOrder,
    weight_kg: Decimal,
    dose_mg: Decimal,
    request: HttpRequest | None = None,
) -> DoubleCheck:
    """Compare the checker's own weight and dose with the order's and keep both sides.

    Tolerance: none after the house rounding (0.1 kg, 0.1 mg, half up; CLINICAL.md section 1).
    Two correct independent calculations from the same recorded weight agree exactly at that
    step, and any wider tolerance would let a real error (72.5 kg read as 72.6) through.
    A mismatch is stored (and committed) and blocks the order; it is not an exception.
    """
    current = (
        InfusionOrder.objects.select_for_update().select_related("course__patient").get(pk=order.pk)
    )
    # Checked on the locked row: a draft signed a moment ago has a new signer.
    require_independent_checker(actor, current, request)
    refusal = double_check_refusal(current)
    if refusal:
        raise ValidationError(refusal)
    expected_weight = engine.round_weight_kg(Decimal(current.dosing_weight_kg))
    expected_dose = engine.round_dose_mg(Decimal(current.dose_mg))
    check = DoubleCheck.objects.create(
        order=current,
        checked_by=actor,
        entered_weight_kg=weight_kg,
        entered_dose_mg=dose_mg,
        order_weight_kg=expected_weight,
        order_dose_mg=expected_dose,
        weight_matches=engine.round_weight_kg(Decimal(weight_kg)) == expected_weight,
        dose_matches=engine.round_dose_mg(Decimal(dose_mg)) == expected_dose,
    )
    outcome = "match" if check.matched else f"mismatch ({', '.join(check.differing)})"
    record(
        action=Action.CREATE,
        category="order_double_check",
        request=request,
        actor=actor,
        patient=order.course.patient,
        obj=current,
        summary=f"Infusion {current.sequence} order double-check: {outcome}",
    )
    return check


@transaction.atomic
def resolve_mismatch(
    *, actor: User, order: InfusionOrder, note: str, request: HttpRequest | None = None
) -> MismatchResolution:
    """The prescriber's note on how a mismatch was resolved; a new double-check may follow."""
    patient = order.course.patient
    _require_prescriber(actor, patient.clinic_id, PRESCRIBERS_RESOLVE, request)
    current = InfusionOrder.objects.select_for_update().get(pk=order.pk)
    if current.check_state != "blocked":
        raise ValidationError("There is no unresolved double-check mismatch on this order.")
    note = _clean_text(note)
    if not note:
        raise ValidationError({"note": "Say how the mismatch was resolved."})
    latest = current.latest_double_check()
    assert latest is not None
    resolution = MismatchResolution.objects.create(
        double_check=latest, resolved_by=actor, note=note
    )
    record(
        action=Action.UPDATE,
        category="order_double_check",
        request=request,
        actor=actor,
        patient=patient,
        obj=current,
        summary=f"Infusion {current.sequence} order: double-check mismatch resolved",
    )
    return resolution
