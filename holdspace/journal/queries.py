"""Reading the journal: the patient's own entries, the prompts due, and what staff may see."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from holdspace.journal import prompts
from holdspace.journal.models import JournalEntry, PromptKind

if TYPE_CHECKING:
    from holdspace.patients.models import Patient

CATEGORY = "journal"
REFLECTIONS = (PromptKind.REFLECTION_24H, PromptKind.REFLECTION_72H)


def own_entries(patient: Patient) -> list[JournalEntry]:
    """Every entry of the patient, newest first: for the patient's own portal only."""
    return list(JournalEntry.objects.filter(patient=patient).select_related("session"))


def shared_entries(patient: Patient) -> list[JournalEntry]:
    """The entries the patient currently shares (withdrawn ones are not included)."""
    return list(
        JournalEntry.objects.filter(patient=patient, shared_with_therapist=True)
        .select_related("session")
        .order_by("-shared_at", "-id")
    )


def may_read_shared(user: Any, patient: Patient) -> bool:
    """The patient shares with their therapist and prescriber, no one else."""
    return user.pk is not None and user.pk in {patient.therapist_id, patient.prescriber_id}


def reflection_prompts(patient: Patient, now: datetime | None = None) -> list[dict[str, Any]]:
    """The reflection prompts open now for the patient's discharged infusions (prompts.py),
    each with its infusion session."""
    from holdspace.infusions.models import InfusionSession, SessionState

    now = now or timezone.now()
    sessions = {
        str(row.public_id): row
        for row in InfusionSession.objects.filter(
            patient=patient,
            state=SessionState.DISCHARGED,
            discharged_at__gt=now - prompts.LOOKBACK,
        )
    }
    answered = {
        (str(session_id), kind)
        for session_id, kind in JournalEntry.objects.filter(
            patient=patient, session__isnull=False, prompt_kind__in=REFLECTIONS
        ).values_list("session__public_id", "prompt_kind")
    }
    discharges = [prompts.Discharged(key, row.discharged_at) for key, row in sessions.items()]
    return [
        {"prompt": due, "session": sessions[due.session_key], "label": PromptKind(due.kind).label}
        for due in prompts.due_prompts(discharges, answered, now)
    ]
