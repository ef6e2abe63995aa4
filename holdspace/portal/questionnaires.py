"""Questionnaires by link: sending them to the patient, and what the link may open."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from holdspace.measures.models import OPEN_STATUSES, Administration, Mode
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose, PatientLink

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.patients.models import Patient

logger = logging.getLogger(__name__)

LINK_SUBJECT = "A short form from your care team"
NO_EMAIL = "This patient has no email address. Add one under Edit demographics, then send again."


def sendable(patient: Patient) -> list[Administration]:
    """The patient's open self-report questionnaires whose licence lets holdspace show them."""
    return list(
        Administration.objects.filter(
            patient=patient,
            status__in=OPEN_STATUSES,
            completed_at__isnull=True,
            instrument_version__instrument__respondent="self",
            instrument_version__instrument__licence_ships_text=True,
        ).select_related("instrument_version__instrument")
    )


@transaction.atomic
def create_questionnaire_link(
    *,
    actor: User,
    patient: Patient,
    administrations: Iterable[Administration],
    request: HttpRequest | None = None,
) -> tuple[PatientLink, str]:
    """A link that opens exactly these questionnaires (each marked as answered remotely)."""
    rows = list(administrations)
    allowed = {row.pk for row in sendable(patient)}
    if not rows:
        raise ValidationError("Choose at least one questionnaire to send.")
    if any(row.pk not in allowed for row in rows):
        raise ValidationError(
            "Only this patient's open self-report questionnaires can be sent by link."
        )
    link, token = links.issue_link(
        actor=actor,
        patient=patient,
        purpose=LinkPurpose.QUESTIONNAIRES,
        administrations=rows,
        request=request,
    )
    Administration.objects.filter(pk__in=[row.pk for row in rows]).update(
        mode=Mode.REMOTE, updated_at=timezone.now()
    )
    return link, token


def send_questionnaire_link(
    *,
    actor: User,
    patient: Patient,
    administrations: Iterable[Administration],
    url_for: Callable[[str], str],
    request: HttpRequest | None = None,
) -> PatientLink:
    """Create the link and email it. The email carries no clinical detail: no questionnaire
    names, no scores, no reason for the visit. If the mail server refuses, the link is revoked
    (nobody has it) and ``ValidationError`` says so."""
    if not patient.email:
        raise ValidationError(NO_EMAIL)
    link, token = create_questionnaire_link(
        actor=actor, patient=patient, administrations=administrations, request=request
    )
    # Minimum necessary, as the reminder (measures.scheduling.reminder_text): not even the
    # clinic's name, which often names the treatment ("… Ketamine Clinic").
    body = render_to_string(
        "measures/link_email.txt", {"patient": patient, "link": url_for(token), "expires": link}
    )
    return links.email_link(link, subject=LINK_SUBJECT, body=body, actor=actor, request=request)
