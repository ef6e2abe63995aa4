"""What a monitor feed's post does: find the chair's monitored infusion and record the reading
through ``infusions.actions.record_vitals`` (validation, alert rules in the same transaction,
audit row, live events after commit, idempotency by ``client_id``).

The chair is always the device's own. Nothing a device sends can name another chair, another
session or another clinic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from holdspace.api.schemas import VitalsIn
from holdspace.clinics.models import Chair, Device
from holdspace.infusions import actions
from holdspace.infusions.models import (
    MONITORED_STATES,
    Alert,
    AlertBreach,
    InfusionSession,
    VitalSigns,
)

NO_SESSION = (
    "No infusion is being monitored in {chair} right now, so this reading was not stored. "
    "Vital signs are accepted once the pump has started, until the patient is discharged."
)

BEFORE_CHECK_IN = (
    "This reading was measured before the patient now in {chair} was checked in, so it cannot "
    "be theirs; it was not stored."
)

# The actions name the clinical time ``occurred_at``; the API calls it ``measured_at``.
_FIELD_NAMES = {"occurred_at": "measured_at"}


class NoMonitoredSession(Exception):
    """The device's chair has no running, paused, ended or recovering infusion."""

    def __init__(self, chair: Chair) -> None:
        super().__init__(NO_SESSION.format(chair=chair.name))


@dataclass(frozen=True)
class Posted:
    row: VitalSigns
    created: bool
    alerts: list[tuple[Alert, bool]]  # (alert, opened by this reading)


def monitored_session(chair: Chair, *, lock: bool = False) -> InfusionSession | None:
    """The chair's infusion that takes vital signs now (at most one: one patient per chair).

    Only the columns the feed needs are read: ``record_vitals`` locks and reads the session
    itself, by id, and this runs on every post."""
    sessions = InfusionSession.objects.filter(chair=chair, state__in=MONITORED_STATES).only(
        "public_id", "clinic_id", "chair_id", "state", "checked_in_at", "created_at"
    )
    if lock:
        sessions = sessions.select_for_update(of=("self",))
    return sessions.first()


def post_vitals(device: Device, reading: VitalsIn, request: HttpRequest) -> Posted:
    """Store ``reading`` in the device's chair's monitored infusion, or return the reading
    stored before under the same ``client_id``.

    Raises ``NoMonitoredSession`` (nothing to write into) and ``ValidationError`` keyed by the
    API's field names (implausible values, a time too far ahead or too old, a reading taken
    before the patient now in the chair was checked in)."""
    try:
        with transaction.atomic():
            # The session row is locked until the reading is stored, so the infusion cannot
            # leave monitoring (discharge, abort) between choosing it and writing into it.
            session = monitored_session(device.chair, lock=True)
            if session is None or _before_this_patient(session, reading):
                stored = _stored_earlier(device, reading)
                if stored is not None:
                    return Posted(stored, created=False, alerts=alerts_of(stored))
                if session is None:
                    raise NoMonitoredSession(device.chair)
                raise ValidationError({"measured_at": BEFORE_CHECK_IN.format(chair=device.chair)})
            row = actions.record_vitals(
                session=session,
                client_id=reading.client_id,
                occurred_at=reading.measured_at,
                device=device,
                request=request,
                **_values(reading),
            )
    except ValidationError as refused:
        raise _in_api_terms(refused) from None
    return Posted(row, created=not row.replayed, alerts=alerts_of(row))


def _before_this_patient(session: InfusionSession, reading: VitalsIn) -> bool:
    """A reading measured before this patient was checked in belongs to whoever sat in the
    chair before (a device's retry that outlived the previous infusion): never this record."""
    began = session.checked_in_at or session.created_at
    return reading.measured_at < began


def _stored_earlier(device: Device, reading: VitalsIn) -> VitalSigns | None:
    """A reading this device stored before under the same client_id in any infusion in its
    chair: a retry that arrives after that infusion ended is still answered with what was
    stored, and stored nowhere else."""
    return (
        VitalSigns.objects.filter(
            session__chair=device.chair, recorded_by_device=device, client_id=reading.client_id
        )
        .select_related("session__chair")
        .order_by("-id")
        .first()
    )


def _values(reading: VitalsIn) -> dict[str, Any]:
    return {
        "systolic": reading.systolic,
        "diastolic": reading.diastolic,
        "heart_rate": reading.heart_rate,
        "spo2": reading.spo2,
        "resp_rate": reading.resp_rate,
        "temperature_c": reading.temperature_c,
    }


def _in_api_terms(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {_FIELD_NAMES.get(field, field): messages for field, messages in error.message_dict.items()}
    )


def alerts_of(row: VitalSigns) -> list[tuple[Alert, bool]]:
    """The alerts ``row`` raised (True) or added a breach to (False), in the order found."""
    breaches = (
        AlertBreach.objects.filter(
            session_id=row.session_id, entry_kind=VitalSigns.KIND, entry_id=row.public_id
        )
        .select_related("alert")
        .order_by("id")
    )
    return [(b.alert, b.alert.raised_by_id == row.public_id) for b in breaches]
