"""Forms of the live infusion pages: they turn what a tap sent into typed values for the actions.

The forms check only shape (a number is a number, a choice is one of the choices); the clinical
rules (plausible vital signs, caps, who may do what, the lifecycle) are the actions' and their
refusals come back onto the same form, keyed by field where the action names one.

Every entry form carries ``client_id``: the server renders a fresh UUID in each form and the
console's script replaces it when the form is kept in the offline outbox, so a resubmission of
one entry is stored once. ``occurred_at`` is empty for an entry sent at once (the server's clock
stamps it) and filled with the device's time only for an entry replayed from the outbox.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.infusions import checkin
from holdspace.infusions.discharge import ALDRETE_ANCHORS, PADSS_ANCHORS
from holdspace.infusions.models import (
    AdverseEventAction,
    AdverseEventType,
    DoseUnit,
    PatientResponse,
    PumpAction,
    RescueRoute,
    SedationScale,
    SessionStyle,
    SupportKind,
    TouchConsentToday,
)

# --- Chips: one-tap answers so that no entry needs typing to be complete ----------------------

PUMP_REASONS = (
    "Patient request",
    "Blood pressure",
    "Heart rate",
    "Nausea",
    "Distress",
    "Over-sedation",
    "Prescriber's order",
    "Line or pump issue",
    "Planned end",
)
ACK_ACTIONS = (
    "Rechecked",
    "Slowed pump",
    "Paused pump",
    "Called prescriber",
    "Grounding",
    "Breathing",
    "Reassurance",
    "Vitals taken",
    "No action needed",
)
TIME_REASONS = ("Entered late", "Device clock wrong", "Recorded from paper", "Wrong time tapped")
ERROR_REASONS = ("Wrong session", "Wrong value", "Duplicate", "Tapped by mistake")
RESOLUTIONS = (
    "Resolved without treatment",
    "Resolved after slowing the pump",
    "Resolved after pausing the pump",
    "Resolved after rescue medication",
    "Resolved with support",
)
ABORT_REASONS = (
    "Patient withdrew consent",
    "Blood pressure too high to start",
    "Adverse event",
    "Patient unwell",
    "Equipment failure",
    "Order problem",
)
IV_SITES = (
    "Left antecubital",
    "Right antecubital",
    "Left forearm",
    "Right forearm",
    "Left hand",
    "Right hand",
)
IV_GAUGES = ("20 G", "22 G", "24 G")
# Drugs the literature names for ketamine infusions (CLINICAL.md §2); a suggestion list only, the
# clinic's protocol and the prescriber decide. "Other" is typed.
RESCUE_DRUGS = ("Ondansetron", "Lorazepam", "Midazolam", "Clonidine", "Labetalol")


def new_client_id() -> uuid.UUID:
    return uuid.uuid4()


class EntryForm(forms.Form):
    """What every timeline entry carries."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    occurred_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("client_id", new_client_id())
        super().__init__(*args, **kwargs)

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data.get("occurred_at")
        if value is not None and timezone.is_naive(value):
            raise ValidationError("The time must include a time zone.")
        return value

    def entry_kwargs(self) -> dict[str, Any]:
        return {
            "client_id": self.cleaned_data["client_id"],
            "occurred_at": self.cleaned_data.get("occurred_at"),
        }


def _number(label: str, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        **kwargs,
    )


class VitalsForm(EntryForm):
    systolic = _number("Systolic")
    diastolic = _number("Diastolic")
    heart_rate = _number("HR")
    spo2 = _number("SpO₂")
    resp_rate = _number("RR")
    temperature_c = forms.DecimalField(
        label="Temp °C",
        required=False,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )
    sedation_scale = forms.ChoiceField(
        choices=[("", "None"), *SedationScale.choices], required=False
    )
    sedation_value = forms.IntegerField(required=False)

    VALUES = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate", "temperature_c")

    def values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.VALUES}
        data["sedation_scale"] = self.cleaned_data.get("sedation_scale") or ""
        data["sedation_value"] = self.cleaned_data.get("sedation_value")
        return data


PUMP_CHOICES = [(a.value, a.label) for a in PumpAction if a != PumpAction.START]


