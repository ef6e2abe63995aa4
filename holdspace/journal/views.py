"""Staff side of the journal: the entries a patient chose to share, for their therapist and
prescriber only. Unshared entries never reach any staff page."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.journal import queries
from holdspace.patients.views import get_patient_for

NOT_CARE_TEAM = (
    "The patient shares journal entries with their own therapist and prescriber only. "
    "You are neither for this patient."
)


@never_cache
@require_http_methods(["GET"])
@clinic_member_required()
def shared_journal(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    # The patient is looked up first, so another clinic's patient is a 404 for every role.
    patient = get_patient_for(request, patient_id)
    if not queries.may_read_shared(request.user, patient):
        raise PermissionDenied(NOT_CARE_TEAM)
    entries = queries.shared_entries(patient)
    record(
        action=Action.READ,
        category=queries.CATEGORY,
        request=request,
        patient=patient,
        summary=f"Shared journal entries viewed ({len(entries)})",
    )
    return render(request, "journal/shared.html", {"patient": patient, "entries": entries})
