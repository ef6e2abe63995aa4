"""Timeline entries: vital signs (with their alerts), the patient's state, the therapist's
support and the patient's words, adverse events and rescue medication."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.clinics.models import Device, Membership, Role
from holdspace.infusions import alerts
from holdspace.infusions.actions.common import (
    CARE_TEAM,
    CLINICIANS,
    NURSING,
    NURSING_ONLY,
    SUPPORTERS,
    VITALS_DEVICE_KINDS,
    VITALS_TAKERS,
    _begin,
    _clinical_time,
    _enqueue_once,
    _entry_fields,
    _insert,
    _publish_board,
    _raise,
    _raise_all,
    _record_entry,
    _refuse_if_signed,
    _stored,
    _text,
    _thresholds,
    _uuid,
)
from holdspace.infusions.models import (
    MONITORED_STATES,
    SEDATION_RANGES,
    TOUCH_KINDS,
    AdverseEvent,
    AdverseEventAction,
    AdverseEventResolution,
    AdverseEventType,
    DoseUnit,
    InfusionSession,
    PatientResponse,
    PatientState,
    PatientStatement,
    RescueMedication,
    RescueRoute,
    SedationScale,
    SupportEvent,
    SupportKind,
    SupportResponse,
    TouchConsentToday,
    VitalSigns,
    VitalsPhase,
)
from holdspace.infusions.queries import (
    corrections_for,
    effective_time,
    pump_started_and_stopped,
)
from holdspace.patients.actions import require_role
from holdspace.patients.models import RecordStatus, Sensitivity

if TYPE_CHECKING:
    from holdspace.accounts.models import User

# --- Vital signs and the patient's state -----------------------------------------------------

DEVICE_REFUSED = "This device may not record vital signs for this chair."
OTHER_CHAIR = (
    "This monitor feed belongs to another chair: it records vital signs only for the infusion "
    "in its own chair."
)

_VITAL_FIELDS = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate", "temperature_c")


def _vitals_or_errors(values: dict[str, Any]) -> alerts.VitalSigns:
    """The keypad's validation (alerts.VitalSigns), with each error keyed by its field."""
    try:
        return alerts.VitalSigns(**values)
    except alerts.VitalsInputError as error:
        errors: dict[str, str] = {}
        for name, value in values.items():
            if value is None:
                continue
            try:
                alerts.VitalSigns(**{name: value})
            except alerts.VitalsInputError as one:
                errors[name] = str(one)
        if not errors:
            field = "diastolic" if values.get("diastolic") is not None else "__all__"
            errors[field] = str(error)
        raise ValidationError(errors) from error


def _check_sedation(scale: str, value: int | None) -> None:
    if not scale and value is None:
        return
    if scale not in SEDATION_RANGES:
        raise ValidationError({"sedation_scale": "Choose MOAA/S or RASS for the sedation score."})
    low, high = SEDATION_RANGES[SedationScale(scale)]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        label = SedationScale(scale).label
        raise ValidationError(
            {"sedation_value": f"{label} is a whole number from {low} to {high} (got {value!r})."}
        )


def _vitals_phase(session: InfusionSession, at: datetime) -> str:
    """Baseline before the pump started, recovery after it stopped, intra in between."""
    started, stopped = pump_started_and_stopped(session)
    if started is None or at < started:
        return VitalsPhase.BASELINE
    if stopped is not None and at >= stopped:
        return VitalsPhase.RECOVERY
    return VitalsPhase.INTRA


def _vitals_principal(
    session: InfusionSession,
    actor: User | None,
    device: Device | None,
    request: HttpRequest | None,
) -> None:
    if (actor is None) == (device is None):
        raise PermissionDenied("Vital signs are recorded by one person or one device.")
    if actor is not None:
        require_role(actor, session.clinic_id, NURSING, VITALS_TAKERS, request)
        return
    assert device is not None
    allowed = (
        device.is_active
        and device.clinic_id == session.clinic_id
        and device.kind in VITALS_DEVICE_KINDS
    )
    if not allowed:
        raise PermissionDenied(DEVICE_REFUSED)
    _check_device_chair(session, device)


