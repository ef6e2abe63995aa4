"""A patient's outcomes: per course and instrument, what the pure outcomes engine says about the
completed scores, with the trajectory picture; and the booster suggestions on the worklist.

Only completed administrations with a total count: entered-in-error and cancelled rows are left
out; the baseline is chosen as `baselines` says (a score from before treatment, never merely the
first score left), and an incomplete response (no total, because missing answers are never
counted as 0, CLINICAL.md §4) is counted and named, not scored.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.measures import baselines, charts, outcomes
from holdspace.measures.models import Administration, AdministrationStatus
from holdspace.worklist.registry import Urgency, WorklistItem

if TYPE_CHECKING:
    from holdspace.clinics.models import Clinic
    from holdspace.patients.models import Patient

# The pain rating has no outcome rules in the shared defaults; these come from CLINICAL.md §5
# (pain NRS MCID 2 points or 30 %; the 2-point figure is used, the percentage is shown beside
# the change). Response (≥ 50 % reduction) applies as for every instrument. No remission or
# reliable-change figures are given for it, so those are "not assessed".
PAIN_NRS_RULES = outcomes.OutcomeRules(
    instrument="pain_nrs",
    label="Pain NRS",
    remission=None,
    reliable_change=None,
    below_caseness=None,
    mcid=outcomes.Mcid(2, "CLINICAL.md §5: pain NRS 2 points or 30 %"),
    relapse_after_remission=None,
)
# A booster suggestion stays on the worklist this long unless a booster infusion or an extra
# therapy session is booked, or a later score shows response again (project default).
SUGGESTION_OPEN_DAYS = 28
# Not outcome measures: the session-feedback form is not validated and is never to be used as an
# outcome (its own file says so); PADSS and Aldrete are discharge-readiness scales of one infusion.
NOT_OUTCOME_MEASURES = ("session_feedback", "padss", "aldrete")
CLINICIANS_ONLY = "Outcomes are for the care team: a prescriber, nurse or therapist."


def outcome_rules(instrument_key: str) -> outcomes.OutcomeRules | None:
    if instrument_key == PAIN_NRS_RULES.instrument:
        return PAIN_NRS_RULES
    try:
        return outcomes.rules_for(instrument_key)
    except KeyError:
        return None


# --- Gathering the scores --------------------------------------------------------------------


@dataclass
class Series:
    """One instrument's completed scores within one course (course None: outside any course)."""

    course: Any
    instrument: Any
    version: Any
    scores: list[tuple[date, float]] = field(default_factory=list)
    incomplete: int = 0
    # (occasion, completed at) of each score, and the position of the course baseline among
    # the scores (None: no baseline, see `baselines`).
    scored: list[tuple[str, Any]] = field(default_factory=list)
    baseline: int | None = None

    @property
    def from_baseline(self) -> list[tuple[date, float]]:
        """The scores the outcome is judged on: the baseline and every score after it."""
        return [] if self.baseline is None else self.scores[self.baseline :]


def _local_day(moment: Any, clinic: Clinic) -> date:
    import zoneinfo

    return timezone.localtime(moment, zoneinfo.ZoneInfo(clinic.time_zone)).date()


def completed_series(patients: Iterable[Patient] | None, clinic: Clinic) -> list[Series]:
    """Completed scores grouped by (patient's) course and instrument, in date order, in one
    query. `patients` None means every patient of the clinic."""
    rows = (
        Administration.objects.filter(clinic=clinic, status=AdministrationStatus.COMPLETED)
        .exclude(completed_at=None)
        .exclude(instrument_version__instrument__key__in=NOT_OUTCOME_MEASURES)
        .select_related("instrument_version__instrument", "course", "patient")
        .order_by("completed_at", "id")
    )
    if patients is not None:
        rows = rows.filter(patient__in=list(patients))
    grouped: dict[tuple[int, int | None, int], Series] = {}
    for row in rows:
        instrument = row.instrument_version.instrument
        key = (row.patient_id, row.course_id, instrument.pk)
        series = grouped.setdefault(key, Series(row.course, instrument, row.instrument_version))
        series.version = row.instrument_version
        series.patient = row.patient  # type: ignore[attr-defined]
        if row.total is None or not row.complete:
            series.incomplete += 1
        else:
            series.scores.append((_local_day(row.completed_at, clinic), float(row.total)))
            series.scored.append((row.occasion, row.completed_at))
    first = baselines.first_infusions({course for _, course, _ in grouped if course is not None})
    for (_, course_id, _), series in grouped.items():
        if course_id is not None:
            series.baseline = baselines.baseline_index(series.scored, first.get(course_id))
    return list(grouped.values())


# --- The page --------------------------------------------------------------------------------


