"""Reading a live infusion: scoped lookups, effective times, the pump's history and clock,
the delivered dose, the checklist, the chart series and the clinic board.

Nothing here writes. Every function that reads many sessions or entries does so in a fixed
number of queries, whatever the number of entries (the board and the console refresh often).

Effective time: an entry keeps the clinical time it was first recorded with; when it has time
corrections, the latest correction's ``new_time`` is the time the timeline, the chart, the dose
and the alert clocks use.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from holdspace.dosing import engine
from holdspace.infusions import alerts, checkin
from holdspace.infusions.models import (
    ENTRY_MODELS,
    IN_CHAIR_STATES,
    TIER_RANK,
    Alert,
    Entry,
    InfusionSession,
    PumpAction,
    PumpEvent,
    SessionState,
    TimeCorrection,
    VitalSigns,
    alert_thresholds,
)
from holdspace.patients.models import (
    RecordStatus,
    has_current_eligible_screening,
    has_current_treatment_consent,
)

if TYPE_CHECKING:
    from holdspace.clinics.models import Clinic

FINAL = RecordStatus.FINAL

# --- Live topics -----------------------------------------------------------------------------


def _session_topic(request: HttpRequest, suffix: str) -> bool:
    """Staff working in the session's clinic may follow it; a board device never may (it sees
    only the board's minimum necessary information)."""
    from holdspace.live.topics import topic_uuid

    if getattr(request, "device", None) is not None:
        return False
    if getattr(request, "membership", None) is None:
        return False
    session_id = topic_uuid(suffix)
    return (
        session_id is not None
        and InfusionSession.objects.filter(public_id=session_id, clinic=request.clinic).exists()  # type: ignore[attr-defined]
    )


def register_live_topics() -> None:
    from holdspace.live.topics import register_topic_authorizer

    register_topic_authorizer("session:", _session_topic)


# --- Scoped lookups (404 outside the clinic being worked in) ---------------------------------


def get_session_for(request: HttpRequest, session_id: uuid.UUID) -> InfusionSession:
    """The session with this public id in the clinic being worked in, or 404."""
    return get_object_or_404(
        InfusionSession.objects.select_related(
            "clinic", "patient", "order__protocol", "chair", "signed_by"
        ),
        public_id=session_id,
        clinic=request.clinic,  # type: ignore[attr-defined]
    )


def get_entry_for(session: InfusionSession, kind: str, entry_id: uuid.UUID) -> Entry:
    """One entry of ``session`` by kind and public id, or 404 (an id from another session or
    clinic is not found)."""
    model = ENTRY_MODELS.get(kind)
    if model is None:
        raise Http404("No such kind of entry.")
    entry = get_object_or_404(model.objects.all(), public_id=entry_id, session=session)
    entry.session = session
    return entry


def get_alert_for(session: InfusionSession, alert_id: uuid.UUID) -> Alert:
    alert = get_object_or_404(Alert.objects.all(), public_id=alert_id, session=session)
    alert.session = session
    return alert


# --- Effective times -------------------------------------------------------------------------


Corrections = dict[tuple[str, uuid.UUID], list[TimeCorrection]]


def corrections_for(session_ids: Iterable[int], kinds: Iterable[str] | None = None) -> Corrections:
    """Every time correction of these sessions' entries, oldest first, keyed by
    (entry kind, entry public id). One query."""
    rows = TimeCorrection.objects.filter(session_id__in=list(session_ids)).select_related(
        "corrected_by"
    )
    if kinds is not None:
        rows = rows.filter(entry_kind__in=list(kinds))
    found: Corrections = {}
    for row in rows.order_by("corrected_at", "id"):
        found.setdefault((row.entry_kind, row.entry_id), []).append(row)
    return found


def effective_time(entry: Entry, corrections: Corrections) -> datetime:
    """The entry's clinical time after its latest correction (its own time if none)."""
    history = corrections.get((entry.KIND, entry.public_id))
    return history[-1].new_time if history else entry.occurred_at


# --- The pump --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimedPumpEvent:
    at: datetime
    row: PumpEvent

    def as_engine(self) -> engine.PumpEvent:
        rate = None if self.row.rate_ml_h is None else Decimal(self.row.rate_ml_h)
        return engine.PumpEvent(self.at, engine.PumpAction(self.row.action), rate)


