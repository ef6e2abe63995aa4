"""Demo infusions for the synthetic demo clinics (called from demo/data.py after the dosing seed).

In each clinic: one infusion running now (started about 20 minutes ago, with pump events, vital
signs every 5-15 minutes, support events, the patient's state and one notify-tier alert already
acknowledged), one patient checked in and awaiting the pump, one in recovery, and several
completed, discharged and signed infusions over the last weeks.

Only orders that are ready to start (signed, double-checked, patient eligible and consented,
weight recent) are used for today's sessions. When a clinic has fewer patients with a ready
order than today's three chairs need, a patient whose induction course completed gets a booster
course through the dosing actions (a booster when symptoms return is the usual pattern,
CLINICAL.md §1).

Rows are written directly, not through the actions, only so that they can carry the times at
which things happened (an action stamps server time). Everything clinical still comes from the
engines: alert findings from ``alerts.evaluate_vitals`` on the protocol's thresholds, the pump
record checked by ``engine.reconstruct``, discharge scores from ``discharge``. Deterministic:
the same demo patients and orders give the same sessions; times are relative to now.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Chair, Clinic, Role
from holdspace.dosing import actions as dosing_actions
from holdspace.dosing import engine
from holdspace.dosing.models import CoursePhase, InfusionOrder, Protocol, TreatmentCourse
from holdspace.infusions import alerts, tasks
from holdspace.infusions import discharge as scoring
from holdspace.infusions.checkin import (
    VERIFIED_ITEMS,
    CheckinAnswers,
    TouchConsent,
)
from holdspace.infusions.models import (
    Alert,
    AlertBreach,
    CheckIn,
    Discharge,
    DischargeScale,
    Entry,
    InfusionSession,
    PatientState,
    PatientStatement,
    PumpEvent,
    SessionState,
    SessionStyle,
    SupportEvent,
    SupportResponse,
    VitalSigns,
    alert_thresholds,
    answers_as_json,
)
from holdspace.patients.models import ObservationCode, Patient

INTENTIONS = [
    "To feel the weight lift a little, and to be gentler with myself",
    "To stay curious when the fear shows up",
    "To find some space between me and the memories",
    "To rest",
    "To reconnect with the part of me that still enjoys things",
]
STATEMENTS = [
    "It felt like floating above a very quiet lake",
    "I could see my thoughts without having to follow them",
    "For a moment I wasn't carrying anything",
    "I think I have been holding my breath for years",
]
SUPPORT_KINDS = ["music_change", "breathing", "grounding", "reassurance", "orientation"]


@dataclass(frozen=True)
class Cast:
    nurse: User
    therapist: User
    prescriber: User


def seed_infusions(clinic: Clinic, staff: dict[str, list[User]]) -> None:
    """Today's three sessions and the signed history of one demo clinic."""
    now = timezone.now()
    rng = random.Random(f"infusions-{clinic.name}")
    cast = Cast(staff[Role.NURSE][0], staff[Role.THERAPIST][0], staff[Role.PRESCRIBER][0])
    chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("name"))
    today = _todays_orders(clinic, cast, staff)
    # The history first: a patient is in one chair at a time, and today's sessions are open.
    used = {order.pk for order in today}
    for order in reversed(_past_orders(clinic, used)[:6]):
        _completed(Writer(order, chairs[order.sequence % len(chairs)], cast, rng))
    for build, chair, order in zip(
        (_running_now, _awaiting_start, _in_recovery), chairs, today, strict=False
    ):
        build(Writer(order, chair, cast, rng), now)


# --- Which orders ----------------------------------------------------------------------------