def _check_device_chair(session: InfusionSession, device: Device | None) -> None:
    """A monitor feed is bound to one chair and writes only into the infusion in that chair,
    whoever calls this action (the API chooses the chair's session, but this is the guard)."""
    if device is not None and (device.chair_id is None or device.chair_id != session.chair_id):
        raise PermissionDenied(OTHER_CHAIR)


# The columns a vital sign needs from its session, the chair (for the board's event) and the
# protocol (its alert thresholds, models.alert_thresholds). A monitor posts every few seconds;
# reading the whole session, patient, order and protocol rows each time cost more than the
# reading itself. Anything else is still there if asked for (Django loads it then).
_VITALS_SESSION_FIELDS = (
    "public_id",
    "state",
    "signed_at",
    "clinic__id",
    "patient__id",
    "chair__public_id",
    "chair__name",
    "order__protocol__name",
    "order__protocol__version",
    "order__protocol__bp_notify_systolic",
    "order__protocol__bp_notify_diastolic",
    "order__protocol__bp_hold_systolic",
    "order__protocol__bp_hold_diastolic",
    "order__protocol__spo2_notify_below",
    "order__protocol__spo2_critical_below",
    "order__protocol__hr_notify_above",
    "order__protocol__hr_critical_above",
    "order__protocol__hr_critical_below",
    "order__protocol__rr_critical_below",
    "order__protocol__vitals_interval_minutes",
    "order__protocol__anxiety_prompt_at",
    "order__protocol__dissociation_prompt_at",
    "order__protocol__escalation_minutes",
)


def _lock_for_vitals(session: InfusionSession) -> InfusionSession:
    """``_lock`` for a vital sign: the same row lock, only the columns it needs."""
    return (
        InfusionSession.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "chair", "order__protocol")
        .only(*_VITALS_SESSION_FIELDS)
        .get(pk=session.pk)
    )


@transaction.atomic
def record_vitals(
    *,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    occurred_at: datetime | None = None,
    systolic: int | None = None,
    diastolic: int | None = None,
    heart_rate: int | None = None,
    spo2: int | None = None,
    resp_rate: int | None = None,
    temperature_c: Decimal | None = None,
    sedation_scale: str = "",
    sedation_value: int | None = None,
    actor: User | None = None,
    device: Device | None = None,
    request: HttpRequest | None = None,
) -> VitalSigns:
    """Record a set of vital signs from the keypad (a nurse or prescriber) or a monitor (a
    monitor feed of the session's clinic bound to the session's chair). Values outside the
    keypad's plausible ranges are refused naming the field, and nothing is saved. The alert
    rules run on the protocol's thresholds in this transaction: each finding opens an alert or
    is linked to the open alert of its rule; the row comes back with ``alert_links``, the
    (alert, opened by this reading) pairs. A blood pressure makes sure an overdue check is
    queued for one protocol interval later.

    A resubmission (same ``client_id``) returns the stored row, ``replayed``, and changes
    nothing, whatever it says now: the stored row is looked for when this one cannot be stored
    (refused, or already there), not before every reading."""
    _vitals_principal(session, actor, device, request)
    current = _lock_for_vitals(session)
    # The chair as it is under the lock (the row the caller passed may be older).
    _check_device_chair(current, device)
    return _store_vitals(
        current,
        _uuid(client_id),
        occurred_at,
        _vital_values(systolic, diastolic, heart_rate, spo2, resp_rate, temperature_c),
        sedation_scale,
        sedation_value,
        actor,
        device,
        request,
    )


class NoMonitoredInfusion(Exception):
    """The device's chair has no infusion taking vital signs now (running, paused, ended or
    recovering)."""


BEFORE_CHECK_IN = (
    "This reading was measured before the patient now in {chair} was checked in, so it cannot "
    "be theirs; it was not stored."
)


