"""Protocols, treatment courses, infusion orders and their independent double-checks.

The arithmetic lives in engine.py (pure, exact decimals); these models keep what was decided,
by whom and on which version of which rule, so that every figure an order shows can be traced.

History is kept at the database level (migration 0002): nothing here can be deleted; a signed
order's content, a superseded protocol version's content and every double-check are frozen by
triggers. What stays writable is status: an order can be voided, a course changes phase.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone

from holdspace.dosing import engine
from holdspace.infusions.alerts import DEFAULT_THRESHOLDS
from holdspace.patients.models import Sensitivity
from holdspace.patients.vocabulary import indication_categories

# --- Vocabularies ----------------------------------------------------------------------------


class DoseMode(models.TextChoices):
    """engine.DoseMode, with the words a prescriber reads (CLINICAL.md section 1)."""

    MG_PER_KG_OVER_MINUTES = engine.DoseMode.MG_PER_KG_OVER_MINUTES.value, "mg/kg over the infusion"
    MG_PER_KG_PER_HOUR = engine.DoseMode.MG_PER_KG_PER_HOUR.value, "mg/kg per hour"
    FIXED_MG_PER_HOUR = engine.DoseMode.FIXED_MG_PER_HOUR.value, "Fixed mg per hour"


class WeightBasis(models.TextChoices):
    ACTUAL = engine.WeightBasis.ACTUAL.value, "Actual body weight"
    IDEAL = engine.WeightBasis.IDEAL.value, "Ideal body weight (Devine)"
    ADJUSTED = engine.WeightBasis.ADJUSTED.value, "Adjusted body weight"
    LEAN = engine.WeightBasis.LEAN.value, "Lean body weight (Janmahasatian)"


class PreparationKind(models.TextChoices):
    PREMIXED = "premixed", "Premixed solution"
    BAG = "bag", "Stock drawn into a bag"


class DischargeRule(models.TextChoices):
    # CLINICAL.md section 3: modified Aldrete (initial recovery) and PADSS (Chung), each >= 9.
    MODIFIED_ALDRETE_9 = "modified_aldrete_9", "Modified Aldrete score ≥ 9"
    PADSS_9 = "padss_9", "PADSS (Chung) ≥ 9"


class CoursePhase(models.TextChoices):
    INDUCTION = "induction", "Induction"
    MAINTENANCE = "maintenance", "Maintenance"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"


OPEN_PHASES = (CoursePhase.INDUCTION, CoursePhase.MAINTENANCE)

PHASE_BADGES = {
    CoursePhase.INDUCTION: "warn",
    CoursePhase.MAINTENANCE: "ok",
    CoursePhase.COMPLETED: "",
    CoursePhase.DISCONTINUED: "danger",
}


def indication_choices() -> list[tuple[str, str]]:
    return [(category.key, category.label) for category in indication_categories()]


def indication_label(key: str) -> str:
    return dict(indication_choices()).get(key, key)


def engine_sex(sex_at_birth: str) -> engine.Sex | None:
    """The patient's recorded sex for the weight formulas, or None when not recorded."""
    try:
        return engine.Sex(sex_at_birth)
    except ValueError:
        return None


# --- Storage precision -----------------------------------------------------------------------

# Computed figures are stored as decimals, not floats. Figures that terminate (40 mg, 0.8 mL,
# 100.8 mL, 151.2 mL/h) are stored exactly; the few that do not (40 mg in 100.8 mL) are stored
# to 6 decimal places (1 microgram, 1 microlitre, 0.000001 mL/h) and concentrations to 9,
# rounded half up. That is far below anything a pump or syringe can deliver, and within the 15
# significant digits SQLite keeps. Display rounding (engine.round_*) is applied on top.
STORED_STEP = Decimal("0.000001")
STORED_CONCENTRATION_STEP = Decimal("0.000000001")


def stored(value: Decimal, step: Decimal = STORED_STEP) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _decimal(max_digits: int = 15, places: int = 6, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=max_digits, decimal_places=places, **kwargs)


def _positive_decimal(label: str, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=10,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        **kwargs,
    )