def _todays_orders(clinic: Clinic, cast: Cast, staff: dict[str, list[User]]) -> list[InfusionOrder]:
    """The newest ready order of each patient (newest first), plus boosters if too few."""
    latest: dict[int, InfusionOrder] = {}
    candidates = (
        InfusionOrder.objects.filter(course__patient__clinic=clinic, voided_at__isnull=True)
        .exclude(signed_at=None)
        .select_related("course__patient", "protocol")
        .order_by("-created_at", "-id")
    )
    for order in candidates:
        if order.course.patient_id not in latest and order.is_ready_to_start:
            latest[order.course.patient_id] = order
    orders = list(latest.values())
    if len(orders) < 3:
        orders += _boosters(clinic, cast, staff, 3 - len(orders))
    return orders[:3]


def _boosters(
    clinic: Clinic, cast: Cast, staff: dict[str, list[User]], wanted: int
) -> list[InfusionOrder]:
    """A booster course and a ready order for patients whose course completed and who are
    eligible today, through the dosing actions (ordered by the prescriber, double-checked by a
    nurse who did not write it)."""
    checker = staff[Role.NURSE][-1]
    orders = []
    completed = TreatmentCourse.objects.filter(
        patient__clinic=clinic, phase=CoursePhase.COMPLETED
    ).select_related("patient", "protocol")
    for course in completed.order_by("patient__mrn"):
        patient = course.patient
        open_courses = patient.treatment_courses.exclude(
            phase__in=[CoursePhase.COMPLETED, CoursePhase.DISCONTINUED]
        )
        weight = patient.latest_observation(ObservationCode.BODY_WEIGHT)
        if open_courses.exists() or weight is None or dosing_actions.eligibility_problems(patient):
            continue
        protocol = course.protocol.current_version()
        booster = dosing_actions.start_course(
            actor=cast.prescriber,
            patient=patient,
            protocol=protocol,
            indication_category=course.indication_category,
            planned_infusions=2,
            schedule_note="Boosters when symptoms return",
        )
        order = dosing_actions.create_order(
            actor=cast.prescriber,
            course=booster,
            inputs=_inputs(protocol, weight),
            sign=True,
        )
        dosing_actions.double_check_order(
            actor=checker,
            order=order,
            weight_kg=engine.round_weight_kg(Decimal(order.dosing_weight_kg)),
            dose_mg=engine.round_dose_mg(Decimal(order.dose_mg)),
        )
        if order.is_ready_to_start:
            orders.append(order)
        if len(orders) == wanted:
            break
    return orders


def _inputs(protocol: Protocol, weight: Any) -> dosing_actions.OrderInputs:
    return dosing_actions.OrderInputs(
        amount=Decimal(protocol.default_amount),
        weight=weight,
        basis=protocol.default_basis,
        preparation_kind=protocol.preparation_kind,
        premixed_concentration_mg_ml=protocol.premixed_concentration_mg_ml,
        stock_mg_ml=protocol.stock_mg_ml,
        bag_ml=protocol.bag_ml,
    )


def _past_orders(clinic: Clinic, used: set[int]) -> list[InfusionOrder]:
    """Double-checked orders of past days (newest first): the infusions already given."""
    yesterday = timezone.now() - timedelta(days=1)
    orders = (
        InfusionOrder.objects.filter(
            course__patient__clinic=clinic,
            voided_at__isnull=True,
            signed_at__lt=yesterday,
            double_checks__weight_matches=True,
            double_checks__dose_matches=True,
        )
        .exclude(pk__in=used)
        .select_related("course__patient", "protocol")
        .distinct()
        .order_by("-signed_at", "-id")
    )
    return list(orders)


# --- Writing one session ---------------------------------------------------------------------


