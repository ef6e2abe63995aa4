"""What every infusion action shares: who may do what, the messages people see, the
conflict error, locking, clinical times, audit, live events, queued checks, idempotent
inserts, and raising alerts (one open alert per rule)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.tasks import TaskResultStatus
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import CLINICAL_ROLES, DeviceKind, Role
from holdspace.dosing import engine
from holdspace.infusions import alerts, lifecycle
from holdspace.infusions.models import (
    Alert,
    AlertBreach,
    Entry,
    InfusionSession,
    alert_thresholds,
)
from holdspace.live.events import publish
from holdspace.patients.actions import require_role

if TYPE_CHECKING:
    from holdspace.accounts.models import User


# --- Who may do what -------------------------------------------------------------------------

NURSING = (Role.NURSE, Role.PRESCRIBER)
CARE_TEAM = CLINICAL_ROLES  # prescriber, nurse, therapist

SCHEDULERS = "Only a nurse or a prescriber can schedule an infusion."
CHECKERS_IN = "Only a nurse can check a patient in."
PUMP_RUNNERS = "Only a nurse or a prescriber can run the pump."
VITALS_TAKERS = "Only a nurse or a prescriber (or the chair's monitor) can record vital signs."
CLINICIANS = "Only a clinician of this clinic (nurse, therapist or prescriber) can record this."
SUPPORTERS = "Only a therapist or a nurse can record support given to the patient."
NURSING_ONLY = "Only a nurse or a prescriber can record this."
SIGNERS = "Only a nurse can sign the infusion record."
THERAPIST_ACK = (
    "A therapist can acknowledge only the therapist's prompts (anxiety, dissociation). Ask the "
    "nurse to acknowledge this alert."
)
OWN_ENTRIES_ONLY = (
    "A therapist can correct only entries they recorded. Ask the nurse to correct this one."
)
SIGNED = (
    "This session is signed: its record cannot change. Write an addendum to add or correct "
    "anything."
)
CONFLICT = (
    "Someone else changed this session while you were working; your change was not saved. "
    "Here is the session as it is now."
)

# Device kinds whose tokens may post vital signs (the monitor feed). A wall board never may.
VITALS_DEVICE_KINDS = frozenset({DeviceKind.FEED})

# A clinical time may be a little ahead of the server clock (tablet clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)
# Project default, no source: entries are made during the visit. Anything older than a day is
# documentation after the fact and belongs in an addendum, where it is labelled as such.
LATE_ENTRY_LIMIT = timedelta(hours=24)
# Project default, no source: how far a rate change may project the delivered dose beyond the
# ordered dose by the planned end. The engine's rounding tolerance (5 %) is the same idea: the
# most the house rounding of a pump rate is allowed to change the dose.
PROJECTED_DOSE_TOLERANCE = engine.ROUNDING_TOLERANCE


class SessionConflict(Exception):
    """An action based on an older version of the session; ``current`` is the row as it is."""

    def __init__(self, current: InfusionSession) -> None:
        super().__init__(CONFLICT)
        self.current = current


# --- Helpers ---------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _uuid(value: uuid.UUID | str, field: str = "client_id") -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({field: "This is not a valid identifier."}) from None


def _lock(session: InfusionSession) -> InfusionSession:
    return (
        InfusionSession.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "order__protocol", "chair")
        .get(pk=session.pk)
    )


def _refuse_if_signed(session: InfusionSession) -> None:
    if session.is_signed:
        raise ValidationError(SIGNED)


def _check_version(session: InfusionSession, expected_version: int | None) -> None:
    if expected_version is not None and session.version != expected_version:
        raise SessionConflict(session)


def _save_session(session: InfusionSession, **fields: Any) -> None:
    """Write ``fields`` and the next version, on the row and on the instance."""
    fields["version"] = session.version + 1
    InfusionSession.objects.filter(pk=session.pk).update(**fields)
    for name, value in fields.items():
        setattr(session, name, value)


def _clinical_time(at: datetime | None, now: datetime, field: str = "occurred_at") -> datetime:
    if at is None:
        return now
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise ValidationError({field: "The time must include a time zone."})
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({field: "This time is in the future. Enter when it happened."})
    if at < now - LATE_ENTRY_LIMIT:
        raise ValidationError(
            {field: "This is more than a day ago: document it in an addendum instead."}
        )
    return at


def _transition_error(error: lifecycle.TransitionError) -> ValidationError:
    return ValidationError(str(error))


def _thresholds(session: InfusionSession) -> alerts.AlertThresholds:
    return alert_thresholds(session.order.protocol)


def _audit(
    action: Action,
    category: str,
    session: InfusionSession,
    obj: Any,
    summary: str,
    actor: User | None,
    request: HttpRequest | None,
) -> None:
    record(
        action=action,
        category=category,
        request=request,
        actor=actor,
        clinic=session.clinic,
        patient=session.patient,
        obj=obj,
        summary=summary,
    )


def _publish(session: InfusionSession, event: str, **payload: Any) -> None:
    """An event for the session's console (ids and the values a screen shows)."""
    publish(session.clinic, session.topic, event, {"session": str(session.public_id), **payload})


def _publish_board(session: InfusionSession, event: str = "tile.changed", **payload: Any) -> None:
    """An event for the clinic board: which chair changed; the board re-reads its tile."""
    body = {"session": str(session.public_id), "chair": str(session.chair.public_id), **payload}
    publish(session.clinic, "board", event, body)


