"""Goals and alliance pages: fetch-and-authorize → act (actions.py) → respond.

Clinicians of the clinic read and record; clinic admins are refused (403, minimum necessary).
Another clinic's patient, goal or feedback form is a 404 for everyone.
"""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.goals import actions, alliance
from holdspace.goals.chart import Point, ReferenceLine, trend_svg
from holdspace.goals.forms import CheckInForm, CloseForm, GoalForm, ReviewForm, ReviseForm
from holdspace.goals.models import Goal, GoalStatus
from holdspace.infusions.models import InfusionSession
from holdspace.measures.models import Administration
from holdspace.patients.models import Patient
from holdspace.patients.views import audit_read, child_of, get_patient_for, require

GET_POST = ["GET", "POST"]
# Progress is drawn as a percentage of the goal's frequency; 150 % leaves room above the target.
PROGRESS_SCALE = 150.0


# --- Fetch and authorize ---------------------------------------------------------------------


def get_goal_for(request: HttpRequest, patient_id: uuid.UUID, goal_id: uuid.UUID) -> Goal:
    patient = get_patient_for(request, patient_id)
    goals = Goal.objects.select_related("created_by", "status_changed_by", "session", "revises")
    return child_of(patient, goals, goal_id)


def get_feedback_for(
    request: HttpRequest, patient_id: uuid.UUID, feedback_id: uuid.UUID
) -> Administration:
    patient = get_patient_for(request, patient_id)
    feedback = get_object_or_404(
        alliance.completed_feedback(patient=patient), public_id=feedback_id
    )
    feedback.patient = patient
    return feedback


def _clinicians(request: HttpRequest) -> None:
    require(request, CLINICAL_ROLES, "Goals and session feedback are for the clinical team.")


def _setters(request: HttpRequest) -> None:
    require(request, actions.GOAL_SETTERS, actions.SETTERS_ONLY)


def goal_url(goal: Goal) -> str:
    return reverse(
        "goals:detail", kwargs={"patient_id": goal.patient.public_id, "goal_id": goal.public_id}
    )


def _local_day(patient: Patient, moment: Any) -> Any:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(patient.clinic.time_zone)).date()


# --- Charts ----------------------------------------------------------------------------------


def progress_chart(goal: Goal, checkins: list[Any]) -> str:
    points = [
        Point(
            when=_local_day(goal.patient, c.recorded_at),
            value=100.0 * c.times_done / goal.frequency_count,
            label=f"{c.times_done} of {goal.frequency_count} times"
            + (" (patient)" if c.by_patient else ""),
        )
        for c in checkins
    ]
    return trend_svg(
        points,
        y_max=PROGRESS_SCALE,
        title=f"Check-ins: times done as a percentage of {goal.frequency_label}",
        reference_lines=[ReferenceLine(100, "target")],
        empty_text="No check-ins yet.",
    )


def alliance_chart(patient: Patient, forms: list[Administration]) -> str:
    points = [
        Point(
            when=_local_day(patient, a.completed_at),
            value=float(a.total),
            label=f"{a.total:g} of {alliance.FEEDBACK_MAX_TOTAL}"
            + (" — low answer" if alliance.is_low(a) else ""),
            flagged=alliance.is_low(a),
        )
        for a in forms
        if a.total is not None
    ]
    return trend_svg(
        points,
        y_max=alliance.FEEDBACK_MAX_TOTAL,
        title="Session feedback totals (not validated; 0-20)",
        empty_text="No session feedback yet.",
    )


# --- Goals -----------------------------------------------------------------------------------