class Writer:
    """Writes one session's rows with the times they happened."""

    def __init__(self, order: InfusionOrder, chair: Chair, cast: Cast, rng: random.Random):
        self.order = order
        self.patient: Patient = order.course.patient
        self.chair = chair
        self.cast = cast
        self.rng = rng
        self.thresholds = alert_thresholds(order.protocol)
        self.session: InfusionSession
        self.pump: list[engine.PumpEvent] = []

    def open(self, scheduled_for: datetime, checked_in_at: datetime | None) -> InfusionSession:
        self.session = InfusionSession.objects.create(
            clinic=self.patient.clinic,
            patient=self.patient,
            order=self.order,
            chair=self.chair,
            state=SessionState.CHECKED_IN if checked_in_at else SessionState.SCHEDULED,
            style=SessionStyle.GUIDED if self.order.sequence % 2 else SessionStyle.QUIET,
            scheduled_for=scheduled_for,
            checked_in_at=checked_in_at,
            created_by=self.cast.nurse,
            created_at=scheduled_for - timedelta(days=2),
        )
        record(
            action=Action.CREATE,
            category="infusion_session",
            patient=self.patient,
            obj=self.session,
            summary="Demo seed: infusion session",
        )
        return self.session

    def check_in(self, at: datetime) -> None:
        intention = INTENTIONS[self.order.sequence % len(INTENTIONS)]
        touch = TouchConsent.ASK_EACH_TIME if self.order.sequence % 3 else TouchConsent.NO
        answers = CheckinAnswers(
            identity_confirmed=True,
            fasting_as_instructed=True,
            escort_confirmed=True,
            medication_changes_reviewed=True,
            intention=intention,
            touch_consent=touch,
            iv_site="Left antecubital, 22 G",
        )
        # The demo's history was checked in completely (questionnaires done on the clinic tablet
        # and the support plan reviewed), so its infusions started without an override.
        CheckIn.objects.create(
            session=self.session,
            answers=answers_as_json(answers),
            verified={str(item): True for item in VERIFIED_ITEMS},
            missing=[],
            checked_in_by=self.cast.nurse,
            checked_in_at=at,
            updated_at=at,
        )
        self._update(intention_today=intention, touch_consent_today=touch.value)

    def complete_check_in(self, at: datetime) -> None:
        CheckIn.objects.filter(session=self.session).update(
            missing=[], completed_at=at, completed_by=self.cast.nurse
        )

    def _entry(self, model: type[Entry], at: datetime, by: User | None, **fields: Any) -> Any:
        return model.objects.create(
            session=self.session,
            client_id=uuid.uuid4(),
            occurred_at=at,
            recorded_at=at + timedelta(seconds=20),
            recorded_by=by,
            **fields,
        )

    def _update(self, **fields: Any) -> None:
        InfusionSession.objects.filter(pk=self.session.pk).update(**fields)
        for name, value in fields.items():
            setattr(self.session, name, value)

    def pump_event(self, at: datetime, action: str, rate: Decimal | None = None) -> None:
        event = engine.PumpEvent(at, engine.PumpAction(action), rate)
        # The same check the actions make: the record must be one the dose engine accepts.
        engine.reconstruct([*self.pump, event], Decimal(self.order.concentration_mg_ml))
        self.pump.append(event)
        self._entry(PumpEvent, at, self.cast.nurse, action=action, rate_ml_h=rate)

    def start(self, at: datetime) -> None:
        self.complete_check_in(at)
        rate = engine.round_rate_ml_h(Decimal(self.order.rate_ml_h))
        self.pump_event(at, "start", rate)
        self._update(state=SessionState.RUNNING, started_at=at)

    def stop(self, at: datetime) -> None:
        self.pump_event(at, "stop")
        self._update(state=SessionState.INFUSION_ENDED, ended_at=at)

    def vitals(
        self, at: datetime, phase: str, acknowledged_after: timedelta | None = None, **shift: int
    ) -> VitalSigns:
        values = {
            "systolic": 118 + self.rng.randint(0, 10),
            "diastolic": 74 + self.rng.randint(0, 6),
            "heart_rate": 68 + self.rng.randint(0, 10),
            "spo2": 97 + self.rng.randint(0, 2),
            "resp_rate": 13 + self.rng.randint(0, 3),
        }
        for name, delta in shift.items():
            values[name] += delta
        row = self._entry(VitalSigns, at, self.cast.nurse, phase=phase, **values)
        for finding in alerts.evaluate_vitals(row.as_vital_signs(), self.thresholds):
            self._alert(finding, row, at, acknowledged_after)
        return row

    def _alert(
        self,
        finding: alerts.AlertFinding,
        row: VitalSigns,
        at: datetime,
        acknowledged_after: timedelta | None,
    ) -> None:
        acknowledged = at + (acknowledged_after or timedelta(minutes=2))
        alert = Alert.objects.create(
            session=self.session,
            rule=finding.rule.value,
            tier=finding.tier.code,
            audience=finding.audience.value,
            message=finding.message,
            source=finding.source,
            raised_at=at,
            raised_by_kind=row.KIND,
            raised_by_id=row.public_id,
            acknowledged_at=acknowledged,
            acknowledged_by=self.cast.nurse,
            action_taken="Rechecked after 5 minutes; prescriber informed, no change to the plan",
        )
        AlertBreach.objects.create(
            alert=alert,
            session=self.session,
            entry_kind=row.KIND,
            entry_id=row.public_id,
            message=finding.message,
            at=at,
        )

    def state(self, at: datetime, anxiety: int, dissociation: int, nausea: int = 0) -> None:
        self._entry(
            PatientState,
            at,
            self.cast.therapist,
            anxiety=anxiety,
            dissociation=dissociation,
            nausea=nausea,
        )

    def support(self, at: datetime, kind: str, response: str | None, after: int = 3) -> None:
        event = self._entry(SupportEvent, at, self.cast.therapist, kind=kind)
        if response is not None:
            self._entry(
                SupportResponse,
                at + timedelta(minutes=after),
                self.cast.therapist,
                support_event=event,
                response=response,
            )

    def statement(self, at: datetime) -> None:
        text = STATEMENTS[self.rng.randrange(len(STATEMENTS))]
        self._entry(
            PatientStatement, at, self.cast.therapist, text=text, tagged_for_integration=True
        )

    def recover(self, at: datetime) -> None:
        self._update(state=SessionState.RECOVERING, recovery_started_at=at)

    def discharge(self, at: datetime, baseline: VitalSigns, latest: VitalSigns) -> None:
        items = scoring.AldreteNurseItems(
            activity=2, respiration=2, consciousness=2, on_oxygen=False
        )
        score = scoring.score_modified_aldrete(
            baseline.as_vital_signs(), latest.as_vital_signs(), items
        )
        Discharge.objects.create(
            session=self.session,
            scale=DischargeScale.ALDRETE_MODIFIED,
            criteria=[
                {"key": c.key, "label": c.label, "points": c.points, "basis": c.basis}
                for c in score.criteria
            ],
            total=score.total,
            maximum=score.maximum,
            threshold=scoring.DEFAULT_THRESHOLDS[score.scale],
            escort_confirmed=True,
            instructions_given=True,
            follow_up_booked=True,
            driving_advice_given=True,
            baseline_vitals_id=baseline.public_id,
            current_vitals_id=latest.public_id,
            discharged_by=self.cast.nurse,
            discharged_at=at,
        )
        self._update(state=SessionState.DISCHARGED, discharged_at=at)

    def sign(self, at: datetime) -> None:
        # One update, from unsigned to signed: the database freezes the record from here on.
        self._update(signed_at=at, signed_by=self.cast.nurse, version=self.session.version + 1)


