"""Protocol, course, order and double-check pages: fetch-and-authorize → act → respond.

Every object is fetched through a helper scoped to ``request.clinic``, so another clinic's id
is a 404 for every role, before any role check; a role refusal after the fetch is a 403 with
the reason. The actions (actions.py) check roles and rules again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import Role
from holdspace.dosing import actions
from holdspace.dosing.forms import (
    CourseForm,
    DoubleCheckForm,
    OrderForm,
    PhaseForm,
    ProtocolForm,
    ResolveForm,
    VoidForm,
)
from holdspace.dosing.models import InfusionOrder, Protocol, TreatmentCourse
from holdspace.dosing.protocols import ALERT_DEFAULTS, SHIPPED, STARTING_POINT
from holdspace.patients.actions import require_role
from holdspace.patients.views import (
    GET_POST,
    audit_read,
    current_role,
    get_patient_for,
)

TOLERANCE_PENDING = (
    "Tolerance data arrives with the live infusion module: adverse events and peak blood "
    "pressure are not recorded yet, so this advice cannot weigh them and never suggests a "
    "step up. Response so far is not measured yet either."
)

# --- Fetch and authorize ---------------------------------------------------------------------


def get_protocol_for(request: HttpRequest, protocol_id: uuid.UUID) -> Protocol:
    return get_object_or_404(
        Protocol.objects.select_related("clinic", "created_by"),
        public_id=protocol_id,
        clinic=request.clinic,
    )


def get_course_for(request: HttpRequest, course_id: uuid.UUID) -> TreatmentCourse:
    return get_object_or_404(
        TreatmentCourse.objects.select_related("patient__clinic", "protocol", "created_by"),
        public_id=course_id,
        patient__clinic=request.clinic,
    )


def get_order_for(request: HttpRequest, order_id: uuid.UUID) -> InfusionOrder:
    return get_object_or_404(
        InfusionOrder.objects.select_related(
            "course__patient__clinic",
            "protocol",
            "weight_observation",
            "created_by",
            "signed_by",
            "voided_by",
            "replaced_by",
        ),
        public_id=order_id,
        course__patient__clinic=request.clinic,
    )


def require(request: HttpRequest, roles: Any, message: str) -> str:
    """403 with ``message`` unless the person's role here is one of ``roles``."""
    return require_role(request.user, request.clinic.pk, roles, message, request)


def _role_is(request: HttpRequest, *roles: str) -> bool:
    return current_role(request) in roles


def course_url(course: TreatmentCourse) -> str:
    return reverse("dosing:course", kwargs={"course_id": course.public_id})


def order_url(order: InfusionOrder) -> str:
    return reverse("dosing:order", kwargs={"order_id": order.public_id})


