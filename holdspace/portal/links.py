"""Issuing, opening and using single-use patient links (QUALITY.md security gate 3).

- `issue_link` makes a link for a purpose (questionnaires now; the therapist's portal later) and
  returns the token once: only its SHA-256 is stored.
- `open_link(token)` answers with the link, or with why it cannot be used. A tampered token and
  an unknown one get the same answer, so a guesser learns nothing.
- `check_date_of_birth` counts wrong answers and locks the link after five.
- `mark_used` ends the link for good.

Every step is audited with the link as the object (the patient has no account; the audit row's
object names the link, so "who" is the link holder).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action, Outcome
from holdspace.audit.trail import record
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.patients.actions import require_role
from holdspace.portal.models import MAX_DOB_FAILURES, LinkPurpose, PatientLink, token_hash

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.measures.models import Administration
    from holdspace.patients.models import Patient

# 32 random bytes (256 bits): unguessable, and short enough for an email link.
TOKEN_BYTES = 32
CATEGORY = "patient_link"
# Project default, no clinical source: a week is long enough to fill in a form between visits
# and short enough that an old email is not a standing key (settings.PATIENT_LINK_TTL).
DEFAULT_TTL = timedelta(days=7)

# Why a link cannot be used. "unknown" covers tampered and never-issued tokens alike.
UNKNOWN = "unknown"
EXPIRED = "expired"
USED = "used"
LOCKED = "locked"
REVOKED = "revoked"


@dataclass(frozen=True)
class Refusal:
    reason: str
    link: PatientLink | None = None


def link_ttl() -> timedelta:
    return getattr(settings, "PATIENT_LINK_TTL", DEFAULT_TTL)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@transaction.atomic
def issue_link(
    *,
    actor: User,
    patient: Patient,
    purpose: str,
    administrations: Iterable[Administration] = (),
    request: HttpRequest | None = None,
) -> tuple[PatientLink, str]:
    """A new link for ``patient``; returns it with its token (shown or sent once, never
    stored). Any clinician of the patient's clinic may issue one."""
    require_role(
        actor,
        patient.clinic_id,
        CLINICAL_ROLES,
        "Only a clinician (prescriber, nurse or therapist) can send a patient a link.",
        request,
    )
    if purpose not in LinkPurpose.values:
        raise ValidationError("Unknown purpose for a patient link.")
    rows = list(administrations)
    if any(row.patient_id != patient.pk for row in rows):
        raise PermissionDenied("A link can only open this patient's own questionnaires.")
    token = new_token()
    now = timezone.now()
    link = PatientLink.objects.create(
        clinic=patient.clinic,
        patient=patient,
        purpose=purpose,
        token_hash=token_hash(token),
        created_by=actor,
        created_at=now,
        expires_at=now + link_ttl(),
    )
    link.administrations.set(rows)
    _audit(Action.CREATE, link, f"Patient link issued ({len(rows)} questionnaires)", request, actor)
    return link, token