def _queue_checks(writer: Writer, last_bp: datetime, now: datetime) -> None:
    session_id = str(writer.session.public_id)
    due = max(last_bp + writer.thresholds.vitals_interval, now)
    tasks.check_vitals_overdue.using(run_after=due).enqueue(session_id)


# --- The stories -----------------------------------------------------------------------------


def _running_now(writer: Writer, now: datetime) -> None:
    """Started 20 minutes ago; a blood pressure at the notify tier 15 minutes ago, rechecked and
    acknowledged; the therapist's support and the patient's state along the way."""
    start = now - timedelta(minutes=20)
    writer.open(start - timedelta(minutes=40), start - timedelta(minutes=15))
    writer.check_in(start - timedelta(minutes=15))
    writer.vitals(start - timedelta(minutes=12), "baseline")
    writer.start(start)
    writer.state(start + timedelta(minutes=3), anxiety=4, dissociation=2)
    writer.vitals(
        start + timedelta(minutes=5),
        "intra",
        acknowledged_after=timedelta(minutes=2),
        systolic=44,
        diastolic=8,
    )
    writer.support(start + timedelta(minutes=6), "music_change", "settled")
    writer.vitals(start + timedelta(minutes=10), "intra", systolic=22)
    writer.state(start + timedelta(minutes=12), anxiety=3, dissociation=6)
    writer.support(start + timedelta(minutes=14), "breathing", None)
    last = writer.vitals(start + timedelta(minutes=17), "intra", systolic=12)
    writer.statement(start + timedelta(minutes=18))
    planned = timedelta(minutes=float(writer.order.duration_minutes))
    _queue_checks(writer, last.occurred_at, now)
    tasks.check_past_planned_end.using(run_after=start + planned + timedelta(seconds=1)).enqueue(
        str(writer.session.public_id)
    )


