"""The monitor feed's endpoints. Each is fetch-the-device's-chair → act → respond; the chair
comes from the token (``request.auth``), never from the request."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from holdspace.api import feed
from holdspace.api.schemas import (
    AlertOut,
    ChairRef,
    ChairStatus,
    Problem,
    SessionRef,
    VitalsIn,
    VitalsOut,
)
from holdspace.clinics.models import Device
from holdspace.infusions.models import Alert, VitalSigns

router = Router(tags=["monitor feed"])


@router.post(
    "/vitals",
    response={
        201: VitalsOut,
        200: VitalsOut,
        401: Problem,
        403: Problem,
        409: Problem,
        422: Problem,
    },
    operation_id="post_vitals",
    summary="Post one set of vital signs for this device's chair",
)
def post_vitals(request: HttpRequest, reading: VitalsIn) -> Status:
    """Stores the reading in the infusion being monitored in the device's chair (running,
    paused, ended or recovering), evaluates the protocol's alert rules in the same transaction
    and audits it as the device.

    201: stored now. 200: this `client_id` was stored before; the stored reading is returned
    and nothing changes. 409: no infusion is being monitored in the chair. 422: a value is
    outside the plausible range, the time is more than 5 minutes ahead or more than a day old,
    or a field is malformed (`errors` names it)."""
    device: Device = request.auth  # type: ignore[attr-defined]
    posted = feed.post_vitals(device, reading, request)
    return Status(201 if posted.created else 200, _vitals_out(posted))


@router.get(
    "/chair",
    response={200: ChairStatus, 401: Problem},
    operation_id="get_chair",
    summary="This device's chair and whether it accepts vital signs now",
)
def chair(request: HttpRequest) -> ChairStatus:
    """The chair the token is bound to and the infusion being monitored there, if any. No
    patient is named: the device needs to know only whether to post."""
    device: Device = request.auth  # type: ignore[attr-defined]
    session = feed.monitored_session(device.chair)
    return ChairStatus(
        device=device.name,
        clinic=device.clinic.name,
        chair=ChairRef(id=device.chair.public_id, name=device.chair.name),
        accepting_vitals=session is not None,
        session=None if session is None else SessionRef(id=session.public_id, state=session.state),
    )


def _vitals_out(posted: feed.Posted) -> VitalsOut:
    row: VitalSigns = posted.row
    chair = row.session.chair
    return VitalsOut(
        id=row.public_id,
        client_id=row.client_id,
        session=row.session.public_id,
        chair=ChairRef(id=chair.public_id, name=chair.name),
        measured_at=row.occurred_at,
        recorded_at=row.recorded_at,
        phase=row.phase,
        systolic=row.systolic,
        diastolic=row.diastolic,
        heart_rate=row.heart_rate,
        spo2=row.spo2,
        resp_rate=row.resp_rate,
        temperature_c=None if row.temperature_c is None else float(row.temperature_c),
        replayed=not posted.created,
        alerts=[_alert_out(alert, new) for alert, new in posted.alerts],
    )


def _alert_out(alert: Alert, new: bool) -> AlertOut:
    return AlertOut(
        id=alert.public_id,
        rule=alert.rule,
        tier=alert.tier,
        audience=alert.audience,
        message=alert.message,
        new=new,
    )