@transaction.atomic
def record_device_vitals(
    *,
    device: Device,
    client_id: uuid.UUID | str,
    occurred_at: datetime | None = None,
    systolic: int | None = None,
    diastolic: int | None = None,
    heart_rate: int | None = None,
    spo2: int | None = None,
    resp_rate: int | None = None,
    temperature_c: Decimal | None = None,
    request: HttpRequest | None = None,
) -> VitalSigns:
    """A monitor feed's reading, into the infusion monitored now in the device's own chair:
    ``record_vitals`` for a device that names no session (it cannot name one).

    One query finds and locks that infusion, so it cannot leave monitoring (discharge, abort)
    before the reading is stored. Raises ``NoMonitoredInfusion`` when there is none,
    ``PermissionDenied`` for a device that may not post vital signs, and ``ValidationError``
    for what ``record_vitals`` refuses and for a reading measured before the patient now in
    the chair was checked in (it belongs to whoever sat there before)."""
    if not (device.is_active and device.kind in VITALS_DEVICE_KINDS):
        raise PermissionDenied(DEVICE_REFUSED)
    if device.chair_id is None:
        raise PermissionDenied(OTHER_CHAIR)
    current = _lock_chair_infusion(device)
    if current is None:
        raise NoMonitoredInfusion(device.chair.name)
    client = _uuid(client_id)
    began = current.checked_in_at or current.created_at
    # (A time without a zone is refused by _clinical_time below, naming the field.)
    if isinstance(occurred_at, datetime) and timezone.is_aware(occurred_at) and occurred_at < began:
        stored = _stored(VitalSigns, current, client)
        if stored is not None:
            return stored
        raise ValidationError({"occurred_at": BEFORE_CHECK_IN.format(chair=device.chair.name)})
    values = _vital_values(systolic, diastolic, heart_rate, spo2, resp_rate, temperature_c)
    return _store_vitals(current, client, occurred_at, values, "", None, None, device, request)


def _lock_chair_infusion(device: Device) -> InfusionSession | None:
    """The device's chair's monitored infusion, locked, with what a vital sign needs (at most
    one: one patient per chair). The chair and the clinic are the device's own, already read."""
    own = [name for name in _VITALS_SESSION_FIELDS if not name.startswith(("chair__", "clinic__"))]
    found = list(
        InfusionSession.objects.select_for_update(of=("self",))
        .select_related("patient", "order__protocol")
        .only(*own, "clinic", "chair", "checked_in_at", "created_at")
        .filter(chair_id=device.chair_id, clinic_id=device.clinic_id, state__in=MONITORED_STATES)
        .order_by()[:1]
    )
    if not found:
        return None
    current = found[0]
    current.chair, current.clinic = device.chair, device.clinic
    return current


def _vital_values(
    systolic: int | None,
    diastolic: int | None,
    heart_rate: int | None,
    spo2: int | None,
    resp_rate: int | None,
    temperature_c: Decimal | None,
) -> dict[str, Any]:
    return {
        "systolic": systolic,
        "diastolic": diastolic,
        "heart_rate": heart_rate,
        "spo2": spo2,
        "resp_rate": resp_rate,
        "temperature_c": temperature_c,
    }