def _whole(label: str, default: int, low: int, high: int, help_text: str = "") -> Any:
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(low), MaxValueValidator(high)],
        help_text=help_text,
    )


def _optional_whole(label: str, low: int, high: int, help_text: str) -> Any:
    """A whole-number setting a protocol may leave empty ("not set": the alert engine's project
    default applies). Nullable without a database default on purpose: SQLite adds such a column
    with a plain ALTER TABLE, whereas NOT NULL or a default makes Django rebuild the table, which
    silently drops the immutability triggers (audit/immutability.py) on dosing_protocol."""
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(low, message=_range_message(low, high)),
            MaxValueValidator(high, message=_range_message(low, high)),
        ],
        help_text=help_text,
    )


def _range_message(low: int, high: int) -> str:
    return f"Enter a whole number from {low} to {high}, or leave it empty for the project default."


def plain(value: Any) -> str:
    """A decimal as people write it: 0.500 → "0.5", 100.000 → "100"; None → ""."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text


class PlainNumbers:
    """``obj.plain.<field>`` in templates: the field's decimal written plainly."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __getitem__(self, name: str) -> str:
        return plain(getattr(self._obj, name))


def rounded_figures(plan: Any) -> dict[str, Decimal | None]:
    """An order's or an engine plan's figures rounded by the house rule (CLINICAL.md section 1):
    dose 0.1 mg, volumes 0.1 mL, rate 0.1 mL/h; weight 0.1 kg, concentration 0.001 mg/mL."""
    drawn = None if plan.drawn_ml is None else engine.round_volume_ml(Decimal(plan.drawn_ml))
    return {
        "dosing_weight_kg": engine.round_weight_kg(Decimal(plan.dosing_weight_kg)),
        "dose_mg": engine.round_dose_mg(Decimal(plan.dose_mg)),
        "drawn_ml": drawn,
        "total_ml": engine.round_volume_ml(Decimal(plan.total_ml)),
        "concentration_mg_ml": engine.round_concentration_mg_ml(Decimal(plan.concentration_mg_ml)),
        "rate_ml_h": engine.round_rate_ml_h(Decimal(plan.rate_ml_h)),
    }


# --- Protocols -------------------------------------------------------------------------------


class ProtocolQuerySet(models.QuerySet["Protocol"]):
    def current(self) -> ProtocolQuerySet:
        """The version in force of every protocol (superseded versions are history)."""
        return self.filter(superseded_at__isnull=True)


