"""Outcomes of a course of treatment, per patient and instrument (CLINICAL.md §5).

Pure Python, no Django. Given the scores of one instrument from the course baseline onwards, this
module says for each score: the change from baseline, response, remission, reliable improvement
or deterioration (Jacobson & Truax 1991), reliable recovery and whether the minimal clinically
important difference was reached; and it notices loss of response or relapse, which produces a
*suggestion* for the care team ("suggest a booster or an extra therapy session") — never an order.

Every threshold is a per-instrument setting with its source (`OutcomeRules`); `rules_for` gives
the project defaults and a clinic may replace any of them with `dataclasses.replace`. A rule that
is not configured for an instrument is reported as None ("not assessed"), never as False.

Scores here are totals that the scoring engine computed; an incomplete response has no total and
cannot be used (it is refused with a message, not skipped silently).

`rate_with_ci` gives a response or remission rate with its Wilson 95 % interval for the clinic's
outcome summary.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

# Jacobson NS, Truax P. Clinical significance: a statistical approach to defining meaningful
# change in psychotherapy research. J Consult Clin Psychol 1991;59(1):12-19: change is reliable
# when it exceeds 1.96 standard errors of the difference (CLINICAL.md §5).
RCI_Z = 1.96
# The two-sided 95 % normal quantile, for the Wilson score interval (Wilson EB, J Am Stat Assoc
# 1927;22:209-212), recommended for proportions by Brown, Cai & DasGupta, Stat Sci 2001.
WILSON_Z_95 = 1.959963984540054
BOOSTER_SUGGESTION = "suggest a booster or an extra therapy session"
_OPERATORS = ("<", "<=", ">=", ">")


class OutcomeInputError(ValueError):
    """A score series that cannot be assessed; the message says which point and why."""


@dataclass(frozen=True)
class Threshold:
    """A score criterion such as "< 5", with where it comes from."""

    operator: str
    value: float
    source: str

    def __post_init__(self) -> None:
        if self.operator not in _OPERATORS:
            raise ValueError(f"operator must be one of {', '.join(_OPERATORS)}")

    def met(self, score: float) -> bool:
        if self.operator == "<":
            return score < self.value
        if self.operator == "<=":
            return score <= self.value
        if self.operator == ">=":
            return score >= self.value
        return score > self.value

    def __str__(self) -> str:
        symbol = {"<=": "≤", ">=": "≥"}.get(self.operator, self.operator)
        return f"{symbol} {self.value:g}"


def reliable_change_threshold(sd: float, reliability: float) -> int:
    """Smallest whole-point change that counts as reliable (Jacobson & Truax 1991).

    SE = SD x √(1 - r); S_diff = √2 x SE; threshold = 1.96 x S_diff rounded UP to a whole point
    (CLINICAL.md §5). PHQ-9 (SD 5.5, r 0.89) gives 6 points; GAD-7 (SD 4.5, r 0.92) gives 4.
    """
    if not sd > 0:
        raise ValueError(f"the standard deviation must be above 0 (got {sd})")
    if not 0 <= reliability < 1:
        raise ValueError(f"the reliability must be from 0 to below 1 (got {reliability})")
    standard_error = sd * math.sqrt(1 - reliability)
    s_diff = math.sqrt(2) * standard_error
    # Rounding to 9 places first keeps a float artefact (5.0000000001) from adding a whole point.
    return math.ceil(round(RCI_Z * s_diff, 9))


@dataclass(frozen=True)
class ReliableChange:
    sd: float
    reliability: float
    source: str

    @property
    def points(self) -> int:
        return reliable_change_threshold(self.sd, self.reliability)


@dataclass(frozen=True)
class Mcid:
    """Minimal clinically important difference, reported separately from reliable change."""

    points: float
    source: str


@dataclass(frozen=True)
class OutcomeRules:
    """The outcome definitions for one instrument; lower scores are better on all of them."""

    instrument: str
    label: str
    remission: Threshold | None
    reliable_change: ReliableChange | None
    below_caseness: Threshold | None
    mcid: Mcid | None
    relapse_after_remission: Threshold | None
    # CLINICAL.md §5: response is a ≥ 50 % reduction from the course baseline.
    response_reduction: Fraction = Fraction(1, 2)
    # CLINICAL.md §5 (project default, clinic-configurable): after a response, two consecutive
    # scores no longer meeting the response criterion suggest a booster or extra therapy.
    loss_of_response_after: int = 2

    def describe(self) -> tuple[str, ...]:
        """Every rule in words, with its source, so a report can say which rule it applied."""
        percent = f"{float(self.response_reduction) * 100:g} %"
        lines = [f"response: ≥ {percent} reduction from the course baseline (CLINICAL.md §5)"]
        if self.remission:
            lines.append(f"remission: {self.label} {self.remission} ({self.remission.source})")
        if self.reliable_change:
            rc = self.reliable_change
            lines.append(
                f"reliable change: ≥ {rc.points} points (Jacobson & Truax; SD {rc.sd:g}, "
                f"r {rc.reliability:g}; {rc.source})"
            )
        if self.below_caseness and self.reliable_change:
            lines.append(
                f"reliable recovery: reliable improvement from a baseline at caseness to "
                f"{self.label} {self.below_caseness} ({self.below_caseness.source})"
            )
        if self.mcid:
            lines.append(f"MCID: {self.mcid.points:g} points ({self.mcid.source})")
        lines.append(
            f"loss of response: {self.loss_of_response_after} consecutive scores no longer "
            "meeting the response criterion after a response (CLINICAL.md §5, project default)"
        )
        if self.relapse_after_remission:
            lines.append(
                f"relapse: {self.label} {self.relapse_after_remission} after remission "
                f"({self.relapse_after_remission.source})"
            )
        return tuple(lines)


# Project defaults. Every figure is from CLINICAL.md §5 unless its source says otherwise.
_TALKING_THERAPIES = "NHS Talking Therapies defaults via CLINICAL.md §5"
DEFAULT_RULES: dict[str, OutcomeRules] = {
    "phq9": OutcomeRules(
        instrument="phq9",
        label="PHQ-9",
        # ORKA-1 used < 5; "≤ 4" is the same rule for whole-number scores.
        remission=Threshold("<", 5, "ORKA-1; CLINICAL.md §5"),
        reliable_change=ReliableChange(5.5, 0.89, _TALKING_THERAPIES),
        below_caseness=Threshold("<", 10, f"caseness PHQ-9 ≥ 10, {_TALKING_THERAPIES}"),
        mcid=Mcid(5, "CLINICAL.md §5"),
        relapse_after_remission=Threshold(">=", 10, "CLINICAL.md §5, project default"),
    ),
    "gad7": OutcomeRules(
        instrument="gad7",
        label="GAD-7",
        remission=Threshold("<", 5, "CLINICAL.md §5"),
        reliable_change=ReliableChange(4.5, 0.92, _TALKING_THERAPIES),
        below_caseness=Threshold("<", 8, f"caseness GAD-7 ≥ 8, {_TALKING_THERAPIES}"),
        mcid=Mcid(4, "CLINICAL.md §5"),
        # CLINICAL.md gives a score-after-remission relapse rule for the PHQ-9 only.
        relapse_after_remission=None,
    ),
    "hamd17": OutcomeRules(
        instrument="hamd17",
        label="HAM-D 17",
        remission=Threshold("<=", 7, "CLINICAL.md §5"),
        # No SD and reliability are given in CLINICAL.md: reliable change is not assessed until
        # a clinic configures them.
        reliable_change=None,
        below_caseness=None,
        mcid=None,
        relapse_after_remission=None,
    ),
    "qids_sr16": OutcomeRules(
        instrument="qids_sr16",
        label="QIDS-SR16",
        remission=Threshold("<=", 5, "CLINICAL.md §4 (QIDS-SR16 remission ≤ 5)"),
        reliable_change=None,
        below_caseness=None,
        mcid=None,
        relapse_after_remission=None,
    ),
    "pcl5": OutcomeRules(
        instrument="pcl5",
        label="PCL-5",
        remission=None,
        reliable_change=None,
        below_caseness=None,
        # CLINICAL.md §5 gives a range of 5-10 points; 10 is the conservative end.
        mcid=Mcid(10, "CLINICAL.md §5: PCL-5 MCID 5-10 points; 10 is the shipped default"),
        relapse_after_remission=None,
    ),
    "madrs": OutcomeRules(
        instrument="madrs",
        label="MADRS",
        # For a clinic that imports MADRS under the id "madrs". CLINICAL.md §5: ≤ 10 or ≤ 12,
        # configurable, record which; ≤ 10 is the shipped default.
        remission=Threshold("<=", 10, "CLINICAL.md §5 (≤ 10; some use ≤ 12)"),
        reliable_change=None,
        below_caseness=None,
        mcid=None,
        relapse_after_remission=None,
    ),
}


def rules_for(instrument_id: str) -> OutcomeRules:
    """The default outcome rules for an instrument; KeyError if outcomes are not defined."""
    if instrument_id not in DEFAULT_RULES:
        raise KeyError(
            f"no outcome rules for '{instrument_id}'; defined for {', '.join(DEFAULT_RULES)}"
        )
    return DEFAULT_RULES[instrument_id]


# ---------------------------------------------------------------------------------------------
# One score against the baseline
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointOutcome:
    """One score judged against the course baseline. None means "not assessed": the rule is
    not configured for this instrument."""

    on: date
    score: float
    change: float
    percent_change: float | None
    response: bool
    remission: bool | None
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    reliable_recovery: bool | None
    mcid_reached: bool | None


def is_response(baseline: float, score: float, rules: OutcomeRules) -> bool:
    """≥ 50 % reduction from the baseline (CLINICAL.md §5). A baseline of 0 cannot fall by half
    in any meaningful way, so it never yields a response."""
    if baseline <= 0:
        return False
    return Fraction(baseline) - Fraction(score) >= rules.response_reduction * Fraction(baseline)


def judge(baseline: float, on: date, score: float, rules: OutcomeRules) -> PointOutcome:
    improvement = baseline - score
    reliable_improvement = reliable_deterioration = reliable_recovery = None
    if rules.reliable_change is not None:
        points = rules.reliable_change.points
        reliable_improvement = improvement >= points
        reliable_deterioration = -improvement >= points
        if rules.below_caseness is not None:
            # NHS Talking Therapies: recovery applies to someone who started at caseness, and
            # "reliable recovery" adds reliable improvement to ending below caseness.
            started_as_case = not rules.below_caseness.met(baseline)
            reliable_recovery = (
                reliable_improvement and started_as_case and rules.below_caseness.met(score)
            )
    return PointOutcome(
        on=on,
        score=score,
        change=score - baseline,
        percent_change=round((score - baseline) / baseline * 100, 1) if baseline else None,
        response=is_response(baseline, score, rules),
        remission=rules.remission.met(score) if rules.remission else None,
        reliable_improvement=reliable_improvement,
        reliable_deterioration=reliable_deterioration,
        reliable_recovery=reliable_recovery,
        mcid_reached=improvement >= rules.mcid.points if rules.mcid else None,
    )


# ---------------------------------------------------------------------------------------------
# The course: loss of response and relapse
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A suggestion for the care team's worklist — never an order.

    `action` is always "suggest a booster or an extra therapy session"; a clinician decides
    whether to act on it. `triggers` names the rules that fired ("loss-of-response",
    "relapse-after-remission") and `reason` explains them with dates and scores.
    """

    instrument: str
    on: date
    triggers: tuple[str, ...]
    reason: str
    action: str = BOOSTER_SUGGESTION


