"""Forms of the goals pages. The actions re-check everything; forms give the clear messages."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from holdspace.goals.actions import MAX_TIMES_DONE
from holdspace.goals.models import FrequencyPeriod, GoalStatus, ReviewAction
from holdspace.infusions.models import InfusionSession


class _SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: InfusionSession) -> str:
        return f"Infusion of {obj.scheduled_for:%Y-%m-%d} ({obj.get_state_display()})"


class GoalForm(forms.Form):
    statement = forms.CharField(
        label="Goal", max_length=300, help_text="Specific, in the patient's words where possible."
    )
    target_behaviour = forms.CharField(
        label="Target behaviour", max_length=300, help_text="What the patient will do."
    )
    frequency_count = forms.IntegerField(
        label="How often (times)", min_value=1, max_value=MAX_TIMES_DONE, initial=3
    )
    frequency_period = forms.ChoiceField(
        label="Per", choices=FrequencyPeriod.choices, initial=FrequencyPeriod.WEEK
    )
    measure = forms.CharField(
        label="Measure", max_length=300, help_text="How you will both know it happened."
    )
    target_date = forms.DateField(
        label="Target date", widget=forms.DateInput(attrs={"type": "date"})
    )
    session = _SessionChoice(
        label="From the integration of",
        queryset=InfusionSession.objects.none(),
        required=False,
        empty_label="No particular infusion",
        to_field_name="public_id",
    )

    def __init__(self, *args: Any, patient: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = InfusionSession.objects.filter(patient=patient)

    def goal_fields(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in (
                "statement",
                "target_behaviour",
                "frequency_count",
                "frequency_period",
                "measure",
                "target_date",
            )
        }


class ReviseForm(GoalForm):
    reason = forms.CharField(label="Why revise it", widget=forms.Textarea(attrs={"rows": 2}))


class CheckInForm(forms.Form):
    times_done = forms.IntegerField(
        label="Times done in the last period", min_value=0, max_value=MAX_TIMES_DONE
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label="Outcome",
        choices=[(GoalStatus.ACHIEVED, "Achieved"), (GoalStatus.DROPPED, "Dropped")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    action_taken = forms.ChoiceField(
        label="What you did about it", choices=ReviewAction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
