"""The infusion record as a PDF (issue 4, "Records"): what a clinician, an auditor or the next
clinic needs to know about one infusion, on paper.

``record_context`` gathers the record from the database, ``record_html`` renders it with
templates/infusions/record_pdf.html and ``render_pdf`` turns that HTML into a PDF with WeasyPrint.
WeasyPrint may only read our own files under static/ (``StaticFilesOnly``): the record contains
text typed by people (statements, reasons, addenda), and a PDF renderer that follows URLs would
let such text make the server fetch things.

Nothing is hidden: entries entered in error and corrected times are shown as such. Only rows
labelled as psychotherapy notes are left out (CLINICAL.md §7: they are never part of the medical
record, its exports or PDFs); none exist in this app today, and no other app's notes are read.
"""

from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from holdspace.dosing import engine
from holdspace.dosing.models import DoubleCheck, InfusionOrder, plain
from holdspace.infusions import checkin, lifecycle, record_chart
from holdspace.infusions.models import (
    ENTRY_MODELS,
    AdverseEvent,
    AdverseEventResolution,
    CheckIn,
    Discharge,
    Entry,
    InfusionSession,
    PatientStatement,
    RescueMedication,
    SessionAddendum,
    SupportEvent,
    SupportResponse,
)
from holdspace.infusions.queries import (
    chart_series,
    corrections_for,
    delivered_dose,
    dose_percent,
    effective_time,
)
from holdspace.infusions.timeline import TimelineItem, timeline
from holdspace.patients.models import RecordStatus, Sensitivity

# The only origin the record's HTML may refer to; ".invalid" never resolves (RFC 6761).
BASE_URL = "https://holdspace.invalid/"
STATIC_PREFIX = "/static/"
WITHHELD = Sensitivity.PSYCHOTHERAPY_NOTE
# An entry recorded this long after its clinical time says when it was recorded (project
# choice: a reading typed in within a couple of minutes is ordinary charting, later is not).
LATE_ENTRY = timedelta(minutes=2)
FINAL = RecordStatus.FINAL


class RefusedURL(ValueError):
    """The record tried to load something that is not one of our static files."""


# --- Fetching: our static files and nothing else ---------------------------------------------


def static_file_for(url: str) -> str:
    """The path of the static file ``url`` names, or RefusedURL: only
    https://holdspace.invalid/static/… without a query, no climbing out of static/."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query:
        raise RefusedURL(f"The infusion record may not load {url!r}.")
    path = unquote(parts.path)
    if not path.startswith(STATIC_PREFIX):
        raise RefusedURL(f"The infusion record may not load {url!r}.")
    relative = posixpath.normpath(path.removeprefix(STATIC_PREFIX))
    if relative.startswith(("..", "/")) or "\\" in relative or "\x00" in relative:
        raise RefusedURL(f"The infusion record may not load {url!r}.")
    found = finders.find(relative)
    if not found or isinstance(found, list):
        raise RefusedURL(f"No static file {relative!r} for the infusion record.")
    return str(found)


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves our static files and refuses every other URL
    (http, file, data, other hosts). WeasyPrint logs a refusal and leaves the resource out."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = static_file_for(url)
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        with open(path, "rb") as handle:
            body = handle.read()
        return URLFetcherResponse(url, body, {"Content-Type": mime})


def render_pdf(html: str) -> bytes:
    """The PDF of the record's HTML."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnly())
    return document.write_pdf()


# --- The record's parts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    planned_mg: Decimal
    delivered_mg: Decimal | None
    percent: int | None
    problem: str = ""


def _dose(session: InfusionSession, now: datetime) -> Dose:
    """Planned against delivered, the delivered dose reconstructed by the dose engine from the
    pump events (CLINICAL.md §1), never assumed from the order."""
    planned = engine.round_dose_mg(Decimal(session.order.dose_mg))
    try:
        delivered = delivered_dose(session, now).delivered_mg
    except engine.DosingError as error:
        return Dose(planned, None, None, f"The pump events could not be reconstructed: {error}")
    shown = engine.round_dose_mg(delivered)
    return Dose(planned, shown, dose_percent(delivered, Decimal(session.order.dose_mg)))


def _withheld_ids(session: InfusionSession) -> set[Any]:
    ids: set[Any] = set()
    for model in ENTRY_MODELS.values():
        rows = model.objects.filter(session=session, sensitivity=WITHHELD)
        ids.update(rows.values_list("public_id", flat=True))
    return ids


def _entries(model: type[Entry], session: InfusionSession, *related: str) -> Any:
    return (
        model.objects.filter(session=session)
        .exclude(sensitivity=WITHHELD)
        .select_related("recorded_by", "error_marked_by", *related)
    )


def _timed(rows: Any, corrections: Any) -> list[dict[str, Any]]:
    """Rows with their effective time, oldest first."""
    timed = [{"row": row, "at": effective_time(row, corrections)} for row in rows]
    return sorted(timed, key=lambda item: (item["at"], item["row"].pk))


def _rescues(rows: Any, corrections: Any) -> list[dict[str, Any]]:
    items = _timed(rows, corrections)
    for item in items:
        item["dose"] = plain(item["row"].dose)
    return items


