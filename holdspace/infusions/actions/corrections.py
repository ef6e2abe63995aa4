"""Correcting the record: a time correction with a reason, or entered in error. Nothing is
ever deleted or silently rewritten."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.clinics.models import Role
from holdspace.dosing import engine
from holdspace.infusions import lifecycle
from holdspace.infusions.actions.common import (
    CARE_TEAM,
    CLINICIANS,
    OWN_ENTRIES_ONLY,
    _audit,
    _begin,
    _clinical_time,
    _publish,
    _publish_board,
    _refuse_if_signed,
    _summary_of,
    _text,
    _uuid,
)
from holdspace.infusions.models import (
    Entry,
    InfusionSession,
    PumpEvent,
    TimeCorrection,
)
from holdspace.infusions.queries import (
    TimedPumpEvent,
    corrections_for,
    effective_time,
    engine_events,
    order_pump_events,
    pump_history,
)
from holdspace.patients.models import RecordStatus

if TYPE_CHECKING:
    from holdspace.accounts.models import User

# --- Corrections -----------------------------------------------------------------------------


def _require_corrector(actor: User, role: str, entry: Entry) -> None:
    if role == Role.THERAPIST and entry.recorded_by_id != actor.pk:
        raise PermissionDenied(OWN_ENTRIES_ONLY)


def _expected_pump_state(session: InfusionSession) -> set[engine.PumpState]:
    match session.lifecycle_state:
        case lifecycle.SessionState.SCHEDULED | lifecycle.SessionState.CHECKED_IN:
            return {engine.PumpState.NOT_STARTED}
        case lifecycle.SessionState.RUNNING:
            return {engine.PumpState.RUNNING}
        case lifecycle.SessionState.PAUSED:
            return {engine.PumpState.PAUSED}
        case lifecycle.SessionState.ABORTED:
            return {engine.PumpState.NOT_STARTED, engine.PumpState.STOPPED}
        case _:
            return {engine.PumpState.STOPPED}


def _check_pump_record(session: InfusionSession, history: Sequence[TimedPumpEvent]) -> None:
    """Refuse a changed pump record that the dose engine cannot accept or that no longer
    matches the state the session is in."""
    ordered = sorted(history, key=lambda e: (e.at, e.row.recorded_at, e.row.pk))
    try:
        result = engine.reconstruct(
            engine_events(ordered), Decimal(session.order.concentration_mg_ml)
        )
    except engine.DosingError as error:
        raise ValidationError(f"The pump record would not make sense: {error}.") from error
    if result.state not in _expected_pump_state(session):
        raise ValidationError(
            "This pump event decides what the pump is doing now; record a new pump action "
            "instead of changing it."
        )


@transaction.atomic
def correct_entry_time(
    *,
    actor: User,
    entry: Entry,
    new_time: datetime,
    reason: str,
    client_id: uuid.UUID | str,
    request: HttpRequest | None = None,
) -> TimeCorrection:
    """Correct the clinical time of an entry, with a reason. The entry keeps its first time;
    the correction is its own append-only row and the timeline shows both."""
    current, role = _begin(actor, entry.session, CARE_TEAM, CLINICIANS, request)
    client = _uuid(client_id)
    stored = TimeCorrection.objects.filter(session=current, client_id=client).first()
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    fresh = type(entry).objects.get(pk=entry.pk)
    _require_corrector(actor, role, fresh)
    if not fresh.is_final:
        raise ValidationError("This entry was marked entered in error; its time stays as it was.")
    words = _text(reason)
    if not words:
        raise ValidationError({"reason": "Give the reason for correcting the time."})
    now = timezone.now()
    when = _clinical_time(new_time, now, field="new_time")
    corrections = corrections_for([current.pk])
    old = effective_time(fresh, corrections)
    if when == old:
        raise ValidationError({"new_time": "This is already the entry's time."})
    if isinstance(fresh, PumpEvent):
        history = [
            TimedPumpEvent(when if e.row.pk == fresh.pk else e.at, e.row)
            for e in order_pump_events(PumpEvent.objects.filter(session=current), corrections)
        ]
        _check_pump_record(current, history)
    row = TimeCorrection.objects.create(
        session=current,
        client_id=client,
        entry_kind=fresh.KIND,
        entry_id=fresh.public_id,
        old_time=old,
        new_time=when,
        reason=words,
        corrected_by=actor,
        corrected_at=now,
    )
    _audit(Action.UPDATE, "infusion_entry", current, fresh, "Entry time corrected", actor, request)
    _publish(
        current,
        "entry.time_corrected",
        kind=fresh.KIND,
        id=str(fresh.public_id),
        at=when.isoformat(),
    )
    _publish_board(current)
    return row


@transaction.atomic
def mark_entry_entered_in_error(
    *,
    actor: User,
    entry: Entry,
    reason: str,
    request: HttpRequest | None = None,
) -> Entry:
    """Mark an entry entered in error, with a reason. The row stays (struck through on the
    timeline) and no longer counts for the chart, the dose or the checks. Marking it again
    changes nothing. Alerts it raised stay until acknowledged."""
    current, role = _begin(actor, entry.session, CARE_TEAM, CLINICIANS, request)
    fresh = type(entry).objects.get(pk=entry.pk)
    fresh.session = current
    _require_corrector(actor, role, fresh)
    if not fresh.is_final:
        return fresh
    _refuse_if_signed(current)
    words = _text(reason)
    if not words:
        raise ValidationError({"reason": "Give the reason this entry is in error."})
    if isinstance(fresh, PumpEvent):
        remaining = [e for e in pump_history(current) if e.row.pk != fresh.pk]
        _check_pump_record(current, remaining)
    now = timezone.now()
    type(fresh).objects.filter(pk=fresh.pk, status=RecordStatus.FINAL).update(
        status=RecordStatus.ENTERED_IN_ERROR,
        error_reason=words[:300],
        error_marked_by=actor,
        error_marked_at=now,
    )
    fresh.refresh_from_db()
    fresh.session = current
    _audit(
        Action.ENTERED_IN_ERROR,
        "infusion_entry",
        current,
        fresh,
        f"{_summary_of(fresh)} marked entered in error",
        actor,
        request,
    )
    _publish(current, "entry.entered_in_error", kind=fresh.KIND, id=str(fresh.public_id))
    _publish_board(current)
    return fresh
