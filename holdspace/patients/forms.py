"""Forms for the patient record. They check what a person typed; actions.py checks it again.

Every message says what is wrong and what to do, in the clinic's words. Forms never save:
views hand ``cleaned_data`` to the functions in actions.py, which write in one transaction.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict
from django.utils import timezone

from holdspace.clinics.models import Membership, Role
from holdspace.patients import actions
from holdspace.patients.models import (
    ConsentDecision,
    ConsentDocument,
    ConsentKind,
    ObservationCode,
    Patient,
    PatientStatus,
    ScreeningOutcome,
)
from holdspace.patients.vocabulary import (
    SCREENING_ITEMS,
    icd10_description,
    indication_categories,
)

DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]
DATE_FORMAT_HINT = "Use YYYY-MM-DD (1985-04-12) or MM/DD/YYYY (04/12/1985)."
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
ADULT_AGE = 18
REASON_HELP = "Say why, e.g. “weighed with coat on” or “entered on the wrong patient”."

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{7,25}$",
    "Enter a phone number of digits, spaces and + ( ) - only, e.g. +1 555 010 0199.",
)


def _collapse_spaces(value: str) -> str:
    return " ".join(value.split())


class PlainLabels:
    """Labels without Django's trailing colon: several are questions or instructions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


class ReasonForm(PlainLabels, forms.Form):
    """The reason a record is marked entered in error. Required: history must explain itself."""

    reason = forms.CharField(
        label="Reason it is wrong",
        max_length=200,
        help_text=REASON_HELP,
        error_messages={"required": "Give the reason this entry is wrong."},
    )

    def clean_reason(self) -> str:
        reason = _collapse_spaces(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError("Give the reason this entry is wrong.")
        return reason


# --- Search ----------------------------------------------------------------------------------


class PatientSearchForm(PlainLabels, forms.Form):
    q = forms.CharField(
        label="Name or MRN",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    dob = forms.CharField(
        label="Date of birth",
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"placeholder": "YYYY-MM-DD or MM/DD/YYYY", "autocomplete": "off"}
        ),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *PatientStatus.choices]
    )

    def clean_dob(self) -> date | None:
        raw = self.cleaned_data["dob"].strip()
        if not raw:
            return None
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
        raise forms.ValidationError(f"We could not read “{raw}” as a date. {DATE_FORMAT_HINT}")

    def filter(self, patients: QuerySet[Patient]) -> QuerySet[Patient]:
        """Apply the valid parts of the search; call after ``is_valid()``."""
        data = getattr(self, "cleaned_data", {})
        query = _collapse_spaces(data.get("q") or "")
        if query:
            patients = patients.filter(_name_or_mrn(query))
        if data.get("dob"):
            patients = patients.filter(date_of_birth=data["dob"])
        if data.get("status"):
            patients = patients.filter(status=data["status"])
        return patients

    @property
    def has_criteria(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("q", "dob", "status"))


