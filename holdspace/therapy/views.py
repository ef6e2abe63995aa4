"""The therapist's pages: fetch-and-authorize → act (actions.py) → respond.

Every object is fetched through a helper scoped to ``request.clinic`` and to its patient, so an
id from another clinic (or another patient's record) is a 404 for every role — before any role
check, so that a 403 never reveals that a record exists. Then the role:

- preparation and integration notes: therapist (writes, signs) and prescriber (reads);
- the support plan: therapist (writes), nurse and prescriber (read; any of them may record
  "reviewed today");
- a clinic admin sees none of it (not a clinician).

Each page view of patient data writes exactly one audited read.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import Role
from holdspace.infusions.models import InfusionSession, SessionState
from holdspace.patients.views import audit_read, child_of, get_patient_for
from holdspace.therapy import actions, prefill, queries, rules
from holdspace.therapy.forms import (
    AddendumForm,
    IntegrationForm,
    PreparationForm,
    ReasonForm,
    ReviewForm,
    SupportPlanForm,
)
from holdspace.therapy.models import (
    INTEGRATION_FIELDS,
    PLAN_FIELDS,
    IntegrationSession,
    IntegrationStatus,
    PreparationSession,
    SupportPlanSuggestion,
    SupportPlanVersion,
)

GET_POST = ["GET", "POST"]
NOTE_READERS = (Role.THERAPIST, Role.PRESCRIBER)
PLAN_READERS = (Role.THERAPIST, Role.PRESCRIBER, Role.NURSE)
NOTES_FOR = (
    "Preparation and integration notes are for the therapist and the prescriber. The support "
    "plan is open to the whole care team."
)
PLAN_FOR = "The support plan is for the care team (therapist, nurse, prescriber)."


# --- Fetch and authorize ---------------------------------------------------------------------


def _role(request: HttpRequest) -> str:
    return str(request.membership.role)  # type: ignore[attr-defined]


def _require(request: HttpRequest, roles: tuple[str, ...], message: str) -> None:
    if _role(request) not in roles:
        raise PermissionDenied(message)


def get_preparation_for(
    request: HttpRequest, patient_id: uuid.UUID, preparation_id: uuid.UUID
) -> PreparationSession:
    patient = get_patient_for(request, patient_id)
    rows = PreparationSession.objects.select_related("therapist", "signed_by", "course")
    return child_of(patient, rows, preparation_id)


def get_integration_for(
    request: HttpRequest, patient_id: uuid.UUID, integration_id: uuid.UUID
) -> IntegrationSession:
    patient = get_patient_for(request, patient_id)
    rows = IntegrationSession.objects.select_related("therapist", "signed_by", "infusion")
    return child_of(patient, rows, integration_id)


def get_infusion_for(
    request: HttpRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> InfusionSession:
    patient = get_patient_for(request, patient_id)
    infusion = get_object_or_404(
        InfusionSession.objects.select_related("clinic"),
        public_id=session_id,
        patient=patient,
        clinic=request.clinic,  # type: ignore[attr-defined]
    )
    infusion.patient = patient
    return infusion


def get_plan_version_for(
    request: HttpRequest, patient_id: uuid.UUID, plan_version_id: uuid.UUID
) -> SupportPlanVersion:
    patient = get_patient_for(request, patient_id)
    return get_object_or_404(
        SupportPlanVersion.objects.select_related("created_by", "plan__patient"),
        public_id=plan_version_id,
        plan__patient=patient,
    )


def get_suggestion_for(
    request: HttpRequest, patient_id: uuid.UUID, suggestion_id: uuid.UUID
) -> SupportPlanSuggestion:
    patient = get_patient_for(request, patient_id)
    row = get_object_or_404(SupportPlanSuggestion, public_id=suggestion_id, patient=patient)
    row.patient = patient
    return row


def overview_url(patient: Any) -> str:
    return reverse("therapy:overview", kwargs={"patient_id": patient.public_id})


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for one in errors:
                form.add_error(target, one.message if hasattr(one, "message") else one)
    else:
        for message in error.messages:
            form.add_error(None, message)


# --- Overview --------------------------------------------------------------------------------


@require_http_methods(["GET"])
@clinic_member_required()
def overview(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _require(request, PLAN_READERS, PLAN_FOR)
    reads_notes = _role(request) in NOTE_READERS
    context: dict[str, Any] = {
        "patient": patient,
        "plan": queries.current_support_plan(patient),
        "last_review": queries.last_review(patient),
        "reads_notes": reads_notes,
        "is_therapist": _role(request) == Role.THERAPIST,
        "suggestions": queries.open_suggestions(patient),
    }
    if reads_notes:
        context["preparations"] = list(
            patient.preparation_sessions.select_related("therapist").order_by("-held_at")
        )
        # Drafts are listed with what is due; this list is what was held or declined.
        context["integrations"] = list(
            patient.integration_sessions.exclude(status=IntegrationStatus.DRAFT)
            .select_related("therapist", "infusion")
            .order_by("-created_at")
        )
        context["due"] = queries.integrations_due(request.clinic, patient)  # type: ignore[attr-defined]
    audit_read(request, "therapy", patient, patient, "Therapy overview opened")
    return render(request, "therapy/overview.html", context)


# --- Preparation -----------------------------------------------------------------------------


def _courses(patient: Any) -> list[Any]:
    return list(patient.treatment_courses.order_by("-created_at"))


@require_http_methods(GET_POST)
@clinic_member_required()
def new_preparation(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    data = request.POST if request.method == "POST" else None
    form = PreparationForm(data, courses=_courses(patient))
    if request.method == "POST" and form.is_valid():
        try:
            preparation = actions.create_preparation(
                actor=request.user,
                patient=patient,
                data=form.cleaned_data,
                course=form.course_choice(),
                sign="sign" in request.POST,
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            done = "signed" if preparation.is_signed else "saved as a draft"
            messages.success(request, f"Preparation session {done}.")
            return redirect(overview_url(patient))
    return render(
        request, "therapy/preparation_form.html", {"patient": patient, "form": form, "row": None}
    )


def _preparation_form(row: PreparationSession, data: Any = None) -> PreparationForm:
    initial = {
        name: getattr(row, name) for name in PreparationForm.base_fields if hasattr(row, name)
    }
    initial["course"] = str(row.course.public_id) if row.course else ""
    return PreparationForm(data, initial=initial, courses=_courses(row.patient))


@require_http_methods(GET_POST)
@clinic_member_required()
def preparation(
    request: HttpRequest, patient_id: uuid.UUID, preparation_id: uuid.UUID
) -> HttpResponse:
    row = get_preparation_for(request, patient_id, preparation_id)
    _require(request, NOTE_READERS, NOTES_FOR)
    patient = row.patient
    if request.method == "GET":
        audit_read(request, "preparation", patient, row, "Preparation session opened")
        return _render_preparation(request, row, _preparation_form(row))
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    form = _preparation_form(row, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                row = actions.update_preparation(
                    actor=request.user,
                    preparation=row,
                    data=form.cleaned_data,
                    expected_version=form.cleaned_data.get("version") or 0,
                    request=request,
                )
                if "sign" in request.POST:
                    row = actions.sign_preparation(
                        actor=request.user, preparation=row, request=request
                    )
        except actions.EditConflict as conflict:
            return _render_preparation(request, conflict.current, form, conflict=True)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, "Preparation session signed." if row.is_signed else "Draft saved."
            )
            return redirect(overview_url(patient))
    return _render_preparation(request, row, form)


def _render_preparation(
    request: HttpRequest, row: PreparationSession, form: PreparationForm, conflict: bool = False
) -> HttpResponse:
    context = {
        "patient": row.patient,
        "row": row,
        "form": form,
        "addendum_form": AddendumForm(),
        "addenda": list(row.addenda.select_related("written_by")),
        "is_therapist": _role(request) == Role.THERAPIST,
        "conflict": actions.CONFLICT if conflict else "",
        "sign_problems": actions.preparation_sign_problems(row) if not row.is_signed else {},
    }
    template = (
        "therapy/preparation_form.html" if _editable(request, row) else "therapy/preparation.html"
    )
    return render(request, template, context, status=409 if conflict else 200)


def _editable(request: HttpRequest, row: Any) -> bool:
    return _role(request) == Role.THERAPIST and not row.is_signed


@require_POST
@clinic_member_required()
def preparation_addendum(
    request: HttpRequest, patient_id: uuid.UUID, preparation_id: uuid.UUID
) -> HttpResponse:
    row = get_preparation_for(request, patient_id, preparation_id)
    return _addendum(
        request, row, reverse("therapy:preparation", args=[patient_id, preparation_id])
    )


def _addendum(request: HttpRequest, row: Any, back: str) -> HttpResponse:
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            actions.add_addendum(
                actor=request.user,
                note=row,
                text=form.cleaned_data["text"],
                client_id=form.cleaned_data["client_id"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Nothing was saved: write the addendum.")
    return redirect(back)


# --- The support plan ------------------------------------------------------------------------


def _history(patient: Any) -> list[dict[str, Any]]:
    """Every version, newest first, with what changed from the one before."""
    versions = list(
        SupportPlanVersion.objects.filter(plan__patient=patient)
        .select_related("created_by")
        .order_by("number")
    )
    rows, before = [], None
    for version in versions:
        content = version.content()
        changed = rules.changed_fields(before, content, PLAN_FIELDS)
        labels = [capfirst(SupportPlanVersion._meta.get_field(n).verbose_name) for n in changed]
        rows.append({"version": version, "changed": labels, "first": before is None})
        before = content
    return list(reversed(rows))


@require_http_methods(["GET"])
@clinic_member_required()
def support_plan(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _require(request, PLAN_READERS, PLAN_FOR)
    plan = queries.current_support_plan(patient)
    context = {
        "patient": patient,
        "plan": plan,
        "history": _history(patient),
        "reviews": list(patient.support_plan.reviews.select_related("reviewed_by", "version")[:20])
        if plan
        else [],
        "reviewed_today": queries.support_plan_reviewed_today(
            patient, actions.clinic_today(patient.clinic)
        ),
        "suggestions": list(patient.support_plan_suggestions.select_related("decided_by")[:20]),
        "is_therapist": _role(request) == Role.THERAPIST,
        "review_form": ReviewForm(),
    }
    audit_read(request, "support_plan", patient, plan or patient, "Support plan opened")
    return render(request, "therapy/support_plan.html", context)


@require_http_methods(["GET"])
@clinic_member_required()
def support_plan_version(
    request: HttpRequest, patient_id: uuid.UUID, plan_version_id: uuid.UUID
) -> HttpResponse:
    version = get_plan_version_for(request, patient_id, plan_version_id)
    _require(request, PLAN_READERS, PLAN_FOR)
    patient = version.plan.patient
    audit_read(
        request, "support_plan", patient, version, f"Support plan version {version.number} opened"
    )
    return render(
        request, "therapy/support_plan_version.html", {"patient": patient, "plan": version}
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def edit_support_plan(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    current = queries.current_support_plan(patient)
    suggestion = _suggestion_from(request, patient)
    if request.method == "GET":
        initial = SupportPlanForm.initial_from(current)
        if suggestion is not None:
            initial["suggestion"] = suggestion.public_id
        form = SupportPlanForm(initial=initial)
        audit_read(
            request, "support_plan", patient, current or patient, "Support plan opened to edit"
        )
        return _render_plan_form(request, patient, form, current, suggestion)
    form = SupportPlanForm(request.POST)
    if form.is_valid():
        try:
            version, created = actions.save_support_plan(
                actor=request.user,
                patient=patient,
                content=form.content(),
                based_on=form.cleaned_data.get("based_on"),
                change_note=form.cleaned_data.get("change_note") or "",
                suggestion=suggestion,
                request=request,
            )
        except actions.EditConflict as conflict:
            return _render_plan_form(
                request, patient, form, conflict.current, suggestion, conflict=True
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                f"Support plan saved as version {version.number}."
                if created
                else f"Nothing changed: the plan stays at version {version.number}.",
            )
            return redirect(reverse("therapy:support_plan", args=[patient.public_id]))
    return _render_plan_form(request, patient, form, current, suggestion)


def _suggestion_from(request: HttpRequest, patient: Any) -> SupportPlanSuggestion | None:
    """The open suggestion being accepted (from the query string or the form), or None."""
    raw = request.POST.get("suggestion") or request.GET.get("suggestion")
    if not raw:
        return None
    try:
        key = uuid.UUID(raw)
    except ValueError:
        return None
    return SupportPlanSuggestion.objects.filter(public_id=key, patient=patient).first()


def _render_plan_form(
    request: HttpRequest,
    patient: Any,
    form: SupportPlanForm,
    current: SupportPlanVersion | None,
    suggestion: SupportPlanSuggestion | None,
    conflict: bool = False,
) -> HttpResponse:
    context = {
        "patient": patient,
        "form": form,
        "current": current,
        "suggestion": suggestion,
        "conflict": actions.CONFLICT if conflict else "",
    }
    if conflict:
        # Keep what the person typed, but base the next save on the version now stored.
        data = request.POST.copy()
        data["based_on"] = str(current.number) if current else ""
        context["form"] = SupportPlanForm(data)
        context["form"].is_valid()
    return render(
        request, "therapy/support_plan_form.html", context, status=409 if conflict else 200
    )


@require_POST
@clinic_member_required()
def review_support_plan(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _require(request, PLAN_READERS, actions.CLINICIANS_REVIEW)
    form = ReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    subject = _session_being_checked_in(request, patient) or patient
    try:
        actions.review_support_plan(subject, request.user, note=note, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Support plan marked as reviewed today.")
    back = request.POST.get("next") or ""
    # Only back to a page of this site: "/\evil.example" or "//evil.example" would leave it.
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("therapy:support_plan", args=[patient.public_id])
    return redirect(back)


def _session_being_checked_in(request: HttpRequest, patient: Any) -> InfusionSession | None:
    """The patient's infusion named by the form (the console's drawer sends it), in this
    clinic; anything else is ignored and the review is the patient's alone."""
    try:
        key = uuid.UUID(request.POST.get("session") or "")
    except ValueError:
        return None
    return InfusionSession.objects.filter(
        public_id=key,
        patient=patient,
        clinic=request.clinic,  # type: ignore[attr-defined]
    ).first()


