"""The pump: starting it through the check-in checklist, rate changes, pauses, resumes and
stops, each checked by the lifecycle, the dose engine and the caps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.dosing import engine
from holdspace.infusions import checkin, lifecycle
from holdspace.infusions.actions.common import (
    NURSING,
    PROJECTED_DOSE_TOLERANCE,
    PUMP_RUNNERS,
    _audit,
    _begin,
    _check_version,
    _clinical_time,
    _enqueue,
    _entry_fields,
    _insert,
    _publish_board,
    _record_entry,
    _refuse_if_signed,
    _save_session,
    _stored,
    _text,
    _thresholds,
    _transition_error,
    _uuid,
)
from holdspace.infusions.models import (
    CheckIn,
    InfusionSession,
    PumpAction,
    PumpEvent,
    SessionState,
)
from holdspace.infusions.queries import (
    TimedPumpEvent,
    engine_events,
    pump_clock,
    pump_history,
    verified_flags,
)

if TYPE_CHECKING:
    from holdspace.accounts.models import User

# --- The pump --------------------------------------------------------------------------------


def _show(value: Decimal, rounder: Any) -> str:
    return f"{rounder(value).normalize():f}"


def _shown_above(value: Decimal, limit: Decimal) -> tuple[str, str]:
    """``value`` and ``limit`` to two decimals, or more until they differ visibly, so that a
    refusal never reads "0.50 is above the cap of 0.50"."""
    places = 2
    while places < 8 and value.quantize(Decimal(1).scaleb(-places)) <= limit.quantize(
        Decimal(1).scaleb(-places)
    ):
        places += 1
    step = Decimal(1).scaleb(-places)
    return f"{value.quantize(step)}", f"{limit.quantize(step)}"


@dataclass(frozen=True)
class _Envelope:
    """What the order approved, as the pump gives it.

    A cap is the protocol's, except where the order itself went above it: either through a
    prescriber's override on the order (approved with a reason), or by the house rounding of
    the pump rate to 0.1 mL/h (an order placed exactly at a cap may be programmed a hair above
    it). The order as programmed is approved; nothing beyond it is."""

    rate_cap: Decimal | None
    hourly_cap: Decimal | None
    per_kg_cap: Decimal | None
    total_cap: Decimal | None


def _envelope(session: InfusionSession) -> _Envelope:
    order = session.order
    protocol = order.protocol
    concentration = Decimal(order.concentration_mg_ml)
    weight = Decimal(order.dosing_weight_kg)
    programmed = max(Decimal(order.rate_ml_h), engine.round_rate_ml_h(Decimal(order.rate_ml_h)))
    planned_hours = Decimal(order.duration_minutes) / 60
    approved_mg = max(Decimal(order.dose_mg), programmed * concentration * planned_hours)

    def cap(protocol_cap: Any, approved: Decimal) -> Decimal | None:
        return None if protocol_cap is None else max(Decimal(protocol_cap), approved)

    return _Envelope(
        rate_cap=cap(protocol.cap_rate_ml_h, programmed),
        hourly_cap=cap(protocol.cap_mg_per_kg_per_hour, programmed * concentration / weight),
        per_kg_cap=cap(protocol.cap_mg_per_kg, approved_mg / weight),
        total_cap=cap(protocol.cap_total_mg, approved_mg),
    )


def _rate_refusals(
    session: InfusionSession,
    before: Sequence[engine.PumpEvent],
    at: datetime,
    rate: Decimal,
) -> list[str]:
    """Why running the pump at ``rate`` from ``at`` breaks a cap, in words (empty if it does
    not). ``before`` are the pump events up to ``at``.

    Three checks: the protocol's mL/h cap, its mg/kg/h cap, and the projected total dose by the
    planned end (delivered so far + this rate for the planned running time left) against the
    ordered dose (with PROJECTED_DOSE_TOLERANCE) and the protocol's mg/kg and total mg caps.
    Caps are read through ``_Envelope``."""
    order = session.order
    concentration = Decimal(order.concentration_mg_ml)
    weight = Decimal(order.dosing_weight_kg)
    limits = _envelope(session)
    at_rate = f"At {_show(rate, engine.round_rate_ml_h)} mL/h"
    refusals = []
    if limits.rate_cap is not None and rate > limits.rate_cap:
        refusals.append(
            f"Rate {_show(rate, engine.round_rate_ml_h)} mL/h exceeds the protocol cap of "
            f"{_show(limits.rate_cap, engine.round_rate_ml_h)} mL/h"
        )
    per_kg_hour = rate * concentration / weight
    if limits.hourly_cap is not None and per_kg_hour > limits.hourly_cap:
        value, cap = _shown_above(per_kg_hour, limits.hourly_cap)
        refusals.append(
            f"{at_rate} the dose rate is {value} mg/kg/h, above the protocol cap of {cap} mg/kg/h"
        )
    delivered = engine.delivered_at(before, concentration, at).delivered_mg
    planned = timedelta(minutes=float(order.duration_minutes))
    left = max(planned - pump_clock(before, at).running, timedelta(0))
    projected = delivered + rate * concentration * Decimal(left.total_seconds()) / 3600
    return refusals + _projection_refusals(session, limits, at_rate, projected)


def _projection_refusals(
    session: InfusionSession, limits: _Envelope, at_rate: str, projected: Decimal
) -> list[str]:
    ordered_mg = Decimal(session.order.dose_mg)
    weight = Decimal(session.order.dosing_weight_kg)
    shown = _show(projected, engine.round_dose_mg)
    refusals = []
    if projected > ordered_mg * (1 + PROJECTED_DOSE_TOLERANCE):
        refusals.append(
            f"{at_rate} about {shown} mg would be given by the planned end, more than the "
            f"ordered {_show(ordered_mg, engine.round_dose_mg)} mg "
            f"(+{int(PROJECTED_DOSE_TOLERANCE * 100)} % allowed)"
        )
    if limits.per_kg_cap is not None and projected / weight > limits.per_kg_cap:
        value, cap = _shown_above(projected / weight, limits.per_kg_cap)
        refusals.append(
            f"{at_rate} about {value} mg/kg would be given, above the protocol cap of {cap} mg/kg"
        )
    if limits.total_cap is not None and projected > limits.total_cap:
        refusals.append(
            f"{at_rate} about {shown} mg would be given, above the protocol cap of "
            f"{_show(limits.total_cap, engine.round_dose_mg)} mg"
        )
    return refusals


def _check_rate(rate: Any, required: bool) -> Decimal | None:
    if rate is None or rate == "":
        if required:
            raise ValidationError({"rate_ml_h": "Enter the rate in mL/h."})
        return None
    if isinstance(rate, float | bool):
        raise ValidationError({"rate_ml_h": "The rate must be an exact decimal number."})
    try:
        value = Decimal(rate)
    except ArithmeticError:
        raise ValidationError({"rate_ml_h": "The rate must be a number."}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({"rate_ml_h": "The rate must be above 0 mL/h (use pause)."})
    if value != value.quantize(Decimal("0.001")):
        raise ValidationError({"rate_ml_h": "Enter the rate to at most 3 decimal places."})
    return value


def _validated_pump_event(
    session: InfusionSession,
    history: Sequence[TimedPumpEvent],
    action: engine.PumpAction,
    at: datetime,
    rate: Decimal | None,
) -> None:
    """Refuse a pump event the dose engine cannot accept after ``history``, or whose running
    rate breaks a cap (ValidationError with every reason)."""
    before = engine_events(history)
    new = engine.PumpEvent(at, action, rate)
    concentration = Decimal(session.order.concentration_mg_ml)
    try:
        after = engine.reconstruct([*before, new], concentration)
    except engine.DosingError as error:
        raise ValidationError(str(error)) from error
    if action in (engine.PumpAction.START, engine.PumpAction.RATE, engine.PumpAction.RESUME):
        running_rate = after.rate_ml_h
        assert running_rate is not None
        refusals = _rate_refusals(session, before, at, running_rate)
        if refusals:
            raise ValidationError({"rate_ml_h": [f"Refused: {reason}." for reason in refusals]})


def _pump_payload(event: PumpEvent) -> dict[str, Any]:
    rate = None if event.rate_ml_h is None else str(Decimal(event.rate_ml_h).normalize())
    return {"action": event.action, "rate_ml_h": rate}


def _pump_words(action: str) -> str:
    return PumpAction(action).label.lower()


@transaction.atomic
def start_infusion(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    rate_ml_h: Decimal | None = None,
    occurred_at: datetime | None = None,
    override_reason: str = "",
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> PumpEvent:
    """Start the pump (checked in → running) at ``rate_ml_h`` (default: the order's rate rounded
    to 0.1 mL/h for pump programming).

    Refused unless the check-in checklist allows it (``checkin.can_start``); the refusal lists
    what is missing and, when the order is not ready, why. A prescriber may override the items
    that allow it with a reason, which is recorded on the check-in; identity, screening and
    consent and the order's double-check cannot be overridden."""
    current, role = _begin(actor, session, NURSING, PUMP_RUNNERS, request)
    client = _uuid(client_id)
    stored = _stored(PumpEvent, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    _check_version(current, expected_version)
    try:
        lifecycle.state_after_pump_action(current.lifecycle_state, engine.PumpAction.START)
    except lifecycle.TransitionError as error:
        raise _transition_error(error) from error
    row = CheckIn.objects.get(session=current)
    verified = verified_flags(current, _thresholds(current))
    result = checkin.evaluate_checklist(row.checkin_answers(), verified)
    reason = _text(override_reason)
    decision = checkin.can_start(result, checkin.Override(role, reason) if reason else None)
    if not decision.allowed:
        blockers = current.order.start_blockers()
        extra = f" Order: {' '.join(blockers)}" if blockers else ""
        raise ValidationError(decision.message + extra)
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    rate = _check_rate(rate_ml_h, required=False) or engine.round_rate_ml_h(
        Decimal(current.order.rate_ml_h)
    )
    _validated_pump_event(current, pump_history(current), engine.PumpAction.START, at, rate)
    event = _insert(
        PumpEvent(
            action=PumpAction.START,
            rate_ml_h=rate,
            reason=f"Prescriber's override of the check-in checklist: {reason}"
            if decision.overridden
            else "",
            **_entry_fields(current, client, at, actor, now),
        )
    )
    CheckIn.objects.filter(pk=row.pk).update(
        verified={str(item): flag for item, flag in verified.items()},
        missing=[str(status.item) for status in result.missing],
        completed_at=now,
        completed_by=actor,
        override_by=actor if decision.overridden else None,
        override_reason=reason if decision.overridden else "",
        overridden_items=[str(item) for item in decision.overridden],
    )
    _save_session(current, state=SessionState.RUNNING, started_at=at)
    if decision.overridden:
        _audit(
            Action.UPDATE,
            "infusion_session",
            current,
            row,
            "Check-in checklist overridden by a prescriber",
            actor,
            request,
        )
    _audit(Action.UPDATE, "infusion_session", current, current, "Pump started", actor, request)
    _record_entry(event, actor, request, _pump_payload(event) | {"version": current.version})
    _publish_board(current)
    thresholds = _thresholds(current)
    _enqueue("check_vitals_overdue", at + thresholds.vitals_interval, str(current.public_id))
    planned = timedelta(minutes=float(current.order.duration_minutes))
    _enqueue("check_past_planned_end", at + planned + timedelta(seconds=1), str(current.public_id))
    return event


@transaction.atomic
def pump_action(
    *,
    actor: User,
    session: InfusionSession,
    action: str,
    client_id: uuid.UUID | str,
    rate_ml_h: Decimal | None = None,
    reason: str = "",
    occurred_at: datetime | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> PumpEvent:
    """Change the rate, pause, resume (optionally at a new rate) or stop the pump, with an
    optional reason. Refused when the session's state does not allow it, when the resulting pump
    record is one the dose engine cannot accept, or when the running rate would break a cap
    (see ``_rate_refusals``). Stopping ends the infusion (→ infusion ended)."""
    if action == PumpAction.START:
        raise ValidationError(
            {"action": "Use “Start infusion”: the check-in checklist is checked first."}
        )
    if action not in PumpAction.values:
        raise ValidationError({"action": "Choose rate change, pause, resume or stop."})
    engine_action = engine.PumpAction(action)
    current, _role = _begin(actor, session, NURSING, PUMP_RUNNERS, request)
    client = _uuid(client_id)
    stored = _stored(PumpEvent, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    _check_version(current, expected_version)
    try:
        target = lifecycle.state_after_pump_action(current.lifecycle_state, engine_action)
    except lifecycle.TransitionError as error:
        raise _transition_error(error) from error
    rate = _check_rate(rate_ml_h, required=engine_action is engine.PumpAction.RATE)
    if rate is not None and engine_action not in (engine.PumpAction.RATE, engine.PumpAction.RESUME):
        raise ValidationError({"rate_ml_h": f"A {_pump_words(action)} has no rate."})
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    _validated_pump_event(current, pump_history(current), engine_action, at, rate)
    event = _insert(
        PumpEvent(
            action=action,
            rate_ml_h=rate,
            reason=_text(reason),
            **_entry_fields(current, client, at, actor, now),
        )
    )
    fields: dict[str, Any] = {}
    if target.value != current.state:
        fields["state"] = target.value
    if engine_action is engine.PumpAction.STOP:
        fields["ended_at"] = at
    if fields:
        _save_session(current, **fields)
    _record_entry(event, actor, request, _pump_payload(event) | {"version": current.version})
    _publish_board(current)
    if engine_action is engine.PumpAction.RESUME:
        _enqueue_past_end_check(current, at)
    return event


def _enqueue_past_end_check(session: InfusionSession, at: datetime) -> None:
    clock = pump_clock(engine_events(pump_history(session)), at)
    planned = timedelta(minutes=float(session.order.duration_minutes))
    left = max(planned - clock.running, timedelta(0))
    _enqueue("check_past_planned_end", at + left + timedelta(seconds=1), str(session.public_id))


def end_infusion(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    reason: str = "",
    occurred_at: datetime | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> PumpEvent:
    """Stop the pump: the infusion has ended (running or paused → infusion ended)."""
    return pump_action(
        actor=actor,
        session=session,
        action=PumpAction.STOP,
        client_id=client_id,
        reason=reason,
        occurred_at=occurred_at,
        expected_version=expected_version,
        request=request,
    )
