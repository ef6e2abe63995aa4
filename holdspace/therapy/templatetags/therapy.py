"""The support plan inside the live console (issue 6), without touching the console's views:

- ``{% support_plan_drawer patient %}``: the current plan's key points one tap away;
- ``{% calming_prompt alert %}``: for an anxiety or dissociation alert, the patient's own first
  two calming preferences ("Try first: …, then …").

Both read the plan themselves (one or two queries each). Neither writes an audit row: they
render inside the console, whose page view is already audited as a read of the session.
"""

from __future__ import annotations

from typing import Any

from django import template

from holdspace.infusions.models import AlertRule
from holdspace.therapy import queries, rules
from holdspace.therapy.actions import clinic_today
from holdspace.therapy.models import IntegrationSession, PreparationSession, SupportPlanVersion

register = template.Library()

# The therapist-audience prompts of the alert rules (infusions/alerts.py, CLINICAL.md §2):
# anxiety or dissociation at or above the protocol's threshold.
CALMING_RULES = frozenset({AlertRule.ANXIETY_HIGH.value, AlertRule.DISSOCIATION_HIGH.value})


def _current_plan(patient_id: int | None) -> SupportPlanVersion | None:
    if patient_id is None:
        return None
    return (
        SupportPlanVersion.objects.filter(plan__patient_id=patient_id)
        .select_related("created_by")
        .order_by("-number")
        .first()
    )


@register.inclusion_tag("therapy/_drawer.html", takes_context=True)
def support_plan_drawer(context: template.Context, patient: Any) -> dict[str, Any]:
    """The plan's key points in a drawer (a <details>), for the console's support column, with
    "reviewed today" (the check-in asks for today's review of the plan)."""
    plan = _current_plan(getattr(patient, "pk", None))
    reviewed = plan is not None and queries.support_plan_reviewed_today(
        patient, clinic_today(patient.clinic)
    )
    request = context.get("request")
    return {
        "patient": patient,
        "plan": plan,
        "reviewed_today": reviewed,
        "csrf_token": context.get("csrf_token"),
        "session": context.get("session"),
        "back": request.get_full_path() if request is not None else "",
    }


@register.inclusion_tag("therapy/_calming_prompt.html")
def calming_prompt(alert: Any) -> dict[str, Any]:
    """ "Try first: <pref 1>, then <pref 2>" under an anxiety or dissociation alert."""
    if getattr(alert, "rule", None) not in CALMING_RULES:
        return {"show": False}
    session = getattr(alert, "session", None)
    plan = _current_plan(getattr(session, "patient_id", None))
    preferences = rules.first_calming_preferences(plan.what_helps if plan else None)
    return {
        "show": True,
        "text": rules.calming_prompt_text(preferences),
        "plan": plan,
        "patient_id": getattr(getattr(session, "patient", None), "public_id", None),
    }


@register.inclusion_tag("therapy/_chart_summary.html", takes_context=True)
def therapy_chart_summary(context: template.Context, patient: Any) -> dict[str, Any]:
    """The chart's therapy section: what exists (counts only, no note text) and the links."""
    plan = _current_plan(patient.pk)
    preparations = PreparationSession.objects.filter(patient=patient).count()
    integrations = IntegrationSession.objects.filter(patient=patient).count()
    due = len(queries.integrations_due(patient.clinic, patient))
    return {
        "patient": patient,
        "plan": plan,
        "preparations": preparations,
        "integrations": integrations,
        "due": due,
        "anything": bool(plan or preparations or integrations or due),
        "is_clinician": context.get("is_clinician", False),
    }
