import hashlib
import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/New_York).")


class Clinic(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    # Clinical times are stored in UTC and shown in the clinic's own time zone.
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Chair(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="chairs")
    name = models.CharField(max_length=60)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="chair_name_unique_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Infusion nurse"
    THERAPIST = "therapist", "Therapist"


CLINICAL_ROLES = (Role.PRESCRIBER, Role.NURSE, Role.THERAPIST)


class Membership(models.Model):
    """A person's place in one clinic. Deactivated, never deleted, so history keeps its author."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["clinic", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"

    @property
    def is_clinician(self) -> bool:
        return self.role in CLINICAL_ROLES


class DeviceKind(models.TextChoices):
    BOARD = "board", "Wall board (read-only)"
    # Stored as "monitor": the infusion actions accept vital signs from devices of this kind
    # (holdspace.infusions.actions.VITALS_DEVICE_KINDS), and from no other.
    FEED = "monitor", "Monitor feed (writes vital signs)"


class Device(models.Model):
    """A non-human principal: the wall board, or a monitor feed that posts one chair's vital
    signs to the JSON API. It authenticates with a token, not a password.

    Only a hash of the token is stored; the token itself is shown once when the device is created.
    A feed device is bound to one chair (required, checked by ``clinics.actions.create_device``):
    the chair comes from the token, never from what the device sends.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=DeviceKind.choices, default=DeviceKind.BOARD)
    chair = models.ForeignKey(
        Chair,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feed_devices",
        help_text="The one chair a monitor feed writes vital signs for (feed devices only).",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self.token_hash = self.hash_token(token)
        return token