def _store_vitals(
    current: InfusionSession,
    client: uuid.UUID,
    occurred_at: datetime | None,
    values: dict[str, Any],
    sedation_scale: str,
    sedation_value: int | None,
    actor: User | None,
    device: Device | None,
    request: HttpRequest | None,
) -> VitalSigns:
    """Validate, store, evaluate the alert rules, queue the overdue check, audit and publish
    a reading in the locked session ``current`` (see ``record_vitals``)."""
    try:
        _refuse_if_signed(current)
        vitals = _vitals_or_errors(values)
        _check_sedation(sedation_scale, sedation_value)
        now = timezone.now()
        at = _clinical_time(occurred_at, now)
    except ValidationError:
        stored = _stored(VitalSigns, current, client)
        if stored is not None:
            return stored
        raise
    thresholds = _thresholds(current)
    row = _insert(
        VitalSigns(
            **values,
            sedation_scale=sedation_scale,
            sedation_value=sedation_value,
            phase=_vitals_phase(current, at),
            recorded_by_device=device,
            **_entry_fields(current, client, at, actor, now),
        )
    )
    if row.replayed:
        return row
    row.alert_links = [
        _raise(current, finding, row, now, thresholds=thresholds)
        for finding in alerts.evaluate_vitals(vitals, thresholds)
    ]
    if row.has_blood_pressure and current.state in MONITORED_STATES:
        due = max(at + thresholds.vitals_interval, now)
        _enqueue_once("check_vitals_overdue", due, str(current.public_id))
    temperature = values["temperature_c"]
    payload = {name: getattr(row, name) for name in _VITAL_FIELDS[:5]}
    payload["temperature_c"] = None if temperature is None else str(temperature)
    payload["alerts"] = [str(alert.public_id) for alert, _opened in row.alert_links]
    # The audit row and the live events come last: they take the audit chain's lock, held
    # until commit, so everything else is done before it is taken.
    _record_entry(row, actor, request, payload)
    _publish_board(current)
    return row