@dataclass(frozen=True)
class CourseOutcome:
    instrument: str
    rules: OutcomeRules
    baseline: PointOutcome
    points: tuple[PointOutcome, ...]
    suggestions: tuple[Suggestion, ...]

    @property
    def latest(self) -> PointOutcome:
        return self.points[-1]

    @property
    def rules_applied(self) -> tuple[str, ...]:
        return self.rules.describe()


def _checked_series(series: Sequence[tuple[date, float | None]]) -> list[tuple[date, float]]:
    if not series:
        raise OutcomeInputError("no scores: a course needs at least its baseline score")
    checked: list[tuple[date, float]] = []
    for on, score in series:
        if not isinstance(on, date):
            raise OutcomeInputError(f"{on!r} is not a date")
        if score is None:
            raise OutcomeInputError(
                f"the response on {on.isoformat()} has no score (it was incomplete); leave it "
                "out of the outcome series rather than counting it as 0"
            )
        if isinstance(score, bool) or not isinstance(score, int | float) or score < 0:
            raise OutcomeInputError(
                f"the score on {on.isoformat()} is not a valid total: {score!r}"
            )
        if checked and on < checked[-1][0]:
            raise OutcomeInputError(
                f"scores must be in date order: {on.isoformat()} comes after "
                f"{checked[-1][0].isoformat()}"
            )
        checked.append((on, score))
    return checked


