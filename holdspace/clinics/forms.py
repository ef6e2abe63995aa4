from typing import Any

from django import forms

from holdspace.accounts.models import User
from holdspace.clinics.models import Device, Role


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
        help_text="Where it hangs, for example “Infusion suite wall”.",
    )