def _awaiting_start(writer: Writer, now: datetime) -> None:
    """Checked in a few minutes ago with baseline vitals; the pump has not started."""
    writer.open(now - timedelta(minutes=30), now - timedelta(minutes=6))
    writer.check_in(now - timedelta(minutes=6))
    writer.vitals(now - timedelta(minutes=4), "baseline")


def _in_recovery(writer: Writer, now: datetime) -> None:
    """The pump ran 40 minutes and stopped 35 minutes ago; recovery vitals on schedule."""
    start = now - timedelta(minutes=75)
    writer.open(start - timedelta(minutes=45), start - timedelta(minutes=20))
    writer.check_in(start - timedelta(minutes=20))
    writer.vitals(start - timedelta(minutes=15), "baseline")
    writer.start(start)
    for minute in (10, 20, 30):
        writer.vitals(start + timedelta(minutes=minute), "intra", systolic=8)
    writer.support(start + timedelta(minutes=16), "grounding", "settled", after=2)
    writer.stop(start + timedelta(minutes=40))
    writer.recover(start + timedelta(minutes=41))
    writer.vitals(start + timedelta(minutes=52), "recovery")
    last = writer.vitals(start + timedelta(minutes=66), "recovery")
    _queue_checks(writer, last.occurred_at, now)


def _completed(writer: Writer) -> None:
    """A whole infusion some days ago: discharged on a modified Aldrete of 10/10 and signed."""
    signed = writer.order.signed_at or writer.order.created_at
    start = signed + timedelta(hours=2)
    writer.open(start - timedelta(minutes=45), start - timedelta(minutes=25))
    writer.check_in(start - timedelta(minutes=25))
    baseline = writer.vitals(start - timedelta(minutes=15), "baseline")
    writer.start(start)
    for minute in (10, 20, 30, 40):
        writer.vitals(start + timedelta(minutes=minute), "intra", systolic=10)
    writer.state(start + timedelta(minutes=12), anxiety=3, dissociation=5)
    kind = SUPPORT_KINDS[writer.order.sequence % len(SUPPORT_KINDS)]
    writer.support(start + timedelta(minutes=14), kind, "settled")
    writer.statement(start + timedelta(minutes=25))
    writer.stop(start + timedelta(minutes=40))
    writer.recover(start + timedelta(minutes=41))
    writer.vitals(start + timedelta(minutes=55), "recovery")
    latest = writer.vitals(start + timedelta(minutes=70), "recovery")
    writer.discharge(start + timedelta(minutes=80), baseline, latest)
    writer.sign(start + timedelta(minutes=90))