@dataclass
class InstrumentOutcome:
    series: Series
    outcome: outcomes.CourseOutcome | None
    svg: SafeString
    chart_text: str
    note: str = ""
    chart_id: str = ""

    @property
    def rows(self) -> list[tuple[str, str]]:
        """The outcome in words, one (measure, result) pair per line, for the page and the PDF.
        A rule that is not configured for the instrument reads "not assessed", never "no"."""
        if self.outcome is None:
            return []
        base, latest = self.outcome.baseline, self.outcome.latest
        percent = f" ({latest.percent_change:+g} %)" if latest.percent_change is not None else ""
        reliable = _reliable(latest)
        return [
            ("Baseline", f"{base.score:g} on {base.on:%Y-%m-%d}"),
            ("Latest", f"{latest.score:g} on {latest.on:%Y-%m-%d}"),
            ("Change from baseline", f"{latest.change:+g} points{percent}"),
            ("Response (≥ 50 % reduction)", _yes_no(latest.response)),
            ("Remission", _yes_no(latest.remission)),
            ("Reliable change", reliable),
            ("Reliable recovery", _yes_no(latest.reliable_recovery)),
            ("Minimal clinically important difference reached", _yes_no(latest.mcid_reached)),
            ("Loss of response or relapse", self.relapse_text),
        ]

    @property
    def latest_suggestion(self) -> outcomes.Suggestion | None:
        return self.outcome.suggestions[-1] if self.outcome and self.outcome.suggestions else None

    @property
    def responding_again(self) -> bool:
        """A score after the latest suggestion met the response criterion again."""
        last = self.latest_suggestion
        if last is None or self.outcome is None:
            return False
        return any(p.response for p in self.outcome.points if p.on > last.on)

    @property
    def relapse_text(self) -> str:
        if self.outcome is None or not self.outcome.suggestions:
            return "none detected"
        last = self.outcome.suggestions[-1]
        return f"yes, {last.on:%Y-%m-%d} ({', '.join(last.triggers)})"


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "not assessed (no rule for this questionnaire)"
    return "yes" if value else "no"


def _reliable(point: outcomes.PointOutcome) -> str:
    if point.reliable_improvement is None:
        return "not assessed (no SD and reliability for this questionnaire)"
    if point.reliable_improvement:
        return "reliable improvement"
    if point.reliable_deterioration:
        return "reliable deterioration"
    return "no reliable change"


def _bands(parsed: Any) -> tuple[charts.Band, ...]:
    return tuple(charts.Band(b.minimum, b.maximum, b.label) for b in parsed.bands)


def _thresholds(
    outcome: outcomes.CourseOutcome | None, rules: outcomes.OutcomeRules | None
) -> tuple[charts.Threshold | None, charts.Threshold | None]:
    if outcome is None or rules is None:
        return None, None
    baseline = outcome.baseline.score
    response = None
    if baseline > 0:
        at = baseline * (1 - float(rules.response_reduction))
        response = charts.Threshold(at, f"response: ≤ {at:g} (half of baseline {baseline:g})")
    remission = None
    if rules.remission is not None:
        remission = charts.Threshold(rules.remission.value, f"remission: {rules.remission}")
    return response, remission


def instrument_outcome(
    series: Series, infusion_days: tuple[date, ...], chart_id: str
) -> InstrumentOutcome:
    rules = outcome_rules(series.instrument.key)
    outcome = None
    note = ""
    if rules is None:
        note = f"No outcome rules are defined for {series.instrument.short_name}; scores only."
    elif series.from_baseline:
        outcome = outcomes.assess_course(series.from_baseline, rules)
    elif series.scores and series.course is None:
        note = "Not part of a treatment course, so there is no course baseline: scores only."
    elif series.scores:
        note = baselines.NO_BASELINE_NOTE
    parsed = series.version.parsed()
    response, remission = _thresholds(outcome, rules)
    chart = charts.ScoreChart(
        chart_id=chart_id,
        title=f"{series.instrument.short_name} scores",
        minimum=float(parsed.minimum),
        maximum=float(parsed.maximum),
        points=tuple(charts.ChartPoint(on, score) for on, score in series.scores),
        bands=_bands(parsed),
        infusion_days=infusion_days,
        response=response,
        remission=remission,
    )
    # The SVG is built by charts.render_svg, which escapes every text it contains.
    svg = mark_safe(charts.render_svg(chart))  # noqa: S308
    return InstrumentOutcome(series, outcome, svg, charts.describe(chart), note, chart_id)


def _infusion_days(patient: Patient) -> dict[int | None, tuple[date, ...]]:
    """Days an infusion was given, per course (None: every course together)."""
    from holdspace.infusions.models import InfusionSession

    sessions = InfusionSession.objects.filter(
        patient=patient, started_at__isnull=False
    ).values_list("order__course_id", "started_at")
    by_course: dict[int | None, list[date]] = defaultdict(list)
    for course_id, started_at in sessions:
        day = _local_day(started_at, patient.clinic)
        by_course[course_id].append(day)
        by_course[None].append(day)
    return {key: tuple(sorted(days)) for key, days in by_course.items()}


