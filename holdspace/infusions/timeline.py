"""The one shared timeline of a session: the nurse's record and the therapist's support in one
time-ordered list, as both of them (and the PDF record) read it.

Every entry appears at its effective time (after time corrections), with its corrections listed
and its first time kept; entries entered in error stay, marked as such (the console strikes
them through). Alerts appear when raised, acknowledged and escalated; the check-in, discharge,
abort, signature and addenda appear as session milestones.

``timeline(session)`` reads everything in a fixed number of queries, however long the session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from holdspace.infusions.models import (
    AdverseEvent,
    AdverseEventResolution,
    Alert,
    CheckIn,
    Discharge,
    Entry,
    InfusionSession,
    PatientState,
    PatientStatement,
    PumpEvent,
    RescueMedication,
    SessionAddendum,
    SupportEvent,
    SupportResponse,
    VitalSigns,
)
from holdspace.infusions.queries import Corrections, corrections_for, effective_time
from holdspace.patients.models import RecordStatus


@dataclass(frozen=True)
class Correction:
    old_time: datetime
    new_time: datetime
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class TimelineItem:
    """One line of the timeline.

    ``kind`` is an entry kind (``pump``, ``vitals``, ``state``, ``support``,
    ``support_response``, ``statement``, ``adverse_event``, ``adverse_event_resolution``,
    ``rescue_medication``) or a milestone (``check_in``, ``alert``, ``alert_acknowledged``,
    ``alert_escalated``, ``discharge``, ``abort``, ``signed``, ``addendum``). ``id`` is the public
    id of the row it comes from. ``values`` holds the figures a screen shows.
    """

    kind: str
    id: uuid.UUID
    at: datetime
    summary: str
    by: str = ""
    recorded_at: datetime | None = None
    status: str = RecordStatus.FINAL
    error_reason: str = ""
    original_at: datetime | None = None
    corrections: tuple[Correction, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    audience: str = ""

    @property
    def entered_in_error(self) -> bool:
        return self.status == RecordStatus.ENTERED_IN_ERROR

    @property
    def time_corrected(self) -> bool:
        return bool(self.corrections)


def _name(user: Any) -> str:
    return user.full_name if user is not None else ""


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value).normalize():f}"


def _entry_item(
    entry: Entry, corrections: Corrections, summary: str, values: dict[str, Any]
) -> TimelineItem:
    history = corrections.get((entry.KIND, entry.public_id), [])
    device = getattr(entry, "recorded_by_device", None)
    by = _name(entry.recorded_by) or (device.name if device is not None else "")
    return TimelineItem(
        kind=entry.KIND,
        id=entry.public_id,
        at=effective_time(entry, corrections),
        summary=summary,
        by=by,
        recorded_at=entry.recorded_at,
        status=entry.status,
        error_reason=entry.error_reason,
        original_at=entry.occurred_at if history else None,
        corrections=tuple(
            Correction(c.old_time, c.new_time, c.reason, _name(c.corrected_by), c.corrected_at)
            for c in history
        ),
        values=values,
    )


# --- One function per kind of row, each turning a row into words --------------------------


def _pump(row: PumpEvent) -> tuple[str, dict[str, Any]]:
    text = row.get_action_display()
    if row.rate_ml_h is not None:
        text += f" at {_plain(row.rate_ml_h)} mL/h"
    if row.reason:
        text += f": {row.reason}"
    return text, {"action": row.action, "rate_ml_h": _plain(row.rate_ml_h) or None}


_VITAL_WORDS = (
    ("heart_rate", "HR {} /min"),
    ("spo2", "SpO₂ {} %"),
    ("resp_rate", "RR {} /min"),
    ("temperature_c", "T {} °C"),
)


def _vitals(row: VitalSigns) -> tuple[str, dict[str, Any]]:
    parts = []
    if row.systolic is not None or row.diastolic is not None:
        parts.append(f"BP {row.systolic or '?'}/{row.diastolic or '?'}")
    for name, pattern in _VITAL_WORDS:
        value = getattr(row, name)
        if value is not None:
            parts.append(pattern.format(_plain(value) if name == "temperature_c" else value))
    if row.sedation_scale:
        parts.append(f"{row.get_sedation_scale_display()} {row.sedation_value}")
    values = {
        name: getattr(row, name)
        for name in ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate")
    }
    values |= {"temperature_c": _plain(row.temperature_c) or None, "phase": row.phase}
    return f"Vitals ({row.get_phase_display().lower()}): {', '.join(parts)}", values


def _state(row: PatientState) -> tuple[str, dict[str, Any]]:
    ratings = {"anxiety": row.anxiety, "dissociation": row.dissociation, "nausea": row.nausea}
    words = [f"{name} {value}/10" for name, value in ratings.items() if value is not None]
    return "Patient state: " + ", ".join(words), ratings


def _support(row: SupportEvent) -> tuple[str, dict[str, Any]]:
    text = f"Support: {row.get_kind_display().lower()}"
    return (text + (f" ({row.note})" if row.note else "")), {"support_kind": row.kind}


def _response(row: SupportResponse) -> tuple[str, dict[str, Any]]:
    event = row.support_event
    text = f"Response to {event.get_kind_display().lower()}: {row.get_response_display().lower()}"
    return text, {"response": row.response, "support_event": str(event.public_id)}


def _statement(row: PatientStatement) -> tuple[str, dict[str, Any]]:
    tag = " (for integration)" if row.tagged_for_integration else ""
    return f"“{row.text}”{tag}", {"tagged": row.tagged_for_integration}


def _adverse(row: AdverseEvent) -> tuple[str, dict[str, Any]]:
    text = f"Adverse event: {row.get_type_display()}, grade {row.severity_grade}"
    if row.actions_taken:
        text += f"; infusion {', '.join(row.actions_taken)}"
    if row.description:
        text += f". {row.description}"
    return text, {"type": row.type, "grade": row.severity_grade, "actions": row.actions_taken}


def _resolution(row: AdverseEventResolution) -> tuple[str, dict[str, Any]]:
    text = f"Resolved: {row.adverse_event.get_type_display()}. {row.resolution}"
    return text, {"adverse_event": str(row.adverse_event.public_id)}


def _rescue(row: RescueMedication) -> tuple[str, dict[str, Any]]:
    text = (
        f"Rescue medication: {row.drug} {_plain(row.dose)} {row.get_unit_display()} "
        f"{row.get_route_display()}, given by {_name(row.given_by)}, ordered by "
        f"{_name(row.ordered_by)}"
    )
    values = {"drug": row.drug, "dose": _plain(row.dose), "unit": row.unit, "route": row.route}
    return text, values


_ENTRY_READERS: list[tuple[type[Entry], tuple[str, ...], Any]] = [
    (PumpEvent, (), _pump),
    (VitalSigns, ("recorded_by_device",), _vitals),
    (PatientState, (), _state),
    (SupportEvent, (), _support),
    (SupportResponse, ("support_event",), _response),
    (PatientStatement, (), _statement),
    (AdverseEvent, (), _adverse),
    (AdverseEventResolution, ("adverse_event",), _resolution),
    (RescueMedication, ("given_by", "ordered_by"), _rescue),
]


def _alert_items(session: InfusionSession) -> list[TimelineItem]:
    items = []
    rows = Alert.objects.filter(session=session).select_related("acknowledged_by")
    for alert in rows:
        base = {"alert": str(alert.public_id), "tier": alert.tier, "rule": alert.rule}
        items.append(
            TimelineItem(
                "alert",
                alert.public_id,
                alert.raised_at,
                f"Alert ({alert.get_tier_display().lower()}): {alert.message}",
                values=base,
                audience=alert.audience,
            )
        )
        if alert.acknowledged_at is not None:
            items.append(
                TimelineItem(
                    "alert_acknowledged",
                    alert.public_id,
                    alert.acknowledged_at,
                    f"Alert acknowledged: {alert.action_taken}",
                    by=_name(alert.acknowledged_by),
                    values=base,
                    audience=alert.audience,
                )
            )
        if alert.escalated_at is not None:
            items.append(
                TimelineItem(
                    "alert_escalated",
                    alert.public_id,
                    alert.escalated_at,
                    "Alert escalated to the prescriber: not acknowledged in time",
                    values=base,
                    audience=alert.audience,
                )
            )
    return items


def _milestones(session: InfusionSession) -> list[TimelineItem]:
    items = []
    check_in = CheckIn.objects.filter(session=session).select_related("checked_in_by").first()
    if check_in is not None:
        items.append(
            TimelineItem(
                "check_in",
                check_in.public_id,
                check_in.checked_in_at,
                "Checked in",
                by=_name(check_in.checked_in_by),
            )
        )
    row = Discharge.objects.filter(session=session).select_related("discharged_by").first()
    if row is not None:
        flag = f"; prescriber's override: {row.override_reason}" if row.override_reason else ""
        items.append(
            TimelineItem(
                "discharge",
                row.public_id,
                row.discharged_at,
                f"Discharged ({row.get_scale_display()} {row.total}/{row.maximum}){flag}",
                by=_name(row.discharged_by),
                values={"total": row.total, "maximum": row.maximum},
            )
        )
    if session.aborted_at is not None:
        items.append(
            TimelineItem(
                "abort", session.public_id, session.aborted_at, f"Aborted: {session.abort_reason}"
            )
        )
    if session.signed_at is not None:
        items.append(
            TimelineItem(
                "signed",
                session.public_id,
                session.signed_at,
                "Record signed",
                by=_name(session.signed_by),
            )
        )
    for addendum in SessionAddendum.objects.filter(session=session).select_related("written_by"):
        items.append(
            TimelineItem(
                "addendum",
                addendum.public_id,
                addendum.written_at,
                f"Addendum: {addendum.text}",
                by=_name(addendum.written_by),
            )
        )
    return items


def timeline(session: InfusionSession) -> list[TimelineItem]:
    """Every entry and milestone of the session, oldest first. Fifteen queries at most,
    whatever the number of entries."""
    corrections = corrections_for([session.pk])
    items: list[TimelineItem] = []
    for model, related, reader in _ENTRY_READERS:
        rows = model.objects.filter(session=session).select_related("recorded_by", *related)
        for row in rows:
            summary, values = reader(row)
            items.append(_entry_item(row, corrections, summary, values))
    items += _alert_items(session)
    items += _milestones(session)
    # At one instant an entry comes before what it caused (an alert, its acknowledgement).
    return sorted(items, key=lambda item: (item.at, item.recorded_at is None, item.recorded_at))