def _enqueue(task_name: str, run_after: datetime, argument: str) -> None:
    """Queue a background check in this transaction (with the database backend the task row
    commits or rolls back with the change that asked for it)."""
    from holdspace.infusions import tasks

    task = getattr(tasks, task_name)
    task.using(run_after=run_after).enqueue(argument)


def _enqueue_once(task_name: str, run_after: datetime, argument: str) -> None:
    """Queue a background check unless the same check is already waiting to run no later than
    ``run_after``: that one covers this one, because a check that finds nothing due queues
    itself again for the next due moment (tasks.py). A monitor posts vital signs every few
    seconds; without this every reading would leave one more job for the worker."""
    from holdspace.infusions import tasks

    task = getattr(tasks, task_name)
    if _waiting(task, argument, run_after):
        return
    task.using(run_after=run_after).enqueue(argument)


def _waiting(task: Any, argument: str, by: datetime) -> bool:
    """Whether ``task(argument)`` is queued, not yet started, to run at or before ``by``.

    Only the database backend (the one holdspace runs) can be asked; with any other backend the
    answer is no, so the check is queued as it always was."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        backend_name=backend.alias,
        queue_name=task.queue_name,
        task_path=task.module_path,
        args_kwargs__args__0=argument,
        run_after__lte=by,
    ).exists()


def _stored[E: Entry](model: type[E], session: InfusionSession, client_id: uuid.UUID) -> E | None:
    row = model.objects.filter(session=session, client_id=client_id).first()
    if row is not None:
        row.replayed = True
        row.session = session
    return row


def _insert[E: Entry](row: E) -> E:
    """Insert ``row``; a resubmission that raced past the lookup returns the stored row."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        stored = _stored(type(row), row.session, row.client_id)
        if stored is None:
            raise
        return stored
    return row


def _begin(
    actor: User,
    session: InfusionSession,
    roles: Iterable[str],
    message: str,
    request: HttpRequest | None,
) -> tuple[InfusionSession, str]:
    role = require_role(actor, session.clinic_id, roles, message, request)
    return _lock(session), role


def _entry_fields(
    session: InfusionSession, client_id: uuid.UUID, at: datetime, actor: User | None, now: datetime
) -> dict[str, Any]:
    return {
        "session": session,
        "client_id": client_id,
        "occurred_at": at,
        "recorded_at": now,
        "recorded_by": actor,
    }


def _summary_of(entry: Entry) -> str:
    return type(entry)._meta.verbose_name.capitalize()


def _record_entry[E: Entry](
    entry: E, actor: User | None, request: HttpRequest | None, payload: dict[str, Any]
) -> E:
    """Audit and publish a newly stored entry (a replayed one was announced the first time)."""
    if entry.replayed:
        return entry
    session = entry.session
    _audit(
        Action.CREATE,
        "infusion_entry",
        session,
        entry,
        f"{_summary_of(entry)} recorded",
        actor,
        request,
    )
    _publish(
        session,
        "entry.recorded",
        kind=entry.KIND,
        id=str(entry.public_id),
        at=entry.occurred_at.isoformat(),
        **payload,
    )
    return entry


# --- Alerts (shared by the actions and the background checks) --------------------------------


def _raise(
    session: InfusionSession,
    finding: alerts.AlertFinding,
    entry: Entry | None,
    now: datetime,
    *,
    count_repeat: bool = True,
    thresholds: alerts.AlertThresholds | None = None,
) -> tuple[Alert, bool]:
    """Raise ``finding`` on ``session``, or link it to the open alert of the same rule.

    Returns (alert, created). The session row must be locked by the caller, so two breaches of
    one rule can never open two alerts (the database refuses it as well). ``thresholds``: the
    protocol's, when the caller has them already."""
    kind = entry.KIND if entry is not None else ""
    entry_id = entry.public_id if entry is not None else None
    alert = Alert.objects.filter(
        session=session, rule=finding.rule.value, acknowledged_at__isnull=True
    ).first()
    if alert is not None:
        if count_repeat:
            AlertBreach.objects.create(
                alert=alert,
                session=session,
                entry_kind=kind,
                entry_id=entry_id,
                message=finding.message,
                at=now,
            )
            _publish(
                session,
                "alert.repeated",
                alert=str(alert.public_id),
                breaches=alert.breaches.count(),
            )
        return alert, False
    alert = Alert.objects.create(
        session=session,
        rule=finding.rule.value,
        tier=finding.tier.code,
        audience=finding.audience.value,
        message=finding.message,
        source=finding.source,
        raised_at=now,
        raised_by_kind=kind,
        raised_by_id=entry_id,
    )
    AlertBreach.objects.create(
        alert=alert,
        session=session,
        entry_kind=kind,
        entry_id=entry_id,
        message=finding.message,
        at=now,
    )
    _audit(
        Action.CREATE,
        "infusion_alert",
        session,
        alert,
        f"Alert raised ({alert.tier})",
        None,
        None,
    )
    _publish(
        session,
        "alert.raised",
        alert=str(alert.public_id),
        rule=alert.rule,
        tier=alert.tier,
        audience=alert.audience,
        message=alert.message,
    )
    _publish_board(session, "alert.raised", alert=str(alert.public_id), tier=alert.tier)
    due = alerts.escalation_due_at(now, finding.tier, thresholds or _thresholds(session))
    if due is not None:
        _enqueue("check_escalation", due, str(alert.public_id))
    return alert, True


def _raise_all(
    session: InfusionSession, findings: Iterable[alerts.AlertFinding], entry: Entry, now: datetime
) -> list[Alert]:
    return [_raise(session, finding, entry, now)[0] for finding in findings]
