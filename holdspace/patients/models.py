import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prescriber_for",
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
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

    @property
    def status_badge(self) -> str:
        """The badge colour class for the status, so every page shows it the same way."""
        return STATUS_BADGES.get(self.status, "")

    def latest_observation(self, code: str) -> "Observation | None":
        """The newest valid measurement of one kind; rows entered in error never count."""
        return (
            self.observations.filter(code=code, status=RecordStatus.FINAL)
            .order_by("-measured_at", "-id")
            .first()
        )


STATUS_BADGES = {
    PatientStatus.REFERRED: "",
    PatientStatus.SCREENING: "warn",
    PatientStatus.ACTIVE: "ok",
    PatientStatus.MAINTENANCE: "ok",
    PatientStatus.DISCHARGED: "",
}


class Indication(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="indications")
    category = models.CharField(max_length=30)
    icd10_code = models.CharField("ICD-10-CM code", max_length=10)
    note = models.CharField(max_length=200, blank=True)
    is_primary = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL
    )
    error_reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_primary", "recorded_at"]
        constraints = [
            # A patient has at most one primary indication among the rows still in force.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(is_primary=True, status="final"),
                name="one_primary_indication_per_patient",
            )
        ]

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
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL
    )
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

    @property
    def display_value(self) -> str:
        """The value without trailing zeros: 72.5, not 72.50."""
        return f"{Decimal(self.value).normalize():f}"


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
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL
    )
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
    status = models.CharField(
        max_length=20, choices=RecordStatus.choices, default=RecordStatus.FINAL
    )
    error_reason = models.CharField(max_length=200, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document} — {self.get_decision_display()}"


# --- The patient's current state, read from the history that is kept -----------------------

# CLINICAL.md §1: "The weight used must be measured recently (clinic setting, e.g. within 30
# days)." The chart warns when the latest weight is older than this.
WEIGHT_RECENT_FOR = timedelta(days=30)

ELIGIBLE_OUTCOMES = (ScreeningOutcome.ELIGIBLE, ScreeningOutcome.ELIGIBLE_WITH_CONDITIONS)


def body_mass_index(weight: Observation | None, height: Observation | None) -> Decimal | None:
    """BMI in kg/m², one decimal, when both a weight and a height are on record."""
    if weight is None or height is None or not height.value:
        return None
    metres = Decimal(height.value) / 100
    return (Decimal(weight.value) / (metres * metres)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def current_screening(patient: Patient) -> Screening | None:
    """The newest signed screening that was not entered in error; older ones are superseded."""
    return (
        patient.screenings.filter(status=RecordStatus.FINAL, signed_at__isnull=False)
        .select_related("signed_by")
        .order_by("-signed_at", "-id")
        .first()
    )


def has_current_eligible_screening(patient: Patient) -> bool:
    """True when the current signed screening says eligible (with or without conditions)."""
    screening = current_screening(patient)
    return screening is not None and screening.outcome in ELIGIBLE_OUTCOMES


def latest_consent_documents(clinic: object) -> dict[str, ConsentDocument]:
    """The newest version of each kind of consent document the clinic has written."""
    latest: dict[str, ConsentDocument] = {}
    for document in ConsentDocument.objects.filter(clinic=clinic).order_by("kind", "-version"):
        latest.setdefault(document.kind, document)
    return latest


def current_consents(patient: Patient) -> dict[str, PatientConsent | None]:
    """Kind → the patient's latest decision not entered in error (None when there is none).

    A current consent may be a refusal, or signed on a document version that has since been
    replaced: see ``consent_overview`` and ``has_current_treatment_consent``.
    """
    result: dict[str, PatientConsent | None] = dict.fromkeys(ConsentKind.values)
    consents = (
        patient.consents.filter(status=RecordStatus.FINAL)
        .select_related("document", "witnessed_by")
        .order_by("-signed_at", "-id")
    )
    for consent in consents:
        if result.get(consent.document.kind) is None:
            result[consent.document.kind] = consent
    return result


def has_current_treatment_consent(patient: Patient) -> bool:
    """True when the patient granted treatment consent on the clinic's newest document version."""
    consent = current_consents(patient)[ConsentKind.TREATMENT]
    if consent is None or consent.decision != ConsentDecision.GRANTED:
        return False
    latest = latest_consent_documents(patient.clinic_id).get(ConsentKind.TREATMENT)
    return latest is None or latest.version <= consent.document.version


class ConsentState(models.TextChoices):
    CURRENT = "current", "Consents"
    DECLINED = "declined", "Declined"
    NEEDS_RESIGNING = "needs_resigning", "Needs re-signing"
    MISSING = "missing", "Not signed"
    NO_DOCUMENT = "no_document", "No document set up"


CONSENT_STATE_BADGES = {
    ConsentState.CURRENT: "ok",
    ConsentState.DECLINED: "danger",
    ConsentState.NEEDS_RESIGNING: "warn",
    ConsentState.MISSING: "warn",
    ConsentState.NO_DOCUMENT: "",
}


@dataclass(frozen=True)
class ConsentSummary:
    """One line of the chart's consent panel."""

    kind: str
    label: str
    state: ConsentState
    consent: PatientConsent | None
    latest_document: ConsentDocument | None

    @property
    def badge(self) -> str:
        return CONSENT_STATE_BADGES[self.state]


def _consent_state(consent: PatientConsent | None, latest: ConsentDocument | None) -> ConsentState:
    if consent is None:
        return ConsentState.MISSING if latest is not None else ConsentState.NO_DOCUMENT
    if consent.decision == ConsentDecision.DECLINED:
        return ConsentState.DECLINED
    if latest is not None and latest.version > consent.document.version:
        return ConsentState.NEEDS_RESIGNING
    return ConsentState.CURRENT


def consent_overview(patient: Patient) -> list[ConsentSummary]:
    """The state of every kind of consent for this patient, in a fixed order (two queries)."""
    consents = current_consents(patient)
    latest = latest_consent_documents(patient.clinic_id)
    return [
        ConsentSummary(
            kind,
            label,
            _consent_state(consents[kind], latest.get(kind)),
            consents[kind],
            latest.get(kind),
        )
        for kind, label in ConsentKind.choices
    ]
