"""Forms for asking, answering and acting on questionnaires."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from holdspace.measures.models import (
    Administration,
    Instrument,
    Occasion,
    SafetyAction,
)
from holdspace.measures.queries import shown_items

# Occasions a clinician may pick for a questionnaire asked by hand; the schedule creates the
# others (discharge scores are recorded on the infusion's own page).
HAND_OCCASIONS = [
    (Occasion.AD_HOC.value, Occasion.AD_HOC.label),
    (Occasion.BASELINE.value, Occasion.BASELINE.label),
    (Occasion.FOLLOW_UP.value, Occasion.FOLLOW_UP.label),
    (Occasion.INTEGRATION.value, Occasion.INTEGRATION.label),
]
# Scales used only on the infusion's discharge page, never asked from the measures page.
DISCHARGE_ONLY = ("padss", "aldrete")


class NewAdministrationForm(forms.Form):
    instrument = forms.ModelChoiceField(
        queryset=Instrument.objects.none(),
        empty_label="Choose a questionnaire or scale",
        help_text="Only instruments with a loaded version are listed.",
    )
    occasion = forms.ChoiceField(choices=HAND_OCCASIONS, initial=Occasion.AD_HOC)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = (
            Instrument.objects.filter(versions__is_current=True)
            .exclude(key__in=DISCHARGE_ONLY)
            .order_by("short_name")
        )
        self.fields["instrument"].label_from_instance = _instrument_label


def _instrument_label(instrument: Instrument) -> str:
    who = "clinician-rated" if instrument.respondent == "clinician" else "self-report"
    return f"{instrument.short_name} ({who})"


class AnswersForm(forms.Form):
    """One radio group per item of the administration's instrument version.

    Every item is optional here: a response with missing items is stored as incomplete (never
    scored as 0), and the page says which items are missing before it is submitted."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, administration: Administration, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", administration.public_id.hex)
        super().__init__(*args, **kwargs)
        self.administration = administration
        self.items = shown_items(administration)
        self.fields["client_id"].initial = uuid.uuid4()
        for item in self.items:
            choices = [(str(weight), _option_label(weight, text)) for weight, text in item.options]
            self.fields[item.link_id] = forms.TypedChoiceField(
                label=item.label,
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
                initial=None if item.answer is None else str(item.answer),
            )

    def answers(self) -> dict[str, int | None]:
        return {item.link_id: self.cleaned_data.get(item.link_id) for item in self.items}

    def given_answers(self) -> dict[str, int]:
        """Only the items answered in this post (for saving progress)."""
        return {key: value for key, value in self.answers().items() if value is not None}

    def unanswered(self) -> list[str]:
        given = self.answers()
        return [item.label for item in self.items if item.scored and given[item.link_id] is None]

    def rows(self) -> list[tuple[Any, Any]]:
        """(shown item, bound field) pairs, in questionnaire order."""
        return [(item, self[item.link_id]) for item in self.items]


def _option_label(weight: int, text: str) -> str:
    return f"{weight} — {text}" if text else str(weight)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why is this entered in error?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="For example: answered for the wrong patient, or transcribed wrongly.",
    )


class AcknowledgeFlagForm(forms.Form):
    action = forms.ChoiceField(
        label="What was done", choices=SafetyAction.choices, widget=forms.RadioSelect
    )
    action_taken = forms.CharField(
        label="Describe what was done",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Who spoke with the patient, what was agreed, who was informed.",
    )


class SendLinkForm(forms.Form):
    administrations = forms.ModelMultipleChoiceField(
        queryset=Administration.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Questionnaires to send",
        error_messages={"required": "Choose at least one questionnaire to send."},
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["administrations"]
        field.queryset = choices
        field.label_from_instance = lambda row: (
            f"{row.instrument_version.instrument.short_name} · {row.get_occasion_display()}"
        )
        field.to_field_name = "public_id"
