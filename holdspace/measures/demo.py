"""Demo score histories for the synthetic demo clinics (called from demo/data.py after the
dosing and infusion seeds).

Each demo treatment course gets the questionnaires its indication calls for (CLINICAL.md §4:
depression → PHQ-9, anxiety → GAD-7, PTSD → PCL-5 and PHQ-9, chronic pain → PHQ-9) at the
course baseline, before infusions and at follow-ups, telling one of these stories:

- a **remitter** (the completed induction course): PHQ-9 falls below 5, PCL-5 halves;
- a **relapse after response** (the maintenance course): a response after induction, then two
  consecutive scores above the response line, so the outcome engine suggests a booster (which
  the dosing story then gives), then a response again;
- a **non-responder** (the discontinued course, or else the newest induction course);
- an **early responder** (another induction course);
- a **safety flag**: the induction course's pre-infusion PHQ-9 today answers item 9 with 1. It is
  submitted through the measures actions, so the SafetyFlag row, its audit row and the live
  event are created exactly as for a real submission (and the flag shows on the worklist);
- a baseline only, for courses too young for a follow-up.

Every total, severity, subscale and flag comes from the scoring engine applied to generated
answers: the stories give a target total per questionnaire, and the answers are built to add up
to it. Past administrations are written directly, not through the actions, only so that they can
carry the times at which they were completed (an action stamps the server time). Deterministic:
the same demo courses give the same answers; times are relative to now.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Clinic, Role
from holdspace.dosing.models import CoursePhase, TreatmentCourse
from holdspace.infusions.models import InfusionSession
from holdspace.measures import actions, scoring
from holdspace.measures.instruments import RULE_SUM
from holdspace.measures.instruments import Instrument as ParsedInstrument
from holdspace.measures.models import (
    Administration,
    AdministrationStatus,
    Instrument,
    InstrumentVersion,
    Mode,
    Occasion,
)

# CLINICAL.md §4 / issue 5 "Schedules": the questionnaires asked per indication.
INSTRUMENTS_BY_INDICATION = {
    "trd": ("phq9",),
    "mdd": ("phq9",),
    "bipolar_depression": ("phq9",),
    "gad": ("gad7",),
    "ptsd": ("pcl5", "phq9"),
    "chronic_pain": ("phq9",),
}
ITEM_9 = "phq9-9"
DIFFICULTY = "phq9-10"


@dataclass(frozen=True)
class Point:
    """One questionnaire day: days after the course started, why, and the target totals."""

    day: float
    occasion: str
    totals: dict[str, int]
    # The PHQ-9 item 9 answer; 0 unless the story says otherwise.
    item_9: int = 0


# Days are relative to the course start and match the dosing demo's stories
# (holdspace/dosing/demo.py): infusions of the maintenance course on days 1, 4, 7, 10 and a
# booster on day 31; of the completed PTSD course on days 2-13, induction ending on day 14.
RELAPSE = (
    Point(0.1, Occasion.BASELINE, {"phq9": 19}),
    Point(4, Occasion.PRE_INFUSION, {"phq9": 15}),
    Point(7, Occasion.PRE_INFUSION, {"phq9": 11}),
    Point(10, Occasion.PRE_INFUSION, {"phq9": 8}),
    Point(17, Occasion.FOLLOW_UP, {"phq9": 6}),
    Point(24, Occasion.FOLLOW_UP, {"phq9": 11}),
    Point(29, Occasion.AD_HOC, {"phq9": 13}),
    Point(31, Occasion.PRE_INFUSION, {"phq9": 14}),
    Point(38, Occasion.FOLLOW_UP, {"phq9": 8}),
    Point(43, Occasion.PRE_INFUSION, {"phq9": 7}),
)
REMITTER = (
    Point(0.1, Occasion.BASELINE, {"pcl5": 58, "phq9": 17}),
    Point(4, Occasion.PRE_INFUSION, {"pcl5": 50, "phq9": 14}),
    Point(6, Occasion.PRE_INFUSION, {"pcl5": 41, "phq9": 12}),
    Point(9, Occasion.PRE_INFUSION, {"pcl5": 35, "phq9": 9}),
    Point(13, Occasion.PRE_INFUSION, {"pcl5": 30, "phq9": 7}),
    Point(21, Occasion.FOLLOW_UP, {"pcl5": 24, "phq9": 5}),
    Point(28, Occasion.FOLLOW_UP, {"pcl5": 21, "phq9": 4}),
    Point(42, Occasion.FOLLOW_UP, {"pcl5": 19, "phq9": 3}),
    Point(56, Occasion.FOLLOW_UP, {"pcl5": 20, "phq9": 3}),
)
NON_RESPONDER = (
    Point(0.1, Occasion.BASELINE, {"phq9": 16, "gad7": 16}),
    Point(2, Occasion.PRE_INFUSION, {"phq9": 16, "gad7": 15}),
    Point(4, Occasion.PRE_INFUSION, {"phq9": 15, "gad7": 14}),
)
NON_RESPONDER_FLAGGED = (
    Point(0.1, Occasion.BASELINE, {"phq9": 18, "gad7": 15}),
    Point(3, Occasion.PRE_INFUSION, {"phq9": 17, "gad7": 15}),
    Point(5, Occasion.PRE_INFUSION, {"phq9": 17, "gad7": 14}),
    Point(7, Occasion.PRE_INFUSION, {"phq9": 16, "gad7": 14}),
)
RESPONDER_FLAGGED = (
    Point(0.1, Occasion.BASELINE, {"phq9": 21, "gad7": 16}),
    Point(3, Occasion.PRE_INFUSION, {"phq9": 16, "gad7": 12}),
    Point(5, Occasion.PRE_INFUSION, {"phq9": 13, "gad7": 10}),
    Point(7, Occasion.PRE_INFUSION, {"phq9": 11, "gad7": 8}),
)
BASELINE_ONLY = (Point(0.1, Occasion.BASELINE, {"phq9": 15, "gad7": 13}),)
# Today's pre-infusion PHQ-9 of the flagged stories: item 9 answered "several days".
FLAGGED_TODAY = {
    "non-responder": Point(0, Occasion.PRE_INFUSION, {"phq9": 15}, item_9=1),
    "responder": Point(0, Occasion.PRE_INFUSION, {"phq9": 9}, item_9=1),
}


@dataclass
class Seeder:
    clinic: Clinic
    nurse: User
    versions: dict[str, InstrumentVersion]
    parsed: dict[str, ParsedInstrument]
    now: datetime
    has_non_responder: bool = False


def seed_score_histories(clinic: Clinic, staff: dict[str, list[User]]) -> None:
    """Questionnaire histories for every demo course of ``clinic`` (see the module notes)."""
    seeder = Seeder(clinic, staff[Role.NURSE][0], {}, {}, timezone.now())
    for instrument in Instrument.objects.filter(key__in={"phq9", "gad7", "pcl5"}):
        version = instrument.current_version()
        assert version is not None, f"{instrument.key} has no loaded version"
        seeder.versions[instrument.key] = version
        seeder.parsed[instrument.key] = version.parsed()
    courses = TreatmentCourse.objects.filter(patient__clinic=clinic).select_related("patient")
    for course in courses.order_by("created_at", "id"):
        _seed_course(seeder, course)


def _story(seeder: Seeder, course: TreatmentCourse, age_days: float) -> tuple[Any, str | None]:
    """Which story a course tells, and whether it ends with today's flagged PHQ-9."""
    if course.phase == CoursePhase.MAINTENANCE and age_days >= 44:
        return RELAPSE, None
    if course.phase == CoursePhase.COMPLETED and age_days >= 57:
        return REMITTER, None
    if course.phase == CoursePhase.DISCONTINUED and age_days >= 5:
        seeder.has_non_responder = True
        return NON_RESPONDER, None
    if course.phase == CoursePhase.INDUCTION and age_days >= 8:
        if not seeder.has_non_responder:
            seeder.has_non_responder = True
            return NON_RESPONDER_FLAGGED, "non-responder"
        return RESPONDER_FLAGGED, "responder"
    if age_days >= 0.2:
        return BASELINE_ONLY, None
    # Started today (a booster course): nothing asked yet, so it counts as "no baseline".
    return (), None