def _name_or_mrn(query: str) -> Q:
    """Every word must match a name (legal or preferred); or the whole text starts an MRN."""
    names = Q()
    for word in query.split():
        names &= (
            Q(legal_given_name__icontains=word)
            | Q(legal_family_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    return names | Q(mrn__istartswith=query)


# --- Demographics ----------------------------------------------------------------------------


class PatientForm(PlainLabels, forms.ModelForm):
    """Registration and demographics. ``version`` carries optimistic concurrency on edit."""

    date_of_birth = forms.DateField(
        label="Date of birth",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of birth.",
            "invalid": f"Enter a real date of birth. {DATE_FORMAT_HINT}",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "legal_given_name",
            "legal_family_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "sex_at_birth",
            "email",
            "phone",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
            "usual_escort_name",
            "usual_escort_phone",
        ]
        labels = {
            "mrn": "MRN (medical record number)",
            "legal_given_name": "Legal given name",
            "legal_family_name": "Legal family name",
            "preferred_name": "Preferred name",
            "sex_at_birth": "Sex assigned at birth",
            "emergency_contact_name": "Emergency contact name",
            "emergency_contact_phone": "Emergency contact phone",
            "emergency_contact_relationship": "Relationship to patient",
            "usual_escort_name": "Usual escort home (name)",
            "usual_escort_phone": "Usual escort phone",
        }
        help_texts = {
            "preferred_name": "What the patient likes to be called; used on screens and boards.",
            "sex_at_birth": "Needed for ideal and lean body weight in dosing.",
            "usual_escort_name": "The responsible adult who usually takes the patient home.",
        }
        error_messages = {
            "mrn": {"required": "Enter the MRN."},
            "legal_given_name": {"required": "Enter the legal given name."},
            "legal_family_name": {"required": "Enter the legal family name."},
            "sex_at_birth": {"required": "Choose the sex assigned at birth (or “Not recorded”)."},
            "email": {"invalid": "Enter an email address like name@example.com."},
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        for name in ("phone", "emergency_contact_phone", "usual_escort_phone"):
            self.fields[name].validators.append(phone_validator)
            self.fields[name].widget.attrs.update({"type": "tel", "autocomplete": "off"})
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_mrn(self) -> str:
        mrn = self.cleaned_data["mrn"].strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9./-]*", mrn):
            raise forms.ValidationError("Use letters, digits and - . / only in the MRN.")
        taken = Patient.objects.filter(clinic=self.clinic, mrn__iexact=mrn)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                f"MRN {mrn} is already used by another patient in this clinic. "
                "Check the number, or open that patient's record instead."
            )
        return mrn

    def _clean_name(self, name: str) -> str:
        value = _collapse_spaces(self.cleaned_data.get(name) or "")
        if not value and self.fields[name].required:
            raise forms.ValidationError(self.fields[name].error_messages["required"])
        return value

    def clean_legal_given_name(self) -> str:
        return self._clean_name("legal_given_name")

    def clean_legal_family_name(self) -> str:
        return self._clean_name("legal_family_name")

    def clean_preferred_name(self) -> str:
        return self._clean_name("preferred_name")

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        problem = actions.date_of_birth_problem(born, timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return born

    def demographics(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StatusForm(PlainLabels, forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=PatientStatus.choices,
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={"invalid_choice": "Choose one of the listed statuses."},
    )


# --- Care team -------------------------------------------------------------------------------


def _active_staff(clinic: Any, role: str) -> dict[str, Any]:
    """Public id → user, for the active members of ``clinic`` who hold ``role``."""
    memberships = (
        Membership.objects.filter(clinic=clinic, role=role, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )
    return {str(m.user.public_id): m.user for m in memberships}


class CareTeamForm(PlainLabels, forms.Form):
    """Only active members of this clinic with the right role can be chosen (by public id).

    ``cleaned_data`` holds the chosen users themselves, never ids typed into the page.
    """

    prescriber = forms.ChoiceField(
        label="Prescriber",
        required=False,
        error_messages={"invalid_choice": "Choose an active prescriber of this clinic."},
    )
    therapist = forms.ChoiceField(
        label="Therapist",
        required=False,
        error_messages={"invalid_choice": "Choose an active therapist of this clinic."},
    )
    nurses = forms.MultipleChoiceField(
        label="Nurses",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "options"}),
        error_messages={"invalid_choice": "Choose only active nurses of this clinic."},
    )

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {
            "prescriber": _active_staff(clinic, Role.PRESCRIBER),
            "therapist": _active_staff(clinic, Role.THERAPIST),
            "nurses": _active_staff(clinic, Role.NURSE),
        }
        for name, people in self.staff.items():
            choices = [(key, user.display_name) for key, user in people.items()]
            if name != "nurses":
                choices = [("", "— nobody yet —"), *choices]
            self.fields[name].choices = choices

    def clean_prescriber(self) -> Any:
        return self.staff["prescriber"].get(self.cleaned_data["prescriber"])

    def clean_therapist(self) -> Any:
        return self.staff["therapist"].get(self.cleaned_data["therapist"])

    def clean_nurses(self) -> list[Any]:
        return [self.staff["nurses"][key] for key in self.cleaned_data["nurses"]]

    @staticmethod
    def initial_for(patient: Patient) -> dict[str, Any]:
        return {
            "prescriber": str(patient.prescriber.public_id) if patient.prescriber else "",
            "therapist": str(patient.therapist.public_id) if patient.therapist else "",
            "nurses": [str(nurse.public_id) for nurse in patient.nurses.all()],
        }


# --- Measurements ----------------------------------------------------------------------------


class MeasurementForm(PlainLabels, forms.Form):
    """A weight or height. ``client_id`` is issued with the form so a resubmission stores once."""

    code = forms.ChoiceField(
        label="Measurement",
        choices=[
            (ObservationCode.BODY_WEIGHT.value, "Weight (kg)"),
            (ObservationCode.BODY_HEIGHT.value, "Height (cm)"),
        ],
        widget=forms.RadioSelect(attrs={"class": "options"}),
        initial=ObservationCode.BODY_WEIGHT.value,
        error_messages={"required": "Choose weight or height."},
    )
    value = forms.DecimalField(
        label="Value",
        max_digits=5,
        decimal_places=2,
        help_text="Weight in kilograms (1 lb = 0.4536 kg); height in centimetres.",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"required": "Enter the measured value.", "invalid": "Enter a number."},
    )
    measured_at = forms.DateTimeField(
        label="Measured at",
        required=False,
        input_formats=DATETIME_FORMATS,
        help_text="Clinic time. Leave as is for “now”.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter the date and time it was measured."},
    )
    client_id = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form has no submission id. Reload the page and enter it again.",
            "invalid": "This form has no submission id. Reload the page and enter it again.",
        },
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())
            self.initial.setdefault("measured_at", timezone.now())

    def clean_measured_at(self) -> datetime:
        measured_at = self.cleaned_data.get("measured_at") or timezone.now()
        problem = actions.measured_at_problem(measured_at, self.patient, timezone.now())
        if problem:
            raise forms.ValidationError(problem)
        return measured_at

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code, value = cleaned.get("code"), cleaned.get("value")
        if code and value is not None:
            problem = actions.measurement_value_problem(code, Decimal(value))
            if problem:
                self.add_error("value", problem)
        return cleaned


