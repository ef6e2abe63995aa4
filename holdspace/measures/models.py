"""Instruments stored in the database, each file version kept for ever.

A score recorded today must still be explainable after the clinic imports a corrected file next
year, so a changed file never overwrites the old one: it becomes a new `InstrumentVersion` and
the old one stays (database triggers refuse to delete versions or change their content; see
migration 0002). Loading an unchanged file changes nothing.

The instrument files themselves are validated and parsed by the pure `instruments` module; the
loading logic lives in `store.py`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from holdspace.measures import instruments


class Respondent(models.TextChoices):
    SELF = "self", "Patient (self-report)"
    CLINICIAN = "clinician", "Clinician-rated"


class Origin(models.TextChoices):
    SHIPPED = "shipped", "Shipped with holdspace"
    IMPORTED = "imported", "Imported by the clinic (licence held by the clinic)"


class Instrument(models.Model):
    key = models.SlugField(
        max_length=40, unique=True, help_text="The instrument id used everywhere, e.g. phq9."
    )
    short_name = models.CharField(max_length=60)
    title = models.CharField(max_length=255)
    respondent = models.CharField(max_length=20, choices=Respondent.choices)
    licence_name = models.CharField(max_length=255)
    licence_ships_text = models.BooleanField(
        "item text may be shown",
        help_text="False when the licence does not allow holdspace to carry the item text.",
    )
    licence_source = models.TextField()
    origin = models.CharField(max_length=20, choices=Origin.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.short_name} ({self.key})"

    def current_version(self) -> "InstrumentVersion | None":
        return self.versions.filter(is_current=True).first()


class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    revision = models.PositiveIntegerField(
        help_text="1, 2, 3 … in the order holdspace received the file's versions."
    )
    version = models.CharField(
        max_length=40, help_text="The Questionnaire's own version string from the file."
    )
    content = models.JSONField(help_text="The whole instrument file as loaded.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON content.")
    loaded_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["instrument", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "revision"], name="measures_version_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["instrument", "sha256"], name="measures_version_content_unique"
            ),
            models.UniqueConstraint(
                fields=["instrument"],
                condition=models.Q(is_current=True),
                name="measures_one_current_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.key} revision {self.revision} (version {self.version})"

    def parsed(self) -> instruments.Instrument:
        """The stored file as the scoring engine's Instrument."""
        return instruments.load_instrument(self.content)


class Occasion(models.TextChoices):
    """Why this questionnaire is being asked now (the schedule of CLINICAL.md §4)."""

    BASELINE = "baseline", "Course baseline"
    PRE_INFUSION = "pre_infusion", "Before an infusion"
    INTEGRATION = "integration", "At an integration session"
    FOLLOW_UP = "follow_up", "Follow-up"
    DISCHARGE = "discharge", "Discharge readiness"
    AD_HOC = "ad_hoc", "Unscheduled"


class Mode(models.TextChoices):
    CLINICIAN = "clinician", "Entered by a clinician"
    KIOSK = "kiosk", "Patient on a clinic tablet"
    REMOTE = "remote", "Patient by single-use link"


