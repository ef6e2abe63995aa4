import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone


class Sensitivity(models.TextChoices):
    """Every clinical record carries one; exports, PDFs and the portal respect it."""

    NORMAL = "normal", "Normal"
    RESTRICTED = "restricted", "Restricted (e.g. 42 CFR Part 2)"
    PSYCHOTHERAPY_NOTE = "psychotherapy_note", "Psychotherapy note"


class RecordStatus(models.TextChoices):
    FINAL = "final", "Final"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class PatientStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    SCREENING = "screening", "Screening"
    ACTIVE = "active", "Active treatment"
    MAINTENANCE = "maintenance", "Maintenance"
    DISCHARGED = "discharged", "Discharged"


class SexAtBirth(models.TextChoices):
    # Needed for ideal and lean body weight formulas, which exist only for these two values.
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_RECORDED = "not_recorded", "Not recorded"


class Patient(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=32)
    legal_given_name = models.CharField("legal given name", max_length=100)
    legal_family_name = models.CharField("legal family name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=20, choices=SexAtBirth.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    usual_escort_name = models.CharField(max_length=150, blank=True)
    usual_escort_phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=20, choices=PatientStatus.choices, default=PatientStatus.REFERRED
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="prescriber_for",
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="therapist_for",
    )
    nurses = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="nurse_for")
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    # Optimistic concurrency: a save based on an older version is refused as a conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_family_name", "legal_given_name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="mrn_unique_per_clinic")
        ]
        indexes = [
            models.Index(fields=["clinic", "legal_family_name"]),
            models.Index(fields=["clinic", "date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        """The name staff use with the patient: preferred given name, legal family name."""
        return f"{self.preferred_name or self.legal_given_name} {self.legal_family_name}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_given_name} {self.legal_family_name}"

    @property
    def initials(self) -> str:
        return f"{(self.preferred_name or self.legal_given_name)[:1]}{self.legal_family_name[:1]}"

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class Indication(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="indications")
    category = models.CharField(max_length=30)
    icd10_code = models.CharField("ICD-10-CM code", max_length=10)
    note = models.CharField(max_length=200, blank=True)
    is_primary = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL)
    error_reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_primary", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.category}"


class ObservationCode(models.TextChoices):
    """LOINC codes for the body measurements kept on the patient record."""

    BODY_WEIGHT = "29463-7", "Body weight"
    BODY_HEIGHT = "8302-2", "Body height"


OBSERVATION_UNITS = {ObservationCode.BODY_WEIGHT: "kg", ObservationCode.BODY_HEIGHT: "cm"}


class Observation(models.Model):
    """A coded measurement. Corrections are new rows; wrong rows are marked entered in error."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="observations")
    code = models.CharField(max_length=20, choices=ObservationCode.choices)
    value = models.DecimalField(max_digits=7, decimal_places=2)
    unit = models.CharField(max_length=10)
    measured_at = models.DateTimeField(help_text="Clinical time: when it was measured.")
    recorded_at = models.DateTimeField(default=timezone.now, help_text="Server time of entry.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    # Generated by the client so that a resubmitted form stores one row, not two.
    client_id = models.UUIDField(default=uuid.uuid4)
    status = models.CharField(max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL)
    error_reason = models.CharField(max_length=200, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["-measured_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="observation_idempotent_per_patient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.value} {self.unit}"


class ScreeningOutcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    ELIGIBLE_WITH_CONDITIONS = "eligible_with_conditions", "Eligible with conditions"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


class Screening(models.Model):
    """The contraindication checklist. Drafted by any clinician, signed only by a prescriber.

    Once signed, the answers, outcome and signature cannot change (database trigger); a later
    screening supersedes it, and a wrong one is marked entered in error.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    answers = models.JSONField(help_text="{item key: {'present': bool, 'note': str}}")
    outcome = models.CharField(max_length=30, choices=ScreeningOutcome.choices)
    conditions = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL)
    error_reason = models.CharField(max_length=200, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["-signed_at", "-created_at"]

    def __str__(self) -> str:
        return f"Screening {self.get_outcome_display()}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def present_items(self) -> list[str]:
        return [key for key, answer in self.answers.items() if answer.get("present")]


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", "Treatment with IV ketamine"
    OFF_LABEL = "off_label", "Off-label use of ketamine"
    TOUCH = "touch", "Consent to touch"


class ConsentDocument(models.Model):
    """One version of a consent text. Texts never change: a new wording is a new version."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "version"], name="consent_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ConsentDecision(models.TextChoices):
    GRANTED = "granted", "Consents"
    DECLINED = "declined", "Declines"


class PatientConsent(models.Model):
    """A patient's signed decision on one consent version, witnessed by staff in the clinic."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=ConsentDecision.choices)
    signed_name = models.CharField(max_length=200, help_text="The name the patient typed.")
    signed_at = models.DateTimeField(default=timezone.now)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL)
    error_reason = models.CharField(max_length=200, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document} — {self.get_decision_display()}"
