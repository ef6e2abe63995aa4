"""Worklist providers of the goals app (registered in GoalsConfig.ready()).

- A goal without a check-in for CHECKIN_DUE_AFTER: project default of 14 days (no published
  source; CLINICAL.md §6 asks for goals followed over the course, and two weeks is two of the
  usual weekly target periods, so one missed week is forgiven and the second is not).
- A low session-feedback form not yet reviewed (rule in goals/alliance.py, from the form's own
  scoring key). Each item names the page where the action that clears it is taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from holdspace.goals import alliance
from holdspace.goals.models import Goal, GoalStatus
from holdspace.worklist.registry import Urgency, WorklistItem

CHECKIN_DUE_AFTER = timedelta(days=14)


def _responsible(patient: Any) -> frozenset[int]:
    return frozenset({patient.therapist_id}) if patient.therapist_id else frozenset()


def goals_without_recent_checkin(clinic: Any, user: Any) -> Iterable[WorklistItem]:
    now = timezone.now()
    goals = (
        Goal.objects.filter(clinic=clinic, status=GoalStatus.ACTIVE)
        .select_related("patient")
        .annotate(last_checkin=Max("checkins__recorded_at"))
    )
    for goal in goals:
        # A new goal is due its first check-in 14 days after it was set, not at once.
        last = goal.last_checkin or goal.created_at
        if now - last < CHECKIN_DUE_AFTER:
            continue
        yield WorklistItem(
            kind="goal_checkin_due",
            label="Goal check-in",
            patient=goal.patient,
            title=f"No goal check-in for {(now - last).days} days",
            detail=goal.statement,
            url=reverse(
                "goals:detail",
                kwargs={"patient_id": goal.patient.public_id, "goal_id": goal.public_id},
            ),
            action="Record a check-in",
            urgency=Urgency.DUE,
            since=last + CHECKIN_DUE_AFTER,
            responsible_ids=_responsible(goal.patient),
        )


def low_alliance_feedback(clinic: Any, user: Any) -> Iterable[WorklistItem]:
    for administration in alliance.unreviewed_low(clinic=clinic):
        patient = administration.patient
        yield WorklistItem(
            kind="low_alliance",
            label="Session feedback",
            patient=patient,
            title="Low session feedback",
            detail="An answer of 'Not at all' or 'A little' — talk about it at the next session.",
            url=reverse(
                "goals:review_feedback",
                kwargs={"patient_id": patient.public_id, "feedback_id": administration.public_id},
            ),
            action="Review the feedback",
            urgency=Urgency.SUGGESTION,
            since=administration.completed_at,
            responsible_ids=_responsible(patient),
        )
