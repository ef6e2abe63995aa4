"""Demo goals and session feedback (called from demo/data.py after the infusions and scores).

For each therapist's active patients: a SMART goal set about six weeks ago with weekly
check-ins (some by the patient through the portal), and, for some, an achieved goal, a revised
goal (the old version kept) or a goal whose last check-in is three weeks old (so the worklist
shows "no goal check-in"). Session-feedback forms after sessions, scored by the pure engine
from the shipped (not validated) form; one recent low form is left unreviewed (a gentle
worklist flag) and one earlier low form has its review.

Rows are written directly only so they can carry past times. Only synthetic data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Clinic, Role
from holdspace.goals.alliance import FEEDBACK_KEY
from holdspace.goals.models import AllianceReview, Goal, GoalCheckIn, GoalStatus, ReviewAction
from holdspace.measures import scoring
from holdspace.measures.models import (
    Administration,
    AdministrationStatus,
    Instrument,
    Mode,
    Occasion,
)
from holdspace.patients.models import Patient, PatientStatus

GOALS = [
    ("Get outside most days", "A 20-minute walk", 4, "Walking log on the phone"),
    ("Reconnect with friends", "Message or call a friend", 2, "Tick in the journal"),
    ("Sleep on a steadier rhythm", "Lights out by 23:00", 5, "Sleep diary"),
    ("Make room for something I enjoy", "Play the guitar for 15 minutes", 3, "Practice log"),
]
# Check-ins over six weeks: times done each week (the patient builds up, with a dip).
WEEKLY = [1, 2, 2, 1, 3, 3]
GOOD = {f"feedback-{n}": 4 for n in range(1, 6)}
MOSTLY = {**GOOD, "feedback-2": 3, "feedback-5": 3}
LOW = {**GOOD, "feedback-2": 1, "feedback-3": 2}


def seed_goals(clinic: Clinic, staff: dict[str, list[User]]) -> None:
    now = timezone.now()
    feedback = _feedback_version()
    for therapist in staff.get(Role.THERAPIST, []):
        patients = Patient.objects.filter(
            clinic=clinic,
            therapist=therapist,
            status__in=[PatientStatus.ACTIVE, PatientStatus.MAINTENANCE],
        ).order_by("mrn")[:4]
        for index, patient in enumerate(patients):
            _seed_patient_goals(clinic, therapist, patient, index, now)
            if feedback is not None:
                _seed_feedback(clinic, therapist, patient, feedback, index, now)


def _goal(
    clinic: Clinic, therapist: User, patient: Patient, which: int, at: datetime, **extra: Any
) -> Goal:
    statement, behaviour, times, measure = GOALS[which % len(GOALS)]
    goal = Goal.objects.create(
        clinic=clinic,
        patient=patient,
        statement=extra.pop("statement", statement),
        target_behaviour=behaviour,
        frequency_count=extra.pop("frequency_count", times),
        measure=measure,
        target_date=(at + timedelta(days=90)).date(),
        created_by=therapist,
        created_at=at,
        **extra,
    )
    record(
        action=Action.CREATE,
        category="goal",
        clinic=clinic,
        patient=patient,
        obj=goal,
        summary="Demo seed: goal set",
    )
    return goal


def _checkins(goal: Goal, therapist: User, start: datetime, weeks: list[int]) -> None:
    for week, times in enumerate(weeks, start=1):
        by_patient = week % 2 == 0
        GoalCheckIn.objects.create(
            goal=goal,
            times_done=min(times, goal.frequency_count + 1),
            by_patient=by_patient,
            recorded_by=None if by_patient else therapist,
            via_link="demo-portal-link" if by_patient else "",
            recorded_at=start + timedelta(days=7 * week),
            note="Rainy week" if times <= 1 else "",
        )


def _close(goal: Goal, status: str, reason: str, therapist: User, at: datetime) -> None:
    Goal.objects.filter(pk=goal.pk).update(
        status=status, status_reason=reason, status_changed_at=at, status_changed_by=therapist
    )


def _seed_patient_goals(
    clinic: Clinic, therapist: User, patient: Patient, index: int, now: datetime
) -> None:
    start = now - timedelta(days=45)
    goal = _goal(clinic, therapist, patient, index, start)
    if index == 1:
        # The last check-in three weeks ago: the worklist asks for one (14-day default).
        _checkins(goal, therapist, start, WEEKLY[:3])
        return
    _checkins(goal, therapist, start, WEEKLY)
    if index == 2:
        old = _goal(
            clinic,
            therapist,
            patient,
            index + 1,
            start - timedelta(days=20),
            frequency_count=7,
            statement="Sleep on a steady rhythm every night",
        )
        _checkins(old, therapist, start - timedelta(days=20), [2, 3])
        _close(
            old,
            GoalStatus.REVISED,
            "Every night was too much at once; five nights first.",
            therapist,
            start + timedelta(days=1),
        )
        revised = _goal(
            clinic, therapist, patient, index + 1, start + timedelta(days=1), revises=old
        )
        _checkins(revised, therapist, start + timedelta(days=1), [3, 4, 4, 5, 5, 5])
    if index == 0:
        done = _goal(clinic, therapist, patient, index + 1, start - timedelta(days=30))
        _checkins(done, therapist, start - timedelta(days=30), [1, 2, 2, 3])
        _close(
            done,
            GoalStatus.ACHIEVED,
            "Calls a friend twice a week on her own now.",
            therapist,
            start,
        )


def _feedback_version() -> Any:
    instrument = Instrument.objects.filter(key=FEEDBACK_KEY).first()
    return instrument.current_version() if instrument else None


def _seed_feedback(
    clinic: Clinic, therapist: User, patient: Patient, version: Any, index: int, now: datetime
) -> None:
    parsed = version.parsed()
    plan = [
        (40, MOSTLY),
        (26, GOOD),
        (12, LOW if index == 3 else MOSTLY),
        (3, LOW if index == 0 else GOOD),
    ]
    for days_ago, answers in plan:
        at = now - timedelta(days=days_ago)
        result = scoring.score(parsed, answers)
        row = Administration.objects.create(
            clinic=clinic,
            patient=patient,
            instrument_version=version,
            occasion=Occasion.INTEGRATION,
            mode=Mode.REMOTE,
            status=AdministrationStatus.COMPLETED,
            due_on=at.date(),
            answers=answers,
            complete=result.complete,
            missing_items=list(result.missing),
            total=result.total,
            severity=result.severity or "",
            subscales=dict(result.subscales),
            flags=[{"kind": f.kind, "code": f.code, "text": f.text} for f in result.flags],
            interpretation=result.interpretation,
            completed_at=at,
        )
        record(
            action=Action.CREATE,
            category="measures",
            clinic=clinic,
            patient=patient,
            obj=row,
            summary="Demo seed: session feedback completed",
        )
        if answers is LOW and days_ago > 7:
            AllianceReview.objects.create(
                administration=row,
                action_taken=ReviewAction.DISCUSSED,
                note="Talked about the pace of the session; agreed more silence.",
                reviewed_by=therapist,
                reviewed_at=at + timedelta(days=2),
            )
