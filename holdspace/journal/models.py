"""The patient's private journal (CLINICAL.md §6: journaling is part of integration).

An entry belongs to the patient: it is written only through the portal and is private until the
patient shares it with their care team (their therapist and prescriber). Sharing can be
withdrawn; from then on staff no longer see it. The text never changes and no entry is deleted
(migration 0002); only the sharing columns may be set.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Project default, no clinical source: long enough for a reflection, short enough for one page.
MAX_ENTRY_CHARS = 10_000


class PromptKind(models.TextChoices):
    FREE = "free", "Free writing"
    REFLECTION_24H = "reflection_24h", "Reflection a day after an infusion"
    REFLECTION_72H = "reflection_72h", "Reflection three days after an infusion"


class JournalEntry(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="journal_entries"
    )
    text = models.TextField()
    written_at = models.DateTimeField(default=timezone.now)
    prompt_kind = models.CharField(
        max_length=20, choices=PromptKind.choices, default=PromptKind.FREE
    )
    session = models.ForeignKey(
        "infusions.InfusionSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The infusion this entry reflects on, for a reflection prompt.",
    )
    via_link = models.UUIDField(help_text="Public id of the portal link it was written through.")
    shared_with_therapist = models.BooleanField(default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    sharing_withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Issued with the portal form, so a double tap or a resent form stores one entry. Empty on
    # entries written before the form carried it.
    client_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["patient", "shared_with_therapist"])]
        constraints = [
            # Partial (only where set): on SQLite a plain unique constraint would rebuild the
            # table and drop the triggers of migration 0002.
            models.UniqueConstraint(
                fields=["patient", "client_id"],
                condition=Q(client_id__isnull=False),
                name="journal_entry_idempotent",
            )
        ]

    def __str__(self) -> str:
        return f"Journal entry {self.public_id}"
