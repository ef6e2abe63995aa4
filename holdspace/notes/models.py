"""Therapy notes (part of the clinical record) and psychotherapy notes (a separate, private store).

CLINICAL.md §7 (HIPAA 45 CFR 164.501): psychotherapy notes are protected only when they are kept
*separate* from the medical record. So they are their own model with no reverse relation on the
patient (``related_name="+"``), their text is encrypted at rest, and their default manager
returns nothing: generic code (exports, ``dumpdata``, a future search, the chart) that asks a
model for "all rows" gets none. The only door is ``PsychotherapyNote.private.visible_to(user,
clinic)``, which yields the notes the person wrote or supervises — nobody else's.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from holdspace.clinics.models import Membership, Role
from holdspace.notes import crypto
from holdspace.patients.models import Sensitivity


def _user(**kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", **kwargs
    )


def sha256_of(content: dict[str, Any]) -> str:
    """SHA-256 of canonical JSON: the same content always gives the same hash."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class NoteKind(models.TextChoices):
    PREPARATION = "preparation", "Preparation session"
    INTEGRATION = "integration", "Integration session"
    INDIVIDUAL = "individual", "Individual therapy session"
    OTHER = "other", "Other"


# --- Therapy notes: part of the clinical record ---------------------------------------------


class TherapyNote(models.Model):
    """A therapist's note in the clinical record: a draft anyone writing notes may edit, then
    signed by its author. Signing stores a SHA-256 of the content; from then on the row cannot
    change (database trigger) and corrections are addenda.

    ``version`` is optimistic concurrency for drafts: a save based on an older version is a
    conflict that keeps the first save and shows the second person's text beside it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="therapy_notes"
    )
    session = models.ForeignKey(
        "infusions.InfusionSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The infusion this note prepares for or integrates, if any.",
    )
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    text = models.TextField()
    version = models.PositiveIntegerField(default=1)
    author = _user()
    created_at = models.DateTimeField(default=timezone.now)
    last_edited_by = _user()
    last_edited_at = models.DateTimeField(default=timezone.now)
    signed_by = _user(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} note {self.public_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def signed_content(self) -> dict[str, Any]:
        """What the signature covers: who, about whom, when, which kind, and every word."""
        return {
            "note": str(self.public_id),
            "patient": str(self.patient.public_id),
            "session": str(self.session.public_id) if self.session_id else None,
            "kind": self.kind,
            "text": self.text,
            "author": self.author_id,
            "signed_by": self.signed_by_id,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
        }

    def signature_checks_out(self) -> bool:
        return self.is_signed and sha256_of(self.signed_content()) == self.content_sha256


class TherapyNoteAddendum(models.Model):
    """A later correction or addition to a signed therapy note. Append-only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.ForeignKey(TherapyNote, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    written_by = _user()
    written_at = models.DateTimeField(default=timezone.now)
    client_id = models.UUIDField(default=uuid.uuid4)
    content_sha256 = models.CharField(max_length=64)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["written_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["note", "client_id"], name="notes_addendum_idempotent")
        ]

    def __str__(self) -> str:
        return f"Addendum {self.public_id}"


# --- Psychotherapy notes: a separate, private, encrypted store -------------------------------


# Who may supervise another clinician's psychotherapy notes (also checked when one is named).
SUPERVISING_ROLES = (Role.THERAPIST, Role.PRESCRIBER)


class _NoBulkAccess(models.Manager["PsychotherapyNote"]):
    """The default manager returns no rows, so nothing generic can list psychotherapy notes."""

    def get_queryset(self) -> models.QuerySet[PsychotherapyNote]:
        return super().get_queryset().none()


class _PrivateNotes(models.Manager["PsychotherapyNote"]):
    def visible_to(self, user: Any, clinic: Any) -> models.QuerySet[PsychotherapyNote]:
        """The notes in ``clinic`` that ``user`` wrote, or supervises because the author named
        them. Everyone else — clinic admins, prescribers, other therapists — gets none.

        Access follows the person's place in the clinic now, not when the note was written or
        the supervisor named: someone whose membership was deactivated reads none, and a named
        supervisor reads the author's notes only while they hold a supervising role there
        (a supervisor moved to the front desk no longer does)."""
        notes = super().get_queryset().filter(clinic=clinic)
        if not getattr(user, "is_authenticated", False):
            return notes.none()
        membership = Membership.objects.filter(user=user, clinic=clinic, is_active=True).first()
        if membership is None:
            return notes.none()
        if membership.role not in SUPERVISING_ROLES:
            return notes.filter(author=user)
        supervised_authors = NamedSupervisor.objects.filter(
            clinic=clinic, supervisor=user, is_active=True
        ).values("author")
        return notes.filter(Q(author=user) | Q(author__in=supervised_authors))


class PsychotherapyNote(models.Model):
    """A process note for the therapist's own use (45 CFR 164.501), kept apart from the record.

    The text exists only as Fernet ciphertext in the database (``ciphertext``); ``text`` decrypts
    it on demand and raises ``crypto.NoteKeyError`` with a plain message when the key is wrong.
    Draft → signed like a therapy note; a signed note cannot change (database trigger).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    # No reverse accessor on the patient: the chart cannot reach these rows by accident.
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    author = _user()
    ciphertext = models.TextField(help_text="Fernet token; never plaintext.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    content_sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the ciphertext at signing."
    )
    sensitivity = models.CharField(
        max_length=20,
        choices=Sensitivity.choices,
        default=Sensitivity.PSYCHOTHERAPY_NOTE,
        editable=False,
    )

    objects = _NoBulkAccess()
    private = _PrivateNotes()

    class Meta:
        ordering = ["-created_at", "-id"]
        base_manager_name = "private"
        constraints = [
            models.CheckConstraint(
                condition=Q(sensitivity="psychotherapy_note"),
                name="notes_psychotherapy_note_sensitivity",
            )
        ]

    def __str__(self) -> str:
        # Never the text: this string may end up in logs or error pages.
        return f"Psychotherapy note {self.public_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def text(self) -> str:
        return crypto.decrypt(self.ciphertext)


class NamedSupervisor(models.Model):
    """A supervisor an author names: they may read the author's psychotherapy notes in this
    clinic. Removing one keeps the row (``is_active`` false, ``ended_at``) as history."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    author = _user()
    supervisor = _user()
    is_active = models.BooleanField(default=True)
    named_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["named_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "author", "supervisor"],
                condition=Q(is_active=True),
                name="notes_one_active_nomination",
            )
        ]

    def __str__(self) -> str:
        return f"Supervisor nomination {self.public_id}"
