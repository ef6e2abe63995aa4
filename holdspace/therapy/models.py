"""The therapist's records: preparation sessions, the versioned support plan (with its reviews
and the patient's suggestions) and integration sessions, with addenda to signed notes.

History is kept at the database level (migration 0002):

- nothing here is ever deleted;
- a signed preparation or integration note never changes (corrections are ``TherapyAddendum``
  rows, themselves append-only);
- a support plan version is never edited: every save is a new version, so the plan as it stood
  on any day can be shown;
- reviews of the plan are append-only; a suggestion's words never change and its decision
  (accepted or declined with a reason) is made once.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from holdspace.infusions.models import SessionStyle, TouchConsentToday
from holdspace.patients.models import Sensitivity


def _user(**kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", **kwargs
    )


def _sensitivity() -> models.CharField:
    return models.CharField(max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL)


# --- Vocabularies ----------------------------------------------------------------------------


class Readiness(models.TextChoices):
    READY = "ready", "Ready"
    NOT_YET = "not_yet", "Not yet"
    ANOTHER_SESSION = "another_session", "Needs another preparation session"


class Music(models.TextChoices):
    GENRE = "genre", "A genre"
    PLAYLIST = "playlist", "A playlist"
    NONE = "none", "No music"


class Preference(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    OFFER = "offer", "Offer it, let them choose"


class Lighting(models.TextChoices):
    DIM = "dim", "Dim"
    DARK = "dark", "As dark as possible"
    NATURAL = "natural", "Natural light"
    NO_PREFERENCE = "no_preference", "No preference"


class IntegrationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Held and signed"
    DECLINED = "declined", "Declined"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Waiting for the therapist"
    ACCEPTED = "accepted", "Accepted into the plan"
    DECLINED = "declined", "Declined"


# What the therapist explains in preparation (CLINICAL.md §6: what to expect — dissociation,
# blood pressure, nausea — and the therapist's part). Field name → the words on the checklist.
EXPLAINED_ITEMS: tuple[tuple[str, str], ...] = (
    ("explained_dissociation", "Dissociation: what it may feel like, that it passes"),
    ("explained_blood_pressure", "Blood pressure rises during the infusion and is watched"),
    ("explained_nausea", "Nausea can happen; medicine for it is available"),
    (
        "explained_therapist_role",
        "What the therapist will and won't do (presence, grounding; touch only as agreed)",
    ),
)


# --- Preparation -----------------------------------------------------------------------------


class PreparationSession(models.Model):
    """One preparation session before infusions (CLINICAL.md §6: usually one to three).

    Draft until the therapist signs it; signed content never changes (addenda instead).
    ``version`` guards concurrent edits of the draft.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="preparation_sessions"
    )
    course = models.ForeignKey(
        "dosing.TreatmentCourse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="preparation_sessions",
    )
    held_at = models.DateTimeField("Held at")
    therapist = _user()
    explained_dissociation = models.BooleanField(default=False)
    explained_blood_pressure = models.BooleanField(default=False)
    explained_nausea = models.BooleanField(default=False)
    explained_therapist_role = models.BooleanField(default=False)
    questions = models.TextField("The patient's questions", blank=True)
    intentions = models.TextField("Intentions, in the patient's own words", blank=True)
    readiness = models.CharField(max_length=20, choices=Readiness.choices, blank=True)
    readiness_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = _user(null=True, blank=True)
    sensitivity = _sensitivity()

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"Preparation session {self.public_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def explained(self) -> list[tuple[str, bool]]:
        """The checklist as (words, ticked)."""
        return [(label, bool(getattr(self, name))) for name, label in EXPLAINED_ITEMS]


# --- The support plan ------------------------------------------------------------------------


class SupportPlan(models.Model):
    """The patient's support plan: one per patient; its content lives in its versions."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="support_plan"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Support plan {self.public_id}"


# The plan's content fields, in the order the page shows them (a version is compared with the
# one before it field by field to show what changed).
PLAN_FIELDS: tuple[str, ...] = (
    "what_helps",
    "grounding_techniques",
    "words_that_help",
    "words_that_harm",
    "session_style",
    "music",
    "music_detail",
    "eye_mask",
    "headphones",
    "lighting",
    "touch_consent",
    "touch_kinds",
    "topics_to_avoid",
    "trauma_considerations",
    "support_person",
    "escort",
)


class SupportPlanVersion(models.Model):
    """One saved state of the plan. Never edited: a change is the next version."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    what_helps = models.JSONField(
        "What helps when distressed", default=list, help_text="Ordered: the first is tried first."
    )
    grounding_techniques = models.JSONField("Grounding techniques that work", default=list)
    words_that_help = models.TextField(blank=True)
    words_that_harm = models.TextField(blank=True)
    session_style = models.CharField(
        "Talk or silence", max_length=10, choices=SessionStyle.choices, blank=True
    )
    music = models.CharField(max_length=10, choices=Music.choices, blank=True)
    music_detail = models.CharField("Genre or playlist", max_length=300, blank=True)
    eye_mask = models.CharField(max_length=10, choices=Preference.choices, blank=True)
    headphones = models.CharField(max_length=10, choices=Preference.choices, blank=True)
    lighting = models.CharField(max_length=20, choices=Lighting.choices, blank=True)
    touch_consent = models.CharField(
        "Consent to touch", max_length=20, choices=TouchConsentToday.choices, blank=True
    )
    touch_kinds = models.CharField("Which touch", max_length=300, blank=True)
    topics_to_avoid = models.TextField("Topics or triggers to avoid", blank=True)
    trauma_considerations = models.TextField(blank=True)
    support_person = models.CharField(max_length=300, blank=True)
    escort = models.CharField("Escort home", max_length=300, blank=True)
    change_note = models.CharField("What changed and why", max_length=500, blank=True)
    from_suggestion = models.ForeignKey(
        "SupportPlanSuggestion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)
    sensitivity = _sensitivity()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number")
        ]

    def __str__(self) -> str:
        return f"Support plan version {self.number}"

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PLAN_FIELDS}


