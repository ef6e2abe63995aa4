"""Reading the therapist's record: the current support plan, whether it was reviewed today, the
patient's intention, and the integration sessions due. Nothing here writes.

The check-in checklist (infusions) asks ``support_plan_reviewed_today`` and ``today_intention``;
the console's template tags ask ``current_support_plan``; the worklist asks
``integrations_due``.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from holdspace.clinics.models import Membership, Role
from holdspace.infusions.models import InfusionSession, SessionState
from holdspace.therapy import rules
from holdspace.therapy.models import (
    IntegrationSession,
    IntegrationStatus,
    PreparationSession,
    SuggestionStatus,
    SupportPlanReview,
    SupportPlanSuggestion,
    SupportPlanVersion,
)
from holdspace.worklist.registry import Urgency, WorklistItem

if TYPE_CHECKING:
    from holdspace.clinics.models import Clinic
    from holdspace.patients.models import Patient


def current_support_plan(patient: Patient) -> SupportPlanVersion | None:
    """The newest version of the patient's support plan, or None when there is none."""
    return (
        SupportPlanVersion.objects.filter(plan__patient=patient)
        .select_related("created_by")
        .order_by("-number")
        .first()
    )


def support_plan_reviewed_today(patient: Patient, on_date: date) -> bool:
    """True when the plan was reviewed on ``on_date`` (the clinic's local date) and no newer
    version was saved since that review (a change after the review needs its own review)."""
    current = current_support_plan(patient)
    if current is None:
        return False
    return SupportPlanReview.objects.filter(
        plan__patient=patient, reviewed_on=on_date, version=current
    ).exists()


def last_review(patient: Patient) -> SupportPlanReview | None:
    return (
        SupportPlanReview.objects.filter(plan__patient=patient)
        .select_related("reviewed_by", "version")
        .first()
    )


@dataclass(frozen=True)
class Intention:
    text: str
    stated_on: date
    source: str
    """Where it was written down, e.g. "preparation session"."""


def latest_intention(patient: Patient, *, signed_only: bool = False) -> Intention | None:
    """The intentions from the newest preparation session that has any (draft or signed).

    ``signed_only`` for the patient's own portal: a draft is the therapist's unfinished
    wording, not yet something to show the patient."""
    preparations = PreparationSession.objects.filter(patient=patient).exclude(intentions="")
    if signed_only:
        preparations = preparations.filter(signed_at__isnull=False)
    preparation = preparations.order_by("-held_at", "-id").first()
    if preparation is None:
        return None
    local = timezone.localtime(preparation.held_at)
    return Intention(preparation.intentions, local.date(), "preparation session")


def today_intention(patient: Patient, on_date: date) -> Intention | None:
    """The intention stated in a preparation session held on ``on_date``, if any. The
    intention of an infusion day itself is the nurse's check-in answer (infusions)."""
    intention = latest_intention(patient)
    return intention if intention is not None and intention.stated_on == on_date else None


def open_suggestions(patient: Patient) -> list[SupportPlanSuggestion]:
    return list(SupportPlanSuggestion.objects.filter(patient=patient, status=SuggestionStatus.OPEN))


# --- Integration sessions due ----------------------------------------------------------------


@dataclass(frozen=True)
class DueIntegration:
    infusion: InfusionSession
    draft: IntegrationSession | None
    window: tuple[datetime, datetime]
    state: rules.WindowState


def integrations_due(clinic: Clinic, patient: Patient | None = None) -> list[DueIntegration]:
    """Discharged infusions whose integration is not yet held (signed) or declined: those
    without an integration row (proposed lazily, nothing is stored until the therapist acts)
    and those with a draft. Oldest first. Two queries."""
    closed = Q(integration__status__in=[IntegrationStatus.SIGNED, IntegrationStatus.DECLINED])
    infusions = (
        InfusionSession.objects.filter(
            clinic=clinic, state=SessionState.DISCHARGED, discharged_at__isnull=False
        )
        .exclude(closed)
        .select_related("clinic", "patient")
        .order_by("discharged_at", "id")
    )
    if patient is not None:
        infusions = infusions.filter(patient=patient)
    infusions = list(infusions)
    drafts = {
        row.infusion_id: row
        for row in IntegrationSession.objects.filter(
            infusion__in=infusions, status=IntegrationStatus.DRAFT
        )
    }
    now = timezone.now()
    return [
        DueIntegration(
            infusion=infusion,
            draft=drafts.get(infusion.pk),
            window=rules.integration_window(infusion.discharged_at),
            state=rules.window_state(infusion.discharged_at, now),
        )
        for infusion in infusions
    ]


def integration_url(due: DueIntegration) -> str:
    patient_id = due.infusion.patient.public_id
    if due.draft is not None:
        return reverse(
            "therapy:integration",
            kwargs={"patient_id": patient_id, "integration_id": due.draft.public_id},
        )
    return reverse(
        "therapy:new_integration",
        kwargs={"patient_id": patient_id, "session_id": due.infusion.public_id},
    )


WINDOW_WORDS = {
    rules.WindowState.NOT_YET: "the window has not opened yet",
    rules.WindowState.OPEN: "within the window now",
    rules.WindowState.PAST: "the window has passed: hold it late or decline with a reason",
}


def _worklist_item(due: DueIntegration) -> WorklistItem:
    opens, closes = due.window
    zone = zoneinfo.ZoneInfo(due.infusion.clinic.time_zone)
    local_open, local_close = timezone.localtime(opens, zone), timezone.localtime(closes, zone)
    when = f"{local_open:%a %d %b %H:%M} to {local_close:%a %d %b %H:%M}"
    therapist = due.infusion.patient.therapist_id
    return WorklistItem(
        kind="integration_due",
        label="Integration due",
        patient=due.infusion.patient,
        title=(
            "Integration note in draft"
            if due.draft
            else "Integration session after the infusion of "
            f"{timezone.localtime(due.infusion.discharged_at, zone):%d %b}"
        ),
        detail=f"24-72 h after discharge, {when}: {WINDOW_WORDS[due.state]}",
        url=integration_url(due),
        action="Finish and sign" if due.draft else "Hold or decline",
        urgency=Urgency.DUE,
        since=opens,
        responsible_ids=frozenset({therapist}) if therapist else frozenset(),
    )


# Integration notes are the therapist's work; the prescriber follows the patient's care too.
WORKLIST_ROLES = {Role.THERAPIST, Role.PRESCRIBER}


def integration_worklist(clinic: Clinic, user: object) -> list[WorklistItem]:
    """Worklist provider: integration sessions due in this clinic, for therapists and
    prescribers (nurses do not hold them)."""
    role = (
        Membership.objects.filter(user=user, clinic=clinic, is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    if role not in WORKLIST_ROLES:
        return []
    return [_worklist_item(due) for due in integrations_due(clinic)]
