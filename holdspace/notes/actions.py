"""Every change to notes, one function each: one transaction, the actor's right checked, the
change and its audit row written together. Nothing is half-saved.

Audit summaries never carry note text. Psychotherapy notes are audited under their own category
("psychotherapy_note") for every access: read, create, update, sign, and refusals.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action, Outcome
from holdspace.audit.trail import record
from holdspace.clinics.models import Membership, Role
from holdspace.notes import crypto
from holdspace.notes.models import (
    SUPERVISING_ROLES,
    NamedSupervisor,
    NoteKind,
    PsychotherapyNote,
    TherapyNote,
    TherapyNoteAddendum,
    sha256_of,
)
from holdspace.patients.actions import require_role

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.clinics.models import Clinic
    from holdspace.infusions.models import InfusionSession
    from holdspace.patients.models import Patient

THERAPY_NOTE = "therapy_note"
PSYCHOTHERAPY_NOTE = "psychotherapy_note"

# Who writes notes: the therapist, and the prescriber (often a psychiatrist who also does
# therapy). Nurses read therapy notes as part of the record; clinic admins do not need them.
WRITERS = (Role.THERAPIST, Role.PRESCRIBER)
READERS = (Role.THERAPIST, Role.PRESCRIBER, Role.NURSE)
# A supervisor of psychotherapy is a clinician who does or oversees therapy (the same roles
# PsychotherapyNote.private.visible_to requires for reading a named author's notes).
SUPERVISOR_ROLES = SUPERVISING_ROLES

# The longest note accepted: a page of careful writing is ~4,000 characters; this leaves room.
MAX_NOTE_LENGTH = 20_000

WRITERS_ONLY = "Only a therapist or a prescriber can write therapy notes."
AUTHOR_SIGNS = "Only the note's author can sign it."
ALREADY_SIGNED = "This note is signed: it cannot change. Add an addendum to correct or add to it."
NOT_SIGNED_YET = "Addenda are for signed notes; while the note is a draft, edit the draft."
EMPTY_TEXT = "Write the note before saving; an empty note is not kept."
TOO_LONG = f"The note is longer than {MAX_NOTE_LENGTH:,} characters; split it into two notes."
WRONG_SESSION = (
    "That infusion belongs to another patient's record. Nothing was saved: choose one of this "
    "patient's infusions or none."
)
BAD_KIND = "Choose the kind of session this note is about."
CONFLICT = (
    "Someone else saved this draft while you were editing. Their version is kept below; your "
    "text is shown beside it and was not saved. Merge the two, then save again."
)
PRIVATE_SIGNED = "This psychotherapy note is signed: it cannot change. Write a new note instead."
PRIVATE_AUTHORS = "Only a therapist or a prescriber can write psychotherapy notes."
SUPERVISOR_MUST_BE_COLLEAGUE = (
    "A supervisor must be a therapist or prescriber working in this clinic."
)
NOT_YOURSELF = "You always see your own notes; name someone else as a supervisor."


class DraftConflict(Exception):
    """A save based on an older version of a draft. ``current`` is the draft as saved;
    ``proposed`` is the text the second person typed (kept for them to merge)."""

    def __init__(self, current: Any, proposed: str) -> None:
        super().__init__(CONFLICT)
        self.current = current
        self.proposed = proposed


# --- Checks ----------------------------------------------------------------------------------


def clean_text(text: str, field: str = "text") -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError({field: EMPTY_TEXT})
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise ValidationError({field: TOO_LONG})
    return cleaned


def _check_note_fields(patient: Patient, kind: str, session: InfusionSession | None) -> None:
    if kind not in NoteKind.values:
        raise ValidationError({"kind": BAD_KIND})
    if session is not None and session.patient_id != patient.pk:
        raise ValidationError({"session": WRONG_SESSION})


def _writer(actor: User, clinic_id: int, request: HttpRequest | None) -> str:
    return require_role(actor, clinic_id, WRITERS, WRITERS_ONLY, request)


# --- Therapy notes (clinical record) ---------------------------------------------------------


def _audit_note(action: str, note: TherapyNote, actor: User, request: Any, summary: str) -> None:
    record(
        action=action,
        category=THERAPY_NOTE,
        request=request,
        actor=actor,
        patient=note.patient,
        obj=note,
        summary=summary,
    )


@transaction.atomic
def create_therapy_note(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    text: str,
    session: InfusionSession | None = None,
    sign: bool = False,
    request: HttpRequest | None = None,
) -> TherapyNote:
    """Write a draft therapy note; the author may sign it in the same step."""
    _writer(actor, patient.clinic_id, request)
    _check_note_fields(patient, kind, session)
    now = timezone.now()
    note = TherapyNote.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        session=session,
        kind=kind,
        text=clean_text(text),
        author=actor,
        created_at=now,
        last_edited_by=actor,
        last_edited_at=now,
    )
    _audit_note(Action.CREATE, note, actor, request, f"{note.get_kind_display()} note drafted")
    if sign:
        return sign_therapy_note(actor=actor, note=note, request=request)
    return note


@transaction.atomic
def save_therapy_draft(
    *,
    actor: User,
    note: TherapyNote,
    kind: str,
    text: str,
    session: InfusionSession | None,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> TherapyNote:
    """Save a draft only if nobody saved it since the form was opened; otherwise DraftConflict,
    which keeps the first save and hands the second person's text back to merge."""
    _writer(actor, note.clinic_id, request)
    current = TherapyNote.objects.select_for_update().get(pk=note.pk)
    current.patient = note.patient
    if current.is_signed:
        raise ValidationError(ALREADY_SIGNED)
    _check_note_fields(note.patient, kind, session)
    cleaned = clean_text(text)
    if expected_version is None or current.version != expected_version:
        raise DraftConflict(current, cleaned)
    TherapyNote.objects.filter(pk=current.pk, version=expected_version).update(
        kind=kind,
        text=cleaned,
        session=session,
        version=expected_version + 1,
        last_edited_by=actor,
        last_edited_at=timezone.now(),
    )
    current.refresh_from_db()
    current.patient = note.patient
    _audit_note(Action.UPDATE, current, actor, request, "Therapy note draft saved")
    return current


