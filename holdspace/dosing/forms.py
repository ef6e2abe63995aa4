"""Forms for protocols, courses, orders and double-checks. They check what a person typed;
actions.py checks it again and saves. Every message says what is wrong and what to do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from holdspace.dosing import actions
from holdspace.dosing.models import (
    CoursePhase,
    InfusionOrder,
    PreparationKind,
    Protocol,
    TreatmentCourse,
    WeightBasis,
    indication_choices,
    plain,
)
from holdspace.dosing.protocols import FIELD_SOURCES
from holdspace.infusions.alerts import DEFAULT_THRESHOLDS
from holdspace.patients.forms import PlainLabels
from holdspace.patients.models import Observation, ObservationCode, Patient, RecordStatus

NUMBER = {"step": "any", "inputmode": "decimal"}


def _decimal(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text=help_text,
        widget=forms.NumberInput(attrs=NUMBER),
        error_messages={
            "required": f"Enter the {label[:1].lower()}{label[1:]}.",
            "invalid": "Enter a number, e.g. 0.5.",
            "min_value": "Enter a number greater than zero.",
            "max_decimal_places": "Use at most 3 decimal places.",
        },
    )


def _reason(label: str, help_text: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Protocols -------------------------------------------------------------------------------


class ProtocolForm(PlainLabels, forms.ModelForm):
    """Every setting of a protocol version. ``revision`` carries optimistic concurrency."""

    indication_categories = forms.MultipleChoiceField(
        label="Indications",
        choices=indication_choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "options"}),
        error_messages={"required": "Choose at least one indication."},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Protocol
        fields = actions.PROTOCOL_FIELDS
        widgets = {
            "sources": forms.Textarea(attrs={"rows": 8}),
            "dose_mode": forms.RadioSelect(attrs={"class": "options"}),
            "preparation_kind": forms.RadioSelect(attrs={"class": "options"}),
            "default_basis": forms.RadioSelect(attrs={"class": "options"}),
            "discharge_rule": forms.RadioSelect(attrs={"class": "options"}),
        }
        help_texts = {
            "default_amount": "In the unit of the dose mode: mg/kg, mg/kg/h or mg/h.",
            "min_amount": "A dose outside the allowed range is a hard stop (override with a "
            "reason).",
            "cap_mg_per_kg": "Leave a cap empty for “no cap of this kind”. A breach is a hard "
            "stop that needs an override reason.",
            "titration_start": "Only for mg/kg over the infusion. Leave all three empty for no "
            "titration advice. The titration minimum is the allowed minimum dose.",
            "sources": "Cite where each figure comes from, or say it is your clinic's choice.",
        }

    # How the settings are grouped on the form and on the protocol page.
    FIELDSETS: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("Protocol", ("name", "indication_categories")),
        (
            "Dose",
            (
                "dose_mode",
                "default_amount",
                "min_amount",
                "max_amount",
                "duration_minutes",
                "default_basis",
            ),
        ),
        (
            "Caps (hard stops)",
            ("cap_mg_per_kg", "cap_total_mg", "cap_rate_ml_h", "cap_mg_per_kg_per_hour"),
        ),
        (
            "Preparation",
            ("preparation_kind", "premixed_concentration_mg_ml", "stock_mg_ml", "bag_ml"),
        ),
        ("Course", ("induction_infusions", "schedule_note", "min_interval_hours")),
        ("Titration advice", ("titration_start", "titration_step", "titration_max")),
        (
            "Monitoring and alerts",
            (
                "vitals_interval_minutes",
                "bp_notify_systolic",
                "bp_notify_diastolic",
                "bp_hold_systolic",
                "bp_hold_diastolic",
                "spo2_notify_below",
                "spo2_critical_below",
                "hr_notify_above",
                "hr_critical_above",
                "hr_critical_below",
                "rr_critical_below",
            ),
        ),
        (
            "Therapist prompts and escalation",
            ("anxiety_prompt_at", "dissociation_prompt_at", "escalation_minutes"),
        ),
        ("Weight and discharge", ("weight_max_age_days", "discharge_rule")),
        ("Sources", ("sources",)),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["revision"] = self.instance.revision
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField):
                field.widget.attrs.update(NUMBER)
                # As people write them: 0.5 and 50, not 0.500 and 50.000.
                if isinstance(self.initial.get(name), Decimal):
                    self.initial[name] = plain(self.initial[name])
            if isinstance(field, forms.TypedChoiceField) and isinstance(
                field.widget, forms.RadioSelect
            ):
                # A required choice shown as radio buttons needs no "select an option" button.
                field.choices = [choice for choice in field.choices if choice[0] != ""]
        for name in self.UNSET_MEANS_PROJECT_DEFAULT:
            self._project_default_when_empty(name)

    # Settings a protocol may leave empty: the alert engine's project default then applies
    # (holdspace/infusions/alerts.py; CLINICAL.md §2 gives no figure for them).
    UNSET_MEANS_PROJECT_DEFAULT = (
        "anxiety_prompt_at",
        "dissociation_prompt_at",
        "escalation_minutes",
    )

    def _project_default_when_empty(self, name: str) -> None:
        """Shows the default that applies as the placeholder, and words every refusal (not a
        number, a fraction, out of range) as one message that gives the range."""
        field = self.fields[name]
        low, high = _limits(Protocol._meta.get_field(name))
        default = getattr(DEFAULT_THRESHOLDS, name)
        message = (
            f"Enter a whole number from {low} to {high}, or leave it empty for the project "
            f"default ({default})."
        )
        field.validators = [MinValueValidator(low, message), MaxValueValidator(high, message)]
        field.error_messages["invalid"] = message
        field.widget.attrs.update(
            {
                "placeholder": f"{default} (project default)",
                "min": low,
                "max": high,
                "inputmode": "numeric",
            }
        )

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in actions.PROTOCOL_FIELDS}

    def grouped(self) -> list[tuple[str, list[tuple[Any, str]]]]:
        """(legend, [(bound field, source of the shipped default)]) per fieldset."""
        return [
            (legend, [(self[name], FIELD_SOURCES.get(name, "")) for name in names])
            for legend, names in self.FIELDSETS
        ]


def _limits(model_field: Any) -> tuple[int, int]:
    """The (lowest, highest) value a model field's validators allow."""
    validators = model_field.validators
    low = max(v.limit_value for v in validators if isinstance(v, MinValueValidator))
    high = min(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    return low, high


# --- Courses ---------------------------------------------------------------------------------


class CourseForm(PlainLabels, forms.Form):
    protocol = forms.ModelChoiceField(
        label="Protocol",
        queryset=Protocol.objects.none(),
        to_field_name="public_id",
        empty_label=None,
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={
            "required": "Choose a protocol.",
            "invalid_choice": "Choose one of this clinic's current protocols.",
        },
    )
    indication_category = forms.ChoiceField(
        label="Indication treated",
        choices=indication_choices,
        error_messages={"required": "Choose the indication this course treats."},
    )
    planned_infusions = forms.IntegerField(
        label="Planned number of infusions",
        min_value=1,
        max_value=60,
        help_text="An induction series is usually up to 6 (Murrough 2013; Feder 2021 for PTSD); "
        "CRPS 10 daily infusions (ASRA/AAPM/ASA 2018).",
        error_messages={"required": "Enter how many infusions are planned."},
    )
    schedule_note = forms.CharField(
        label="Schedule",
        required=False,
        max_length=300,
        help_text="E.g. “Mon/Wed/Fri for two weeks”.",
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocols = Protocol.objects.current().filter(clinic_id=patient.clinic_id)
        field = self.fields["protocol"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = protocols
        field.label_from_instance = _protocol_choice
        primary = patient.indications.filter(is_primary=True, status=RecordStatus.FINAL).first()
        if primary is not None:
            self.initial.setdefault("indication_category", primary.category)
        self.initial.setdefault("planned_infusions", 6)


def _protocol_choice(protocol: Protocol) -> str:
    return f"{protocol.name} (v{protocol.version}) — {', '.join(protocol.indication_labels)}"


class PhaseForm(PlainLabels, forms.Form):
    phase = forms.ChoiceField(
        label="Move the course to",
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={"required": "Choose the next phase."},
    )
    reason = _reason(
        "Reason or note",
        "Required when discontinuing (e.g. “patient chose to stop”, “adverse event”).",
        required=False,
    )

    def __init__(self, *args: Any, course: TreatmentCourse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steps = actions.PHASE_STEPS.get(course.phase, ())
        field = self.fields["phase"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(step, CoursePhase(step).label) for step in steps]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("phase") == CoursePhase.DISCONTINUED
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", "Give the reason the course is discontinued.")
        return cleaned


# --- Orders ----------------------------------------------------------------------------------


def patient_weights(patient: Patient) -> Any:
    return Observation.objects.filter(
        patient=patient, code=ObservationCode.BODY_WEIGHT, status=RecordStatus.FINAL
    ).order_by("-measured_at", "-id")


def _weight_choice(observation: Observation) -> str:
    local = timezone.localtime(observation.measured_at)
    days = (timezone.now() - observation.measured_at).days
    ago = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
    return f"{observation.display_value} kg, measured {local:%Y-%m-%d %H:%M} ({ago})"


class OrderForm(PlainLabels, forms.Form):
    """An infusion order for a course: dose, weight used, basis and preparation."""

    amount = _decimal("Dose")
    weight_observation = forms.ModelChoiceField(
        label="Weight used",
        queryset=Observation.objects.none(),
        to_field_name="public_id",
        empty_label=None,
        help_text="One of this patient's recorded weights (newest first).",
        error_messages={
            "required": "Choose the weight to dose on. Record a weight on the chart first.",
            "invalid_choice": "Choose one of this patient's recorded weights.",
        },
    )
    basis = forms.ChoiceField(
        label="Weight basis",
        choices=WeightBasis.choices,
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={"required": "Choose the weight basis."},
    )
    preparation_kind = forms.ChoiceField(
        label="Preparation",
        choices=PreparationKind.choices,
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={"required": "Choose premixed or a bag."},
    )
    premixed_concentration_mg_ml = _decimal(
        "Premixed concentration (mg/mL)", required=False, help_text="For a premixed solution."
    )
    stock_mg_ml = _decimal(
        "Stock vial strength (mg/mL)",
        required=False,
        help_text="For a bag: the vial the dose is drawn from (10, 50 or 100 mg/mL).",
    )
    bag_ml = _decimal("Bag volume (mL)", required=False, help_text="For a bag, e.g. 100 mL saline.")
    override_reason = _reason(
        "Override reason",
        "Only when the plan shows a hard stop (a cap or the protocol's range) and you order it "
        "anyway. The order is then flagged as overridden.",
        required=False,
    )
    protocol_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        course: TreatmentCourse,
        protocol: Protocol,
        replacing: InfusionOrder | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.course, self.protocol = course, protocol
        weights = patient_weights(course.patient)
        field = self.fields["weight_observation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = weights
        field.label_from_instance = _weight_choice
        self.fields["amount"].label = f"Dose ({protocol.amount_unit})"
        if replacing is not None:
            self.fields["void_reason"] = _reason(
                "Reason for the change",
                "Recorded on the old order, which is voided when this one is signed.",
            )
        if not self.is_bound:
            self._set_initial(replacing, weights.first())

    def _set_initial(self, replacing: InfusionOrder | None, latest: Observation | None) -> None:
        protocol = self.protocol
        initial = {
            "amount": protocol.default_amount,
            "weight_observation": latest.public_id if latest else None,
            "basis": protocol.default_basis,
            "preparation_kind": protocol.preparation_kind,
            "premixed_concentration_mg_ml": protocol.premixed_concentration_mg_ml,
            "stock_mg_ml": protocol.stock_mg_ml,
            "bag_ml": protocol.bag_ml,
            "protocol_version": protocol.version,
        }
        if replacing is not None:
            initial.update(
                amount=replacing.amount,
                basis=replacing.basis_requested,
                preparation_kind=replacing.preparation_kind,
                premixed_concentration_mg_ml=replacing.premixed_concentration_mg_ml,
                stock_mg_ml=replacing.stock_mg_ml,
                bag_ml=replacing.bag_ml,
            )
        for name, value in initial.items():
            # Decimals are shown as people write them (50, not 50.000).
            self.initial.setdefault(name, plain(value) if isinstance(value, Decimal) else value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("preparation_kind")
        if kind:
            try:
                actions.preparation_from(
                    kind,
                    cleaned.get("premixed_concentration_mg_ml"),
                    cleaned.get("stock_mg_ml"),
                    cleaned.get("bag_ml"),
                )
            except forms.ValidationError as error:
                for field, messages in error.message_dict.items():
                    if field not in self.errors:
                        self.add_error(field, messages)
        return cleaned

    def inputs(self) -> actions.OrderInputs:
        data = self.cleaned_data
        return actions.OrderInputs(
            amount=data["amount"],
            weight=data["weight_observation"],
            basis=data["basis"],
            preparation_kind=data["preparation_kind"],
            premixed_concentration_mg_ml=data.get("premixed_concentration_mg_ml"),
            stock_mg_ml=data.get("stock_mg_ml"),
            bag_ml=data.get("bag_ml"),
            override_reason=data.get("override_reason") or "",
        )


class VoidForm(PlainLabels, forms.Form):
    reason = _reason(
        "Reason for voiding",
        "E.g. “infusion cancelled by the patient”. The order stays on record, struck through.",
    )


class ResolveForm(PlainLabels, forms.Form):
    note = _reason(
        "How the mismatch was resolved",
        "E.g. “checker used last month's weight; order is correct”. A new independent "
        "double-check is then needed before the pump may start.",
    )


class DoubleCheckForm(PlainLabels, forms.Form):
    """The checker's own figures. The order's weight and dose are never on this form."""

    weight_kg = forms.DecimalField(
        label="Dosing weight you used (kg)",
        max_digits=9,
        decimal_places=3,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={**NUMBER, "autocomplete": "off"}),
        error_messages={
            "required": "Enter the dosing weight you worked from.",
            "invalid": "Enter a number, e.g. 72.5.",
        },
    )
    dose_mg = forms.DecimalField(
        label="Total dose you calculated (mg)",
        max_digits=9,
        decimal_places=3,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={**NUMBER, "autocomplete": "off"}),
        error_messages={
            "required": "Enter the total dose you calculated.",
            "invalid": "Enter a number, e.g. 36.3.",
        },
    )
