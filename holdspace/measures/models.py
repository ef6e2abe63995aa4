"""Instruments stored in the database, each file version kept for ever.

A score recorded today must still be explainable after the clinic imports a corrected file next
year, so a changed file never overwrites the old one: it becomes a new `InstrumentVersion` and
the old one stays (database triggers refuse to delete versions or change their content; see
migration 0002). Loading an unchanged file changes nothing.

The instrument files themselves are validated and parsed by the pure `instruments` module; the
loading logic lives in `store.py`.
"""

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