@transaction.atomic
def sign_therapy_note(
    *,
    actor: User,
    note: TherapyNote,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> TherapyNote:
    """Sign the note: its SHA-256 is stored and the row can never change again."""
    _writer(actor, note.clinic_id, request)
    current = TherapyNote.objects.select_for_update().get(pk=note.pk)
    current.patient = note.patient
    if current.author_id != actor.pk:
        raise PermissionDenied(AUTHOR_SIGNS)
    if current.is_signed:
        raise ValidationError(ALREADY_SIGNED)
    if expected_version is not None and current.version != expected_version:
        # Signing text the signer has not seen would attest to words they never read.
        raise DraftConflict(current, current.text)
    current.signed_by = actor
    current.signed_at = timezone.now()
    current.content_sha256 = sha256_of(current.signed_content())
    current.save(update_fields=["signed_by", "signed_at", "content_sha256"])
    _audit_note(Action.SIGN, current, actor, request, "Therapy note signed")
    return current


@transaction.atomic
def add_addendum(
    *,
    actor: User,
    note: TherapyNote,
    text: str,
    client_id: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> TherapyNoteAddendum:
    """Append a correction or addition to a signed note (a resubmission stores one row)."""
    _writer(actor, note.clinic_id, request)
    # Read from the database, not the caller's copy: it may predate the signature.
    if not TherapyNote.objects.filter(pk=note.pk, signed_at__isnull=False).exists():
        raise ValidationError(NOT_SIGNED_YET)
    client_id = client_id or uuid.uuid4()
    existing = TherapyNoteAddendum.objects.filter(note=note, client_id=client_id).first()
    if existing is not None:
        return existing
    cleaned = clean_text(text)
    now = timezone.now()
    content = {"note": str(note.public_id), "text": cleaned, "by": actor.pk, "at": now.isoformat()}
    addendum = TherapyNoteAddendum.objects.create(
        note=note,
        text=cleaned,
        written_by=actor,
        written_at=now,
        client_id=client_id,
        content_sha256=sha256_of(content),
    )
    _audit_note(Action.CREATE, note, actor, request, "Addendum added to a signed therapy note")
    return addendum


# --- Psychotherapy notes (private store) -----------------------------------------------------


def audit_private(
    action: str,
    note: PsychotherapyNote | None,
    patient: Patient,
    request: HttpRequest | None,
    actor: User | None = None,
    outcome: str = Outcome.SUCCESS,
) -> None:
    """One audit row per access to a psychotherapy note; never any of its content."""
    verb = {
        Action.READ: "read",
        Action.CREATE: "written",
        Action.UPDATE: "draft saved",
        Action.SIGN: "signed",
    }.get(action, str(action))
    summary = f"Psychotherapy note {verb}" if outcome == Outcome.SUCCESS else "Access refused"
    record(
        action=action,
        category=PSYCHOTHERAPY_NOTE,
        request=request,
        actor=actor,
        patient=patient,
        obj=note,
        outcome=outcome,
        summary=summary,
    )


def _private_author(actor: User, clinic_id: int, request: HttpRequest | None) -> None:
    require_role(actor, clinic_id, WRITERS, PRIVATE_AUTHORS, request)


def _own_note(actor: User, note: PsychotherapyNote) -> PsychotherapyNote:
    """The note locked for a change, only when ``actor`` wrote it; supervisors only read."""
    current = PsychotherapyNote.private.select_for_update().get(pk=note.pk)
    if current.author_id != actor.pk:
        raise PermissionDenied("Only the author can change or sign a psychotherapy note.")
    if current.is_signed:
        raise ValidationError(PRIVATE_SIGNED)
    return current


@transaction.atomic
def create_psychotherapy_note(
    *,
    actor: User,
    patient: Patient,
    text: str,
    sign: bool = False,
    request: HttpRequest | None = None,
) -> PsychotherapyNote:
    _private_author(actor, patient.clinic_id, request)
    now = timezone.now()
    note = PsychotherapyNote.private.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        author=actor,
        ciphertext=crypto.encrypt(clean_text(text)),
        created_at=now,
        updated_at=now,
    )
    audit_private(Action.CREATE, note, patient, request, actor)
    if sign:
        return sign_psychotherapy_note(actor=actor, note=note, patient=patient, request=request)
    return note


@transaction.atomic
def save_psychotherapy_draft(
    *,
    actor: User,
    note: PsychotherapyNote,
    patient: Patient,
    text: str,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> PsychotherapyNote:
    _private_author(actor, patient.clinic_id, request)
    current = _own_note(actor, note)
    cleaned = clean_text(text)
    if expected_version is None or current.version != expected_version:
        raise DraftConflict(current, cleaned)
    current.ciphertext = crypto.encrypt(cleaned)
    current.version = expected_version + 1
    current.updated_at = timezone.now()
    current.save(update_fields=["ciphertext", "version", "updated_at"])
    audit_private(Action.UPDATE, current, patient, request, actor)
    return current


@transaction.atomic
def sign_psychotherapy_note(
    *,
    actor: User,
    note: PsychotherapyNote,
    patient: Patient,
    request: HttpRequest | None = None,
) -> PsychotherapyNote:
    _private_author(actor, patient.clinic_id, request)
    current = _own_note(actor, note)
    # Prove the key still opens it before freezing it for ever.
    crypto.decrypt(current.ciphertext)
    current.signed_at = timezone.now()
    current.content_sha256 = sha256_of({"ciphertext": current.ciphertext})
    current.save(update_fields=["signed_at", "content_sha256"])
    audit_private(Action.SIGN, current, patient, request, actor)
    return current


# --- Named supervisors -----------------------------------------------------------------------


def _audit_supervision(
    actor: User,
    clinic: Clinic,
    nomination: NamedSupervisor,
    summary: str,
    request: HttpRequest | None,
) -> None:
    record(
        action=Action.PRIVILEGE_CHANGE,
        category=PSYCHOTHERAPY_NOTE,
        request=request,
        actor=actor,
        clinic=clinic,
        obj=nomination,
        summary=summary,
    )


@transaction.atomic
def name_supervisor(
    *, actor: User, clinic: Clinic, supervisor: User, request: HttpRequest | None = None
) -> NamedSupervisor:
    """Let ``supervisor`` read all of ``actor``'s psychotherapy notes in this clinic."""
    _private_author(actor, clinic.pk, request)
    if supervisor.pk == actor.pk:
        raise ValidationError({"supervisor": NOT_YOURSELF})
    colleague = Membership.objects.filter(
        user=supervisor, clinic=clinic, is_active=True, role__in=SUPERVISOR_ROLES
    ).exists()
    if not colleague:
        raise ValidationError({"supervisor": SUPERVISOR_MUST_BE_COLLEAGUE})
    existing = NamedSupervisor.objects.filter(
        clinic=clinic, author=actor, supervisor=supervisor, is_active=True
    ).first()
    if existing is not None:
        return existing
    nomination = NamedSupervisor.objects.create(clinic=clinic, author=actor, supervisor=supervisor)
    _audit_supervision(
        actor,
        clinic,
        nomination,
        f"Named {supervisor.full_name} as psychotherapy-note supervisor",
        request,
    )
    return nomination


@transaction.atomic
def end_supervision(
    *, actor: User, clinic: Clinic, nomination: NamedSupervisor, request: HttpRequest | None = None
) -> None:
    """The supervisor no longer sees the author's notes; the nomination stays as history."""
    _private_author(actor, clinic.pk, request)
    if nomination.author_id != actor.pk or nomination.clinic_id != clinic.pk:
        raise PermissionDenied("You can change only your own list of supervisors.")
    ended = NamedSupervisor.objects.filter(pk=nomination.pk, is_active=True).update(
        is_active=False, ended_at=timezone.now()
    )
    if ended:
        _audit_supervision(
            actor,
            clinic,
            nomination,
            f"Removed {nomination.supervisor.full_name} as psychotherapy-note supervisor",
            request,
        )
