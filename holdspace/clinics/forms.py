from typing import Any

from django import forms

from holdspace.accounts.models import User
from holdspace.clinics.models import Chair, Clinic, Device, DeviceKind, Role


class _PlainLabelsForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels sit above their fields, so they need no trailing colon.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InviteStaffForm(_PlainLabelsForm):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    full_name = forms.CharField(
        label="Full name", max_length=User._meta.get_field("full_name").max_length
    )
    credentials = forms.CharField(
        label="Credentials",
        required=False,
        max_length=User._meta.get_field("credentials").max_length,
        help_text="Shown after the name on notes and orders, for example RN, MD or LCSW.",
    )
    role = forms.ChoiceField(label="Role in this clinic", choices=Role.choices)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RoleForm(_PlainLabelsForm):
    role = forms.ChoiceField(label="Role in this clinic", choices=Role.choices)


class DeviceForm(_PlainLabelsForm):
    name = forms.CharField(
        label="Device name",
        max_length=Device._meta.get_field("name").max_length,
        help_text="Where it is, for example “Infusion suite wall” or “Chair 2 monitor”.",
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=DeviceKind.choices,
        initial=DeviceKind.BOARD,
        required=False,
        widget=forms.RadioSelect,
        help_text="A wall board shows the clinic board; a monitor feed posts one chair's vital "
        "signs to the device API.",
    )
    chair = forms.ModelChoiceField(
        label="Chair (monitor feed only)",
        queryset=Chair.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="—",
        help_text="The one chair whose running infusion this monitor writes to.",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this clinic's chairs in use: a foreign or retired chair id is not a valid choice.
        chairs = Chair.objects.filter(clinic=clinic, is_active=True).order_by("name")
        self.fields["chair"].queryset = chairs  # type: ignore[attr-defined]

    def clean_kind(self) -> str:
        # A form posted without a kind (older pages, scripts) adds a wall board, as before.
        return self.cleaned_data.get("kind") or DeviceKind.BOARD

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") == DeviceKind.BOARD:
            # The chair list is shown for both kinds; a board simply has none.
            cleaned["chair"] = None
        return cleaned