def assess_course(
    series: Sequence[tuple[date, float | None]], rules: OutcomeRules
) -> CourseOutcome:
    """Judge every score from the course baseline (the first point) onwards, and collect the
    booster suggestions that loss of response or relapse call for.

    After a suggestion the watch starts again: a new suggestion needs a new response (or a new
    remission) first, so one slip is not suggested over and over.
    """
    points_in = _checked_series(series)
    baseline = points_in[0][1]
    points = [judge(baseline, on, score, rules) for on, score in points_in]
    suggestions: list[Suggestion] = []
    responded_on: date | None = None
    remitted_on: date | None = None
    misses = 0
    for point in points[1:]:
        reasons: list[str] = []
        triggers: list[str] = []
        if point.response:
            responded_on, misses = point.on, 0
        elif responded_on is not None:
            misses += 1
            if misses >= rules.loss_of_response_after:
                triggers.append("loss-of-response")
                reasons.append(
                    f"{misses} consecutive scores no longer meet the response criterion "
                    f"(≥ {float(rules.response_reduction) * 100:g} % below the baseline of "
                    f"{baseline:g}) after a response on {responded_on.isoformat()}"
                )
        relapse = rules.relapse_after_remission
        if relapse is not None and remitted_on is not None and relapse.met(point.score):
            triggers.append("relapse-after-remission")
            reasons.append(
                f"{rules.label} {point.score:g} is {relapse} after remission on "
                f"{remitted_on.isoformat()}"
            )
        if point.remission:
            remitted_on = point.on
        if triggers:
            suggestions.append(
                Suggestion(
                    instrument=rules.instrument,
                    on=point.on,
                    triggers=tuple(triggers),
                    reason=(
                        f"{rules.label} {point.score:g} on {point.on.isoformat()}: "
                        f"{'; '.join(reasons)} — {BOOSTER_SUGGESTION}"
                    ),
                )
            )
            responded_on, remitted_on, misses = None, None, 0
    return CourseOutcome(
        instrument=rules.instrument,
        rules=rules,
        baseline=points[0],
        points=tuple(points),
        suggestions=tuple(suggestions),
    )


# ---------------------------------------------------------------------------------------------
# Clinic summary: a rate with its confidence interval
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """successes of n, with the Wilson 95 % interval; all None when n is 0 (no patients)."""

    successes: int
    n: int
    proportion: float | None
    lower: float | None
    upper: float | None
    method: str = "Wilson score interval, 95 %"


def rate_with_ci(successes: int, n: int) -> Rate:
    """A response or remission rate with its Wilson 95 % confidence interval.

    Wilson rather than the textbook normal interval because clinic counts are small and rates
    near 0 % or 100 % are common, where the normal interval leaves [0, 1] or collapses to a point.
    """
    for label, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{label} must be a whole number of patients (got {value!r})")
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n})")
    if n == 0:
        return Rate(successes, n, None, None, None)
    p = successes / n
    z2 = WILSON_Z_95**2
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = WILSON_Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # Clamping only removes float dust: mathematically the interval lies in [0, 1] and holds p.
    lower = min(max(centre - half_width, 0.0), p)
    upper = max(min(centre + half_width, 1.0), p)
    return Rate(successes, n, p, lower, upper)