# --- Indications -----------------------------------------------------------------------------


class IndicationForm(PlainLabels, forms.Form):
    category = forms.ChoiceField(
        label="Indication",
        error_messages={"required": "Choose the indication."},
    )
    icd10_code = forms.CharField(
        label="ICD-10-CM code",
        max_length=10,
        help_text="The code must belong to the chosen indication; the list is below.",
        widget=forms.TextInput(attrs={"list": "icd10-codes", "autocomplete": "off"}),
        error_messages={"required": "Enter the ICD-10-CM code, e.g. F33.2."},
    )
    is_primary = forms.BooleanField(
        label="Primary indication (replaces the current primary one)", required=False
    )
    note = forms.CharField(label="Note", required=False, max_length=200)

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["category"].choices = [("", "— choose —")] + [
            (category.key, category.label) for category in indication_categories()
        ]

    def clean_icd10_code(self) -> str:
        return self.cleaned_data["icd10_code"].strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        category, code = cleaned.get("category"), cleaned.get("icd10_code")
        if category and code:
            problem = actions.indication_problem(self.patient, category, code)
            if problem:
                self.add_error("icd10_code", problem)
        return cleaned

    @staticmethod
    def code_table() -> list[tuple[str, list[tuple[str, str]]]]:
        """Each indication with its codes and descriptions, for the list under the form."""
        return [
            (c.label, [(code, icd10_description(code) or "") for code in c.codes])
            for c in indication_categories()
        ]


def category_label(key: str) -> str:
    for category in indication_categories():
        if category.key == key:
            return category.label
    return key


# --- Screening -------------------------------------------------------------------------------

ANSWER_CHOICES = [("yes", "Yes — present"), ("no", "No")]