def open_link(token: str) -> PatientLink | Refusal:
    """The link this token opens, or a Refusal saying why not (unknown, revoked, used, locked,
    expired). Nothing is written: callers audit what they do with the answer."""
    if not token or len(token) > 100:
        return Refusal(UNKNOWN)
    link = (
        PatientLink.objects.select_related("clinic", "patient")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        return Refusal(UNKNOWN)
    if link.used_at is not None:
        return Refusal(USED, link)
    if link.locked_at is not None:
        return Refusal(LOCKED, link)
    if link.revoked_at is not None:
        return Refusal(REVOKED, link)
    if link.is_expired:
        return Refusal(EXPIRED, link)
    return link


@transaction.atomic
def check_date_of_birth(link: PatientLink, given: date, request: HttpRequest | None = None) -> bool:
    """True when ``given`` is the patient's date of birth. A wrong date is counted and
    audited; the fifth locks the link (the clinic sends a new one)."""
    current = (
        PatientLink.objects.select_for_update(of=("self",))
        .select_related("patient")
        .get(pk=link.pk)
    )
    if current.locked_at is not None:
        return False
    now = timezone.now()
    if given == current.patient.date_of_birth:
        current.verified_at = now
        current.first_opened_at = current.first_opened_at or now
        current.save(update_fields=["verified_at", "first_opened_at"])
        _audit(Action.LOGIN, current, "Patient link opened (date of birth checked)", request)
        return True
    current.dob_failures += 1
    if current.dob_failures >= MAX_DOB_FAILURES:
        current.locked_at = now
    current.save(update_fields=["dob_failures", "locked_at"])
    locked = current.locked_at is not None
    summary = (
        "Patient link locked after wrong dates of birth"
        if locked
        else (f"Patient link: wrong date of birth ({current.dob_failures} of {MAX_DOB_FAILURES})")
    )
    _audit(
        Action.LOCKOUT if locked else Action.LOGIN_FAILED,
        current,
        summary,
        request,
        outcome=Outcome.DENIED,
    )
    link.dob_failures, link.locked_at = current.dob_failures, current.locked_at
    return False


@transaction.atomic
def mark_used(link: PatientLink, request: HttpRequest | None = None) -> PatientLink:
    current = PatientLink.objects.select_for_update().get(pk=link.pk)
    if current.used_at is None:
        current.used_at = timezone.now()
        current.save(update_fields=["used_at"])
        _audit(Action.UPDATE, current, "Patient link used and closed", request)
    link.used_at = current.used_at
    return current


@transaction.atomic
def mark_sent(link: PatientLink, request: HttpRequest | None = None) -> None:
    PatientLink.objects.filter(pk=link.pk).update(sent_at=timezone.now())
    _audit(Action.EXPORT, link, "Patient link emailed to the patient", request)


def audit_refusal(token: str, refusal: Refusal, request: HttpRequest | None) -> None:
    """Record a refused link: against the link when it exists, else as an unknown link."""
    if refusal.link is not None:
        _audit(
            Action.READ,
            refusal.link,
            f"Patient link refused: {refusal.reason}",
            request,
            outcome=Outcome.DENIED,
        )
        return
    record(
        action=Action.READ,
        category=CATEGORY,
        request=request,
        actor=None,
        outcome=Outcome.DENIED,
        summary="Patient link refused: unknown or tampered",
    )


def _audit(
    action: Action,
    link: PatientLink,
    summary: str,
    request: HttpRequest | None,
    actor: User | None = None,
    outcome: Outcome = Outcome.SUCCESS,
) -> None:
    record(
        action=action,
        category=CATEGORY,
        request=request,
        actor=actor,
        clinic=link.clinic,
        patient=link.patient,
        obj=link,
        outcome=outcome,
        summary=summary,
        actor_label=f"patient by link {link.public_id}",
    )


@transaction.atomic
def revoke_link(
    *, actor: User, link: PatientLink, request: HttpRequest | None = None
) -> PatientLink:
    """Cancel a link that has not been used (sent to the wrong address, no longer needed).
    Revoking twice changes nothing; a used link stays used."""
    require_role(
        actor,
        link.clinic_id,
        CLINICAL_ROLES,
        "Only a clinician (prescriber, nurse or therapist) can cancel a patient link.",
        request,
    )
    current = PatientLink.objects.select_for_update(of=("self",)).get(pk=link.pk)
    if current.used_at is not None:
        raise ValidationError("This link was already used: the answers are on the record.")
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        _audit(Action.UPDATE, current, "Patient link cancelled by staff", request, actor)
    return current


logger = logging.getLogger(__name__)


def email_link(
    link: PatientLink, *, subject: str, body: str, actor: User, request: HttpRequest | None
) -> PatientLink:
    """Send a new link's email. If the mail server refuses, nobody has the link: it is cancelled,
    the audit trail says why (a cancelled link with no row would look like tampering), and
    ``ValidationError`` tells the clinician."""
    try:
        send_mail(subject, body, None, [link.patient.email])
    except (OSError, smtplib.SMTPException):
        logger.warning("Patient link email for link %s failed", link.public_id)
        with transaction.atomic():
            PatientLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
            _audit(
                Action.UPDATE,
                link,
                "Patient link cancelled: the email could not be sent",
                request,
                actor=actor,
            )
        raise ValidationError(
            "The email could not be sent, so the link was cancelled. Try again later."
        ) from None
    mark_sent(link, request)
    return link