class PumpForm(EntryForm):
    """A pump action. ``preset`` is a one-tap rate (the current rate ± 10 %, computed when the
    panel was drawn) and stands for "change the rate to this"."""

    action = forms.ChoiceField(choices=PUMP_CHOICES, required=False)
    rate_ml_h = forms.DecimalField(
        label="New rate (mL/h)",
        required=False,
        max_digits=10,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )
    preset = forms.DecimalField(required=False, max_digits=10, decimal_places=3)
    reason = forms.CharField(required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("preset") is not None:
            data["action"] = PumpAction.RATE.value
            data["rate_ml_h"] = data["preset"]
        if not data.get("action"):
            self.add_error("action", "Choose rate change, pause, resume or stop.")
        elif data["action"] not in (PumpAction.RATE, PumpAction.RESUME):
            data["rate_ml_h"] = None
        return data


class StartForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    override_reason = forms.CharField(required=False, max_length=500, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("client_id", new_client_id())
        super().__init__(*args, **kwargs)


def _scale(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=10)


class StateForm(EntryForm):
    anxiety = _scale("Anxiety")
    dissociation = _scale("Dissociation")
    nausea = _scale("Nausea")


class SupportForm(EntryForm):
    kind = forms.ChoiceField(choices=SupportKind.choices)


class SupportResponseForm(EntryForm):
    response = forms.ChoiceField(choices=PatientResponse.choices)


class StatementForm(EntryForm):
    text = forms.CharField(
        label="What the patient said",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tagged_for_integration = forms.BooleanField(label="For integration", required=False)


class AdverseEventForm(EntryForm):
    type = forms.ChoiceField(choices=AdverseEventType.choices, widget=forms.RadioSelect)
    severity_grade = forms.TypedChoiceField(
        label="Grade",
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    actions_taken = forms.MultipleChoiceField(
        label="Infusion",
        choices=AdverseEventAction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(EntryForm):
    resolution = forms.CharField(max_length=2000)


class RescueForm(EntryForm):
    drug = forms.CharField(required=False, max_length=100)
    drug_other = forms.CharField(label="Other drug", required=False, max_length=100)
    dose = forms.DecimalField(
        max_digits=10,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    unit = forms.ChoiceField(choices=DoseUnit.choices, widget=forms.RadioSelect, initial="mg")
    route = forms.ChoiceField(choices=RescueRoute.choices, widget=forms.RadioSelect)
    given_minutes_ago = forms.TypedChoiceField(
        label="Given",
        choices=[(0, "Now"), (5, "5 min ago"), (10, "10 min ago"), (15, "15 min ago")],
        coerce=int,
        initial=0,
        widget=forms.RadioSelect,
    )
    ordered_by = forms.ChoiceField(label="Ordered by", choices=(), widget=forms.RadioSelect)
    adverse_event = forms.UUIDField(required=False)

    def __init__(self, *args: Any, prescribers: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.prescribers = {str(user.pk): user for user in prescribers}
        self.fields["ordered_by"].choices = [(str(user.pk), user.full_name) for user in prescribers]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        drug = (data.get("drug_other") or "").strip() or (data.get("drug") or "").strip()
        if not drug:
            self.add_error("drug", "Choose the drug or type it.")
        data["drug_name"] = drug
        return data


class AcknowledgeForm(forms.Form):
    action = forms.MultipleChoiceField(
        label="Action taken",
        choices=[(a, a) for a in ACK_ACTIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        words = "; ".join([*(data.get("action") or []), (data.get("note") or "").strip()])
        words = words.strip("; ").strip()
        if not words:
            raise ValidationError("Choose what was done (or write it) to acknowledge the alert.")
        data["action_taken"] = words
        return data


def _reason_with_chips(data: dict[str, Any]) -> str:
    chip = (data.get("reason_chip") or "").strip()
    text = (data.get("reason") or "").strip()
    return ": ".join(part for part in (chip, text) if part)


class CorrectTimeForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    new_time = forms.DateTimeField(
        label="Correct time",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason_chip = forms.CharField(required=False, max_length=100)
    reason = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("client_id", new_client_id())
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["reason_text"] = _reason_with_chips(data)
        if not data["reason_text"]:
            self.add_error("reason", "Give the reason for correcting the time.")
        return data


class EnteredInErrorForm(forms.Form):
    reason_chip = forms.CharField(required=False, max_length=100)
    reason = forms.CharField(required=False, max_length=250)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["reason_text"] = _reason_with_chips(data)
        if not data["reason_text"]:
            self.add_error("reason", "Give the reason this entry is in error.")
        return data


# --- Scheduling, check-in, discharge, abort, sign ----------------------------------------------


class ScheduleForm(forms.Form):
    chair = forms.ChoiceField(choices=(), widget=forms.RadioSelect)
    scheduled_for = forms.DateTimeField(
        label="When",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    style = forms.ChoiceField(
        choices=SessionStyle.choices, widget=forms.RadioSelect, initial=SessionStyle.QUIET
    )

    def __init__(self, *args: Any, chairs: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.chairs = {str(chair.public_id): chair for chair in chairs}
        self.fields["chair"].choices = [(str(c.public_id), c.name) for c in chairs]


class CheckInForm(forms.Form):
    """The nurse's answers. Every toggle saves at once; text saves when the field is left."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    identity_confirmed = forms.BooleanField(label="Identity confirmed", required=False)
    fasting_as_instructed = forms.BooleanField(label="Fasting as instructed", required=False)
    escort_confirmed = forms.BooleanField(label="Escort confirmed", required=False)
    medication_changes_reviewed = forms.BooleanField(
        label="Medication changes reviewed", required=False
    )
    intention = forms.CharField(
        label="Intention for today, in the patient's words",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    touch_consent = forms.ChoiceField(
        label="Consent to touch today",
        choices=TouchConsentToday.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    iv_site = forms.CharField(label="IV site", required=False, max_length=200)
    iv_site_chip = forms.CharField(required=False, max_length=100)
    iv_gauge_chip = forms.CharField(required=False, max_length=20)
    style = forms.ChoiceField(choices=SessionStyle.choices, widget=forms.RadioSelect)

    def answers(self) -> checkin.CheckinAnswers:
        data = self.cleaned_data
        site = (data.get("iv_site") or "").strip()
        chip, gauge = data.get("iv_site_chip") or "", data.get("iv_gauge_chip") or ""
        if chip:
            site = ", ".join(part for part in (chip, gauge) if part)
        elif gauge and site and gauge not in site:
            site = f"{site.split(',')[0]}, {gauge}"
        touch = data.get("touch_consent") or None
        return checkin.CheckinAnswers(
            identity_confirmed=bool(data.get("identity_confirmed")),
            fasting_as_instructed=bool(data.get("fasting_as_instructed")),
            escort_confirmed=bool(data.get("escort_confirmed")),
            medication_changes_reviewed=bool(data.get("medication_changes_reviewed")),
            intention=data.get("intention") or "",
            touch_consent=checkin.TouchConsent(touch) if touch else None,
            iv_site=site,
        )


def initial_check_in(answers: checkin.CheckinAnswers, style: str, version: int) -> dict[str, Any]:
    return {
        "expected_version": version,
        "identity_confirmed": answers.identity_confirmed,
        "fasting_as_instructed": answers.fasting_as_instructed,
        "escort_confirmed": answers.escort_confirmed,
        "medication_changes_reviewed": answers.medication_changes_reviewed,
        "intention": answers.intention,
        "touch_consent": answers.touch_consent.value if answers.touch_consent else "",
        "iv_site": answers.iv_site,
        "style": style,
    }


def _points(label: str, anchors: dict[int, str]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(points, f"{points} · {anchors[points]}") for points in (2, 1, 0)],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
    )


class DischargeForm(forms.Form):
    """The nurse's discharge items for either scale (the page shows the protocol's) and the
    conditions of CLINICAL.md §3."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    activity_mental_status = _points(
        "Activity and mental status", PADSS_ANCHORS["activity_mental_status"]
    )
    pain_nausea_vomiting = _points("Pain, nausea, vomiting", PADSS_ANCHORS["pain_nausea_vomiting"])
    iv_site_bleeding = _points("Bleeding (IV site)", PADSS_ANCHORS["iv_site_bleeding"])
    intake_output = _points("Intake and output", PADSS_ANCHORS["intake_output"])
    activity = _points("Activity", ALDRETE_ANCHORS["activity"])
    respiration = _points("Respiration", ALDRETE_ANCHORS["respiration"])
    consciousness = _points("Consciousness", ALDRETE_ANCHORS["consciousness"])
    on_oxygen = forms.BooleanField(label="On supplemental oxygen", required=False)
    escort_confirmed = forms.BooleanField(label="Escort confirmed", required=False)
    driving_advice_given = forms.BooleanField(
        label="No driving until tomorrow: told", required=False
    )
    instructions_given = forms.BooleanField(
        label="No alcohol or sedatives, no important decisions for 24 h: told", required=False
    )
    follow_up_booked = forms.BooleanField(label="Follow-up booked", required=False)
    override_reason = forms.CharField(
        label="Prescriber's override: reason",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    PADSS = ("activity_mental_status", "pain_nausea_vomiting", "iv_site_bleeding", "intake_output")
    ALDRETE = ("activity", "respiration", "consciousness")
    CONDITIONS = (
        "escort_confirmed",
        "driving_advice_given",
        "instructions_given",
        "follow_up_booked",
    )


class AbortForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason_chip = forms.CharField(required=False, max_length=100)
    reason = forms.CharField(required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["reason_text"] = _reason_with_chips(data)
        if not data["reason_text"]:
            self.add_error("reason", "Give the reason for stopping this session.")
        return data


class SignForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AddendumForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(label="Addendum", max_length=4000, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("client_id", new_client_id())
        super().__init__(*args, **kwargs)
