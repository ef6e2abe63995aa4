"""Forms of the therapist's pages. They check shape; the rules are the actions' and their
refusals come back onto the same form, keyed by field."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from holdspace.infusions.models import SessionStyle, TouchConsentToday
from holdspace.patients.forms import DATETIME_FORMATS, PlainLabels
from holdspace.therapy import rules
from holdspace.therapy.models import (
    EXPLAINED_ITEMS,
    INTEGRATION_FIELDS,
    Lighting,
    Music,
    Preference,
    Readiness,
    SupportPlanVersion,
)

MAX_TEXT = 5000


def _held_at(label: str = "Held at") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Give the date and time the session was held.",
            "invalid": "Enter the date and time the session was held.",
        },
    )


def _text(label: str, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class PreparationForm(PlainLabels, forms.Form):
    held_at = _held_at()
    course = forms.ChoiceField(label="Treatment course", required=False)
    explained_dissociation = forms.BooleanField(required=False, label=EXPLAINED_ITEMS[0][1])
    explained_blood_pressure = forms.BooleanField(required=False, label=EXPLAINED_ITEMS[1][1])
    explained_nausea = forms.BooleanField(required=False, label=EXPLAINED_ITEMS[2][1])
    explained_therapist_role = forms.BooleanField(required=False, label=EXPLAINED_ITEMS[3][1])
    questions = _text("The patient's questions")
    intentions = _text("Intentions, in the patient's own words")
    readiness = forms.ChoiceField(
        label="Readiness", required=False, choices=[("", "Not decided yet"), *Readiness.choices]
    )
    readiness_note = _text("Readiness note", rows=2)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, courses: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.courses = {str(c.public_id): c for c in courses or []}
        self.fields["course"].choices = [("", "No course")] + [
            (key, f"{c.get_phase_display()} · {c.indication_category}")
            for key, c in self.courses.items()
        ]
        self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))

    def course_choice(self) -> Any:
        return self.courses.get(self.cleaned_data.get("course") or "")


class SupportPlanForm(PlainLabels, forms.Form):
    what_helps = forms.CharField(
        label="What helps when distressed — one per line, most helpful first",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The console offers the first two when anxiety or dissociation is high.",
    )
    grounding_techniques = forms.CharField(
        label="Grounding techniques that work — one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    words_that_help = _text("Words that help", rows=2)
    words_that_harm = _text("Words that harm (never say)", rows=2)
    session_style = forms.ChoiceField(
        label="Talk or silence",
        required=False,
        choices=[("", "Not discussed"), *SessionStyle.choices],
        widget=forms.RadioSelect,
    )
    music = forms.ChoiceField(
        required=False, choices=[("", "Not discussed"), *Music.choices], widget=forms.RadioSelect
    )
    music_detail = forms.CharField(label="Genre or playlist", required=False, max_length=300)
    eye_mask = forms.ChoiceField(
        required=False,
        choices=[("", "Not discussed"), *Preference.choices],
        widget=forms.RadioSelect,
    )
    headphones = forms.ChoiceField(
        required=False,
        choices=[("", "Not discussed"), *Preference.choices],
        widget=forms.RadioSelect,
    )
    lighting = forms.ChoiceField(
        required=False,
        choices=[("", "Not discussed"), *Lighting.choices],
        widget=forms.RadioSelect,
    )
    touch_consent = forms.ChoiceField(
        label="Consent to touch",
        required=False,
        choices=[("", "Not asked yet"), *TouchConsentToday.choices],
        widget=forms.RadioSelect,
    )
    touch_kinds = forms.CharField(
        label="Which touch (e.g. hand on the shoulder)", required=False, max_length=300
    )
    topics_to_avoid = _text("Topics or triggers to avoid", rows=2)
    trauma_considerations = _text("Trauma considerations", rows=2)
    support_person = forms.CharField(label="Support person", required=False, max_length=300)
    escort = forms.CharField(label="Escort home", required=False, max_length=300)
    change_note = forms.CharField(label="What changed and why", required=False, max_length=500)
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)
    suggestion = forms.UUIDField(widget=forms.HiddenInput, required=False)

    LISTS = ("what_helps", "grounding_techniques")

    @classmethod
    def initial_from(cls, version: SupportPlanVersion | None) -> dict[str, Any]:
        if version is None:
            return {"based_on": None}
        initial: dict[str, Any] = version.content()
        for name in cls.LISTS:
            initial[name] = "\n".join(initial[name])
        initial["based_on"] = version.number
        return initial

    def _clean_list(self, name: str) -> list[str]:
        try:
            return rules.parse_ordered_list(self.cleaned_data.get(name) or "")
        except rules.ListInputError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_what_helps(self) -> list[str]:
        return self._clean_list("what_helps")

    def clean_grounding_techniques(self) -> list[str]:
        return self._clean_list("grounding_techniques")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("touch_consent") == TouchConsentToday.NO and cleaned.get("touch_kinds"):
            self.add_error(
                "touch_kinds", "The patient said no to touch: leave “which touch” empty."
            )
        if cleaned.get("music") in (Music.GENRE, Music.PLAYLIST) and not cleaned.get(
            "music_detail"
        ):
            self.add_error("music_detail", "Name the genre or the playlist.")
        return cleaned

    def content(self) -> dict[str, Any]:
        skip = {"change_note", "based_on", "suggestion"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class IntegrationForm(PlainLabels, forms.Form):
    held_at = _held_at()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in INTEGRATION_FIELDS:
            rows = 5 if name == "experience" else 3
            self.fields[name] = _text(label, rows=rows)
        self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))

    def note(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name, _label in INTEGRATION_FIELDS}


class ReasonForm(PlainLabels, forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why."},
    )


class AddendumForm(PlainLabels, forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the addendum."},
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class ReviewForm(PlainLabels, forms.Form):
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)