def _adverse_events(session: InfusionSession, corrections: Any) -> list[dict[str, Any]]:
    rescues = RescueMedication.objects.exclude(sensitivity=WITHHELD).select_related(
        "given_by", "ordered_by", "recorded_by"
    )
    resolutions = AdverseEventResolution.objects.exclude(sensitivity=WITHHELD).select_related(
        "recorded_by"
    )
    rows = _entries(AdverseEvent, session).prefetch_related(
        Prefetch("rescues", queryset=rescues), Prefetch("resolutions", queryset=resolutions)
    )
    events = _timed(rows, corrections)
    for event in events:
        event["rescues"] = _rescues(event["row"].rescues.all(), corrections)
        event["resolutions"] = _timed(event["row"].resolutions.all(), corrections)
    return events


def _unlinked_rescues(session: InfusionSession, corrections: Any) -> list[dict[str, Any]]:
    rows = _entries(RescueMedication, session, "given_by", "ordered_by")
    return _rescues(rows.filter(adverse_event__isnull=True), corrections)


def _support_events(session: InfusionSession, corrections: Any) -> list[dict[str, Any]]:
    responses = SupportResponse.objects.exclude(sensitivity=WITHHELD).select_related("recorded_by")
    rows = _entries(SupportEvent, session).prefetch_related(
        Prefetch("responses", queryset=responses)
    )
    events = _timed(rows, corrections)
    for event in events:
        event["responses"] = _timed(event["row"].responses.all(), corrections)
    return events


def _order(order: InfusionOrder, role: str | None) -> dict[str, Any]:
    checks = DoubleCheck.objects.filter(order=order).select_related(
        "checked_by", "resolution__resolved_by"
    )
    # Before the independent double-check has matched, the figures stay hidden from anyone but
    # prescribers, on paper as on screen (an unused order may still be checked later).
    hidden = order.values_hidden_for(role)
    return {
        "order": order,
        "figures_hidden": hidden,
        "figures": {} if hidden else order.shown,
        "double_checks": list(checks),
        "protocol": order.protocol,
        "thresholds": order.protocol.thresholds(),
    }


def _check_in(session: InfusionSession) -> dict[str, Any] | None:
    row = (
        CheckIn.objects.filter(session=session)
        .select_related("checked_in_by", "completed_by", "override_by")
        .first()
    )
    if row is None:
        return None
    overridden = [checkin.CHECKLIST[checkin.CheckinItem(i)].label for i in row.overridden_items]
    missing = [checkin.CHECKLIST[checkin.CheckinItem(i)].label for i in row.missing]
    return {"row": row, "overridden": overridden, "missing": missing}


def _timeline_rows(session: InfusionSession) -> list[dict[str, Any]]:
    """Every timeline item but withheld ones, each flagged when it was recorded late."""
    withheld = _withheld_ids(session)
    return [
        {"item": item, "late": _recorded_late(item)}
        for item in timeline(session)
        if item.id not in withheld
    ]


def _recorded_late(item: TimelineItem) -> bool:
    return item.recorded_at is not None and item.recorded_at - item.at > LATE_ENTRY


def _chart_svg(session: InfusionSession, now: datetime, zone: ZoneInfo) -> str:
    data = record_chart.from_series(chart_series(session, now))
    return record_chart.render_svg(data, zone)


def clinic_zone(session: InfusionSession) -> ZoneInfo:
    return ZoneInfo(session.clinic.time_zone)


def record_context(
    session: InfusionSession,
    *,
    printed_by: Any = None,
    role: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the printed record shows, read now, for a person with ``role``."""
    now = now or timezone.now()
    corrections = corrections_for([session.pk])
    statements = _entries(PatientStatement, session)
    return {
        "session": session,
        "clinic": session.clinic,
        "patient": session.patient,
        "printed_by": printed_by,
        "printed_at": now,
        "terminal": lifecycle.is_terminal(session.lifecycle_state),
        "check_in": _check_in(session),
        "dose": _dose(session, now),
        "chart_svg": _chart_svg(session, now, clinic_zone(session)),
        "timeline": _timeline_rows(session),
        "late_minutes": int(LATE_ENTRY.total_seconds() // 60),
        "adverse_events": _adverse_events(session, corrections),
        "unlinked_rescues": _unlinked_rescues(session, corrections),
        "support_events": _support_events(session, corrections),
        "statements": _timed(statements, corrections),
        "discharge": Discharge.objects.filter(session=session)
        .select_related("discharged_by", "override_by")
        .first(),
        "addenda": SessionAddendum.objects.filter(session=session)
        .exclude(sensitivity=WITHHELD)
        .select_related("written_by"),
        **_order(session.order, role),
    }


def record_html(
    session: InfusionSession, *, printed_by: Any = None, role: str | None = None
) -> str:
    """The record's HTML, times in the clinic's time zone (the PDF is rendered from this)."""
    with timezone.override(clinic_zone(session)):
        context = record_context(session, printed_by=printed_by, role=role)
        return render_to_string("infusions/record_pdf.html", context)
