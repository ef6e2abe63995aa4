"""What a monitor feed's post does: record the reading in the chair's monitored infusion through
``infusions.actions.entries.record_device_vitals`` (``record_vitals`` for a device: validation,
alert rules in the same transaction, audit row, live events after commit, idempotency by
``client_id``).

The chair is always the device's own. Nothing a device sends can name another chair, another
session or another clinic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from holdspace.api.schemas import VitalsIn
from holdspace.clinics.models import Chair, Device
from holdspace.infusions.actions.entries import NoMonitoredInfusion, record_device_vitals
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


def monitored_session(chair: Chair) -> InfusionSession | None:
    """The chair's infusion that takes vital signs now (at most one: one patient per chair),
    for the ``/chair`` endpoint: only the columns it shows. (A post does not need it:
    ``record_device_vitals`` finds and locks that infusion itself.)"""
    sessions = InfusionSession.objects.filter(chair=chair, state__in=MONITORED_STATES).only(
        "public_id", "clinic_id", "chair_id", "state"
    )
    return sessions.first()


def post_vitals(device: Device, reading: VitalsIn, request: HttpRequest) -> Posted:
    """Store ``reading`` in the device's chair's monitored infusion, or return the reading
    stored before under the same ``client_id``.

    Raises ``NoMonitoredSession`` (nothing to write into) and ``ValidationError`` keyed by the
    API's field names (implausible values, a time too far ahead or too old, a reading taken
    before the patient now in the chair was checked in). The action finds and locks the
    chair's infusion itself, in one query, so it cannot leave monitoring (discharge, abort)
    between being chosen and being written into."""
    try:
        row = record_device_vitals(
            device=device,
            client_id=reading.client_id,
            occurred_at=reading.measured_at,
            request=request,
            **_values(reading),
        )
    except (NoMonitoredInfusion, ValidationError) as refused:
        # A retry of a reading stored before, perhaps in the infusion that has since left
        # the chair, is answered with what was stored, and stored nowhere else.
        stored = _stored_earlier(device, reading)
        if stored is not None:
            return Posted(stored, created=False, alerts=alerts_of(stored))
        if isinstance(refused, NoMonitoredInfusion):
            raise NoMonitoredSession(device.chair) from None
        raise _in_api_terms(refused) from None
    if row.replayed:
        return Posted(row, created=False, alerts=alerts_of(row))
    # A new reading comes back with the alerts it raised or extended: no need to read them.
    return Posted(row, created=True, alerts=row.alert_links)


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
