"""The session's own steps: booking, check-in, recovery, discharge, abort, the nurse's
signature and addenda."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.clinics.models import Chair, Role
from holdspace.dosing.models import InfusionOrder
from holdspace.infusions import alerts, checkin, lifecycle
from holdspace.infusions import discharge as scoring
from holdspace.infusions.actions.common import (
    CARE_TEAM,
    CHECKERS_IN,
    CLINICIANS,
    NURSING,
    NURSING_ONLY,
    SCHEDULERS,
    SIGNERS,
    _audit,
    _begin,
    _check_version,
    _clinical_time,
    _enqueue,
    _entry_fields,
    _insert,
    _lock,
    _publish,
    _publish_board,
    _record_entry,
    _refuse_if_signed,
    _save_session,
    _text,
    _thresholds,
    _transition_error,
    _uuid,
)
from holdspace.infusions.actions.pump import _pump_payload
from holdspace.infusions.models import (
    IN_CHAIR_STATES,
    Alert,
    CheckIn,
    Discharge,
    DischargeScale,
    InfusionSession,
    PumpAction,
    PumpEvent,
    SessionAddendum,
    SessionState,
    SessionStyle,
    VitalSigns,
    VitalsPhase,
    answers_as_json,
)
from holdspace.infusions.queries import (
    baseline_vitals,
    latest_vitals_with,
    pump_history,
    verified_flags,
)
from holdspace.measures.scheduling import sync_due_administrations
from holdspace.measures.tasks import queue_course_sync
from holdspace.patients.actions import require_role
from holdspace.patients.models import Patient

if TYPE_CHECKING:
    from holdspace.accounts.models import User

# --- Scheduling and check-in -----------------------------------------------------------------


@transaction.atomic
def schedule_session(
    *,
    actor: User,
    patient: Patient,
    order: InfusionOrder,
    chair: Chair,
    scheduled_for: datetime,
    style: str = SessionStyle.QUIET,
    request: HttpRequest | None = None,
) -> InfusionSession:
    """Book an infusion of ``order`` for ``patient`` in ``chair``."""
    require_role(actor, patient.clinic_id, (Role.PRESCRIBER, Role.NURSE), SCHEDULERS, request)
    order = InfusionOrder.objects.select_related("course", "protocol").get(pk=order.pk)
    if order.course.patient_id != patient.pk:
        raise ValidationError({"order": "Choose one of this patient's orders."})
    if order.is_voided:
        raise ValidationError({"order": "This order is void; choose the order that replaced it."})
    if chair.clinic_id != patient.clinic_id or not chair.is_active:
        raise ValidationError({"chair": "Choose one of this clinic's chairs."})
    if style not in SessionStyle.values:
        raise ValidationError({"style": "Choose quiet or guided."})
    if timezone.is_naive(scheduled_for):
        raise ValidationError({"scheduled_for": "The time must include a time zone."})
    taken = InfusionSession.objects.filter(order=order).exclude(
        state=SessionState.ABORTED, started_at__isnull=True
    )
    if taken.exists():
        raise ValidationError(
            {"order": f"Infusion {order.sequence} already has a session; an order is one infusion."}
        )
    session = InfusionSession.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        order=order,
        chair=chair,
        scheduled_for=scheduled_for,
        style=style,
        created_by=actor,
    )
    session = _lock(session)
    _audit(
        Action.CREATE, "infusion_session", session, session, "Infusion scheduled", actor, request
    )
    _publish_board(session, "session.scheduled")
    # The new infusion brings its pre-infusion questionnaires (scheduled after the commit).
    queue_course_sync(order.course)
    return session


@transaction.atomic
def check_in(
    *,
    actor: User,
    session: InfusionSession,
    answers: checkin.CheckinAnswers,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> CheckIn:
    """Check the patient in (scheduled → checked in) with the nurse's answers, or complete the
    answers before the pump starts. The system-verified items are computed now from the order,
    the screening and consent and this session's baseline vitals. An incomplete checklist is
    stored as it is: it is ``start_infusion`` that refuses to start on it."""
    current, _role = _begin(actor, session, (Role.NURSE,), CHECKERS_IN, request)
    _refuse_if_signed(current)
    _check_version(current, expected_version)
    state = current.lifecycle_state
    if state is lifecycle.SessionState.SCHEDULED:
        try:
            lifecycle.transition(state, lifecycle.SessionState.CHECKED_IN)
        except lifecycle.TransitionError as error:
            raise _transition_error(error) from error
        _refuse_if_chair_or_patient_busy(current)
    elif state is not lifecycle.SessionState.CHECKED_IN:
        raise ValidationError(
            f"The check-in can change only before the pump starts; the session is {state.label}."
        )
    now = timezone.now()
    # Make sure today's pre-infusion questionnaires exist before checking them: the hourly
    # schedule may not have run since the infusion was booked.
    sync_due_administrations(current.order.course)
    verified = verified_flags(current, _thresholds(current))
    result = checkin.evaluate_checklist(answers, verified)
    row = CheckIn.objects.filter(session=current).first()
    values = {
        "answers": answers_as_json(answers),
        "verified": {str(item): flag for item, flag in verified.items()},
        "missing": [str(status.item) for status in result.missing],
        "updated_at": now,
    }
    if row is None:
        row = CheckIn.objects.create(
            session=current, checked_in_by=actor, checked_in_at=now, **values
        )
    else:
        CheckIn.objects.filter(pk=row.pk).update(**values)
        row.refresh_from_db()
    fields: dict[str, Any] = {
        "intention_today": answers.intention.strip(),
        "touch_consent_today": answers.touch_consent.value if answers.touch_consent else "",
    }
    first = state is lifecycle.SessionState.SCHEDULED
    if first:
        fields |= {"state": SessionState.CHECKED_IN, "checked_in_at": now}
    _save_session(current, **fields)
    summary = "Patient checked in" if first else "Check-in answers updated"
    _audit(Action.UPDATE, "infusion_session", current, current, summary, actor, request)
    _publish(
        current,
        "session.checked_in" if first else "checkin.updated",
        version=current.version,
        missing=values["missing"],
    )
    _publish_board(current)
    row.session = current
    row.result = result
    return row


def _refuse_if_chair_or_patient_busy(session: InfusionSession) -> None:
    busy = InfusionSession.objects.filter(state__in=IN_CHAIR_STATES).exclude(pk=session.pk)
    if busy.filter(chair_id=session.chair_id).exists():
        raise ValidationError(
            {"chair": f"{session.chair.name} is taken by another patient's session."}
        )
    if busy.filter(patient_id=session.patient_id).exists():
        raise ValidationError("This patient is already checked in to another session.")


# --- Recovery, discharge, abort --------------------------------------------------------------


@transaction.atomic
def start_recovery(
    *,
    actor: User,
    session: InfusionSession,
    occurred_at: datetime | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> InfusionSession:
    """Infusion ended → recovering. Vital signs stay due every protocol interval."""
    current, _role = _begin(actor, session, NURSING, NURSING_ONLY, request)
    _refuse_if_signed(current)
    _check_version(current, expected_version)
    try:
        lifecycle.transition(current.lifecycle_state, lifecycle.SessionState.RECOVERING)
    except lifecycle.TransitionError as error:
        raise _transition_error(error) from error
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    _save_session(current, state=SessionState.RECOVERING, recovery_started_at=at)
    _audit(Action.UPDATE, "infusion_session", current, current, "Recovery started", actor, request)
    _publish(current, "session.state", state=current.state, version=current.version)
    _publish_board(current)
    due = at + _thresholds(current).vitals_interval
    _enqueue("check_vitals_overdue", max(due, now), str(current.public_id))
    return current


def _discharge_scale(session: InfusionSession) -> scoring.Scale:
    rule = session.order.protocol.discharge_rule
    return scoring.Scale.PADSS if rule == "padss_9" else scoring.Scale.ALDRETE_MODIFIED


def _score(
    session: InfusionSession,
    nurse_items: scoring.PadssNurseItems | scoring.AldreteNurseItems,
) -> tuple[scoring.DischargeScore, VitalSigns, VitalSigns]:
    scale = _discharge_scale(session)
    baseline = baseline_vitals(session)
    if baseline is None:
        raise ValidationError("No complete baseline vital signs: the scores compare against them.")
    if scale is scoring.Scale.PADSS:
        if not isinstance(nurse_items, scoring.PadssNurseItems):
            raise ValidationError("This protocol scores discharge with the PADSS.")
        needed = ("systolic", "diastolic", "heart_rate")
    else:
        if not isinstance(nurse_items, scoring.AldreteNurseItems):
            raise ValidationError("This protocol scores discharge with the modified Aldrete.")
        needed = ("systolic", "diastolic", "spo2")
    latest = latest_vitals_with(session, needed, VitalsPhase.RECOVERY)
    if latest is None:
        raise ValidationError(
            "Record recovery vital signs (blood pressure, heart rate and SpO₂) before discharge."
        )
    try:
        if isinstance(nurse_items, scoring.PadssNurseItems):
            score = scoring.score_padss(
                baseline.as_vital_signs(), latest.as_vital_signs(), nurse_items
            )
        else:
            score = scoring.score_modified_aldrete(
                baseline.as_vital_signs(), latest.as_vital_signs(), nurse_items
            )
    except scoring.DischargeInputError as error:
        raise ValidationError(str(error)) from error
    return score, baseline, latest


def assess_for_discharge(
    session: InfusionSession,
    *,
    nurse_items: scoring.PadssNurseItems | scoring.AldreteNurseItems,
    escort_confirmed: bool,
    instructions_given: bool,
    follow_up_booked: bool,
    driving_advice_given: bool,
    override: checkin.Override | None = None,
    now: datetime | None = None,
) -> tuple[scoring.DischargeScore, scoring.DischargeAssessment, VitalSigns, VitalSigns]:
    """The protocol's discharge score from the recorded vitals and the nurse's items, and the
    decision (``discharge.assess_discharge``). Read-only: the console previews with it."""
    now = now or timezone.now()
    score, baseline, latest = _score(session, nurse_items)
    history = pump_history(session)
    stop = next((e.at for e in history if e.row.action == PumpAction.STOP), None)
    ended = stop or session.ended_at or now
    try:
        assessment = scoring.assess_discharge(
            score,
            escort_confirmed=escort_confirmed,
            instructions_given=instructions_given,
            follow_up_booked=follow_up_booked,
            driving_advice_given=driving_advice_given,
            infusion_ended_at=min(ended, now),
            now=now,
            latest_findings=alerts.evaluate_vitals(latest.as_vital_signs(), _thresholds(session)),
            override=override,
        )
    except scoring.DischargeInputError as error:
        raise ValidationError(str(error)) from error
    return score, assessment, baseline, latest


@transaction.atomic
def discharge(
    *,
    actor: User,
    session: InfusionSession,
    nurse_items: scoring.PadssNurseItems | scoring.AldreteNurseItems,
    escort_confirmed: bool,
    instructions_given: bool,
    follow_up_booked: bool,
    driving_advice_given: bool,
    override_reason: str = "",
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Discharge:
    """Recovering → discharged, when the protocol's score (PADSS or modified Aldrete, ≥ 9 by
    default) and the conditions of CLINICAL.md §3 are met. Below the threshold (or with latest
    vitals at the hold tier) only on a prescriber's override with a reason; escort,
    instructions, follow-up, driving advice and the minimum recovery time are never waived."""
    current, role = _begin(actor, session, NURSING, NURSING_ONLY, request)
    _refuse_if_signed(current)
    _check_version(current, expected_version)
    try:
        lifecycle.transition(current.lifecycle_state, lifecycle.SessionState.DISCHARGED)
    except lifecycle.TransitionError as error:
        raise _transition_error(error) from error
    reason = _text(override_reason)
    now = timezone.now()
    score, assessment, baseline, latest = assess_for_discharge(
        current,
        nurse_items=nurse_items,
        escort_confirmed=escort_confirmed,
        instructions_given=instructions_given,
        follow_up_booked=follow_up_booked,
        driving_advice_given=driving_advice_given,
        override=checkin.Override(role, reason) if reason else None,
        now=now,
    )
    if not assessment.fit:
        raise ValidationError(["Not fit for discharge:", *assessment.reasons])
    row = Discharge.objects.create(
        session=current,
        scale=DischargeScale.PADSS
        if score.scale is scoring.Scale.PADSS
        else DischargeScale.ALDRETE_MODIFIED,
        criteria=[
            {"key": c.key, "label": c.label, "points": c.points, "basis": c.basis}
            for c in score.criteria
        ],
        total=score.total,
        maximum=score.maximum,
        threshold=assessment.threshold,
        escort_confirmed=escort_confirmed,
        instructions_given=instructions_given,
        follow_up_booked=follow_up_booked,
        driving_advice_given=driving_advice_given,
        baseline_vitals_id=baseline.public_id,
        current_vitals_id=latest.public_id,
        overridden=list(assessment.overridden),
        override_by=actor if assessment.overridden else None,
        override_reason=reason if assessment.overridden else "",
        discharged_by=actor,
        discharged_at=now,
    )
    _save_session(current, state=SessionState.DISCHARGED, discharged_at=now)
    flag = " on a prescriber's override" if assessment.overridden else ""
    _audit(
        Action.UPDATE,
        "infusion_session",
        current,
        current,
        f"Patient discharged{flag}",
        actor,
        request,
    )
    _publish(current, "session.state", state=current.state, version=current.version)
    _publish_board(current)
    return row


@transaction.atomic
def abort_session(
    *,
    actor: User,
    session: InfusionSession,
    reason: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> InfusionSession:
    """Abort the session with a reason, from any state that is not closed. A running or paused
    pump is stopped with the same reason, so the delivered dose is right."""
    current, _role = _begin(actor, session, NURSING, NURSING_ONLY, request)
    _refuse_if_signed(current)
    _check_version(current, expected_version)
    words = _text(reason)
    try:
        lifecycle.transition(current.lifecycle_state, lifecycle.SessionState.ABORTED, reason=words)
    except lifecycle.TransitionError as error:
        raise _transition_error(error) from error
    now = timezone.now()
    fields: dict[str, Any] = {
        "state": SessionState.ABORTED,
        "aborted_at": now,
        "abort_reason": words,
    }
    if current.state in (SessionState.RUNNING, SessionState.PAUSED):
        history = pump_history(current)
        at = max(now, history[-1].at) if history else now
        stop = _insert(
            PumpEvent(
                action=PumpAction.STOP,
                reason=f"Session aborted: {words}",
                **_entry_fields(
                    current, uuid.uuid5(current.public_id, "abort-stop"), at, actor, now
                ),
            )
        )
        _record_entry(stop, actor, request, _pump_payload(stop))
        fields["ended_at"] = at
    _save_session(current, **fields)
    _audit(Action.UPDATE, "infusion_session", current, current, "Session aborted", actor, request)
    _publish(current, "session.state", state=current.state, version=current.version)
    _publish_board(current)
    # Its pre-infusion questionnaires, if not answered, are no longer asked.
    queue_course_sync(current.order.course)
    return current


# --- Signature and addenda -------------------------------------------------------------------


@transaction.atomic
def sign_session(
    *,
    actor: User,
    session: InfusionSession,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> InfusionSession:
    """The nurse signs the record once the patient is discharged or the session aborted. Every
    alert must have been acknowledged. Afterwards the record is frozen (database triggers) and
    changes are addenda."""
    current, _role = _begin(actor, session, (Role.NURSE,), SIGNERS, request)
    _refuse_if_signed(current)
    _check_version(current, expected_version)
    if not lifecycle.is_terminal(current.lifecycle_state):
        raise ValidationError(
            "The record is signed after discharge or an abort; this session is "
            f"{current.lifecycle_state.label}."
        )
    still_open = Alert.objects.filter(session=current, acknowledged_at__isnull=True).count()
    if still_open:
        raise ValidationError(
            f"{still_open} alert{'s' if still_open != 1 else ''} not acknowledged: acknowledge "
            "each with the action taken before signing."
        )
    now = timezone.now()
    _save_session(current, signed_at=now, signed_by=actor)
    _audit(
        Action.SIGN, "infusion_session", current, current, "Infusion record signed", actor, request
    )
    _publish(current, "session.signed", version=current.version)
    _publish_board(current)
    return current


@transaction.atomic
def add_addendum(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    text: str,
    request: HttpRequest | None = None,
) -> SessionAddendum:
    """A correction or late note on a signed record."""
    current, _role = _begin(actor, session, CARE_TEAM, CLINICIANS, request)
    client = _uuid(client_id)
    stored = SessionAddendum.objects.filter(session=current, client_id=client).first()
    if stored is not None:
        return stored
    if not current.is_signed:
        raise ValidationError("The record is not signed yet: add this to the timeline instead.")
    words = text.strip()
    if not words:
        raise ValidationError({"text": "Write the addendum."})
    row = SessionAddendum.objects.create(
        session=current, client_id=client, text=words, written_by=actor
    )
    _audit(Action.CREATE, "infusion_session", current, row, "Addendum added", actor, request)
    _publish(current, "addendum.added", id=str(row.public_id))
    return row