class Protocol(models.Model):
    """One version of a clinic's infusion protocol.

    All versions of one protocol share a ``lineage``. A version that an order has used never
    changes: editing it creates the next version and marks this one superseded (and the
    database freezes a superseded version's content). Every shipped default names its source
    in ``sources`` (see protocols.py).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Optimistic concurrency for edits of a version no order has used yet.
    revision = models.PositiveIntegerField(default=1, editable=False)
    shipped_key = models.CharField(max_length=60, blank=True, editable=False)

    name = models.CharField("Name", max_length=120)
    indication_categories = models.JSONField(
        "Indications", help_text="The indications this protocol is written for."
    )
    dose_mode = models.CharField("Dose mode", max_length=30, choices=DoseMode.choices)
    default_amount = _positive_decimal("Default dose")
    min_amount = _positive_decimal("Allowed minimum dose")
    max_amount = _positive_decimal("Allowed maximum dose")
    duration_minutes = models.PositiveIntegerField(
        "Infusion duration (minutes)", validators=[MinValueValidator(1), MaxValueValidator(10080)]
    )
    cap_mg_per_kg = _positive_decimal("Cap: mg/kg per infusion", null=True, blank=True)
    cap_total_mg = _positive_decimal("Cap: total mg per infusion", null=True, blank=True)
    cap_rate_ml_h = _positive_decimal("Cap: pump rate (mL/h)", null=True, blank=True)
    cap_mg_per_kg_per_hour = _positive_decimal("Cap: mg/kg per hour", null=True, blank=True)
    default_basis = models.CharField(
        "Default weight basis", max_length=20, choices=WeightBasis.choices
    )
    preparation_kind = models.CharField(
        "Default preparation", max_length=20, choices=PreparationKind.choices
    )
    premixed_concentration_mg_ml = _positive_decimal(
        "Premixed concentration (mg/mL)", null=True, blank=True
    )
    stock_mg_ml = _positive_decimal("Stock vial strength (mg/mL)", null=True, blank=True)
    bag_ml = _positive_decimal("Bag volume (mL)", null=True, blank=True)
    induction_infusions = models.PositiveSmallIntegerField(
        "Infusions in an induction series",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    schedule_note = models.CharField("Usual schedule", max_length=200, blank=True)
    vitals_interval_minutes = _whole("Vital signs every (minutes)", 15, 1, 60)
    bp_notify_systolic = _whole("Notify: systolic ≥ (mmHg)", 160, 60, 260)
    bp_notify_diastolic = _whole("Notify: diastolic ≥ (mmHg)", 100, 30, 160)
    bp_hold_systolic = _whole("Hold: systolic ≥ (mmHg)", 180, 60, 280)
    bp_hold_diastolic = _whole("Hold: diastolic ≥ (mmHg)", 110, 30, 180)
    spo2_notify_below = _whole("Notify: SpO₂ below (%)", 94, 50, 100)
    spo2_critical_below = _whole("Critical: SpO₂ below (%)", 90, 50, 100)
    hr_notify_above = _whole("Notify: heart rate above (/min)", 120, 40, 250)
    hr_critical_above = _whole("Critical: heart rate above (/min)", 140, 40, 250)
    hr_critical_below = _whole("Critical: heart rate below (/min)", 45, 20, 100)
    rr_critical_below = _whole("Critical: respiratory rate below (/min)", 10, 4, 30)
    # CLINICAL.md §2 lists anxiety and dissociation on a 0-10 scale but gives no threshold and no
    # escalation time, so these are empty by default: the alert engine's project defaults apply
    # (holdspace/infusions/alerts.py AlertThresholds) until a clinic sets its own.
    anxiety_prompt_at = _optional_whole(
        "Prompt the therapist: anxiety ≥ (0-10)",
        1,
        10,
        "Empty: the project default applies.",
    )
    dissociation_prompt_at = _optional_whole(
        "Prompt the therapist: dissociation ≥ (0-10)",
        1,
        10,
        "Empty: the project default applies. Dissociation is an expected effect of ketamine.",
    )
    escalation_minutes = _optional_whole(
        "Escalate an unacknowledged hold or critical alert after (minutes)",
        1,
        60,
        "To the prescriber, on the clinic board. Empty: the project default applies.",
    )
    discharge_rule = models.CharField(
        "Discharge rule", max_length=30, choices=DischargeRule.choices
    )
    min_interval_hours = _whole("Minimum hours between infusions", 24, 1, 2000)
    titration_start = _positive_decimal("Titration: starting dose (mg/kg)", null=True, blank=True)
    titration_step = _positive_decimal("Titration: step (mg/kg)", null=True, blank=True)
    titration_max = _positive_decimal("Titration: maximum (mg/kg)", null=True, blank=True)
    weight_max_age_days = _whole("Weight must be measured within (days)", 30, 1, 365)
    sources = models.TextField("Sources", help_text="Where each default comes from.")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = ProtocolQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="protocol_version_unique"),
            models.UniqueConstraint(
                fields=["lineage"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_version_per_protocol",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    # --- Reading the protocol ----------------------------------------------------------------

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def plain(self) -> PlainNumbers:
        return PlainNumbers(self)

    @property
    def amount_unit(self) -> str:
        return engine.AMOUNT_UNITS[engine.DoseMode(self.dose_mode)]

    @property
    def uses_mg_per_kg(self) -> bool:
        return self.dose_mode != DoseMode.FIXED_MG_PER_HOUR

    @property
    def indication_labels(self) -> list[str]:
        return [indication_label(key) for key in self.indication_categories or []]

    def is_in_use(self) -> bool:
        return InfusionOrder.objects.filter(protocol=self).exists()

    def current_version(self) -> Protocol:
        return Protocol.objects.current().get(lineage=self.lineage)

    def versions(self) -> models.QuerySet[Protocol]:
        return Protocol.objects.filter(lineage=self.lineage).order_by("-version")

    def caps(self) -> engine.Caps:
        return engine.Caps(
            max_mg_per_kg=self.cap_mg_per_kg,
            max_total_mg=self.cap_total_mg,
            max_rate_ml_h=self.cap_rate_ml_h,
            max_mg_per_kg_per_hour=self.cap_mg_per_kg_per_hour,
        )

    def dose_order(self, amount: Decimal) -> engine.DoseOrder:
        return engine.DoseOrder(
            engine.DoseMode(self.dose_mode), amount, Decimal(self.duration_minutes)
        )

    def titration_policy(self) -> engine.TitrationPolicy | None:
        """The titration bounds, for mg/kg-over-the-infusion protocols that set them."""
        values = (self.titration_start, self.titration_step, self.titration_max)
        if self.dose_mode != DoseMode.MG_PER_KG_OVER_MINUTES or None in values:
            return None
        return engine.TitrationPolicy(
            start_mg_per_kg=Decimal(self.titration_start),
            step_mg_per_kg=Decimal(self.titration_step),
            max_mg_per_kg=Decimal(self.titration_max),
            min_mg_per_kg=Decimal(self.min_amount),
        )

    def thresholds(self) -> list[tuple[str, str, str]]:
        """The alert rules in words, (vital sign, notify tier, hold/critical tier)."""
        return [
            (
                "Blood pressure",
                f"SBP ≥ {self.bp_notify_systolic} or DBP ≥ {self.bp_notify_diastolic}: "
                "recheck in 5 min and notify",
                f"SBP ≥ {self.bp_hold_systolic} or DBP ≥ {self.bp_hold_diastolic}: hold the "
                "infusion, call the prescriber",
            ),
            ("SpO₂", f"below {self.spo2_notify_below} %", f"below {self.spo2_critical_below} %"),
            (
                "Heart rate",
                f"above {self.hr_notify_above} /min",
                f"above {self.hr_critical_above} or below {self.hr_critical_below} /min",
            ),
            ("Respiratory rate", "—", f"below {self.rr_critical_below} /min"),
        ]

    def prompts_and_escalation(self) -> list[tuple[str, str]]:
        """The therapist prompts and the escalation time in words. An empty setting shows the
        project default that applies (holdspace/infusions/alerts.py; CLINICAL.md §2 gives none)."""

        def setting(value: int | None, default: int, words: str) -> str:
            if value is None:
                return f"{words.format(default)} (project default)"
            return words.format(value)

        d = DEFAULT_THRESHOLDS
        return [
            ("Anxiety", setting(self.anxiety_prompt_at, d.anxiety_prompt_at, "≥ {}/10")),
            (
                "Dissociation",
                setting(self.dissociation_prompt_at, d.dissociation_prompt_at, "≥ {}/10"),
            ),
            (
                "Unacknowledged hold or critical alert",
                setting(self.escalation_minutes, d.escalation_minutes, "after {} min"),
            ),
        ]

    # --- Validation (used by the form and, through full_clean, by the actions) ----------------

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        self._clean_indications(add)
        self._clean_amounts(add)
        self._clean_preparation(add)
        self._clean_thresholds(add)
        self._clean_titration(add)
        if errors:
            raise ValidationError(errors)

    def _clean_indications(self, add: Any) -> None:
        known = {key for key, _label in indication_choices()}
        chosen = self.indication_categories
        if not isinstance(chosen, list) or not chosen:
            add("indication_categories", "Choose at least one indication.")
        elif not set(chosen) <= known:
            add("indication_categories", "Choose only the listed indications.")

    def _clean_amounts(self, add: Any) -> None:
        low, default, high = self.min_amount, self.default_amount, self.max_amount
        if None in (low, default, high):
            return
        if low > high:
            add("min_amount", "The allowed minimum is above the allowed maximum.")
        elif not low <= default <= high:
            add(
                "default_amount",
                f"The default dose must lie between {plain(low)} and {plain(high)}.",
            )

    def _clean_preparation(self, add: Any) -> None:
        if self.preparation_kind == PreparationKind.PREMIXED:
            if self.premixed_concentration_mg_ml is None:
                add("premixed_concentration_mg_ml", "A premixed preparation needs its strength.")
        elif self.preparation_kind == PreparationKind.BAG:
            if self.stock_mg_ml is None:
                add("stock_mg_ml", "A bag preparation needs the stock vial strength.")
            if self.bag_ml is None:
                add("bag_ml", "A bag preparation needs the bag volume.")

    def _clean_thresholds(self, add: Any) -> None:
        pairs = [
            ("bp_hold_systolic", self.bp_notify_systolic, self.bp_hold_systolic, "systolic"),
            ("bp_hold_diastolic", self.bp_notify_diastolic, self.bp_hold_diastolic, "diastolic"),
        ]
        for field, notify, hold, what in pairs:
            if notify is not None and hold is not None and hold <= notify:
                add(field, f"The hold tier for {what} pressure must be above the notify tier.")
        notify, critical = self.spo2_notify_below, self.spo2_critical_below
        if notify is not None and critical is not None and critical >= notify:
            add("spo2_critical_below", "The critical SpO₂ must be below the notify SpO₂.")
        low, notify, high = self.hr_critical_below, self.hr_notify_above, self.hr_critical_above
        if None not in (low, notify, high) and not low < notify < high:
            add(
                "hr_critical_above",
                "Heart rate tiers must read: critical low < notify high < critical high.",
            )

    def _clean_titration(self, add: Any) -> None:
        values = (self.titration_start, self.titration_step, self.titration_max)
        if all(value is None for value in values):
            return
        if None in values:
            add("titration_start", "Fill in all three titration values, or none of them.")
            return
        if self.dose_mode != DoseMode.MG_PER_KG_OVER_MINUTES:
            add("titration_start", "Titration advice works in mg/kg over the infusion only.")
            return
        if self.min_amount is None or self.max_amount is None:
            return
        if self.titration_max > self.max_amount:
            add("titration_max", "The titration maximum cannot exceed the allowed maximum dose.")
        try:
            self.titration_policy()
        except engine.DoseInputError as error:
            add("titration_start", f"{error} (The minimum is the allowed minimum dose.)")


# --- Treatment courses -----------------------------------------------------------------------


class CourseQuerySet(models.QuerySet["TreatmentCourse"]):
    def for_chart(self) -> CourseQuerySet:
        """Courses with their protocol and orders in a fixed number of queries (the chart)."""
        orders = InfusionOrder.objects.select_related("protocol").prefetch_related("double_checks")
        return (
            self.select_related("protocol", "created_by")
            .prefetch_related(Prefetch("orders", queryset=orders.order_by("sequence", "id")))
            .order_by("-created_at", "-id")
        )


class TreatmentCourse(models.Model):
    """A planned series of infusions for one indication, under one protocol."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_courses"
    )
    protocol = models.ForeignKey(
        Protocol,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The protocol version the course started on; orders use its current version.",
    )
    indication_category = models.CharField("Indication", max_length=30)
    phase = models.CharField(
        max_length=20, choices=CoursePhase.choices, default=CoursePhase.INDUCTION
    )
    planned_infusions = models.PositiveSmallIntegerField(
        "Planned number of infusions", validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    schedule_note = models.CharField("Schedule", max_length=300, blank=True)
    end_reason = models.TextField(blank=True)
    phase_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.indication_label} course ({self.get_phase_display()})"

    @property
    def indication_label(self) -> str:
        return indication_label(self.indication_category)

    @property
    def is_open(self) -> bool:
        return self.phase in OPEN_PHASES

    @property
    def phase_badge(self) -> str:
        return PHASE_BADGES.get(CoursePhase(self.phase), "")

    def current_protocol(self) -> Protocol:
        return self.protocol.current_version()

    def active_orders(self) -> list[InfusionOrder]:
        """Signed orders not voided, in slot order (uses prefetched orders when present)."""
        return [order for order in self.orders.all() if order.is_active]

    def next_sequence(self) -> int:
        taken = [order.sequence for order in self.orders.all() if order.voided_at is None]
        return max(taken, default=0) + 1