class AdministrationStatus(models.TextChoices):
    DUE = "due", "Due"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class Administration(models.Model):
    """One questionnaire for one patient on one occasion: due, in progress, then completed.

    The answers and the scored result of a completed administration never change; a wrong one is
    marked entered-in-error and, if needed, asked again. `answers` holds the progress of an
    administration that is still in progress (a patient may close the page and come back).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="administrations"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="administrations"
    )
    course = models.ForeignKey(
        "dosing.TreatmentCourse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administrations",
    )
    session = models.ForeignKey(
        "infusions.InfusionSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administrations",
        help_text="The infusion this was asked before (pre-infusion) or for (discharge).",
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="administrations"
    )
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    mode = models.CharField(max_length=20, choices=Mode.choices, blank=True)
    status = models.CharField(
        max_length=20, choices=AdministrationStatus.choices, default=AdministrationStatus.DUE
    )
    due_on = models.DateField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True, help_text="Item link id → option weight.")
    complete = models.BooleanField(
        default=False, help_text="The instrument's completeness rule was met, so it has a total."
    )
    missing_items = models.JSONField(
        default=list,
        blank=True,
        help_text="Scored items left unanswered at submission (never counted as 0).",
    )
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    severity = models.CharField(max_length=80, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    interpretation = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administrations_entered",
        help_text="The clinician who entered it, or who handed the tablet to the patient.",
    )
    client_id = models.UUIDField(
        null=True, blank=True, unique=True, help_text="Makes a resubmitted answer sheet idempotent."
    )
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "-completed_at", "due_on"]
        indexes = [
            models.Index(fields=["clinic", "status", "due_on"]),
            models.Index(fields=["patient", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_version.instrument.key} ({self.get_occasion_display()})"

    @property
    def instrument_key(self) -> str:
        return self.instrument_version.instrument.key

    @property
    def is_open(self) -> bool:
        """Still waiting for answers (due or in progress)."""
        return self.status in OPEN_STATUSES

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def safety_flags(self) -> list[dict]:
        return [flag for flag in self.flags if flag.get("kind") == "safety"]


OPEN_STATUSES = (AdministrationStatus.DUE, AdministrationStatus.IN_PROGRESS)


class IndicationGroup(models.TextChoices):
    """The indication groups a clinic configures measures for (CLINICAL.md §4)."""

    DEPRESSION = "depression", "Depression"
    ANXIETY = "anxiety", "Anxiety"
    PTSD = "ptsd", "PTSD"
    CHRONIC_PAIN = "chronic_pain", "Chronic pain"
    OTHER = "other", "Other"


class ScheduleRule(models.Model):
    """A clinic's choice of which instrument is asked, for which indication group, and when.

    Only configuration: creating the due administrations from these rules is the schedule logic's
    job, not this model's.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="measure_schedule_rules"
    )
    indication_group = models.CharField(max_length=20, choices=IndicationGroup.choices)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="schedule_rules"
    )
    at_baseline = models.BooleanField(default=True)
    before_each_infusion = models.BooleanField(default=True)
    at_integration = models.BooleanField(default=False)
    follow_up = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "indication_group", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "indication_group", "instrument"],
                name="measures_schedule_rule_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_indication_group_display()}: {self.instrument.key}"


class SafetyAction(models.TextChoices):
    """What the clinician did about a safety flag (recorded on acknowledgement)."""

    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed", "Safety plan reviewed with the patient"
    CRISIS_SERVICE_CONTACTED = "crisis_service_contacted", "Crisis service contacted"
    PRESCRIBER_INFORMED = "prescriber_informed", "Prescriber informed"
    OTHER = "other", "Other (described below)"


class SafetyFlag(models.Model):
    """A safety flag raised by a submitted questionnaire (PHQ-9 item 9 ≥ 1, CLINICAL.md §4).

    Created in the same transaction as the submission, so a flag can never be lost between the
    answers and the care team. It stays on the worklist until a clinician acknowledges it with
    what was done; the acknowledgement can then no longer change (database triggers).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="measure_safety_flags"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="measure_safety_flags"
    )
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="safety_flag_rows"
    )
    code = models.CharField(max_length=80, help_text="The instrument's flag code.")
    text = models.CharField(max_length=300, help_text="The instrument's words for the flag.")
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(max_length=40, choices=SafetyAction.choices, blank=True)
    action_taken = models.TextField(
        blank=True, help_text="What was done, in the clinician's words."
    )

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [models.Index(fields=["clinic", "acknowledged_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "code"], name="measures_one_flag_per_code"
            )
        ]

    def __str__(self) -> str:
        return f"Safety flag {self.code} ({'acknowledged' if self.is_acknowledged else 'open'})"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None
