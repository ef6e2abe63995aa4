"""The clinic outcome summary: response and remission rates by indication, over a period.

Pure Python, no Django (the page in `summary_views.py` gathers the rows). The unit counted is a
treatment course: each course is counted once per instrument, however many questionnaires it has.

Definitions (CLINICAL.md §5 for response and remission; the rest are holdspace's and are printed
on the page so that a reader knows exactly what was counted):

- A course is *in the period* when it started on or before the period's last day and had not
  ended before its first day.
- The instruments reported for an indication are those its courses in the period were asked
  (any administration of the instrument, whatever its status). Every course of the indication in
  the period is counted in each of those instruments' rows, so a course that was never asked,
  or never completed, an instrument shows up as "no baseline" rather than silently vanishing.
- Only completed, scored administrations count: entered-in-error, cancelled, still-due and
  incomplete responses (no total) are left out before they reach this module — a missing score
  is never counted as 0 (CLINICAL.md §4).
- *Baseline* = the score the caller chose as the course baseline (`Course.baselines`: the
  score asked as the baseline, or else the last score before the first infusion started — see
  `baselines.py`; never merely the first score left), as long as it was on or before the
  period's last day. A caller that passes no choice (`baselines` None) means the first score.
- *Outcome* = the last scored administration of the instrument dated inside the period and
  coming after the baseline.
- A course without a baseline is *not evaluable — no baseline*; one with a baseline but no later
  score inside the period is *not evaluable — no follow-up in the period*. Both are counted and
  shown, so that `courses = evaluable + no baseline + no follow-up` always holds.
- Response: ≥ 50 % reduction from the baseline; remission: the instrument's remission rule
  (`outcomes.rules_for`); an instrument without a remission rule reports remission as not assessed.
- Rates are successes of the evaluable courses, with the Wilson 95 % interval
  (`outcomes.rate_with_ci`; CLINICAL.md §5 asks for rates with confidence intervals).
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from holdspace.measures.outcomes import (
    DEFAULT_RULES,
    OutcomeRules,
    Rate,
    is_response,
    rate_with_ci,
)


class PeriodError(ValueError):
    """A period that cannot be summarised; the message says why."""


@dataclass(frozen=True)
class Score:
    """One completed, scored administration: the day it was completed and its total."""

    on: date
    total: float


@dataclass(frozen=True)
class Course:
    """One treatment course with its scores per instrument, each in completion order.

    `asked` names every instrument the course had an administration of, whatever its status
    (due, cancelled, entered in error …): it decides which rows the course is counted in.
    `baselines` gives, per instrument, the position in `scores` of the course baseline; an
    instrument missing from it has no baseline. None means the first score is the baseline.
    """

    course: str
    indication: str
    started_on: date
    ended_on: date | None
    scores: dict[str, tuple[Score, ...]]
    asked: frozenset[str]
    baselines: Mapping[str, int] | None = None


@dataclass(frozen=True)
class CourseVerdict:
    """How one course was counted, so that every number on the page can be traced."""

    course: str
    status: str  # "evaluable", "no-baseline" or "no-follow-up"
    baseline: Score | None
    outcome: Score | None
    response: bool | None
    remission: bool | None


EVALUABLE = "evaluable"
NO_BASELINE = "no-baseline"
NO_FOLLOW_UP = "no-follow-up"


@dataclass(frozen=True)
class OutcomeRow:
    """One indication and one instrument over the period."""

    indication: str
    instrument: str
    instrument_label: str
    courses: int
    evaluable: int
    no_baseline: int
    no_follow_up: int
    response: Rate
    # None when the instrument has no remission rule (CLINICAL.md §5 gives none, e.g. PCL-5).
    remission: Rate | None
    remission_rule: str


def check_period(start: date, end: date) -> None:
    if start > end:
        raise PeriodError(
            f"the start date ({start.isoformat()}) must be on or before the end date "
            f"({end.isoformat()})"
        )


def in_period(course: Course, start: date, end: date) -> bool:
    """The course ran during some part of the period."""
    return course.started_on <= end and (course.ended_on is None or course.ended_on >= start)


def _checked_scores(course: Course, instrument: str) -> tuple[Score, ...]:
    scores = course.scores.get(instrument, ())
    for earlier, later in itertools.pairwise(scores):
        if later.on < earlier.on:
            raise ValueError(f"course {course.course}: {instrument} scores must be in date order")
    for score in scores:
        if isinstance(score.total, bool) or score.total < 0:
            raise ValueError(f"course {course.course}: {score.total!r} is not a valid total")
    return scores


def _baseline_index(course: Course, instrument: str, scores: tuple[Score, ...]) -> int | None:
    if not scores:
        return None
    if course.baselines is None:
        return 0
    index = course.baselines.get(instrument)
    if index is None:
        return None
    if not 0 <= index < len(scores):
        raise ValueError(f"course {course.course}: {instrument} baseline {index} is not a score")
    return index


def verdict(course: Course, start: date, end: date, rules: OutcomeRules) -> CourseVerdict:
    """Baseline, outcome, response and remission of one course and instrument for the period."""
    scores = _checked_scores(course, rules.instrument)
    index = _baseline_index(course, rules.instrument, scores)
    if index is None or scores[index].on > end:
        return CourseVerdict(course.course, NO_BASELINE, None, None, None, None)
    baseline = scores[index]
    later = [score for score in scores[index + 1 :] if start <= score.on <= end]
    if not later:
        return CourseVerdict(course.course, NO_FOLLOW_UP, baseline, None, None, None)
    outcome = later[-1]
    remission = rules.remission.met(outcome.total) if rules.remission else None
    return CourseVerdict(
        course.course,
        EVALUABLE,
        baseline,
        outcome,
        is_response(baseline.total, outcome.total, rules),
        remission,
    )


def _row(
    indication: str, instrument: str, verdicts: Sequence[CourseVerdict], rules: OutcomeRules
) -> OutcomeRow:
    evaluable = [v for v in verdicts if v.status == EVALUABLE]
    remission = None
    if rules.remission is not None:
        remission = rate_with_ci(sum(1 for v in evaluable if v.remission), len(evaluable))
    return OutcomeRow(
        indication=indication,
        instrument=instrument,
        instrument_label=rules.label,
        courses=len(verdicts),
        evaluable=len(evaluable),
        no_baseline=sum(1 for v in verdicts if v.status == NO_BASELINE),
        no_follow_up=sum(1 for v in verdicts if v.status == NO_FOLLOW_UP),
        response=rate_with_ci(sum(1 for v in evaluable if v.response), len(evaluable)),
        remission=remission,
        remission_rule=f"{rules.label} {rules.remission}" if rules.remission else "",
    )


def summarise(
    courses: Iterable[Course],
    start: date,
    end: date,
    rules: dict[str, OutcomeRules] | None = None,
) -> tuple[OutcomeRow, ...]:
    """One row per indication and instrument, sorted by indication then instrument.

    Instruments without outcome rules (discharge scales, session feedback) are left out: there
    is no response to count. A course given twice is refused rather than double-counted.
    """
    check_period(start, end)
    rules = DEFAULT_RULES if rules is None else rules
    by_indication: dict[str, list[Course]] = defaultdict(list)
    seen: set[str] = set()
    for course in courses:
        if course.course in seen:
            raise ValueError(f"course {course.course} is given twice")
        seen.add(course.course)
        if in_period(course, start, end):
            by_indication[course.indication].append(course)
    rows: list[OutcomeRow] = []
    for indication in sorted(by_indication):
        members = by_indication[indication]
        asked = sorted(
            {key for course in members for key in course.asked | set(course.scores) if key in rules}
        )
        for instrument in asked:
            verdicts = [verdict(course, start, end, rules[instrument]) for course in members]
            rows.append(_row(indication, instrument, verdicts, rules[instrument]))
    return tuple(rows)