def _check_0_10(label: str, field: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValidationError({field: f"{label} is a whole number from 0 to 10."})


@transaction.atomic
def record_patient_state(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    anxiety: int | None = None,
    dissociation: int | None = None,
    nausea: int | None = None,
    occurred_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> PatientState:
    """Anxiety, dissociation and nausea (0-10, any of them). Anxiety or dissociation at or above
    the protocol's prompt opens a therapist-audience alert."""
    current, _role = _begin(actor, session, CARE_TEAM, CLINICIANS, request)
    client = _uuid(client_id)
    stored = _stored(PatientState, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    for label, field, value in (
        ("Anxiety", "anxiety", anxiety),
        ("Dissociation", "dissociation", dissociation),
        ("Nausea", "nausea", nausea),
    ):
        _check_0_10(label, field, value)
    if anxiety is None and dissociation is None and nausea is None:
        raise ValidationError("Rate at least one of anxiety, dissociation or nausea.")
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    row = _insert(
        PatientState(
            anxiety=anxiety,
            dissociation=dissociation,
            nausea=nausea,
            **_entry_fields(current, client, at, actor, now),
        )
    )
    findings = alerts.state_findings(anxiety, dissociation, _thresholds(current))
    raised = _raise_all(current, findings, row, now)
    payload = {
        "anxiety": anxiety,
        "dissociation": dissociation,
        "nausea": nausea,
        "alerts": [str(alert.public_id) for alert in raised],
    }
    return _record_entry(row, actor, request, payload)


# --- The therapist's support and the patient's words -----------------------------------------


@transaction.atomic
def record_support_event(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    kind: str,
    note: str = "",
    occurred_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> SupportEvent:
    """A support event (grounding, breathing, … touch offered / accepted / declined). Touch is
    recorded only when today's consent to touch is yes or ask-each-time."""
    current, _role = _begin(actor, session, (Role.THERAPIST, Role.NURSE), SUPPORTERS, request)
    client = _uuid(client_id)
    stored = _stored(SupportEvent, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    if kind not in SupportKind.values:
        raise ValidationError({"kind": "Choose a kind of support."})
    consent = current.touch_consent_today
    if kind in TOUCH_KINDS and consent not in (
        TouchConsentToday.YES,
        TouchConsentToday.ASK_EACH_TIME,
    ):
        said = TouchConsentToday(consent).label.lower() if consent else "not asked"
        raise ValidationError(
            {"kind": f"Touch is not recorded: today's consent to touch is “{said}”."}
        )
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    row = _insert(
        SupportEvent(kind=kind, note=note.strip(), **_entry_fields(current, client, at, actor, now))
    )
    return _record_entry(row, actor, request, {"support_kind": kind})


@transaction.atomic
def record_support_response(
    *,
    actor: User,
    support_event: SupportEvent,
    client_id: uuid.UUID | str,
    response: str,
    occurred_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> SupportResponse:
    """The patient's response to a support event (settled, unchanged, escalated), the second
    tap. One standing response per event: another is refused unless the first is marked entered
    in error."""
    current, _role = _begin(
        actor, support_event.session, (Role.THERAPIST, Role.NURSE), SUPPORTERS, request
    )
    client = _uuid(client_id)
    stored = _stored(SupportResponse, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    if response not in PatientResponse.values:
        raise ValidationError({"response": "Choose settled, unchanged or escalated."})
    event = SupportEvent.objects.get(pk=support_event.pk)
    if not event.is_final:
        raise ValidationError("This support event was marked entered in error.")
    existing = SupportResponse.objects.filter(
        support_event=event, status=RecordStatus.FINAL
    ).first()
    if existing is not None:
        raise ValidationError(
            f"A response is already recorded ({existing.get_response_display().lower()}). Mark it "
            "entered in error to record a different one."
        )
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    if at < effective_time(event, corrections_for([current.pk], [SupportEvent.KIND])):
        raise ValidationError({"occurred_at": "The response cannot come before the support."})
    row = _insert(
        SupportResponse(
            support_event=event, response=response, **_entry_fields(current, client, at, actor, now)
        )
    )
    payload = {"support_event": str(event.public_id), "response": response}
    return _record_entry(row, actor, request, payload)


@transaction.atomic
def record_statement(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    text: str,
    tagged_for_integration: bool = False,
    sensitivity: str = Sensitivity.NORMAL,
    occurred_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> PatientStatement:
    """A quote or insight in the patient's words, optionally tagged for integration."""
    current, _role = _begin(actor, session, (Role.THERAPIST, Role.NURSE), SUPPORTERS, request)
    client = _uuid(client_id)
    stored = _stored(PatientStatement, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    words = text.strip()
    if not words:
        raise ValidationError({"text": "Write what the patient said."})
    if sensitivity not in Sensitivity.values or sensitivity == Sensitivity.PSYCHOTHERAPY_NOTE:
        # Psychotherapy notes are kept apart from the record (CLINICAL.md §7), never here.
        raise ValidationError({"sensitivity": "Choose normal or restricted."})
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    row = _insert(
        PatientStatement(
            text=words,
            tagged_for_integration=bool(tagged_for_integration),
            sensitivity=sensitivity,
            **_entry_fields(current, client, at, actor, now),
        )
    )
    return _record_entry(row, actor, request, {"tagged": row.tagged_for_integration})


# --- Adverse events and rescue medication ----------------------------------------------------


@transaction.atomic
def record_adverse_event(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    type: str,
    severity_grade: int,
    actions_taken: Sequence[str] = (),
    description: str = "",
    occurred_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> AdverseEvent:
    """An adverse event (issue 4's list of types) with its grade 1-5 and what was done to the
    infusion (slowed, paused, stopped). The pump itself is changed with the pump actions;
    rescue medication and the resolution are their own entries."""
    current, _role = _begin(actor, session, NURSING, NURSING_ONLY, request)
    client = _uuid(client_id)
    stored = _stored(AdverseEvent, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    if type not in AdverseEventType.values:
        raise ValidationError({"type": "Choose the type of adverse event."})
    if isinstance(severity_grade, bool) or severity_grade not in range(1, 6):
        raise ValidationError({"severity_grade": "The severity grade is 1 to 5."})
    taken = list(dict.fromkeys(actions_taken))
    if any(action not in AdverseEventAction.values for action in taken):
        raise ValidationError({"actions_taken": "Choose slowed, paused or stopped."})
    if type == AdverseEventType.OTHER and not description.strip():
        raise ValidationError({"description": "Describe the adverse event."})
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    row = _insert(
        AdverseEvent(
            type=type,
            severity_grade=severity_grade,
            actions_taken=taken,
            description=description.strip(),
            **_entry_fields(current, client, at, actor, now),
        )
    )
    payload = {"type": type, "severity_grade": severity_grade, "actions_taken": taken}
    return _record_entry(row, actor, request, payload)


@transaction.atomic
def resolve_adverse_event(
    *,
    actor: User,
    adverse_event: AdverseEvent,
    client_id: uuid.UUID | str,
    resolution: str,
    occurred_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> AdverseEventResolution:
    """How and when the adverse event resolved (once; a wrong one is marked entered in error)."""
    current, _role = _begin(actor, adverse_event.session, NURSING, NURSING_ONLY, request)
    client = _uuid(client_id)
    stored = _stored(AdverseEventResolution, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    event = AdverseEvent.objects.get(pk=adverse_event.pk)
    if not event.is_final:
        raise ValidationError("This adverse event was marked entered in error.")
    if AdverseEventResolution.objects.filter(
        adverse_event=event, status=RecordStatus.FINAL
    ).exists():
        raise ValidationError(
            "This adverse event already has a resolution. Mark it entered in error to record "
            "a different one."
        )
    words = resolution.strip()
    if not words:
        raise ValidationError({"resolution": "Say how the adverse event resolved."})
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    row = _insert(
        AdverseEventResolution(
            adverse_event=event, resolution=words, **_entry_fields(current, client, at, actor, now)
        )
    )
    return _record_entry(row, actor, request, {"adverse_event": str(event.public_id)})


def _is_prescriber(user: User | None, clinic_id: int) -> bool:
    return (
        user is not None
        and Membership.objects.filter(
            user=user, clinic_id=clinic_id, role=Role.PRESCRIBER, is_active=True
        ).exists()
    )


@transaction.atomic
def record_rescue_medication(
    *,
    actor: User,
    session: InfusionSession,
    client_id: uuid.UUID | str,
    drug: str,
    dose: Decimal,
    unit: str,
    route: str,
    ordered_by: User,
    adverse_event: AdverseEvent | None = None,
    occurred_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> RescueMedication:
    """Rescue medication given by ``actor`` (``occurred_at`` is when it was given), ordered by a
    prescriber of this clinic (CLINICAL.md §2)."""
    current, _role = _begin(actor, session, NURSING, NURSING_ONLY, request)
    client = _uuid(client_id)
    stored = _stored(RescueMedication, current, client)
    if stored is not None:
        return stored
    _refuse_if_signed(current)
    if not _is_prescriber(ordered_by, current.clinic_id):
        raise ValidationError(
            {"ordered_by": "Rescue medication is ordered by a prescriber of this clinic."}
        )
    name = _text(drug)
    if not name:
        raise ValidationError({"drug": "Name the drug."})
    if isinstance(dose, float | bool) or not isinstance(dose, Decimal | int) or Decimal(dose) <= 0:
        raise ValidationError({"dose": "Enter the dose as a number above zero."})
    if unit not in DoseUnit.values:
        raise ValidationError({"unit": "Choose mg, mcg or mL."})
    if route not in RescueRoute.values:
        raise ValidationError({"route": "Choose the route."})
    if adverse_event is not None and adverse_event.session_id != current.pk:
        raise ValidationError({"adverse_event": "Choose an adverse event of this session."})
    now = timezone.now()
    at = _clinical_time(occurred_at, now)
    row = _insert(
        RescueMedication(
            drug=name,
            dose=Decimal(dose),
            unit=unit,
            route=route,
            given_by=actor,
            ordered_by=ordered_by,
            adverse_event=adverse_event,
            **_entry_fields(current, client, at, actor, now),
        )
    )
    payload = {"drug": name, "dose": str(Decimal(dose).normalize()), "unit": unit, "route": route}
    return _record_entry(row, actor, request, payload)