def _seed_course(seeder: Seeder, course: TreatmentCourse) -> None:
    age_days = (seeder.now - course.created_at).total_seconds() / 86400
    story, flagged = _story(seeder, course, age_days)
    keys = INSTRUMENTS_BY_INDICATION.get(course.indication_category, ("phq9",))
    rng = random.Random(f"scores-{course.patient.mrn}-{course.indication_category}")
    sessions = _sessions_by_day(course)
    for point in story:
        at = course.created_at + timedelta(days=point.day)
        for key in keys:
            if key in point.totals:
                answers = answers_for(seeder.parsed[key], point.totals[key], rng, point.item_9)
                _write(seeder, course, key, point, at, answers, sessions.get(at.date()))
    if flagged is not None:
        _submit_today(seeder, course, FLAGGED_TODAY[flagged], rng)


def _sessions_by_day(course: TreatmentCourse) -> dict[Any, InfusionSession]:
    sessions = InfusionSession.objects.filter(order__course=course)
    return {session.scheduled_for.date(): session for session in sessions}


# --- Answers that add up to a total ----------------------------------------------------------


def answers_for(
    instrument: ParsedInstrument, total: int, rng: random.Random, item_9: int = 0
) -> dict[str, int]:
    """Answers whose summed score is ``total``: every scored item starts at its lowest answer
    and is raised one step at a time, at random, until the total is reached. PHQ-9 item 9 is
    fixed at ``item_9``; the PHQ-9 difficulty question follows the severity.

    Only for summed instruments without reverse or grouped items (PHQ-9, GAD-7, PCL-5)."""
    assert instrument.scoring.rule == RULE_SUM and not instrument.scoring.groups
    scored = [item for item in instrument.scored_items if not item.reverse]
    answers = {item.link_id: item.lowest for item in scored}
    if ITEM_9 in answers:
        answers[ITEM_9] = item_9
    remaining = total - sum(answers.values())
    free = [item for item in scored if item.link_id != ITEM_9]
    if not 0 <= remaining <= sum(item.highest - answers[item.link_id] for item in free):
        raise ValueError(f"{instrument.short_name} cannot add up to {total}")
    while remaining:
        item = rng.choice([i for i in free if answers[i.link_id] < i.highest])
        answers[item.link_id] += 1
        remaining -= 1
    if any(item.link_id == DIFFICULTY for item in instrument.items):
        answers[DIFFICULTY] = min(3, total // 7)
    return answers


# --- Writing ---------------------------------------------------------------------------------


def _write(
    seeder: Seeder,
    course: TreatmentCourse,
    key: str,
    point: Point,
    at: datetime,
    answers: dict[str, int],
    session: InfusionSession | None,
) -> Administration:
    result = scoring.score(seeder.parsed[key], answers)
    at = min(at, seeder.now - timedelta(minutes=30))
    remote = point.occasion in (Occasion.FOLLOW_UP, Occasion.AD_HOC)
    row = Administration.objects.create(
        clinic=seeder.clinic,
        patient=course.patient,
        course=course,
        session=session if point.occasion == Occasion.PRE_INFUSION else None,
        instrument_version=seeder.versions[key],
        occasion=point.occasion,
        mode=Mode.REMOTE if remote else Mode.KIOSK,
        status=AdministrationStatus.COMPLETED,
        due_on=timezone.localtime(at).date(),
        answers=answers,
        complete=result.complete,
        missing_items=list(result.missing),
        total=result.total,
        severity=result.severity or "",
        subscales=dict(result.subscales),
        flags=[{"kind": f.kind, "code": f.code, "text": f.text} for f in result.flags],
        interpretation=result.interpretation,
        completed_at=at,
        # Who handed the tablet over; nobody for a remote link.
        entered_by=None if remote else seeder.nurse,
    )
    record(
        action=Action.CREATE,
        category=actions.CATEGORY,
        clinic=seeder.clinic,
        patient=course.patient,
        obj=row,
        summary=f"Demo seed: {seeder.parsed[key].short_name} completed",
    )
    return row


def _submit_today(
    seeder: Seeder, course: TreatmentCourse, point: Point, rng: random.Random
) -> None:
    """Today's pre-infusion PHQ-9 on the clinic tablet, through the actions, so that its safety
    flag is raised exactly as for a real submission."""
    instrument = seeder.versions["phq9"].instrument
    answers = answers_for(seeder.parsed["phq9"], point.totals["phq9"], rng, point.item_9)
    row = actions.create_administration(
        actor=seeder.nurse,
        patient=course.patient,
        instrument=instrument,
        occasion=Occasion.PRE_INFUSION,
        course=course,
    )
    handed = actions.Answerer(actor=seeder.nurse, kiosk=True)
    row = actions.start_administration(administration=row, by=handed)
    actions.submit_administration(
        administration=row, answers=answers, by=actions.Answerer(kiosk=True)
    )
