"""Forms of the notes pages. The actions re-check everything; forms give the clear messages."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from holdspace.accounts.models import User
from holdspace.infusions.models import InfusionSession
from holdspace.notes.actions import MAX_NOTE_LENGTH, SUPERVISOR_ROLES
from holdspace.notes.models import NoteKind


class _SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: InfusionSession) -> str:
        return f"Infusion of {obj.scheduled_for:%Y-%m-%d} ({obj.get_state_display()})"


class TherapyNoteForm(forms.Form):
    kind = forms.ChoiceField(label="Session", choices=NoteKind.choices)
    session = _SessionChoice(
        label="Infusion it relates to",
        queryset=InfusionSession.objects.none(),
        required=False,
        empty_label="None",
        to_field_name="public_id",
    )
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=MAX_NOTE_LENGTH,
        error_messages={"required": "Write the note before saving; an empty note is not kept."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, patient: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this patient's infusions: another record's id is "not one of the choices".
        self.fields["session"].queryset = InfusionSession.objects.filter(patient=patient)


class PsychotherapyNoteForm(forms.Form):
    text = forms.CharField(
        label="Psychotherapy note",
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=MAX_NOTE_LENGTH,
        error_messages={"required": "Write the note before saving; an empty note is not kept."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_NOTE_LENGTH,
        error_messages={"required": "Write the addendum before adding it."},
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class SupervisorForm(forms.Form):
    supervisor = _StaffChoice(
        label="Name a supervisor", queryset=User.objects.none(), empty_label="Choose a colleague"
    )

    def __init__(self, *args: Any, clinic: Any, author: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = User.objects.filter(
            memberships__clinic=clinic,
            memberships__is_active=True,
            memberships__role__in=SUPERVISOR_ROLES,
        ).exclude(pk=author.pk)