class CoursePhaseChange(models.Model):
    """One step of a course's phase history. Append-only."""

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="phase_changes"
    )
    from_phase = models.CharField(max_length=20, choices=CoursePhase.choices)
    to_phase = models.CharField(max_length=20, choices=CoursePhase.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_phase} → {self.to_phase}"


# --- Orders ----------------------------------------------------------------------------------


class InfusionOrder(models.Model):
    """A prescriber's order for one infusion of a course, with every figure the engine computed.

    The inputs (dose, weight measurement, basis, preparation) and the computed plan are stored
    together with the protocol version used. Once signed, none of it can change (database
    trigger); a change is a new order for the same slot that voids this one.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(TreatmentCourse, on_delete=models.PROTECT, related_name="orders")
    sequence = models.PositiveSmallIntegerField("Infusion number in the course")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="orders")

    # What the prescriber asked for.
    dose_mode = models.CharField(max_length=30, choices=DoseMode.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=3)
    duration_minutes = models.DecimalField(max_digits=9, decimal_places=2)
    weight_observation = models.ForeignKey(
        "patients.Observation", on_delete=models.PROTECT, related_name="+"
    )
    weight_kg = models.DecimalField(max_digits=7, decimal_places=2)
    weight_measured_at = models.DateTimeField()
    height_observation = models.ForeignKey(
        "patients.Observation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    height_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    basis_requested = models.CharField(max_length=20, choices=WeightBasis.choices)
    basis_used = models.CharField(max_length=20, choices=WeightBasis.choices)
    preparation_kind = models.CharField(max_length=20, choices=PreparationKind.choices)
    premixed_concentration_mg_ml = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True
    )
    stock_mg_ml = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    bag_ml = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)

    # What the engine computed (see STORED_STEP for the precision).
    dosing_weight_kg = _decimal()
    dose_mg = _decimal()
    drawn_ml = _decimal(null=True, blank=True)
    total_ml = _decimal()
    concentration_mg_ml = _decimal(places=9)
    rate_ml_h = _decimal()
    warnings = models.JSONField(default=list, blank=True)
    hard_stops = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    titration_advice = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.TextField(blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["course_id", "sequence", "id"]
        constraints = [
            # One active (signed, not voided) order per planned infusion of a course.
            models.UniqueConstraint(
                fields=["course", "sequence"],
                condition=Q(signed_at__isnull=False, voided_at__isnull=True),
                name="one_active_order_per_infusion",
            )
        ]

    def __str__(self) -> str:
        return f"Infusion {self.sequence} order"

    # --- State ---------------------------------------------------------------------------------

    @property
    def plain(self) -> PlainNumbers:
        return PlainNumbers(self)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def is_active(self) -> bool:
        return self.is_signed and not self.is_voided

    @property
    def is_overridden(self) -> bool:
        """A hard stop (cap or range) was overridden with a reason: flagged wherever shown."""
        return bool(self.hard_stops)

    @property
    def amount_unit(self) -> str:
        return engine.AMOUNT_UNITS[engine.DoseMode(self.dose_mode)]

    def latest_double_check(self) -> DoubleCheck | None:
        checks = sorted(self.double_checks.all(), key=lambda c: (c.checked_at, c.pk))
        return checks[-1] if checks else None

    @property
    def is_double_checked(self) -> bool:
        latest = self.latest_double_check()
        return latest is not None and latest.matched

    @property
    def check_state(self) -> str:
        """draft, voided, awaiting_check, blocked (unresolved mismatch), resolved, checked."""
        if self.is_voided:
            return "voided"
        if not self.is_signed:
            return "draft"
        latest = self.latest_double_check()
        if latest is None:
            return "awaiting_check"
        if latest.matched:
            return "checked"
        return "resolved" if latest.is_resolved else "blocked"

    def start_blockers(self) -> list[str]:
        """Why the pump may not start on this order yet, in words (empty when it may)."""
        from holdspace.dosing.actions import eligibility_problems, weight_age_problem

        state = self.check_state
        reasons = {
            "voided": "This order is void.",
            "draft": "This order is not signed.",
            "awaiting_check": "The independent double-check has not been done.",
            "blocked": "The double-check did not match; resolve it with the prescriber.",
            "resolved": "A new independent double-check is needed after the mismatch.",
        }
        problems = [reasons[state]] if state in reasons else []
        if not self.course.is_open:
            problems.append(f"The course is {self.course.get_phase_display().lower()}.")
        patient = self.course.patient
        problems += eligibility_problems(patient)
        stale = weight_age_problem(
            self.weight_kg, self.weight_measured_at, self.protocol, patient.clinic
        )
        return [*problems, *([stale] if stale else [])]

    @property
    def is_ready_to_start(self) -> bool:
        """Signed, not voided, double-checked with a match, and still safe to give: the course
        is open, screening and treatment consent are current and the weight is recent enough.
        The live infusion module asks this before the pump may start."""
        return not self.start_blockers()

    def values_hidden_for(self, role: str | None) -> bool:
        """Whether weight and dose are withheld from this person for now.

        An active order's figures are shown to prescribers, and to everyone else only after
        the independent double-check has matched, so the double-check stays independent.
        """
        from holdspace.clinics.models import Role

        if role == Role.PRESCRIBER or not self.is_active:
            return False
        return not self.is_double_checked

    # --- The figures, rounded by the house rule for display and the pump ------------------------

    @property
    def shown(self) -> dict[str, Decimal | None]:
        return rounded_figures(self)

    def preparation(self) -> engine.Preparation:
        if self.preparation_kind == PreparationKind.PREMIXED:
            return engine.Premixed(Decimal(self.premixed_concentration_mg_ml))
        return engine.BagAdmixture(Decimal(self.stock_mg_ml), Decimal(self.bag_ml))

    def recomputed_plan(self) -> engine.InfusionPlan:
        """The engine's plan from this order's stored inputs, to check the stored figures."""
        weight = engine.dosing_weight(
            Decimal(self.weight_kg),
            None if self.height_cm is None else Decimal(self.height_cm),
            engine_sex(self.sex),
            engine.WeightBasis(self.basis_requested),
        )
        order = engine.DoseOrder(
            engine.DoseMode(self.dose_mode), Decimal(self.amount), Decimal(self.duration_minutes)
        )
        return engine.plan_infusion(weight, order, self.preparation(), self.protocol.caps())


class DoubleCheck(models.Model):
    """A second clinician's independent weight and dose for an order. Append-only.

    Both sides are kept: what the checker entered, and the order's figures (rounded by the
    house rule) they were compared with.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(InfusionOrder, on_delete=models.PROTECT, related_name="double_checks")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)
    entered_weight_kg = models.DecimalField(max_digits=9, decimal_places=3)
    entered_dose_mg = models.DecimalField(max_digits=9, decimal_places=3)
    order_weight_kg = models.DecimalField(max_digits=9, decimal_places=1)
    order_dose_mg = models.DecimalField(max_digits=9, decimal_places=1)
    weight_matches = models.BooleanField()
    dose_matches = models.BooleanField()

    class Meta:
        ordering = ["checked_at", "id"]

    def __str__(self) -> str:
        return "Double-check: match" if self.matched else "Double-check: mismatch"

    @property
    def plain(self) -> PlainNumbers:
        return PlainNumbers(self)

    @property
    def matched(self) -> bool:
        return self.weight_matches and self.dose_matches

    @property
    def differing(self) -> list[str]:
        return [
            name
            for name, same in (("weight", self.weight_matches), ("dose", self.dose_matches))
            if not same
        ]

    @property
    def is_resolved(self) -> bool:
        return hasattr(self, "resolution")


class MismatchResolution(models.Model):
    """A prescriber's note that a double-check mismatch was resolved with them, after which a
    new independent double-check may be made. Append-only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    double_check = models.OneToOneField(
        DoubleCheck, on_delete=models.PROTECT, related_name="resolution"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(default=timezone.now)
    note = models.TextField()

    class Meta:
        ordering = ["resolved_at", "id"]

    def __str__(self) -> str:
        return "Mismatch resolved"


def order_author_ids(order: InfusionOrder) -> set[int]:
    """The people whose check of this order would not be independent."""
    return {pk for pk in (order.created_by_id, order.signed_by_id) if pk is not None}
