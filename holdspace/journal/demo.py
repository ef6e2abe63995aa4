"""Demo journal entries: for each therapist's first patients, a used portal link and a few
entries (a free entry, reflections on the last discharged infusion), some shared with the care
team. Synthetic words only; nothing is printed."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Role
from holdspace.journal.models import JournalEntry, PromptKind
from holdspace.patients.models import Patient
from holdspace.portal.links import new_token
from holdspace.portal.models import LinkPurpose, PatientLink, token_hash

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.clinics.models import Clinic

# (kind, hours after discharge, shared, text)
ENTRIES = (
    (
        PromptKind.REFLECTION_24H,
        26,
        True,
        "The music carried me further than I expected. I kept seeing the lake from my "
        "grandmother's house and I was not afraid of it.",
    ),
    (
        PromptKind.REFLECTION_72H,
        75,
        False,
        "Three days on, the heaviness is lighter in the mornings. I want to keep walking "
        "before work like we planned.",
    ),
    (
        PromptKind.FREE,
        120,
        True,
        "Had a hard conversation with my sister and stayed calm. Breathing the way we "
        "practised helped.",
    ),
)


def seed_journal(clinic: Clinic, staff: dict[str, list[User]]) -> None:
    from holdspace.infusions.models import InfusionSession, SessionState

    for therapist in staff.get(Role.THERAPIST, []):
        patients = Patient.objects.filter(clinic=clinic, therapist=therapist).order_by("mrn")[:2]
        for which, patient in enumerate(patients):
            infusion = (
                InfusionSession.objects.filter(patient=patient, state=SessionState.DISCHARGED)
                .order_by("-discharged_at")
                .first()
            )
            if infusion is None:
                continue
            link = _used_portal_link(patient, therapist, infusion.discharged_at)
            for kind, hours, shared, text in ENTRIES[: 3 - which]:
                _entry(patient, link, infusion, kind, hours, shared, text)


def _used_portal_link(patient: Patient, therapist: User, discharged_at) -> PatientLink:  # type: ignore[no-untyped-def]
    sent = discharged_at + timedelta(hours=20)
    return PatientLink.objects.create(
        clinic=patient.clinic,
        patient=patient,
        purpose=LinkPurpose.PORTAL,
        token_hash=token_hash(new_token()),  # the token itself is thrown away
        created_by=therapist,
        created_at=sent,
        expires_at=sent + timedelta(days=7),
        sent_at=sent,
        first_opened_at=sent + timedelta(hours=2),
        verified_at=sent + timedelta(hours=2),
        used_at=sent + timedelta(hours=2),
    )


def _entry(patient, link, infusion, kind, hours, shared, text) -> None:  # type: ignore[no-untyped-def]
    written = infusion.discharged_at + timedelta(hours=hours)
    if written > timezone.now():
        return
    entry = JournalEntry.objects.create(
        clinic=patient.clinic,
        patient=patient,
        text=text,
        written_at=written,
        prompt_kind=kind,
        session=None if kind == PromptKind.FREE else infusion,
        via_link=link.public_id,
        shared_with_therapist=shared,
        shared_at=written if shared else None,
    )
    record(
        action=Action.CREATE,
        category="journal",
        patient=patient,
        obj=entry,
        summary="Demo seed: journal entry",
    )
