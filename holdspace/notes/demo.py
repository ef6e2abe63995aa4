"""Demo notes (called from demo/data.py): for each therapist's active patients, signed
preparation and integration notes tied to their past infusions and one draft, and one
psychotherapy note per therapist (encrypted like any other). In a clinic with two therapists,
the first names the second as supervisor, so the demo shows supervised access.

Rows are written directly (not through the actions) only so they can carry past times; the
signature hash is computed exactly as ``sign_therapy_note`` does. Only synthetic text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Clinic, Role
from holdspace.infusions.models import InfusionSession, SessionState
from holdspace.notes import crypto
from holdspace.notes.models import (
    NamedSupervisor,
    NoteKind,
    PsychotherapyNote,
    TherapyNote,
    sha256_of,
)
from holdspace.patients.models import Patient, PatientStatus

PREPARATION = (
    "Preparation. Explained what to expect: dissociation and a sense of floating, a rise in blood "
    "pressure that the nurse will watch, possible nausea (medicine available). Agreed that I "
    "will sit beside them, stay quiet unless asked, and use their grounding word if distressed. "
    "Questions about driving home answered (escort arranged). Intention in their words noted."
)
INTEGRATION = (
    "Integration, {days} days after the infusion. Described the experience as '{image}'. "
    "Noticed more space between themselves and the low mood. Talked through what helped "
    "(music, my hand on the shoulder as agreed) and what got in the way (worry about the drip). "
    "Commitment: a short walk most days; we set it as a goal."
)
IMAGES = ["a very quiet lake", "a long corridor full of light", "being held by the music"]
DRAFT = "Draft — brief check-in call about sleep; finish after supervision on Thursday."
PRIVATE = (
    "Process note (demo, synthetic): my own reactions — felt pulled to reassure too quickly "
    "when they spoke about their father. Bring to supervision; watch the urge to rescue."
)


def seed_notes(clinic: Clinic, staff: dict[str, list[User]]) -> None:
    therapists = staff.get(Role.THERAPIST, [])
    for therapist in therapists:
        patients = list(
            Patient.objects.filter(
                clinic=clinic,
                therapist=therapist,
                status__in=[PatientStatus.ACTIVE, PatientStatus.MAINTENANCE],
            ).order_by("mrn")[:4]
        )
        for index, patient in enumerate(patients):
            _seed_patient_notes(clinic, therapist, patient, draft=index == 0)
        if patients:
            _seed_private_note(clinic, therapist, patients[0])
    if len(therapists) > 1:
        NamedSupervisor.objects.create(
            clinic=clinic, author=therapists[0], supervisor=therapists[1]
        )


def _signed(
    clinic: Clinic,
    therapist: User,
    patient: Patient,
    kind: str,
    text: str,
    at: datetime,
    session: InfusionSession | None,
) -> TherapyNote:
    note = TherapyNote(
        clinic=clinic,
        patient=patient,
        session=session,
        kind=kind,
        text=text,
        author=therapist,
        created_at=at,
        last_edited_by=therapist,
        last_edited_at=at,
        signed_by=therapist,
        signed_at=at + timedelta(minutes=20),
    )
    note.content_sha256 = sha256_of(note.signed_content())
    note.save()
    record(
        action=Action.SIGN,
        category="therapy_note",
        clinic=clinic,
        patient=patient,
        obj=note,
        summary="Demo seed: therapy note signed",
    )
    return note


def _seed_patient_notes(clinic: Clinic, therapist: User, patient: Patient, draft: bool) -> None:
    infusions = list(
        InfusionSession.objects.filter(patient=patient, state=SessionState.DISCHARGED).order_by(
            "scheduled_for"
        )[:3]
    )
    first = infusions[0].scheduled_for if infusions else timezone.now() - timedelta(days=21)
    _signed(
        clinic,
        therapist,
        patient,
        NoteKind.PREPARATION,
        PREPARATION,
        first - timedelta(days=5),
        infusions[0] if infusions else None,
    )
    for number, infusion in enumerate(infusions):
        days = 1 + number % 2
        text = INTEGRATION.format(days=days, image=IMAGES[number % len(IMAGES)])
        at = min(infusion.scheduled_for + timedelta(days=days), timezone.now())
        _signed(clinic, therapist, patient, NoteKind.INTEGRATION, text, at, infusion)
    if draft:
        now = timezone.now() - timedelta(hours=3)
        TherapyNote.objects.create(
            clinic=clinic,
            patient=patient,
            kind=NoteKind.INDIVIDUAL,
            text=DRAFT,
            author=therapist,
            created_at=now,
            last_edited_by=therapist,
            last_edited_at=now,
        )


def _seed_private_note(clinic: Clinic, therapist: User, patient: Patient) -> None:
    at = timezone.now() - timedelta(days=2)
    ciphertext = crypto.encrypt(PRIVATE)
    note = PsychotherapyNote.private.create(
        clinic=clinic,
        patient=patient,
        author=therapist,
        ciphertext=ciphertext,
        created_at=at,
        updated_at=at,
        signed_at=at + timedelta(minutes=10),
        content_sha256=sha256_of({"ciphertext": ciphertext}),
    )
    record(
        action=Action.SIGN,
        category="psychotherapy_note",
        clinic=clinic,
        patient=patient,
        obj=note,
        summary="Demo seed: psychotherapy note signed",
    )