class ScreeningForm(PlainLabels, forms.Form):
    """The contraindication checklist; every item must be answered yes or no."""

    outcome = forms.ChoiceField(
        label="Proposed outcome",
        choices=ScreeningOutcome.choices,
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={"required": "Choose the proposed outcome."},
    )
    conditions = forms.CharField(
        label="Conditions",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for “Eligible with conditions”: what must be in place, and how.",
    )

    def __init__(self, *args: Any, can_sign: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in SCREENING_ITEMS:
            why = item.why + (" Absolute contraindication." if item.absolute else "")
            self.fields[f"item_{item.key}"] = forms.ChoiceField(
                label=item.question,
                choices=ANSWER_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "options"}),
                help_text=why,
                error_messages={"required": "Answer yes or no."},
            )
            self.fields[f"note_{item.key}"] = forms.CharField(
                label="Note", required=False, max_length=500
            )
        if can_sign:
            self.fields["sign_now"] = forms.BooleanField(
                label="Sign now as the prescriber (the screening becomes final and cannot change)",
                required=False,
            )
        # Keep the outcome and conditions after the checklist, in reading order.
        self.order_fields([*self._item_field_names(), "outcome", "conditions", "sign_now"])

    @staticmethod
    def _item_field_names() -> list[str]:
        return [
            name for item in SCREENING_ITEMS for name in (f"item_{item.key}", f"note_{item.key}")
        ]

    def item_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [
            (item, self[f"item_{item.key}"], self[f"note_{item.key}"]) for item in SCREENING_ITEMS
        ]

    def answers(self) -> dict[str, dict[str, Any]]:
        return {
            item.key: {
                "present": self.cleaned_data[f"item_{item.key}"] == "yes",
                "note": _collapse_spaces(self.cleaned_data.get(f"note_{item.key}", "")),
            }
            for item in SCREENING_ITEMS
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answered = all(cleaned.get(f"item_{item.key}") for item in SCREENING_ITEMS)
        if answered and cleaned.get("outcome"):
            cleaned["conditions"] = (cleaned.get("conditions") or "").strip()
            for field, message in actions.screening_problems(
                self.answers(), cleaned["outcome"], cleaned["conditions"]
            ):
                self.add_error(field, message)
        return cleaned


# --- Consent ---------------------------------------------------------------------------------


class ConsentDocumentForm(PlainLabels, forms.Form):
    kind = forms.ChoiceField(label="Kind of consent", choices=ConsentKind.choices)
    title = forms.CharField(label="Title", max_length=200)
    body = forms.CharField(
        label="Text the patient reads",
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=50_000,
        help_text="Saved as a new version. Earlier versions stay exactly as patients signed them.",
    )


class ConsentForm(PlainLabels, forms.Form):
    """A patient's decision on the clinic's current version of one consent document."""

    patient = forms.CharField(widget=forms.HiddenInput)
    document = forms.ChoiceField(
        label="Document",
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={
            "required": "Choose the document the patient read.",
            "invalid_choice": "Choose one of this clinic's current consent documents.",
        },
    )
    decision = forms.ChoiceField(
        label="The patient's decision",
        choices=ConsentDecision.choices,
        widget=forms.RadioSelect(attrs={"class": "options"}),
        error_messages={"required": "Record whether the patient consents or declines."},
    )
    signed_name = forms.CharField(
        label="Patient: type your full legal name to sign",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "The patient must type their full legal name to sign."},
    )

    def __init__(
        self, *args: Any, patient: Patient, documents: list[ConsentDocument], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.documents = {str(document.public_id): document for document in documents}
        self.fields["document"].choices = [
            (key, f"{document.get_kind_display()}: {document.title} (version {document.version})")
            for key, document in self.documents.items()
        ]
        self.initial.setdefault("patient", str(patient.public_id))

    def clean_patient(self) -> str:
        if self.cleaned_data["patient"] != str(self.patient.public_id):
            raise forms.ValidationError(actions.WRONG_PATIENT_FORM)
        return self.cleaned_data["patient"]

    def clean_signed_name(self) -> str:
        typed = _collapse_spaces(self.cleaned_data["signed_name"])
        if not actions.typed_name_matches(self.patient, typed):
            raise forms.ValidationError(actions.TYPED_NAME_MISMATCH)
        return typed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.has_error("patient"):
            # A form for another patient is refused as a whole; its other errors would mislead.
            self._errors = ErrorDict()
            self.add_error(None, actions.WRONG_PATIENT_FORM)
        return cleaned

    @property
    def chosen_document(self) -> ConsentDocument:
        return self.documents[self.cleaned_data["document"]]
