"""The progress report for the referring clinician, as a PDF (issue 5 "Pictures").

What the referrer needs: who the patient is, the treatment courses, and for each questionnaire
the baseline, the latest score, the outcome verdicts and the trajectory picture (the same SVG
as the outcomes page). Built from questionnaire scores and course data only: no therapy notes,
psychotherapy notes, integration-session content, journal or free text from the record is read,
so none can leak into it.

WeasyPrint may only read our own static files (`StaticFilesOnly`): a PDF renderer that follows
URLs would let text in a document make the server fetch things. Each download is audited as an
export.
"""

from __future__ import annotations

import mimetypes
import posixpath
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.measures.outcome_views import get_patient_for_outcomes, patient_outcomes

# The only origin the report's HTML may refer to; ".invalid" never resolves (RFC 6761).
BASE_URL = "https://holdspace.invalid/"
STATIC_PREFIX = "/static/"


class RefusedURL(ValueError):
    """The report tried to load something that is not one of our static files."""


def static_file_for(url: str) -> Path:
    """The file under our static folder that `url` names, or RefusedURL."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    path = unquote(parts.path)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query:
        raise RefusedURL(f"The progress report may not load {url!r}.")
    if not path.startswith(STATIC_PREFIX):
        raise RefusedURL(f"The progress report may not load {url!r}.")
    relative = posixpath.normpath(path.removeprefix(STATIC_PREFIX))
    if relative.startswith(("..", "/")) or "\\" in relative or "\x00" in relative:
        raise RefusedURL(f"The progress report may not load {url!r}.")
    root = Path(settings.STATICFILES_DIRS[0]).resolve()
    found = (root / relative).resolve()
    if not found.is_relative_to(root) or not found.is_file():
        raise RefusedURL(f"No static file {relative!r} for the progress report.")
    return found


class StaticFilesOnly(URLFetcher):
    """Serves our static files and refuses every other URL (http, file, data, other hosts)."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = static_file_for(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def report_context(patient: Any, author: Any) -> dict[str, Any]:
    from holdspace.infusions.models import InfusionSession

    given = InfusionSession.objects.filter(patient=patient, started_at__isnull=False)
    return {
        "patient": patient,
        "clinic": patient.clinic,
        "author": author,
        "generated_at": timezone.localtime(timezone.now(), ZoneInfo(patient.clinic.time_zone)),
        "sections": patient_outcomes(patient),
        "infusions_given": given.count(),
    }


def report_html(patient: Any, author: Any) -> str:
    return render_to_string("measures/progress_pdf.html", report_context(patient, author))


def render_pdf(html: str) -> bytes:
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnly())
    return bytes(document.write_pdf())


@require_GET
@clinic_member_required()
def progress_report(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for_outcomes(request, patient_id)
    pdf = render_pdf(report_html(patient, request.user))
    record(
        action=Action.EXPORT,
        category="progress_report",
        request=request,
        patient=patient,
        obj=patient,
        summary="Progress report (PDF) downloaded",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # The file name carries no patient details (no MRN, no name), as the infusion record's: it
    # may end up in a shared downloads folder or an email attachment list.
    name = f"progress-report-{patient.public_id}-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
