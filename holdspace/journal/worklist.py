"""Worklist: a journal entry the patient shared that their therapist or prescriber has not read
yet. The item clears when that clinician opens the patient's shared journal page (the audited
read), and it names no words of the entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.journal.models import JournalEntry
from holdspace.journal.queries import CATEGORY
from holdspace.worklist.registry import Urgency, WorklistItem

# Project default, no clinical source: after two weeks a shared entry belongs in the next session
# rather than on the worklist.
RECENT = timedelta(days=14)


def shared_entries_to_read(clinic: Any, user: Any) -> list[WorklistItem]:
    if user is None or user.pk is None:
        return []
    rows = (
        JournalEntry.objects.filter(
            clinic=clinic,
            shared_with_therapist=True,
            shared_at__gte=timezone.now() - RECENT,
        )
        .filter(Q(patient__therapist=user) | Q(patient__prescriber=user))
        .values("patient")
        .annotate(latest=Max("shared_at"))
    )
    latest = {row["patient"]: row["latest"] for row in rows}
    if not latest:
        return []
    read = dict(
        AuditEvent.objects.filter(
            category=CATEGORY,
            action=Action.READ,
            outcome=Outcome.SUCCESS,
            actor=user,
            patient_id__in=list(latest),
        )
        .values("patient")
        .annotate(last=Max("at"))
        .values_list("patient", "last")
    )
    from holdspace.patients.models import Patient

    patients = Patient.objects.in_bulk(list(latest))
    items = []
    for patient_id, shared_at in latest.items():
        if read.get(patient_id) is not None and read[patient_id] >= shared_at:
            continue
        patient = patients[patient_id]
        items.append(
            WorklistItem(
                kind="journal_shared",
                label="Journal entry shared",
                patient=patient,
                title=f"{patient.display_name} shared a journal entry",
                detail="The patient chose to share it with their therapist and prescriber.",
                url=reverse("journal:shared", kwargs={"patient_id": patient.public_id}),
                action="Read the shared entries",
                urgency=Urgency.SUGGESTION,
                since=shared_at,
                responsible_ids=frozenset(
                    pk for pk in (patient.therapist_id, patient.prescriber_id) if pk
                ),
            )
        )
    return items