def order_pump_events(rows: Iterable[PumpEvent], corrections: Corrections) -> list[TimedPumpEvent]:
    """Final pump events at their effective times, in the order they happened (ties keep the
    order they were recorded in)."""
    timed = [TimedPumpEvent(effective_time(row, corrections), row) for row in rows if row.is_final]
    return sorted(timed, key=lambda event: (event.at, event.row.recorded_at, event.row.pk))


def pump_history(session: InfusionSession) -> list[TimedPumpEvent]:
    """The session's final pump events in order. Two queries."""
    rows = PumpEvent.objects.filter(session=session, status=FINAL)
    return order_pump_events(rows, corrections_for([session.pk], [PumpEvent.KIND]))


def pump_started_and_stopped(session: InfusionSession) -> tuple[datetime | None, datetime | None]:
    """When the pump first started and first stopped (effective times), the same moments
    ``pump_history`` gives, in one narrow query: every vital sign needs them for its phase, and
    a monitor posts one every few seconds."""
    latest = (
        TimeCorrection.objects.filter(
            session_id=OuterRef("session_id"),
            entry_kind=PumpEvent.KIND,
            entry_id=OuterRef("public_id"),
        )
        .order_by("-corrected_at", "-id")
        .values("new_time")[:1]
    )
    rows = (
        PumpEvent.objects.filter(
            session=session, status=FINAL, action__in=(PumpAction.START, PumpAction.STOP)
        )
        .annotate(moved_to=Subquery(latest))
        .values_list("action", "occurred_at", "moved_to", "recorded_at", "pk")
    )
    # The order of pump_history: effective time, then as recorded.
    timed = sorted((moved or at, recorded, pk, action) for action, at, moved, recorded, pk in rows)
    started = next((at for at, *_rest, action in timed if action == PumpAction.START), None)
    stopped = next((at for at, *_rest, action in timed if action == PumpAction.STOP), None)
    return started, stopped


def engine_events(history: Sequence[TimedPumpEvent]) -> list[engine.PumpEvent]:
    return [event.as_engine() for event in history]


@dataclass(frozen=True)
class PumpClock:
    """When the pump started and stopped, and how long it has run with pauses left out
    (``running``), as of ``as_of``."""

    started_at: datetime | None
    stopped_at: datetime | None
    paused_durations: tuple[timedelta, ...]
    paused_since: datetime | None
    running: timedelta
    as_of: datetime


def pump_clock(events: Sequence[engine.PumpEvent], as_of: datetime) -> PumpClock:
    """The pump's clock from its events (in order); events after ``as_of`` are ignored."""
    started = stopped = paused_since = None
    pauses: list[timedelta] = []
    for event in events:
        if event.at > as_of:
            break
        match event.action:
            case engine.PumpAction.START:
                started = event.at
            case engine.PumpAction.PAUSE:
                paused_since = event.at
            case engine.PumpAction.RESUME | engine.PumpAction.STOP if paused_since is not None:
                pauses.append(event.at - paused_since)
                paused_since = None
        if event.action is engine.PumpAction.STOP:
            stopped = event.at
    if started is None:
        return PumpClock(None, None, (), None, timedelta(0), as_of)
    end = stopped or as_of
    ongoing = (end - paused_since) if paused_since is not None else timedelta(0)
    running = max(end - started - sum(pauses, timedelta(0)) - ongoing, timedelta(0))
    return PumpClock(started, stopped, tuple(pauses), paused_since, running, as_of)


def _concentration(session: InfusionSession) -> Decimal:
    return Decimal(session.order.concentration_mg_ml)


def delivered_dose(session: InfusionSession, at: datetime | None = None) -> engine.DeliveredDose:
    """What the pump had delivered by ``at`` (default now), reconstructed by the dose engine from
    the session's pump events times the order's concentration."""
    events = engine_events(pump_history(session))
    return engine.delivered_at(events, _concentration(session), at or timezone.now())


def _delivered_or_none(
    events: Sequence[engine.PumpEvent], concentration: Decimal, at: datetime
) -> engine.DeliveredDose | None:
    # A read must never take a screen down; the actions refuse impossible sequences, so this
    # only guards against rows written behind their back.
    try:
        return engine.delivered_at(events, concentration, at)
    except engine.DosingError:
        return None