@require_http_methods(GET_POST)
@clinic_member_required()
def decline_suggestion(
    request: HttpRequest, patient_id: uuid.UUID, suggestion_id: uuid.UUID
) -> HttpResponse:
    suggestion = get_suggestion_for(request, patient_id, suggestion_id)
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    patient = suggestion.patient
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decline_suggestion(
                actor=request.user,
                suggestion=suggestion,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Suggestion declined; the reason is kept with it.")
            return redirect(reverse("therapy:support_plan", args=[patient.public_id]))
    if request.method == "GET":
        audit_read(request, "support_plan_suggestion", patient, suggestion, "Suggestion opened")
    context = {"patient": patient, "suggestion": suggestion, "form": form}
    return render(request, "therapy/decline_suggestion.html", context)


# --- Integration -----------------------------------------------------------------------------


def _not_discharged(request: HttpRequest, infusion: InfusionSession) -> HttpResponse | None:
    if infusion.state == SessionState.DISCHARGED:
        return None
    messages.warning(request, actions.NOT_DISCHARGED)
    return redirect(overview_url(infusion.patient))


def _existing_integration(infusion: InfusionSession) -> IntegrationSession | None:
    return IntegrationSession.objects.filter(infusion=infusion).first()


def _integration_url(row: IntegrationSession) -> str:
    return reverse("therapy:integration", args=[row.patient.public_id, row.public_id])


@require_http_methods(GET_POST)
@clinic_member_required()
def new_integration(
    request: HttpRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    infusion = get_infusion_for(request, patient_id, session_id)
    _require(request, NOTE_READERS, NOTES_FOR)
    patient = infusion.patient
    existing = _existing_integration(infusion)
    if existing is not None:
        return redirect(_integration_url(existing))
    refused = _not_discharged(request, infusion)
    if refused is not None:
        return refused
    captured = prefill.from_infusion(infusion)
    if request.method == "GET":
        form = IntegrationForm(initial=prefill.initial_note(captured))
        audit_read(request, "integration", patient, infusion, "Integration prefill opened")
        return _render_integration(request, patient, infusion, None, form, captured)
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    form = IntegrationForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                row = actions.start_integration(
                    actor=request.user,
                    infusion=infusion,
                    data=form.note(),
                    held_at=form.cleaned_data["held_at"],
                    request=request,
                )
                if "sign" in request.POST:
                    row = actions.sign_integration(
                        actor=request.user, integration=row, request=request
                    )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, "Integration note signed." if row.is_signed else "Draft saved."
            )
            return redirect(_integration_url(row))
    return _render_integration(request, patient, infusion, None, form, captured)


def _integration_form(row: IntegrationSession, data: Any = None) -> IntegrationForm:
    initial = {name: getattr(row, name) for name, _label in INTEGRATION_FIELDS}
    initial.update(held_at=row.held_at, version=row.version)
    return IntegrationForm(data, initial=initial)


@require_http_methods(GET_POST)
@clinic_member_required()
def integration(
    request: HttpRequest, patient_id: uuid.UUID, integration_id: uuid.UUID
) -> HttpResponse:
    row = get_integration_for(request, patient_id, integration_id)
    _require(request, NOTE_READERS, NOTES_FOR)
    patient = row.patient
    if request.method == "GET":
        audit_read(request, "integration", patient, row, "Integration session opened")
        return _render_integration(request, patient, row.infusion, row, _integration_form(row))
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    form = _integration_form(row, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                row = actions.update_integration(
                    actor=request.user,
                    integration=row,
                    data=form.note(),
                    expected_version=form.cleaned_data.get("version") or 0,
                    held_at=form.cleaned_data["held_at"],
                    request=request,
                )
                if "sign" in request.POST:
                    row = actions.sign_integration(
                        actor=request.user, integration=row, request=request
                    )
        except actions.EditConflict as conflict:
            # Show the note as stored now beside what this person typed (kept in the form).
            current = conflict.current
            current.patient = patient
            kept = _integration_form(current, request.POST)
            return _render_integration(
                request, patient, current.infusion, current, kept, conflict=True
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, "Integration note signed." if row.is_signed else "Draft saved."
            )
            return redirect(_integration_url(row))
    return _render_integration(request, patient, row.infusion, row, form)


def _render_integration(
    request: HttpRequest,
    patient: Any,
    infusion: InfusionSession,
    row: IntegrationSession | None,
    form: IntegrationForm,
    captured: dict[str, Any] | None = None,
    conflict: bool = False,
) -> HttpResponse:
    discharged = infusion.discharged_at
    context = {
        "patient": patient,
        "infusion": infusion,
        "row": row,
        "form": form,
        "captured": captured if captured is not None else (row.from_infusion if row else {}),
        "window": rules.integration_window(discharged) if discharged else None,
        "editable": row is None or _editable(request, row),
        "is_therapist": _role(request) == Role.THERAPIST,
        "addendum_form": AddendumForm(),
        "addenda": list(row.addenda.select_related("written_by")) if row else [],
        "fields": [(form[name], label) for name, label in INTEGRATION_FIELDS],
        "conflict": actions.CONFLICT if conflict else "",
        "declined": row is not None and row.status == IntegrationStatus.DECLINED,
    }
    return render(request, "therapy/integration.html", context, status=409 if conflict else 200)


@require_POST
@clinic_member_required()
def integration_addendum(
    request: HttpRequest, patient_id: uuid.UUID, integration_id: uuid.UUID
) -> HttpResponse:
    row = get_integration_for(request, patient_id, integration_id)
    return _addendum(request, row, _integration_url(row))


@require_http_methods(GET_POST)
@clinic_member_required()
def decline_integration(
    request: HttpRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    infusion = get_infusion_for(request, patient_id, session_id)
    _require(request, (Role.THERAPIST,), actions.THERAPIST_WRITES)
    patient = infusion.patient
    existing = _existing_integration(infusion)
    if existing is not None and existing.is_signed:
        return redirect(_integration_url(existing))
    refused = _not_discharged(request, infusion)
    if refused is not None:
        return refused
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decline_integration(
                actor=request.user,
                infusion=infusion,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Integration declined; the reason is on the record.")
            return redirect(overview_url(patient))
    if request.method == "GET":
        audit_read(request, "integration", patient, infusion, "Integration decline opened")
    context = {"patient": patient, "infusion": infusion, "form": form}
    return render(request, "therapy/decline_integration.html", context)
