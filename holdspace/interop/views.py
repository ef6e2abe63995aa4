"""FHIR exports: fetch-and-authorize → map → respond, every export audited."""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.interop.questionnaire_response import (
    FHIR_JSON,
    NotExportable,
    administration_resource,
)
from holdspace.measures.queries import get_administration_for
from holdspace.patients.views import require


def _fhir_response(data: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type=FHIR_JSON, status=status
    )
    # Patient data: never kept in a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


def _operation_outcome(message: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "conflict", "diagnostics": message}],
    }


@require_GET
@clinic_member_required()
def questionnaire_response(
    request: HttpRequest, patient_id: uuid.UUID, administration_id: uuid.UUID
) -> HttpResponse:
    # Fetch first, role second: another clinic's id is a 404 for every role, never a 403.
    administration = get_administration_for(request, patient_id, administration_id)
    require(request, CLINICAL_ROLES, "Only clinicians may export questionnaire answers.")
    try:
        resource = administration_resource(administration)
    except NotExportable as error:
        return _fhir_response(_operation_outcome(str(error)), status=409)
    record(
        action=Action.EXPORT,
        category="questionnaire_response",
        request=request,
        patient=administration.patient,
        obj=administration,
        summary=f"FHIR QuestionnaireResponse exported ({administration.instrument_key})",
    )
    return _fhir_response(resource)
