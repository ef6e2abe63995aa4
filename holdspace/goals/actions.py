"""Every change to goals and alliance reviews, one function each: one transaction, the actor's
right checked, the change and its audit row together. Summaries carry no goal wording."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import CLINICAL_ROLES, Role
from holdspace.goals import alliance
from holdspace.goals.models import (
    AllianceReview,
    FrequencyPeriod,
    Goal,
    GoalCheckIn,
    GoalStatus,
    ReviewAction,
)
from holdspace.patients.actions import clinic_today, require_role

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.infusions.models import InfusionSession
    from holdspace.measures.models import Administration
    from holdspace.patients.models import Patient

GOAL = "goal"
ALLIANCE = "alliance"

# Goals are set with the patient by the therapist (or a prescriber doing therapy); any clinician
# may record a check-in the patient reports to them.
GOAL_SETTERS = (Role.THERAPIST, Role.PRESCRIBER)
SETTERS_ONLY = "Only a therapist or a prescriber can set or change a patient's goals."
CLINICIANS_ONLY = "Only a clinician of this clinic can record a goal check-in."
REVIEWERS_ONLY = "Only a therapist or a prescriber can review session feedback."
NOT_ACTIVE = "This goal is {status}; check-ins and changes are for active goals."
REASON_NEEDED = "Say why, in a sentence: the reason stays with the goal."
PAST_TARGET = "The target date is in the past; choose a date from today on."
WRONG_SESSION = (
    "That infusion belongs to another patient's record. Nothing was saved: choose one of this "
    "patient's infusions or none."
)
WRONG_LINK = "This link belongs to another patient; nothing was recorded."
ALREADY_REVIEWED = "This feedback was already reviewed."
NOT_FEEDBACK = "Only a completed session-feedback form can be reviewed here."
# Someone reporting more than this many times in one period has most likely mistyped.
MAX_TIMES_DONE = 100

GOAL_FIELDS = (
    "statement",
    "target_behaviour",
    "frequency_count",
    "frequency_period",
    "measure",
    "target_date",
)


def _setter(actor: User, clinic_id: int, request: HttpRequest | None) -> None:
    require_role(actor, clinic_id, GOAL_SETTERS, SETTERS_ONLY, request)


def _audit(
    action: str, goal: Goal, summary: str, actor: Any, request: Any, actor_label: str = ""
) -> None:
    record(
        action=action,
        category=GOAL,
        request=request,
        actor=actor,
        patient=goal.patient,
        obj=goal,
        summary=summary,
        actor_label=actor_label,
    )


def goal_problems(
    patient: Patient, fields: dict[str, Any], session: InfusionSession | None
) -> dict[str, str]:
    """Every problem with a goal's fields, keyed by field, in words a clinician can act on."""
    problems: dict[str, str] = {}
    for name in ("statement", "target_behaviour", "measure"):
        if not str(fields.get(name) or "").strip():
            problems[name] = "Write this part of the goal; a SMART goal needs all of it."
    count = fields.get("frequency_count")
    if not isinstance(count, int) or not 1 <= count <= MAX_TIMES_DONE:
        problems["frequency_count"] = f"Give how many times, from 1 to {MAX_TIMES_DONE}."
    if fields.get("frequency_period") not in FrequencyPeriod.values:
        problems["frequency_period"] = "Choose a day, a week or a month."
    target = fields.get("target_date")
    if not isinstance(target, date):
        problems["target_date"] = "Give the date by which the goal should be reached."
    elif target < clinic_today(patient.clinic):
        problems["target_date"] = PAST_TARGET
    if session is not None and session.patient_id != patient.pk:
        problems["session"] = WRONG_SESSION
    return problems


def _check_goal(patient: Patient, fields: dict[str, Any], session: Any) -> dict[str, Any]:
    problems = goal_problems(patient, fields, session)
    if problems:
        raise ValidationError(problems)
    cleaned = {name: fields[name] for name in GOAL_FIELDS}
    for name in ("statement", "target_behaviour", "measure"):
        cleaned[name] = cleaned[name].strip()
    return cleaned


@transaction.atomic
def set_goal(
    *,
    actor: User,
    patient: Patient,
    fields: dict[str, Any],
    session: InfusionSession | None = None,
    request: HttpRequest | None = None,
) -> Goal:
    _setter(actor, patient.clinic_id, request)
    goal = Goal.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        session=session,
        created_by=actor,
        **_check_goal(patient, fields, session),
    )
    _audit(Action.CREATE, goal, "Goal set", actor, request)
    return goal


def _lock_active(goal: Goal) -> Goal:
    current = Goal.objects.select_for_update().get(pk=goal.pk)
    current.patient = goal.patient
    if current.status != GoalStatus.ACTIVE:
        raise ValidationError(NOT_ACTIVE.format(status=current.get_status_display().lower()))
    return current


def _close(goal: Goal, status: str, reason: str, actor: User) -> None:
    goal.status, goal.status_reason = status, reason
    goal.status_changed_at, goal.status_changed_by = timezone.now(), actor
    goal.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"])


