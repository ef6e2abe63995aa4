"""Single-use links that let a patient do one thing without a staff account.

A link is a 32-byte random token sent to the patient; only its SHA-256 is stored, so a copy of
the database does not let anyone open a patient's link. A link opens after a date-of-birth
check, works until it is used or expires, and locks after repeated wrong dates of birth.

The `purpose` says what the link is for; questionnaires are the first purpose, and later
patient-facing pieces (the therapist's portal) add their own purpose and reuse the same model,
the same checks and `links.open_link`.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

# Project default, no clinical source: five wrong dates of birth is enough for a patient who
# mistypes and too few to guess one (QUALITY.md security gate 3).
MAX_DOB_FAILURES = 5


class LinkPurpose(models.TextChoices):
    QUESTIONNAIRES = "questionnaires", "Questionnaires to fill in"
    PORTAL = "portal", "The patient's portal"


def token_hash(token: str) -> str:
    """The stored form of a token: SHA-256 of its text, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class PatientLink(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="patient_links"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="patient_links"
    )
    purpose = models.CharField(max_length=30, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    administrations = models.ManyToManyField(
        "measures.Administration", blank=True, related_name="patient_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the email went out.")
    first_opened_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time the date-of-birth check was passed."
    )
    used_at = models.DateTimeField(null=True, blank=True)
    dob_failures = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "purpose"])]

    def __str__(self) -> str:
        return f"Patient link {self.public_id} ({self.get_purpose_display()})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    def state(self) -> str:
        """One word for staff pages: used, locked, revoked, expired or open."""
        if self.used_at:
            return "used"
        if self.locked_at:
            return "locked"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired else "open"
