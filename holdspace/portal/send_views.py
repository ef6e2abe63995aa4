"""The staff side of the portal: a clinician emails the patient a portal sign-in link from the
chart. The email names nothing clinical, not even the clinic, whose name often names the
treatment (as the questionnaire reminder, measures.scheduling.reminder_text); the link works
once, after a date-of-birth check, until it expires (links.link_ttl)."""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.patients.views import get_patient_for
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose, PatientLink

logger = logging.getLogger(__name__)

NO_EMAIL = "This patient has no email address. Add one under Edit demographics, then send again."
# Neutral on a lock screen or a shared inbox: no clinic name, nothing about the treatment.
SUBJECT = "Your link from your care team"


def send_portal_link(*, actor, patient, url_for, request=None) -> PatientLink:  # type: ignore[no-untyped-def]
    """Issue a portal link and email it. A refused email cancels the link (nobody has it) and
    raises ``ValidationError`` saying so."""
    if not patient.email:
        raise ValidationError(NO_EMAIL)
    link, token = links.issue_link(
        actor=actor, patient=patient, purpose=LinkPurpose.PORTAL, request=request
    )
    body = render_to_string(
        "portal/portal_link_email.txt",
        {"patient": patient, "link": url_for(token), "expires": link},
    )
    return links.email_link(link, subject=SUBJECT, body=body, actor=actor, request=request)


@require_POST
@clinic_member_required()
def send(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    # The patient is looked up first, so another clinic's patient is a 404 for every role.
    patient = get_patient_for(request, patient_id)
    if request.membership.role not in CLINICAL_ROLES:  # type: ignore[attr-defined]
        raise PermissionDenied("Only a clinician can send a patient a portal link.")
    try:
        send_portal_link(
            actor=request.user,
            patient=patient,
            url_for=lambda token: request.build_absolute_uri(
                reverse("portal:home_start", kwargs={"token": token})
            ),
            request=request,
        )
    except ValidationError as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        days = links.link_ttl().days
        messages.success(
            request,
            f"A portal sign-in link was emailed to the patient. It works once, for {days} days.",
        )
    return redirect("patients:chart", patient_id=patient.public_id)