@dataclass
class CourseSection:
    course: Any
    instruments: list[InstrumentOutcome]


def patient_outcomes(patient: Patient) -> list[CourseSection]:
    """Every course of the patient (most recent first) with its instruments' outcomes."""
    infusions = _infusion_days(patient)
    sections: dict[int | None, CourseSection] = {}
    for index, series in enumerate(completed_series([patient], patient.clinic)):
        course_id = series.course.pk if series.course is not None else None
        section = sections.setdefault(course_id, CourseSection(series.course, []))
        days = infusions.get(course_id, ()) if course_id is not None else ()
        section.instruments.append(instrument_outcome(series, days, f"chart-{index}"))
    ordered = sorted(
        sections.values(),
        key=lambda s: (s.course is None, -(s.course.created_at.timestamp() if s.course else 0)),
    )
    return ordered


def outcomes_url(patient: Patient) -> str:
    return reverse("measures:patient_outcomes", kwargs={"patient_id": patient.public_id})


def get_patient_for_outcomes(request: HttpRequest, patient_id: uuid.UUID) -> Patient:
    """The patient in the clinic being worked in (404 otherwise, for every role), then the role
    check: outcomes are clinical information for the care team (403 for a clinic admin)."""
    from holdspace.measures.queries import get_patient_for
    from holdspace.patients.actions import require_role

    patient = get_patient_for(request, patient_id)
    require_role(request.user, patient.clinic_id, CLINICAL_ROLES, CLINICIANS_ONLY, request)
    return patient


@require_GET
@clinic_member_required()
def outcomes_page(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for_outcomes(request, patient_id)
    sections = patient_outcomes(patient)
    record(
        action=Action.READ,
        category="measure_outcomes",
        request=request,
        patient=patient,
        obj=patient,
        summary="Outcomes opened",
    )
    return render(
        request,
        "measures/outcomes.html",
        {"patient": patient, "sections": sections},
    )


# --- Booster suggestions on the worklist -----------------------------------------------------


def _followed_up(patient: Patient, since: date) -> bool:
    """A booster infusion or an extra therapy session was booked on or after `since` (a session
    booked earlier, before the slip was seen, is not an answer to it)."""
    from holdspace.infusions.models import InfusionSession, SessionState
    from holdspace.therapy.models import IntegrationSession, PreparationSession

    booked = (
        InfusionSession.objects.filter(patient=patient, created_at__date__gte=since)
        .exclude(state=SessionState.ABORTED)
        .exists()
    )
    return (
        booked
        or IntegrationSession.objects.filter(patient=patient, created_at__date__gte=since).exists()
        or PreparationSession.objects.filter(patient=patient, created_at__date__gte=since).exists()
    )


def open_suggestion(series: Series, today: date) -> outcomes.Suggestion | None:
    """The latest suggestion of the series if it still needs the care team: recent, and no
    later score met the response criterion again."""
    rules = outcome_rules(series.instrument.key)
    if rules is None or not series.from_baseline:
        return None
    outcome = outcomes.assess_course(series.from_baseline, rules)
    if not outcome.suggestions:
        return None
    suggestion = outcome.suggestions[-1]
    if suggestion.on < today - timedelta(days=SUGGESTION_OPEN_DAYS):
        return None
    later = [p for p in outcome.points if p.on > suggestion.on]
    if any(p.response for p in later):
        return None
    return suggestion


def suggestion_items(clinic: Clinic, user: Any) -> list[WorklistItem]:
    """Worklist provider: booster / extra-therapy suggestions (CLINICAL.md §5) — suggestions for
    the care team to consider, never orders."""
    today = _local_day(timezone.now(), clinic)
    items = []
    for series in completed_series(None, clinic):
        suggestion = open_suggestion(series, today)
        patient = series.patient  # type: ignore[attr-defined]
        if suggestion is None or _followed_up(patient, suggestion.on):
            continue
        team = frozenset(pk for pk in (patient.prescriber_id, patient.therapist_id) if pk)
        items.append(
            WorklistItem(
                kind="booster_suggestion",
                label="Suggestion",
                patient=patient,
                title=f"{series.instrument.short_name}: consider a booster or extra therapy",
                detail=suggestion.reason,
                url=outcomes_url(patient),
                action="Review outcomes",
                urgency=Urgency.SUGGESTION,
                since=timezone.make_aware(
                    timezone.datetime.combine(suggestion.on, timezone.datetime.min.time())
                ),
                responsible_ids=team,
            )
        )
    return items
