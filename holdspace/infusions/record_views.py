"""The printed infusion record: one PDF per session for the care team (issue 4, "Records").

Fetch-and-authorize → render → respond: the session is fetched within the clinic being worked in
(404 for anything else, for every role, before any role check), only clinicians may print it
(403 with the reason), and each print is audited with the patient.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.infusions import record as infusion_record
from holdspace.infusions.queries import get_session_for

member_required = clinic_member_required()


@require_GET
@member_required
def record_pdf(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = get_session_for(request, session_id)
    role = str(request.membership.role)  # type: ignore[attr-defined]
    if role not in CLINICAL_ROLES:
        raise PermissionDenied("The infusion record is printed by the care team.")
    html = infusion_record.record_html(session, printed_by=request.user, role=role)
    pdf = infusion_record.render_pdf(html)
    record(
        action=Action.PRINT,
        category="infusion_record",
        request=request,
        patient=session.patient,
        obj=session,
        summary="Infusion record printed (PDF)",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # The file name carries no patient details: it may end up in a shared downloads folder.
    name = f"infusion-record-{session.public_id}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
