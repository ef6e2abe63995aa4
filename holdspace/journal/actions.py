"""The patient's journal actions: write an entry, share it, withdraw the sharing.

Only the patient writes and shares, through a verified portal session: ``link`` is the portal
link of that session (holdspace.portal.portal_session), and an entry of another patient is
refused. Each action is one transaction with its audit row; the audit summary never copies the
entry's words.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.journal.models import MAX_ENTRY_CHARS, JournalEntry, PromptKind
from holdspace.portal.models import LinkPurpose

if TYPE_CHECKING:
    from holdspace.infusions.models import InfusionSession
    from holdspace.portal.models import PatientLink

CATEGORY = "journal"
NOT_YOURS = "That journal entry is not yours."


def _check_link(link: PatientLink) -> None:
    if link is None or link.purpose != LinkPurpose.PORTAL or link.revoked_at is not None:
        raise PermissionDenied("Only the patient, signed in to their portal, can do this.")


def _audit(
    action: Action,
    entry: JournalEntry,
    summary: str,
    request: HttpRequest | None,
    link: PatientLink,
) -> None:
    # No staff actor: the patient has no account. As for every portal step
    # (holdspace.portal.links), the row names the patient by the link of the session that acted
    # (sharing may come in a later session than the writing).
    record(
        action=action,
        category=CATEGORY,
        request=request,
        actor=None,
        clinic=entry.clinic,
        patient=entry.patient,
        obj=entry,
        summary=summary,
        actor_label=f"patient by link {link.public_id}",
    )


def _check_entry(
    link: PatientLink, words: str, prompt_kind: str, session: InfusionSession | None
) -> None:
    if not words:
        raise ValidationError({"text": "Write something before saving the entry."})
    if len(words) > MAX_ENTRY_CHARS:
        raise ValidationError(
            {"text": f"Please keep an entry under {MAX_ENTRY_CHARS:,} characters."}
        )
    if prompt_kind not in PromptKind.values:
        raise ValidationError({"prompt_kind": "Unknown kind of entry."})
    if prompt_kind != PromptKind.FREE and session is None:
        raise ValidationError({"prompt_kind": "A reflection belongs to an infusion."})
    if session is not None and session.patient_id != link.patient_id:
        raise PermissionDenied("That infusion is not yours.")


@transaction.atomic
def write_entry(
    *,
    link: PatientLink,
    text: str,
    prompt_kind: str = PromptKind.FREE,
    session: InfusionSession | None = None,
    share: bool = False,
    client_id: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> JournalEntry:
    """A new entry in the patient's journal; private unless ``share`` is set. A resubmission
    of the same form (same ``client_id``: a double tap, a resent page) returns the stored entry
    and changes nothing."""
    _check_link(link)
    stored = _stored(link, client_id)
    if stored is not None:
        return stored
    words = (text or "").strip()
    _check_entry(link, words, prompt_kind, session)
    try:
        # A savepoint: when two submissions race, the loser's insert fails here alone.
        with transaction.atomic():
            entry = _create(link, words, prompt_kind, session, share, client_id)
    except IntegrityError:
        stored = _stored(link, client_id)
        if stored is None:
            raise
        return stored
    _audit(
        Action.CREATE, entry, f"Journal entry written by the patient ({prompt_kind})", request, link
    )
    if share:
        _audit(Action.UPDATE, entry, "Journal entry shared with the care team", request, link)
    return entry


def _stored(link: PatientLink, client_id: uuid.UUID | None) -> JournalEntry | None:
    if client_id is None:
        return None
    return JournalEntry.objects.filter(patient_id=link.patient_id, client_id=client_id).first()


def _create(
    link: PatientLink,
    words: str,
    prompt_kind: str,
    session: InfusionSession | None,
    share: bool,
    client_id: uuid.UUID | None,
) -> JournalEntry:
    now = timezone.now()
    return JournalEntry.objects.create(
        clinic=link.clinic,
        patient=link.patient,
        text=words,
        written_at=now,
        prompt_kind=prompt_kind,
        session=session if prompt_kind != PromptKind.FREE else None,
        via_link=link.public_id,
        shared_with_therapist=share,
        shared_at=now if share else None,
        client_id=client_id,
    )


def _locked_own(link: PatientLink, entry: JournalEntry) -> JournalEntry:
    _check_link(link)
    current = JournalEntry.objects.select_for_update().select_related("clinic", "patient")
    row = current.filter(pk=entry.pk).first()
    if row is None or row.patient_id != link.patient_id:
        raise PermissionDenied(NOT_YOURS)
    return row


@transaction.atomic
def share_entry(
    *, link: PatientLink, entry: JournalEntry, request: HttpRequest | None = None
) -> JournalEntry:
    """The patient shares the entry with their therapist and prescriber."""
    row = _locked_own(link, entry)
    if not row.shared_with_therapist:
        row.shared_with_therapist = True
        row.shared_at = timezone.now()
        row.sharing_withdrawn_at = None
        row.save(update_fields=["shared_with_therapist", "shared_at", "sharing_withdrawn_at"])
        _audit(Action.UPDATE, row, "Journal entry shared with the care team", request, link)
    return row


@transaction.atomic
def withdraw_sharing(
    *, link: PatientLink, entry: JournalEntry, request: HttpRequest | None = None
) -> JournalEntry:
    """The patient takes the entry back: staff no longer see it from now on."""
    row = _locked_own(link, entry)
    if row.shared_with_therapist:
        row.shared_with_therapist = False
        row.sharing_withdrawn_at = timezone.now()
        row.save(update_fields=["shared_with_therapist", "sharing_withdrawn_at"])
        _audit(Action.UPDATE, row, "Journal entry sharing withdrawn by the patient", request, link)
    return row