def dose_percent(delivered_mg: Decimal, planned_mg: Decimal) -> int:
    if planned_mg <= 0:
        return 0
    return int((delivered_mg * 100 / planned_mg).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- Vital signs -----------------------------------------------------------------------------


def _final_vitals(session: InfusionSession) -> list[tuple[datetime, VitalSigns]]:
    rows = list(VitalSigns.objects.filter(session=session, status=FINAL))
    corrections = corrections_for([session.pk], [VitalSigns.KIND])
    timed = [(effective_time(row, corrections), row) for row in rows]
    return sorted(timed, key=lambda pair: (pair[0], pair[1].pk))


def baseline_vitals(session: InfusionSession) -> VitalSigns | None:
    """The latest complete baseline set (every field of ``checkin.BASELINE_FIELDS``), the one
    the check-in and the discharge scores compare against."""
    complete = [
        row
        for _at, row in _final_vitals(session)
        if row.phase == "baseline"
        and all(getattr(row, name) is not None for name in checkin.BASELINE_FIELDS)
    ]
    return complete[-1] if complete else None


def latest_vitals_with(
    session: InfusionSession, fields: Sequence[str], phase: str | None = None
) -> VitalSigns | None:
    """The latest final vitals of ``phase`` (any if None) that have every one of ``fields``."""
    matching = [
        row
        for _at, row in _final_vitals(session)
        if (phase is None or row.phase == phase)
        and all(getattr(row, name) is not None for name in fields)
    ]
    return matching[-1] if matching else None


def last_blood_pressure_at(session: InfusionSession) -> datetime | None:
    times = [at for at, row in _final_vitals(session) if row.has_blood_pressure]
    return times[-1] if times else None


# --- The check-in checklist ------------------------------------------------------------------


def verified_flags(
    session: InfusionSession, thresholds: alerts.AlertThresholds | None = None
) -> dict[checkin.CheckinItem, bool]:
    """The system-verified checklist items, computed now from the record."""
    # Imported here: both modules read infusion sessions, so a module-level import would cycle.
    from holdspace.measures.queries import has_open_safety_flag, pre_infusion_measures_missing
    from holdspace.therapy.queries import support_plan_reviewed_today

    order, patient = session.order, session.patient
    thresholds = thresholds or alert_thresholds(order.protocol)
    baseline = baseline_vitals(session)
    today = timezone.localtime(timezone.now(), ZoneInfo(session.clinic.time_zone)).date()
    return {
        checkin.CheckinItem.SCREENING_AND_CONSENT: has_current_eligible_screening(patient)
        and has_current_treatment_consent(patient),
        checkin.CheckinItem.ORDER_DOUBLE_CHECKED: order.is_ready_to_start,
        checkin.CheckinItem.BASELINE_VITALS: checkin.baseline_vitals_within_range(
            baseline.as_vital_signs() if baseline else None, thresholds
        ),
        checkin.CheckinItem.PRE_INFUSION_MEASURES: not pre_infusion_measures_missing(session),
        checkin.CheckinItem.NO_OPEN_SAFETY_FLAG: not has_open_safety_flag(patient),
        checkin.CheckinItem.SUPPORT_PLAN: support_plan_reviewed_today(patient, today),
    }


@dataclass(frozen=True)
class Checklist:
    """The checklist as the console shows it: every line, plus why the order is not ready."""

    result: checkin.ChecklistResult
    order_blockers: tuple[str, ...]


def checklist(session: InfusionSession) -> Checklist:
    row = getattr(session, "check_in", None) if session.pk else None
    answers = row.checkin_answers() if row is not None else checkin.CheckinAnswers()
    result = checkin.evaluate_checklist(answers, verified_flags(session))
    return Checklist(result, tuple(session.order.start_blockers()))


# --- Alerts ----------------------------------------------------------------------------------


def open_alerts(session: InfusionSession) -> list[Alert]:
    """Open alerts, most urgent first, then oldest first."""
    rows = list(Alert.objects.filter(session=session, acknowledged_at__isnull=True))
    return sorted(rows, key=lambda a: (-TIER_RANK[a.tier], a.raised_at, a.pk))


# --- The console header ----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionClock:
    elapsed: timedelta | None
    remaining: timedelta | None
    delivered_mg: Decimal | None
    planned_mg: Decimal
    dose_percent: int | None
    pump_state: str
    rate_ml_h: Decimal | None


def _clock(
    session: InfusionSession, events: Sequence[engine.PumpEvent], now: datetime
) -> SessionClock:
    planned = Decimal(session.order.dose_mg)
    clock = pump_clock(events, now)
    delivered = _delivered_or_none(events, _concentration(session), now)
    if clock.started_at is None:
        return SessionClock(None, None, None, planned, None, "not_started", None)
    elapsed = (clock.stopped_at or now) - clock.started_at
    planned_time = timedelta(minutes=float(session.order.duration_minutes))
    remaining = None if clock.stopped_at else max(planned_time - clock.running, timedelta(0))
    mg = delivered.delivered_mg if delivered else None
    return SessionClock(
        elapsed,
        remaining,
        mg,
        planned,
        dose_percent(mg, planned) if mg is not None else None,
        delivered.state.value if delivered else "unknown",
        delivered.rate_ml_h if delivered else None,
    )


def session_clock(session: InfusionSession, now: datetime | None = None) -> SessionClock:
    """Elapsed and remaining time, planned and delivered dose, for the console header."""
    return _clock(session, engine_events(pump_history(session)), now or timezone.now())


# --- The live chart (uPlot) ------------------------------------------------------------------

VITAL_SERIES = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate")


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def chart_series(session: InfusionSession, now: datetime | None = None) -> dict[str, Any]:
    """The console chart's data on one time axis (seconds since the epoch, as uPlot expects):

    - ``vitals``: ``t`` and one aligned list per sign (None where not measured);
    - ``pump``: each pump event (time, action, rate);
    - ``dose``: the cumulative delivered dose (mg, rounded to 0.1 by the house rule) at each
      pump event, plus now while the pump is running or paused;
    - ``planned_mg``: the ordered dose.

    Entries entered in error are left out; corrected times are used. Three queries.
    """
    now = now or timezone.now()
    corrections = corrections_for([session.pk], [PumpEvent.KIND, VitalSigns.KIND])
    vitals_rows = VitalSigns.objects.filter(session=session, status=FINAL)
    vitals = sorted(
        ((effective_time(row, corrections), row) for row in vitals_rows),
        key=lambda pair: (pair[0], pair[1].pk),
    )
    series: dict[str, list[Any]] = {"t": [_epoch(at) for at, _row in vitals]}
    for name in VITAL_SERIES:
        series[name] = [getattr(row, name) for _at, row in vitals]
    history = order_pump_events(PumpEvent.objects.filter(session=session), corrections)
    events = engine_events(history)
    return {
        "vitals": series,
        "pump": [
            {"t": _epoch(e.at), "action": e.row.action, "rate_ml_h": _number(e.row.rate_ml_h)}
            for e in history
        ],
        "dose": _dose_curve(session, events, now),
        "planned_mg": float(engine.round_dose_mg(Decimal(session.order.dose_mg))),
        "now": _epoch(now),
    }


def _dose_curve(
    session: InfusionSession, events: Sequence[engine.PumpEvent], now: datetime
) -> dict[str, list[float]]:
    concentration = _concentration(session)
    try:
        points = list(engine.cumulative_curve(events, concentration))
        tail = engine.delivered_at(events, concentration, now) if events else None
    except engine.DosingError:
        return {"t": [], "mg": []}
    times = [_epoch(p.at) for p in points]
    mg = [float(engine.round_dose_mg(p.delivered_mg)) for p in points]
    if tail is not None and tail.state in (engine.PumpState.RUNNING, engine.PumpState.PAUSED):
        times.append(_epoch(now))
        mg.append(float(engine.round_dose_mg(tail.delivered_mg)))
    return {"t": times, "mg": mg}


# --- The clinic board ------------------------------------------------------------------------


@dataclass(frozen=True)
class LastVitals:
    at: datetime
    age: timedelta
    systolic: int | None
    diastolic: int | None
    heart_rate: int | None
    spo2: int | None
    resp_rate: int | None


@dataclass(frozen=True)
class BoardTile:
    """One chair on the board, with the minimum necessary: initials, never names."""

    chair_id: uuid.UUID
    chair_name: str
    session_id: uuid.UUID | None = None
    initials: str = ""
    state: str = ""
    phase: str = ""
    elapsed: timedelta | None = None
    remaining: timedelta | None = None
    dose_percent: int | None = None
    last_vitals: LastVitals | None = None
    open_alerts: int = 0
    highest_tier: str | None = None
    escalated: bool = False

    @property
    def occupied(self) -> bool:
        return self.session_id is not None


def board_tiles(clinic: Clinic, now: datetime | None = None) -> list[BoardTile]:
    """Every active chair of ``clinic``, with its patient's session if one is in the chair.
    Six queries, whatever the number of chairs, sessions or entries."""
    from holdspace.clinics.models import Chair

    now = now or timezone.now()
    chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("name", "id"))
    latest = VitalSigns.objects.filter(session=OuterRef("pk"), status=FINAL).order_by(
        "-occurred_at", "-id"
    )
    sessions = {
        s.chair_id: s
        for s in InfusionSession.objects.filter(clinic=clinic, state__in=IN_CHAIR_STATES)
        .select_related("patient", "order")
        .annotate(latest_vitals_pk=Subquery(latest.values("pk")[:1]))
    }
    ids = [s.pk for s in sessions.values()]
    corrections = corrections_for(ids, [PumpEvent.KIND, VitalSigns.KIND])
    pumps: dict[int, list[PumpEvent]] = {}
    for row in PumpEvent.objects.filter(session_id__in=ids, status=FINAL):
        pumps.setdefault(row.session_id, []).append(row)
    vitals_pks = [s.latest_vitals_pk for s in sessions.values() if s.latest_vitals_pk]
    vitals = {row.session_id: row for row in VitalSigns.objects.filter(pk__in=vitals_pks)}
    open_by_session: dict[int, list[Alert]] = {}
    for alert in Alert.objects.filter(session_id__in=ids, acknowledged_at__isnull=True):
        open_by_session.setdefault(alert.session_id, []).append(alert)
    tiles = []
    for chair in chairs:
        session = sessions.get(chair.pk)
        if session is None:
            tiles.append(BoardTile(chair.public_id, chair.name))
            continue
        events = engine_events(order_pump_events(pumps.get(session.pk, []), corrections))
        tiles.append(
            _tile(
                chair.public_id,
                chair.name,
                session,
                events,
                vitals.get(session.pk),
                open_by_session.get(session.pk, []),
                corrections,
                now,
            )
        )
    return tiles


