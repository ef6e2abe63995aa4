"""SMART goals, their check-ins, and the therapist's review of low session feedback.

A goal's wording never changes once set (database trigger): revising a goal closes it as
*revised* with the reason and starts a new goal that points back to it, so the old version and
its check-ins stay readable. Check-ins and alliance reviews are append-only.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from holdspace.patients.models import Sensitivity


def _user(**kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", **kwargs
    )


def _sensitivity() -> models.CharField:
    return models.CharField(max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL)


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    REVISED = "revised", "Revised"
    DROPPED = "dropped", "Dropped"


class FrequencyPeriod(models.TextChoices):
    DAY = "day", "a day"
    WEEK = "week", "a week"
    MONTH = "month", "a month"


class Goal(models.Model):
    """One SMART goal: specific statement, target behaviour, frequency, measure, target date."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="goals")
    statement = models.CharField(
        "goal", max_length=300, help_text="Specific, in the patient's words where possible."
    )
    target_behaviour = models.CharField(max_length=300, help_text="What the patient will do.")
    frequency_count = models.PositiveSmallIntegerField(
        "times", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    frequency_period = models.CharField(
        "per", max_length=10, choices=FrequencyPeriod.choices, default=FrequencyPeriod.WEEK
    )
    measure = models.CharField(
        max_length=300, help_text="How you will both know it happened (e.g. walking log)."
    )
    target_date = models.DateField()
    session = models.ForeignKey(
        "infusions.InfusionSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The infusion whose integration this goal came from, if any.",
    )
    revises = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revised_by",
        help_text="The earlier version of this goal.",
    )
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = _user(null=True, blank=True)
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)
    sensitivity = _sensitivity()

    class Meta:
        ordering = ["status", "target_date", "id"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"Goal {self.public_id}"

    @property
    def is_active(self) -> bool:
        return self.status == GoalStatus.ACTIVE

    @property
    def frequency_label(self) -> str:
        times = "once" if self.frequency_count == 1 else f"{self.frequency_count} times"
        return f"{times} {self.get_frequency_period_display()}"


class GoalCheckIn(models.Model):
    """How often the target behaviour happened in the last period, by the therapist or the
    patient (through a portal link). ``times_done`` against the goal's frequency is progress."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="checkins")
    times_done = models.PositiveSmallIntegerField(validators=[MaxValueValidator(1000)])
    note = models.TextField(blank=True)
    by_patient = models.BooleanField(default=False)
    recorded_by = _user(null=True, blank=True)
    via_link = models.CharField(
        max_length=64, blank=True, help_text="Public id of the portal link the patient used."
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    client_id = models.UUIDField(default=uuid.uuid4)
    sensitivity = _sensitivity()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "client_id"], name="goals_checkin_idempotent"),
            # A check-in is the patient's (through a link) or a staff member's, never neither.
            models.CheckConstraint(
                condition=Q(by_patient=True) | Q(recorded_by__isnull=False),
                name="goals_checkin_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"Goal check-in {self.public_id}"


class ReviewAction(models.TextChoices):
    DISCUSSED = "discussed", "Talked it through with the patient"
    ADJUSTED = "adjusted", "Adjusted the approach or the plan"
    SUPERVISION = "supervision", "Took it to supervision"
    NO_ACTION = "no_action", "Reviewed; no change needed"


class AllianceReview(models.Model):
    """The therapist's review of one low session-feedback form; it clears the worklist flag."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    administration = models.OneToOneField(
        "measures.Administration", on_delete=models.PROTECT, related_name="alliance_review"
    )
    action_taken = models.CharField(max_length=20, choices=ReviewAction.choices)
    note = models.TextField(blank=True)
    reviewed_by = _user()
    reviewed_at = models.DateTimeField(default=timezone.now)
    sensitivity = _sensitivity()

    class Meta:
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"Alliance review {self.public_id}"
