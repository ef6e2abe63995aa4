"""Filtering, sorting and paging the audit report for one clinic.

Only whitelisted field names ever reach ``order_by``; filter values go through a form and the
ORM, never into SQL text.
"""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

from holdspace.accounts.models import User
from holdspace.audit.models import Action, AuditEvent
from holdspace.clinics.models import Clinic, Role
from holdspace.patients.models import Patient

PAGE_SIZE = 50
# The sortable columns, in the order they appear in the table, with their headings.
SORT_COLUMNS = (("at", "When"), ("actor_label", "Who"), ("action", "Action"))
SORTABLE_FIELDS = tuple(field for field, _ in SORT_COLUMNS)
DEFAULT_SORT = "-at"


def parse_sort(value: str | None) -> str:
    """``at``, ``-at``, ``action``, … as asked; anything else falls back to newest first."""
    if value and value.removeprefix("-") in SORTABLE_FIELDS:
        return value
    return DEFAULT_SORT


def ordering(sort: str) -> tuple[str, str]:
    # The row id breaks ties so that paging through equal values never repeats or skips a row.
    return sort, ("-id" if sort.startswith("-") else "id")


def next_sort(current: str, field: str) -> str:
    """The sort a column header links to: the same column again flips the direction."""
    return f"-{field}" if current == field else field


def aria_sort(current: str, field: str) -> str:
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"


def sort_columns(current: str) -> list[dict[str, str]]:
    """Each sortable column's heading, the sort its link asks for, and its aria-sort state."""
    return [
        {
            "field": field,
            "label": label,
            "next": next_sort(current, field),
            "aria_sort": aria_sort(current, field),
        }
        for field, label in SORT_COLUMNS
    ]


def find_patient(clinic: Clinic, value: str) -> Patient | None:
    """A patient of ``clinic`` by exact MRN, or by public id; never one of another clinic."""
    patients = Patient.objects.filter(clinic=clinic)
    by_mrn = patients.filter(mrn=value).first()
    if by_mrn is not None:
        return by_mrn
    try:
        public_id = uuid.UUID(value)
    except ValueError:
        return None
    return patients.filter(public_id=public_id).first()


def day_start(day: date, time_zone: str) -> datetime:
    """Midnight at the start of ``day`` in the clinic's time zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone))


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})"


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        label="Patient",
        required=False,
        max_length=64,
        help_text="The exact MRN, or the patient's id.",
    )
    user = StaffChoiceField(
        label="Staff member",
        queryset=User.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="Anyone",
    )
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *Action.choices]
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, clinic: Clinic, data: Any = None) -> None:
        super().__init__(data, label_suffix="")
        self.clinic = clinic
        # Everyone who has ever worked here, deactivated people included: their rows remain.
        staff = User.objects.filter(memberships__clinic=clinic).distinct().order_by("full_name")
        self.fields["user"].queryset = staff  # type: ignore[attr-defined]

    def clean_patient(self) -> Patient | None:
        value = self.cleaned_data["patient"].strip()
        if not value:
            return None
        patient = find_patient(self.clinic, value)
        if patient is None:
            raise forms.ValidationError("No patient with that MRN or id in this clinic.")
        return patient

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


def _with_role_label(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    # The role is stored as its code at the time of the event; show the words people use.
    whens = [When(actor_role=code, then=Value(label)) for code, label in Role.choices]
    label = Case(*whens, default=F("actor_role"), output_field=CharField())
    return events.annotate(role_label=label)


def _filtered(events: QuerySet[AuditEvent], cleaned: dict[str, Any], time_zone: str) -> Any:
    if cleaned.get("patient"):
        events = events.filter(patient=cleaned["patient"])
    if cleaned.get("user"):
        events = events.filter(actor=cleaned["user"])
    if cleaned.get("action"):
        events = events.filter(action=cleaned["action"])
    if cleaned.get("date_from"):
        events = events.filter(at__gte=day_start(cleaned["date_from"], time_zone))
    if cleaned.get("date_to"):
        # "To" includes the whole of that day in the clinic's time zone.
        next_day = cleaned["date_to"] + timedelta(days=1)
        events = events.filter(at__lt=day_start(next_day, time_zone))
    return events


def events_for(clinic: Clinic, form: AuditFilterForm, sort: str) -> QuerySet[AuditEvent]:
    """This clinic's rows, filtered as the form says; none while the filters have errors."""
    if form.is_bound and not form.is_valid():
        return AuditEvent.objects.none()
    cleaned = form.cleaned_data if form.is_bound else {}
    # Sign-in events belong to a person, not a clinic (no clinic is chosen yet when they are
    # written), so the report also shows those of the people who work here.
    staff = User.objects.filter(memberships__clinic=clinic).values("pk")
    staff_sessions = Q(clinic__isnull=True, actor__in=staff)
    events = AuditEvent.objects.filter(Q(clinic=clinic) | staff_sessions).select_related("patient")
    events = _filtered(events, cleaned, clinic.time_zone)
    return _with_role_label(events).order_by(*ordering(sort))