def _tile(
    chair_id: uuid.UUID,
    chair_name: str,
    session: InfusionSession,
    events: list[engine.PumpEvent],
    vitals: VitalSigns | None,
    open_rows: list[Alert],
    corrections: Corrections,
    now: datetime,
) -> BoardTile:
    clock = _clock(session, events, now)
    # Elapsed in the current phase: since check-in before the pump, since the start while it
    # runs, since the start of recovery afterwards.
    elapsed = clock.elapsed
    if elapsed is None and session.checked_in_at is not None:
        elapsed = now - session.checked_in_at
    if session.state == SessionState.RECOVERING and session.recovery_started_at is not None:
        elapsed = now - session.recovery_started_at
    last = None
    if vitals is not None:
        at = effective_time(vitals, corrections)
        last = LastVitals(
            at,
            max(now - at, timedelta(0)),
            vitals.systolic,
            vitals.diastolic,
            vitals.heart_rate,
            vitals.spo2,
            vitals.resp_rate,
        )
    tiers = [a.tier for a in open_rows]
    return BoardTile(
        chair_id=chair_id,
        chair_name=chair_name,
        session_id=session.public_id,
        initials=session.patient.initials,
        state=session.state,
        phase=SessionState(session.state).label,
        elapsed=elapsed,
        remaining=clock.remaining,
        dose_percent=clock.dose_percent,
        last_vitals=last,
        open_alerts=len(open_rows),
        highest_tier=max(tiers, key=lambda t: TIER_RANK[t]) if tiers else None,
        escalated=any(a.escalated_at is not None for a in open_rows),
    )
