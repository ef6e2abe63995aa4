"""What an integration session is prefilled from: the infusion as it was captured.

``from_infusion`` reads one infusion (a fixed number of queries) and returns plain JSON, which
the integration note keeps as it was when opened: the intention, the statements tagged for
integration, each support event with the patient's response, adverse events with their
resolution, and the scores of questionnaires given for that infusion. Entries marked entered
in error are left out; corrected times are used.
"""

from __future__ import annotations

from typing import Any

from holdspace.infusions.models import (
    AdverseEvent,
    AdverseEventResolution,
    InfusionSession,
    PatientStatement,
    SupportEvent,
    SupportResponse,
)
from holdspace.infusions.queries import corrections_for, effective_time
from holdspace.measures.models import Administration, AdministrationStatus
from holdspace.patients.models import RecordStatus, Sensitivity
from holdspace.therapy.models import INTEGRATION_FIELDS

FINAL = RecordStatus.FINAL
KINDS = [SupportEvent.KIND, PatientStatement.KIND, AdverseEvent.KIND]


def _intention(infusion: InfusionSession) -> str:
    if infusion.intention_today:
        return infusion.intention_today
    check_in = getattr(infusion, "check_in", None)
    answers = check_in.answers if check_in is not None else {}
    return str(answers.get("intention") or "")


def _statements(infusion: InfusionSession, corrections: Any) -> list[dict[str, str]]:
    rows = PatientStatement.objects.filter(
        session=infusion, status=FINAL, tagged_for_integration=True
    ).exclude(sensitivity=Sensitivity.PSYCHOTHERAPY_NOTE)
    found = [(effective_time(row, corrections), row) for row in rows]
    return [{"at": at.isoformat(), "text": row.text} for at, row in sorted(found, key=_first)]


def _first(pair: tuple[Any, Any]) -> Any:
    return (pair[0], pair[1].pk)


def _support(infusion: InfusionSession, corrections: Any) -> list[dict[str, str]]:
    events = list(SupportEvent.objects.filter(session=infusion, status=FINAL))
    responses = {
        r.support_event_id: r
        for r in SupportResponse.objects.filter(session=infusion, status=FINAL)
    }
    timed = sorted(((effective_time(e, corrections), e) for e in events), key=_first)
    rows = []
    for at, event in timed:
        response = responses.get(event.pk)
        rows.append(
            {
                "at": at.isoformat(),
                "kind": event.get_kind_display(),
                "note": event.note,
                "response": response.get_response_display() if response else "",
            }
        )
    return rows


def _adverse(infusion: InfusionSession, corrections: Any) -> list[dict[str, Any]]:
    events = list(AdverseEvent.objects.filter(session=infusion, status=FINAL))
    resolutions = {
        r.adverse_event_id: r.resolution
        for r in AdverseEventResolution.objects.filter(session=infusion, status=FINAL)
    }
    timed = sorted(((effective_time(e, corrections), e) for e in events), key=_first)
    return [
        {
            "at": at.isoformat(),
            "type": event.get_type_display(),
            "grade": event.severity_grade,
            "description": event.description,
            "resolution": resolutions.get(event.pk, ""),
        }
        for at, event in timed
    ]


def _scores(infusion: InfusionSession) -> list[dict[str, str]]:
    rows = Administration.objects.filter(
        session=infusion, status=AdministrationStatus.COMPLETED
    ).select_related("instrument_version__instrument")
    return [
        {
            "instrument": str(row.instrument_version.instrument),
            "occasion": row.get_occasion_display(),
            "total": "" if row.total is None else f"{row.total.normalize():f}",
            "severity": row.severity,
            "interpretation": row.interpretation,
        }
        for row in rows.order_by("completed_at", "id")
    ]


def from_infusion(infusion: InfusionSession) -> dict[str, Any]:
    """The infusion as the integration session needs it (JSON)."""
    corrections = corrections_for([infusion.pk], KINDS)
    return {
        "infusion": str(infusion.public_id),
        "discharged_at": infusion.discharged_at.isoformat() if infusion.discharged_at else "",
        "style": infusion.get_style_display(),
        "intention": _intention(infusion),
        "statements": _statements(infusion, corrections),
        "support": _support(infusion, corrections),
        "adverse_events": _adverse(infusion, corrections),
        "scores": _scores(infusion),
    }


def initial_note(captured: dict[str, Any]) -> dict[str, str]:
    """The note's first draft: the patient's tagged words as the start of "the experience",
    and the support that settled them as a start of "what helped". Everything else is the
    therapist's to write with the patient."""
    quotes = [f"“{s['text']}”" for s in captured.get("statements", [])]
    settled = [s["kind"] for s in captured.get("support", []) if s.get("response") == "Settled"]
    note = {name: "" for name, _label in INTEGRATION_FIELDS}
    note["experience"] = "\n".join(quotes)
    note["what_helped"] = "\n".join(dict.fromkeys(settled))
    return note