def _post_or_none(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- Protocols -------------------------------------------------------------------------------


def _missing_shipped(request: HttpRequest) -> list[str]:
    have = set(Protocol.objects.filter(clinic=request.clinic).values_list("shipped_key", flat=True))
    return [str(shipped.values["name"]) for shipped in SHIPPED if shipped.key not in have]


@require_http_methods(["GET"])
@clinic_member_required()
def protocol_list(request: HttpRequest) -> HttpResponse:
    protocols = Protocol.objects.current().filter(clinic=request.clinic)
    can_write = _role_is(request, *actions.PROTOCOL_AUTHOR_ROLES)
    context = {
        "protocols": protocols,
        "can_write": can_write,
        "missing_shipped": _missing_shipped(request) if can_write else [],
        "starting_point": STARTING_POINT,
    }
    return render(request, "dosing/protocol_list.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def add_shipped_protocols(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        added = actions.add_shipped_protocols(
            actor=request.user, clinic=request.clinic, request=request
        )
        if added:
            names = ", ".join(protocol.name for protocol in added)
            messages.success(request, f"Added: {names}. {STARTING_POINT}")
        else:
            messages.info(request, "This clinic already has every shipped protocol.")
    return redirect("dosing:protocols")


@require_http_methods(GET_POST)
@clinic_member_required()
def new_protocol(request: HttpRequest) -> HttpResponse:
    require(request, actions.PROTOCOL_AUTHOR_ROLES, actions.PROTOCOL_AUTHORS)
    initial = {**ALERT_DEFAULTS, "weight_max_age_days": 30, "min_interval_hours": 24}
    form = ProtocolForm(_post_or_none(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            protocol = actions.create_protocol(
                actor=request.user, clinic=request.clinic, values=form.values(), request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Protocol “{protocol.name}” saved as version 1.")
            return redirect("dosing:protocol", protocol_id=protocol.public_id)
    return render(
        request,
        "dosing/protocol_form.html",
        {"form": form, "protocol": None},
    )


@require_http_methods(["GET"])
@clinic_member_required()
def protocol_detail(request: HttpRequest, protocol_id: uuid.UUID) -> HttpResponse:
    protocol = get_protocol_for(request, protocol_id)
    context = {
        "protocol": protocol,
        "versions": protocol.versions().select_related("created_by"),
        "orders_using": protocol.orders.count(),
        "can_edit": protocol.is_current and _role_is(request, *actions.PROTOCOL_AUTHOR_ROLES),
        "starting_point": STARTING_POINT,
    }
    return render(request, "dosing/protocol_detail.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def edit_protocol(request: HttpRequest, protocol_id: uuid.UUID) -> HttpResponse:
    protocol = get_protocol_for(request, protocol_id)
    require(request, actions.PROTOCOL_AUTHOR_ROLES, actions.PROTOCOL_AUTHORS)
    if not protocol.is_current:
        messages.error(
            request, f"Version {protocol.version} is superseded; this is the current one."
        )
        return redirect("dosing:edit_protocol", protocol_id=protocol.current_version().public_id)
    # The form works on its own copy, so the page keeps showing the version as saved.
    form = ProtocolForm(_post_or_none(request), instance=Protocol.objects.get(pk=protocol.pk))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.edit_protocol(
                actor=request.user,
                protocol=protocol,
                values=form.values(),
                expected_revision=form.cleaned_data["revision"],
                request=request,
            )
        except actions.ProtocolConflict as error:
            conflict = str(error)
            form = ProtocolForm(instance=error.current)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if saved.pk != protocol.pk:
                messages.success(
                    request,
                    f"Saved as version {saved.version}. Version {protocol.version} is kept, "
                    "marked superseded, because orders were made with it.",
                )
            else:
                messages.success(request, "Protocol saved.")
            return redirect("dosing:protocol", protocol_id=saved.public_id)
    context = {
        "form": form,
        "protocol": protocol,
        "in_use": protocol.is_in_use(),
        "conflict": conflict,
    }
    return render(request, "dosing/protocol_form.html", context, status=409 if conflict else 200)


# --- Treatment courses -----------------------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def new_course(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    require(request, [Role.PRESCRIBER], actions.PRESCRIBERS_COURSES)
    form = CourseForm(_post_or_none(request), patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            course = actions.start_course(
                actor=request.user, patient=patient, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Treatment course started in induction.")
            return redirect(course_url(course))
    context = {
        "form": form,
        "patient": patient,
        "has_protocols": Protocol.objects.current().filter(clinic=request.clinic).exists(),
        "eligibility_problems": actions.eligibility_problems(patient),
    }
    return render(request, "dosing/course_form.html", context)


@require_http_methods(["GET"])
@clinic_member_required()
def course_detail(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    course = get_course_for(request, course_id)
    patient = course.patient
    course = TreatmentCourse.objects.for_chart().get(pk=course.pk)
    course.patient = patient
    audit_read(request, "treatment_course", patient, course, "Treatment course opened")
    is_prescriber = _role_is(request, Role.PRESCRIBER)
    context = {
        "course": course,
        "patient": patient,
        "protocol": course.current_protocol(),
        "orders": list(course.orders.all()),
        "phase_changes": course.phase_changes.select_related("changed_by"),
        "can_order": is_prescriber and course.is_open,
        "can_change_phase": is_prescriber and course.is_open,
        "eligibility_problems": actions.eligibility_problems(patient),
    }
    return render(request, "dosing/course_detail.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def course_phase(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    course = get_course_for(request, course_id)
    require(request, [Role.PRESCRIBER], actions.PRESCRIBERS_COURSES)
    if not course.is_open:
        messages.error(
            request, f"This course is {course.get_phase_display().lower()}; it is final."
        )
        return redirect(course_url(course))
    form = PhaseForm(_post_or_none(request), course=course)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_course_phase(
                actor=request.user, course=course, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The course is now in {course.get_phase_display().lower()}.")
            return redirect(course_url(course))
    context = {"form": form, "course": course, "patient": course.patient}
    return render(request, "dosing/course_phase.html", context)


# --- Orders ----------------------------------------------------------------------------------


def _plan_context(
    form: OrderForm,
    course: TreatmentCourse,
    protocol: Protocol,
    replacing: InfusionOrder | None,
) -> dict[str, Any]:
    """The live plan for what the form holds, or what is still missing to compute it."""
    if not form.is_bound:
        form = OrderForm(
            {**form.initial, "weight_observation": form.initial.get("weight_observation") or ""},
            course=course,
            protocol=protocol,
            replacing=replacing,
        )
    form.is_valid()
    data = form.cleaned_data
    needed = ["amount", "weight_observation", "basis", "preparation_kind"]
    preparation_fields = ["premixed_concentration_mg_ml", "stock_mg_ml", "bag_ml"]
    missing = [form.fields[name].label for name in needed if name not in data]
    missing += [form.fields[name].label for name in preparation_fields if name in form.errors]
    if missing:
        return {"plan": None, "missing": missing}
    inputs = form.inputs()
    patient = course.patient
    sequence = replacing.sequence if replacing is not None else course.next_sequence()
    plan = actions.plan_order(
        protocol=protocol,
        patient=patient,
        amount=inputs.amount,
        weight=inputs.weight,
        basis=inputs.basis,
        preparation=inputs.preparation(),
        sequence=sequence,
        planned_infusions=course.planned_infusions,
    )
    weight_problem = actions.weight_age_problem(
        inputs.weight.value, inputs.weight.measured_at, protocol, patient.clinic
    )
    return {"plan": plan, "missing": [], "weight_problem": weight_problem, "sequence": sequence}


def _order_page(
    request: HttpRequest, course: TreatmentCourse, replacing: InfusionOrder | None = None
) -> HttpResponse:
    protocol = course.current_protocol()
    form = OrderForm(_post_or_none(request), course=course, protocol=protocol, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        try:
            order = actions.create_order(
                actor=request.user,
                course=course,
                inputs=form.inputs(),
                sign=replacing is not None or "sign" in request.POST,
                expected_protocol_version=form.cleaned_data.get("protocol_version"),
                replaces=replacing,
                void_reason=form.cleaned_data.get("void_reason", ""),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = "signed" if order.is_signed else "saved as a draft (not signed)"
            messages.success(request, f"Infusion {order.sequence} order {done}.")
            return redirect(order_url(order))
    titration = actions.titration_advice(course, protocol, replacing=replacing)
    context = {
        "form": form,
        "course": course,
        "patient": course.patient,
        "protocol": protocol,
        "replacing": replacing,
        "titration": titration,
        "tolerance_pending": TOLERANCE_PENDING,
        "eligibility_problems": actions.eligibility_problems(course.patient),
        "course_closed": not course.is_open,
        **_plan_context(form, course, protocol, replacing),
    }
    return render(request, "dosing/order_form.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def new_order(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    course = get_course_for(request, course_id)
    require(request, [Role.PRESCRIBER], actions.PRESCRIBERS_ORDER)
    return _order_page(request, course)


@require_POST
@clinic_member_required()
def order_preview(request: HttpRequest, course_id: uuid.UUID) -> HttpResponse:
    """The plan for the order form as it is being typed (htmx partial)."""
    course = get_course_for(request, course_id)
    require(request, [Role.PRESCRIBER], actions.PRESCRIBERS_ORDER)
    replacing = None
    try:
        replacing_id = uuid.UUID(request.GET.get("replacing", ""))
    except ValueError:
        replacing_id = None
    if replacing_id is not None:
        replacing = course.orders.filter(public_id=replacing_id).first()
    protocol = course.current_protocol()
    form = OrderForm(request.POST, course=course, protocol=protocol, replacing=replacing)
    context = {"course": course, "protocol": protocol, "form": form}
    context |= _plan_context(form, course, protocol, replacing)
    return render(request, "dosing/order_form.html#plan", context)


def _order_context(request: HttpRequest, order: InfusionOrder) -> dict[str, Any]:
    role = current_role(request)
    authors = {order.created_by_id, order.signed_by_id}
    state = order.check_state
    checks = list(order.double_checks.select_related("checked_by", "resolution__resolved_by"))
    is_prescriber = role == Role.PRESCRIBER
    return {
        "order": order,
        "course": order.course,
        "patient": order.course.patient,
        "state": state,
        "hidden": order.values_hidden_for(role),
        "shown": order.shown,
        "checks": checks,
        "blockers": order.start_blockers(),
        "can_sign": is_prescriber and state == "draft",
        "can_change": is_prescriber and not order.is_voided and order.course.is_open,
        "can_void": is_prescriber and not order.is_voided,
        "can_resolve": is_prescriber and state == "blocked",
        "can_check": role in actions.CHECKER_ROLES
        and request.user.pk not in authors
        and state in ("awaiting_check", "resolved"),
    }


@require_http_methods(["GET"])
@clinic_member_required()
def order_detail(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    order = get_order_for(request, order_id)
    audit_read(request, "order", order.course.patient, order, "Infusion order opened")
    return render(request, "dosing/order_detail.html", _order_context(request, order))


@require_http_methods(GET_POST)
@clinic_member_required()
def sign_order(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    order = get_order_for(request, order_id)
    if request.method == "POST":
        try:
            actions.sign_order(actor=request.user, order=order, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Order signed. It can no longer be changed, only replaced.")
    return redirect(order_url(order))


@require_http_methods(GET_POST)
@clinic_member_required()
def change_order(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    order = get_order_for(request, order_id)
    require(request, [Role.PRESCRIBER], actions.PRESCRIBERS_ORDER)
    if order.is_voided:
        messages.error(request, "This order is void; it cannot be changed.")
        return redirect(order_url(order))
    return _order_page(request, order.course, replacing=order)


@require_http_methods(GET_POST)
@clinic_member_required()
def void_order(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    order = get_order_for(request, order_id)
    require(request, [Role.PRESCRIBER], actions.PRESCRIBERS_ORDER)
    form = VoidForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.void_order(
                actor=request.user, order=order, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Order voided. It stays on record, struck through.")
            return redirect(order_url(order))
    context = {"form": form, "order": order, "patient": order.course.patient}
    return render(request, "dosing/order_void.html", context)


# --- The independent double-check ------------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def double_check(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    """The checker's page. It never shows the order's weight or dose."""
    order = get_order_for(request, order_id)
    actions.require_independent_checker(request.user, order, request)
    patient = order.course.patient
    form = DoubleCheckForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        try:
            check = actions.double_check_order(
                actor=request.user,
                order=order,
                weight_kg=form.cleaned_data["weight_kg"],
                dose_mg=form.cleaned_data["dose_mg"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if check.matched:
                messages.success(request, "Double-check matched. The order is double-checked.")
                return redirect(order_url(order))
            return redirect("dosing:double_check", order_id=order.public_id)
    audit_read(request, "order", patient, order, "Infusion order opened for double-check")
    context = {
        "form": form,
        "order": order,
        "patient": patient,
        "refusal": actions.double_check_refusal(order),
        "latest": order.latest_double_check(),
        "tolerance_note": actions.DOUBLE_CHECK_TOLERANCE_NOTE,
    }
    return render(request, "dosing/double_check.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def resolve_mismatch(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    order = get_order_for(request, order_id)
    require(request, [Role.PRESCRIBER], actions.PRESCRIBERS_RESOLVE)
    if order.check_state != "blocked":
        messages.info(request, "There is no unresolved double-check mismatch on this order.")
        return redirect(order_url(order))
    form = ResolveForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.resolve_mismatch(
                actor=request.user, order=order, note=form.cleaned_data["note"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Recorded. A new independent double-check is now needed.")
            return redirect(order_url(order))
    context = {
        "form": form,
        "order": order,
        "patient": order.course.patient,
        "check": order.latest_double_check(),
        "shown": order.shown,
    }
    return render(request, "dosing/resolve_mismatch.html", context)