@require_http_methods(["GET"])
@clinic_member_required()
def goals_list(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _clinicians(request)
    goals = list(Goal.objects.filter(patient=patient).order_by("status", "target_date", "id"))
    feedback = list(alliance.completed_feedback(patient=patient))
    audit_read(request, actions.GOAL, patient, patient, f"Goals opened ({len(goals)})")
    context = {
        "patient": patient,
        "active": [g for g in goals if g.status == GoalStatus.ACTIVE],
        "closed": [g for g in goals if g.status != GoalStatus.ACTIVE],
        # Built here from numbers and escaped text only (goals/chart.py escapes every string).
        "alliance_svg": mark_safe(alliance_chart(patient, feedback)),  # noqa: S308
        "low_unreviewed": sum(
            1 for a in feedback if alliance.is_low(a) and not hasattr(a, "alliance_review")
        ),
        "can_set": request.membership.role in actions.GOAL_SETTERS,
    }
    return render(request, "goals/list.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def new_goal(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _setters(request)
    # "Set a goal" from an integration session arrives with that infusion chosen (issue 6:
    # goals are created from what the patient commits to in integration).
    initial = {"session": _patients_session(patient, request.GET.get("session"))}
    form = GoalForm(
        request.POST if request.method == "POST" else None, patient=patient, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            goal = actions.set_goal(
                actor=request.user,
                patient=patient,
                fields=form.goal_fields(),
                session=form.cleaned_data["session"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Goal set.")
            return redirect(goal_url(goal))
    return render(request, "goals/goal_form.html", {"patient": patient, "form": form})


def _patients_session(patient: Any, public_id: str | None) -> InfusionSession | None:
    """One of this patient's infusions by public id, or None for anything else."""
    try:
        wanted = uuid.UUID(public_id or "")
    except ValueError:
        return None
    return InfusionSession.objects.filter(patient=patient, public_id=wanted).first()


@require_http_methods(["GET"])
@clinic_member_required()
def goal_detail(request: HttpRequest, patient_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    goal = get_goal_for(request, patient_id, goal_id)
    _clinicians(request)
    return _detail(request, goal, CheckInForm())


def _detail(request: HttpRequest, goal: Goal, form: CheckInForm, status: int = 200) -> HttpResponse:
    checkins = list(goal.checkins.select_related("recorded_by"))
    audit_read(request, actions.GOAL, goal.patient, goal, "Goal opened")
    context = {
        "patient": goal.patient,
        "goal": goal,
        "checkins": checkins,
        "chart": mark_safe(progress_chart(goal, checkins)),  # noqa: S308
        "checkin_form": form,
        "revised_by": Goal.objects.filter(revises=goal).first(),
        "can_set": request.membership.role in actions.GOAL_SETTERS,
    }
    return render(request, "goals/goal_detail.html", context, status=status)


@require_POST
@clinic_member_required()
def checkin(request: HttpRequest, patient_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    goal = get_goal_for(request, patient_id, goal_id)
    _clinicians(request)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            actions.record_goal_checkin(
                goal,
                times_done=form.cleaned_data["times_done"],
                note=form.cleaned_data["note"],
                actor=request.user,
                client_id=form.cleaned_data["client_id"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Check-in recorded.")
            return redirect(goal_url(goal))
    return _detail(request, goal, form, status=200)


@require_http_methods(GET_POST)
@clinic_member_required()
def close_goal(request: HttpRequest, patient_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    goal = get_goal_for(request, patient_id, goal_id)
    _setters(request)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.close_goal(
                actor=request.user,
                goal=goal,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Goal closed; the reason is kept with it.")
            return redirect(goal_url(goal))
    return render(
        request, "goals/close_form.html", {"patient": goal.patient, "goal": goal, "form": form}
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def revise_goal(request: HttpRequest, patient_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    goal = get_goal_for(request, patient_id, goal_id)
    _setters(request)
    if request.method == "GET":
        initial = {name: getattr(goal, name) for name in actions.GOAL_FIELDS}
        form = ReviseForm(initial={**initial, "session": goal.session}, patient=goal.patient)
    else:
        form = ReviseForm(request.POST, patient=goal.patient)
    if request.method == "POST" and form.is_valid():
        try:
            revised = actions.revise_goal(
                actor=request.user,
                goal=goal,
                fields=form.goal_fields(),
                reason=form.cleaned_data["reason"],
                session=form.cleaned_data["session"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Goal revised; the earlier version is kept.")
            return redirect(goal_url(revised))
    return render(
        request,
        "goals/goal_form.html",
        {"patient": goal.patient, "goal": goal, "form": form, "revising": True},
    )


# --- Alliance --------------------------------------------------------------------------------


@require_http_methods(["GET"])
@clinic_member_required()
def alliance_page(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _clinicians(request)
    feedback = list(alliance.completed_feedback(patient=patient))
    rows = [(a, alliance.is_low(a), getattr(a, "alliance_review", None)) for a in feedback]
    audit_read(request, actions.ALLIANCE, patient, patient, "Session feedback opened")
    context = {
        "patient": patient,
        "rows": list(reversed(rows)),
        "chart": mark_safe(alliance_chart(patient, feedback)),  # noqa: S308
    }
    return render(request, "goals/alliance.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def review_feedback(
    request: HttpRequest, patient_id: uuid.UUID, feedback_id: uuid.UUID
) -> HttpResponse:
    feedback = get_feedback_for(request, patient_id, feedback_id)
    _clinicians(request)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _setters(request)
        if form.is_valid():
            try:
                actions.review_feedback(
                    actor=request.user,
                    administration=feedback,
                    action_taken=form.cleaned_data["action_taken"],
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Review recorded; the worklist flag is cleared.")
                return redirect("goals:alliance", patient_id=feedback.patient.public_id)
    else:
        audit_read(
            request, actions.ALLIANCE, feedback.patient, feedback, "Session feedback form opened"
        )
    context = {
        "patient": feedback.patient,
        "feedback": feedback,
        "is_low": alliance.is_low(feedback),
        "review": getattr(feedback, "alliance_review", None),
        "form": form,
        "can_review": request.membership.role in actions.GOAL_SETTERS,
    }
    return render(request, "goals/review.html", context)
