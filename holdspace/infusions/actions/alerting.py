"""Acknowledging alerts, and the background checks that raise or escalate them (called by
tasks.py; ``now`` is for tests)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.clinics.models import Role
from holdspace.infusions import alerts
from holdspace.infusions.actions.common import (
    CARE_TEAM,
    CLINICIANS,
    THERAPIST_ACK,
    _audit,
    _begin,
    _enqueue,
    _enqueue_once,
    _lock,
    _publish,
    _publish_board,
    _raise,
    _refuse_if_signed,
    _text,
    _thresholds,
)
from holdspace.infusions.models import (
    MONITORED_STATES,
    Alert,
    AlertAudience,
    AlertRule,
    InfusionSession,
    SessionState,
)
from holdspace.infusions.queries import (
    engine_events,
    last_blood_pressure_at,
    pump_clock,
    pump_history,
)

if TYPE_CHECKING:
    from holdspace.accounts.models import User

# --- Alerts ----------------------------------------------------------------------------------


@transaction.atomic
def acknowledge_alert(
    *,
    actor: User,
    alert: Alert,
    action_taken: str,
    request: HttpRequest | None = None,
) -> Alert:
    """Acknowledge an open alert with the action taken (required). Any clinician may, except that
    a therapist may acknowledge only the therapist's prompts. Acknowledging twice with the same
    words is a resubmission and changes nothing."""
    current, role = _begin(actor, alert.session, CARE_TEAM, CLINICIANS, request)
    fresh = Alert.objects.get(pk=alert.pk)
    fresh.session = current
    if role == Role.THERAPIST and fresh.audience != AlertAudience.THERAPIST:
        raise PermissionDenied(THERAPIST_ACK)
    words = _text(action_taken)
    if not words:
        raise ValidationError({"action_taken": "Say what was done in response to this alert."})
    if fresh.acknowledged_at is not None:
        if fresh.acknowledged_by_id == actor.pk and fresh.action_taken == words:
            return fresh
        local = timezone.localtime(fresh.acknowledged_at, ZoneInfo(current.clinic.time_zone))
        raise ValidationError(f"This alert was already acknowledged at {local:%H:%M}.")
    _refuse_if_signed(current)
    now = timezone.now()
    Alert.objects.filter(pk=fresh.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor, action_taken=words
    )
    fresh.acknowledged_at, fresh.acknowledged_by, fresh.action_taken = now, actor, words
    _audit(Action.UPDATE, "infusion_alert", current, fresh, "Alert acknowledged", actor, request)
    _publish(current, "alert.acknowledged", alert=str(fresh.public_id))
    _publish_board(current, "alert.acknowledged", alert=str(fresh.public_id))
    if fresh.rule == AlertRule.VITALS_OVERDUE and current.state in MONITORED_STATES:
        # Still no blood pressure one interval after the acknowledgement → overdue again.
        due = now + _thresholds(current).vitals_interval
        _enqueue_once("check_vitals_overdue", due, str(current.public_id))
    return fresh


# --- Background checks (called by tasks.py; ``now`` is for tests) ----------------------------


def _locked_by_public_id(session_id: str) -> InfusionSession | None:
    found = InfusionSession.objects.filter(public_id=session_id).first()
    return _lock(found) if found is not None else None


@transaction.atomic
def raise_overdue_if_due(session_id: str, now: datetime | None = None) -> Alert | None:
    """If the session is being monitored and no blood pressure was taken within the protocol
    interval, raise the overdue alert (once: while it is open nothing more happens).

    When nothing is overdue yet, the check queues itself for the moment the last blood pressure
    (or the start of monitoring) will be one interval old. A new blood pressure queues no check
    while this one is waiting to run before its own due time (``_enqueue_once``): one check per
    session keeps the schedule, however often a monitor posts."""
    session = _locked_by_public_id(session_id)
    if session is None or session.is_signed or session.state not in MONITORED_STATES:
        return None
    now = now or timezone.now()
    if session.state == SessionState.RECOVERING and session.recovery_started_at is not None:
        since = session.recovery_started_at
    else:
        history = pump_history(session)
        since = history[0].at if history else session.started_at
    if since is None:
        return None
    thresholds = _thresholds(session)
    if now < since:
        _enqueue_once("check_vitals_overdue", since + thresholds.vitals_interval, session_id)
        return None
    last = None if (taken := last_blood_pressure_at(session)) is None else min(taken, now)
    finding = alerts.overdue_vitals(last, now, since, thresholds.vitals_interval, thresholds)
    if finding is None:
        # The clock of alerts.overdue_vitals: from the later of the last BP and the start.
        running_from = since if last is None else max(last, since)
        due = running_from + thresholds.vitals_interval
        _enqueue_once("check_vitals_overdue", due, session_id)
        return None
    alert, _created = _raise(session, finding, None, now, count_repeat=False)
    return alert


@transaction.atomic
def raise_past_end_if_due(session_id: str, now: datetime | None = None) -> Alert | None:
    """If the pump is running past the order's planned minutes (pauses excluded), raise the
    alert (once)."""
    session = _locked_by_public_id(session_id)
    if session is None or session.is_signed or session.state != SessionState.RUNNING:
        return None
    now = now or timezone.now()
    clock = pump_clock(engine_events(pump_history(session)), now)
    if clock.started_at is None or clock.started_at > now:
        return None
    finding = alerts.past_planned_end(
        clock.started_at, Decimal(session.order.duration_minutes), clock.paused_durations, now
    )
    if finding is None:
        return None
    alert, _created = _raise(session, finding, None, now, count_repeat=False)
    return alert


@transaction.atomic
def escalate_if_due(alert_id: str, now: datetime | None = None) -> Alert | None:
    """If the alert is still unacknowledged at its escalation time, stamp it escalated (once)
    and tell the board: escalated to the prescriber. Returns the alert when it escalated now."""
    found = Alert.objects.filter(public_id=alert_id).first()
    if found is None:
        return None
    session = _lock(found.session)
    alert = Alert.objects.get(pk=found.pk)
    alert.session = session
    if alert.acknowledged_at is not None or alert.escalated_at is not None or session.is_signed:
        return None
    now = now or timezone.now()
    thresholds = _thresholds(session)
    if not alerts.needs_escalation(alert.raised_at, None, alert.engine_tier, now, thresholds):
        due = alerts.escalation_due_at(alert.raised_at, alert.engine_tier, thresholds)
        if due is not None and due > now:
            _enqueue("check_escalation", due, str(alert.public_id))
        return None
    Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(escalated_at=now)
    alert.escalated_at = now
    _audit(
        Action.UPDATE,
        "infusion_alert",
        session,
        alert,
        "Alert escalated to the prescriber",
        None,
        None,
    )
    message = "Escalated to the prescriber: not acknowledged in time"
    _publish(session, "alert.escalated", alert=str(alert.public_id), message=message)
    _publish_board(
        session,
        "alert.escalated",
        alert=str(alert.public_id),
        tier=alert.tier,
        chair_name=session.chair.name,
        message=message,
    )
    return alert