class SupportPlanReview(models.Model):
    """A dated "reviewed today" of the plan (with the patient, usually on an infusion day)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="reviews")
    version = models.ForeignKey(SupportPlanVersion, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "infusions.InfusionSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_on = models.DateField(help_text="The clinic's local date of the review.")
    reviewed_at = models.DateTimeField(default=timezone.now)
    reviewed_by = _user()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"Support plan reviewed on {self.reviewed_on}"


class SupportPlanSuggestion(models.Model):
    """A change the patient suggests (from the portal); the therapist accepts it into a new
    version or declines it with a reason, once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="support_plan_suggestions"
    )
    text = models.TextField()
    via_link = models.UUIDField(
        null=True, blank=True, help_text="The portal link it came through (its public id)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = _user(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    accepted_into = models.ForeignKey(
        SupportPlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Issued with the portal form, so a double tap or a resent form stores one suggestion.
    client_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Partial (only where set): on SQLite a plain unique constraint would rebuild the
            # table and drop the triggers of migration 0002.
            models.UniqueConstraint(
                fields=["patient", "client_id"],
                condition=Q(client_id__isnull=False),
                name="therapy_suggestion_idempotent",
            )
        ]

    def __str__(self) -> str:
        return f"Support plan suggestion {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status == SuggestionStatus.OPEN


# --- Integration -----------------------------------------------------------------------------


# The structured note's fields, in order (CLINICAL.md §6: experience, insights, emotions,
# meaning, what to carry into daily life; goals and homework).
INTEGRATION_FIELDS: tuple[tuple[str, str], ...] = (
    ("experience", "The experience, in the patient's words"),
    ("insights", "Insights"),
    ("emotions", "Emotions"),
    ("meaning", "Meaning"),
    ("what_helped", "What helped"),
    ("what_got_in_the_way", "What got in the way"),
    ("commitments", "Commitments"),
    ("homework", "Homework"),
)


class IntegrationSession(models.Model):
    """The integration session after one infusion: a structured note, or a decline with a reason.

    Signing (or declining, which is signed too) closes it: the row never changes again.
    ``from_infusion`` keeps what the note was prefilled from (the intention, tagged statements,
    support and the patient's responses, adverse events, scores), as it was when opened.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="integration_sessions"
    )
    infusion = models.OneToOneField(
        "infusions.InfusionSession", on_delete=models.PROTECT, related_name="integration"
    )
    status = models.CharField(
        max_length=10, choices=IntegrationStatus.choices, default=IntegrationStatus.DRAFT
    )
    held_at = models.DateTimeField(null=True, blank=True)
    therapist = _user()
    from_infusion = models.JSONField(default=dict, blank=True)
    experience = models.TextField(blank=True)
    insights = models.TextField(blank=True)
    emotions = models.TextField(blank=True)
    meaning = models.TextField(blank=True)
    what_helped = models.TextField(blank=True)
    what_got_in_the_way = models.TextField(blank=True)
    commitments = models.TextField(blank=True)
    homework = models.TextField(blank=True)
    decline_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = _user(null=True, blank=True)
    sensitivity = _sensitivity()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Integration session {self.public_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class TherapyAddendum(models.Model):
    """A later correction or note on a signed preparation or integration note. Append-only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    preparation = models.ForeignKey(
        PreparationSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addenda",
    )
    integration = models.ForeignKey(
        IntegrationSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addenda",
    )
    client_id = models.UUIDField(unique=True)
    text = models.TextField()
    written_by = _user()
    written_at = models.DateTimeField(default=timezone.now)
    sensitivity = _sensitivity()

    class Meta:
        ordering = ["written_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(preparation__isnull=False, integration__isnull=True)
                    | Q(preparation__isnull=True, integration__isnull=False)
                ),
                name="addendum_to_exactly_one_note",
            )
        ]

    def __str__(self) -> str:
        return f"Addendum {self.public_id}"
