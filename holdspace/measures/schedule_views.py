"""The clinic's measure schedule: which questionnaire is asked for which indication, and when.

Everyone in the clinic may read it; a clinic admin or a prescriber changes it (the actions check
again). A rule of another clinic is a 404 for every role, before any role check.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.clinics.access import clinic_member_required
from holdspace.measures import schedule, scheduling
from holdspace.measures.models import IndicationGroup, Instrument, Respondent, ScheduleRule

OCCASION_LABELS = {
    "at_baseline": "Course baseline",
    "before_each_infusion": "Before each infusion",
    "at_integration": "At each integration session",
    "follow_up": "Follow-ups (1, 2, 4 weeks after induction, then monthly)",
}


class RuleForm(forms.Form):
    at_baseline = forms.BooleanField(required=False, label=OCCASION_LABELS["at_baseline"])
    before_each_infusion = forms.BooleanField(
        required=False, label=OCCASION_LABELS["before_each_infusion"]
    )
    at_integration = forms.BooleanField(required=False, label=OCCASION_LABELS["at_integration"])
    follow_up = forms.BooleanField(required=False, label=OCCASION_LABELS["follow_up"])
    is_active = forms.BooleanField(required=False, label="Ask this questionnaire")


class NewRuleForm(RuleForm):
    indication_group = forms.ChoiceField(choices=IndicationGroup.choices, label="Indication group")
    instrument = forms.ModelChoiceField(
        queryset=Instrument.objects.none(), label="Questionnaire", empty_label="Choose…"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Self-report instruments only: a schedule sends questionnaires to the patient. Discharge
        # scales and clinician-rated scales are asked by staff when needed.
        self.fields["instrument"].queryset = Instrument.objects.filter(
            respondent=Respondent.SELF
        ).exclude(key__in=("padss", "aldrete", "session_feedback"))
        self.fields.pop("is_active")


def get_rule_for(request: HttpRequest, rule_id: uuid.UUID) -> ScheduleRule:
    """The rule with this public id in the clinic being worked in, or 404."""
    return get_object_or_404(
        ScheduleRule.objects.select_related("instrument", "clinic"),
        public_id=rule_id,
        clinic=request.clinic,  # type: ignore[attr-defined]
    )


def _can_edit(request: HttpRequest) -> bool:
    return str(request.membership.role) in scheduling.RULE_EDITORS  # type: ignore[attr-defined]


def _groups(clinic: Any) -> list[dict[str, Any]]:
    """Each indication group with its saved rules; a group the clinic has no rule for yet shows
    the project defaults (CLINICAL.md §4) as "not yet saved" — reading the page changes nothing;
    the defaults are saved by the hourly schedule, or by an editor on this page."""
    rules = ScheduleRule.objects.filter(clinic=clinic).select_related("instrument")
    names = dict(Instrument.objects.values_list("key", "short_name"))
    groups = []
    for value, label in IndicationGroup.choices:
        rows = [
            {"rule": rule, "form": RuleForm(initial=_values(rule), prefix=str(rule.public_id))}
            for rule in rules
            if rule.indication_group == value
        ]
        defaults = [] if rows else _defaults(value, names)
        groups.append({"value": value, "label": label, "rows": rows, "defaults": defaults})
    return groups


def _defaults(group: str, names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": names.get(default.instrument, default.instrument),
            "occasions": [
                OCCASION_LABELS[name]
                for name in scheduling.OCCASION_FIELDS
                if getattr(default, name)
            ],
        }
        for default in schedule.DEFAULT_RULES[schedule.IndicationGroup(group)]
    ]


def _values(rule: ScheduleRule) -> dict[str, bool]:
    return {name: getattr(rule, name) for name in (*scheduling.OCCASION_FIELDS, "is_active")}


def schedules_url() -> str:
    return reverse("measures:schedules")


def _page(
    request: HttpRequest, new_form: NewRuleForm | None = None, status: int = 200
) -> HttpResponse:
    groups = _groups(request.clinic)  # type: ignore[attr-defined]
    context = {
        "groups": groups,
        "unsaved_defaults": any(group["defaults"] for group in groups),
        "can_edit": _can_edit(request),
        "new_form": new_form or NewRuleForm(initial={"at_baseline": True, "follow_up": True}),
        "occasion_labels": OCCASION_LABELS,
    }
    return render(request, "measures/schedules.html", context, status=status)


@require_http_methods(["GET"])
@clinic_member_required()
def schedules(request: HttpRequest) -> HttpResponse:
    # Configuration, not patient data: no read audit. Reading changes nothing: defaults not yet
    # saved are shown as such (see `_groups`).
    return _page(request)


@require_POST
@clinic_member_required()
def save_defaults(request: HttpRequest) -> HttpResponse:
    """Save the project defaults for every group the clinic has not configured, so that they
    can be changed row by row."""
    try:
        created = scheduling.save_default_rules(
            actor=request.user,
            clinic=request.clinic,  # type: ignore[attr-defined]
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Default schedule saved ({len(created)} rules).")
    return redirect(schedules_url())


@require_POST
@clinic_member_required()
def change_rule(request: HttpRequest, rule_id: uuid.UUID) -> HttpResponse:
    rule = get_rule_for(request, rule_id)
    form = RuleForm(request.POST, prefix=str(rule.public_id))
    if not form.is_valid():
        messages.error(request, "The change could not be read; nothing was saved.")
        return redirect(schedules_url())
    try:
        rule = scheduling.change_rule(
            actor=request.user, rule=rule, values=form.cleaned_data, request=request
        )
    except ValidationError as error:
        messages.error(request, f"{rule.instrument.short_name}: {' '.join(error.messages)}")
    else:
        state = "asked" if rule.is_active else "switched off"
        messages.success(
            request,
            f"{rule.get_indication_group_display()} · {rule.instrument.short_name} saved "
            f"({state}). Questionnaires already due are kept.",
        )
    return redirect(schedules_url())


@require_POST
@clinic_member_required()
def add_rule(request: HttpRequest) -> HttpResponse:
    form = NewRuleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule = scheduling.add_rule(
                actor=request.user,
                clinic=request.clinic,  # type: ignore[attr-defined]
                indication_group=data["indication_group"],
                instrument=data["instrument"],
                values=data,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{rule.instrument.short_name} added for {rule.get_indication_group_display()}.",
            )
            return redirect(schedules_url())
    return _page(request, form, status=400)