@transaction.atomic
def close_goal(
    *,
    actor: User,
    goal: Goal,
    status: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Goal:
    """Mark a goal achieved or dropped, with the reason (revising is ``revise_goal``)."""
    _setter(actor, goal.clinic_id, request)
    if status not in (GoalStatus.ACHIEVED, GoalStatus.DROPPED):
        raise ValidationError({"status": "Choose achieved or dropped."})
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_NEEDED})
    current = _lock_active(goal)
    _close(current, status, reason.strip(), actor)
    _audit(
        Action.UPDATE,
        current,
        f"Goal marked {current.get_status_display().lower()}",
        actor,
        request,
    )
    return current


@transaction.atomic
def revise_goal(
    *,
    actor: User,
    goal: Goal,
    fields: dict[str, Any],
    reason: str,
    session: InfusionSession | None = None,
    request: HttpRequest | None = None,
) -> Goal:
    """Close the goal as revised (with the reason) and start its new version; the old version
    and its check-ins stay as they were."""
    _setter(actor, goal.clinic_id, request)
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_NEEDED})
    current = _lock_active(goal)
    cleaned = _check_goal(goal.patient, fields, session)
    _close(current, GoalStatus.REVISED, reason.strip(), actor)
    revised = Goal.objects.create(
        clinic_id=current.clinic_id,
        patient=goal.patient,
        session=session,
        revises=current,
        created_by=actor,
        **cleaned,
    )
    _audit(Action.UPDATE, current, "Goal revised (new version started)", actor, request)
    _audit(Action.CREATE, revised, "Goal set (revision)", actor, request)
    return revised


def _check_via_link(goal: Goal, via_link: Any) -> str:
    if via_link is None:
        raise PermissionDenied("A patient's check-in comes only through their portal link.")
    link_patient = getattr(via_link, "patient_id", goal.patient_id)
    if link_patient != goal.patient_id:
        raise PermissionDenied(WRONG_LINK)
    return str(getattr(via_link, "public_id", via_link))[:64]


@transaction.atomic
def record_goal_checkin(
    goal: Goal,
    *,
    times_done: int,
    note: str = "",
    by_patient: bool = False,
    via_link: Any = None,
    actor: User | None = None,
    client_id: uuid.UUID | None = None,
    recorded_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> GoalCheckIn:
    """How often the target behaviour happened in the goal's last period.

    From the therapist: ``actor`` is the clinician. From the patient (the portal calls this):
    ``by_patient=True`` and ``via_link`` the single-use link they came through (already verified
    by the portal; a link of another patient is refused). A resubmission with the same
    ``client_id`` returns the stored check-in.
    """
    if by_patient:
        link_id = _check_via_link(goal, via_link)
        actor = None
    else:
        if actor is None:
            raise PermissionDenied(CLINICIANS_ONLY)
        require_role(actor, goal.clinic_id, CLINICAL_ROLES, CLINICIANS_ONLY, request)
        link_id = ""
    client_id = client_id or uuid.uuid4()
    existing = GoalCheckIn.objects.filter(goal=goal, client_id=client_id).first()
    if existing is not None:
        return existing
    if not isinstance(times_done, int) or not 0 <= times_done <= MAX_TIMES_DONE:
        raise ValidationError({"times_done": f"Give a whole number from 0 to {MAX_TIMES_DONE}."})
    _lock_active(goal)
    try:
        # A savepoint: when two submissions of one form race, the second insert fails here
        # alone and the stored check-in is returned.
        with transaction.atomic():
            checkin = GoalCheckIn.objects.create(
                goal=goal,
                times_done=times_done,
                note=(note or "").strip(),
                by_patient=by_patient,
                recorded_by=actor,
                via_link=link_id,
                recorded_at=recorded_at or timezone.now(),
                client_id=client_id,
            )
    except IntegrityError:
        return GoalCheckIn.objects.get(goal=goal, client_id=client_id)
    who = "by the patient (portal link)" if by_patient else "by a clinician"
    # The patient has no account: the row names them by the portal link they acted through.
    label = f"patient by link {link_id}" if by_patient else ""
    _audit(Action.CREATE, goal, f"Goal check-in recorded {who}", actor, request, label)
    return checkin


@transaction.atomic
def review_feedback(
    *,
    actor: User,
    administration: Administration,
    action_taken: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> AllianceReview:
    """Record what the therapist did about a low session-feedback form; clears the flag."""
    require_role(actor, administration.clinic_id, GOAL_SETTERS, REVIEWERS_ONLY, request)
    if administration.instrument_key != alliance.FEEDBACK_KEY or administration.total is None:
        raise ValidationError(NOT_FEEDBACK)
    if action_taken not in ReviewAction.values:
        raise ValidationError({"action_taken": "Choose what you did about the feedback."})
    if AllianceReview.objects.filter(administration=administration).exists():
        raise ValidationError(ALREADY_REVIEWED)
    review = AllianceReview.objects.create(
        administration=administration,
        action_taken=action_taken,
        note=(note or "").strip(),
        reviewed_by=actor,
    )
    record(
        action=Action.CREATE,
        category=ALLIANCE,
        request=request,
        actor=actor,
        patient=administration.patient,
        obj=review,
        summary="Session feedback reviewed",
    )
    return review
