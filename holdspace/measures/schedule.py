"""When each measure is due during a course of treatment (CLINICAL.md §4, issue 5 "Schedules").

Pure Python, no Django. Given a course's calendar (start, infusions, integration sessions, the
end of induction), the clinic's rules for the patient's indication group and today's date,
`due_measures` lists every questionnaire that should be asked now or soon, each with its
occasion and due date:

- **baseline**, on the day the course starts, while no infusion has been given (a score taken
  after the first infusion is not a baseline, and response is measured from the course baseline,
  CLINICAL.md §5);
- **before each infusion**, on the day of every infusion still to come;
- **at each integration session**, on the day of every integration session still to come, and
  still asked after that day while its visit is open (`Visit.open_until`: until the integration
  window closes, so a questionnaire not answered on the day is not lost);
- **follow-up** 1, 2 and 4 weeks after the end of induction, then monthly (issue 5 and
  CLINICAL.md §5: median relapse after an induction series is about 18 days, Murrough 2013, so the
  first month is measured densely).

An instrument is asked at most once a day: when two occasions fall on the same day the first of
baseline → before an infusion → integration → follow-up is kept. Of the follow-ups already past,
only the most recent is listed: an older one that was missed is superseded by the next one, since
a questionnaire about "the last 2 weeks" cannot be answered for a fortnight long gone.

`group_for` maps a recorded indication (ICD-10-CM code and/or the course's indication category) to
the group the clinic configures measures for; `DEFAULT_RULES` are the project defaults.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class IndicationGroup(StrEnum):
    """The groups a clinic configures measures for (values match models.IndicationGroup)."""

    DEPRESSION = "depression"
    ANXIETY = "anxiety"
    PTSD = "ptsd"
    CHRONIC_PAIN = "chronic_pain"
    OTHER = "other"


class Occasion(StrEnum):
    """Why a measure is asked (values match measures.models.Occasion), in order of precedence."""

    BASELINE = "baseline"
    PRE_INFUSION = "pre_infusion"
    INTEGRATION = "integration"
    FOLLOW_UP = "follow_up"


_PRECEDENCE = {occasion: rank for rank, occasion in enumerate(Occasion)}

# ICD-10-CM (FY2026 tabular list, CDC/NCHS) code prefixes → group; the longest matching prefix
# wins. Depressive episodes F32/F33, dysthymia F34.1, the depressed phases of bipolar disorder
# F31.3-F31.5, F31.75/F31.76 and bipolar II F31.81 (recorded by clinics as bipolar depression,
# see holdspace/patients/data/icd10cm.json); anxiety disorders F40-F41; PTSD F43.1; chronic pain
# G89.2/G89.4, CRPS G90.5 and causalgia G56.4/G57.7, fibromyalgia M79.7.
_ICD10_PREFIXES: tuple[tuple[str, IndicationGroup], ...] = (
    ("F32", IndicationGroup.DEPRESSION),
    ("F33", IndicationGroup.DEPRESSION),
    ("F34.1", IndicationGroup.DEPRESSION),
    ("F31.3", IndicationGroup.DEPRESSION),
    ("F31.4", IndicationGroup.DEPRESSION),
    ("F31.5", IndicationGroup.DEPRESSION),
    ("F31.75", IndicationGroup.DEPRESSION),
    ("F31.76", IndicationGroup.DEPRESSION),
    ("F31.81", IndicationGroup.DEPRESSION),
    ("F40", IndicationGroup.ANXIETY),
    ("F41", IndicationGroup.ANXIETY),
    ("F43.1", IndicationGroup.PTSD),
    ("G89.2", IndicationGroup.CHRONIC_PAIN),
    ("G89.4", IndicationGroup.CHRONIC_PAIN),
    ("G90.5", IndicationGroup.CHRONIC_PAIN),
    ("G56.4", IndicationGroup.CHRONIC_PAIN),
    ("G57.7", IndicationGroup.CHRONIC_PAIN),
    ("M79.7", IndicationGroup.CHRONIC_PAIN),
)

# The indication categories of holdspace/patients/data/icd10cm.json (a course's indication).
_CATEGORY_GROUPS: dict[str, IndicationGroup] = {
    "trd": IndicationGroup.DEPRESSION,
    "mdd": IndicationGroup.DEPRESSION,
    "bipolar_depression": IndicationGroup.DEPRESSION,
    "gad": IndicationGroup.ANXIETY,
    "ptsd": IndicationGroup.PTSD,
    "chronic_pain": IndicationGroup.CHRONIC_PAIN,
    "other": IndicationGroup.OTHER,
}


def group_for_icd10(code: str) -> IndicationGroup:
    """The group of an ICD-10-CM code ("F33.2" → depression); OTHER when none matches."""
    normalised = code.strip().upper()
    matches = [
        (prefix, group) for prefix, group in _ICD10_PREFIXES if normalised.startswith(prefix)
    ]
    if not matches:
        return IndicationGroup.OTHER
    return max(matches, key=lambda match: len(match[0]))[1]


def group_for_category(category: str) -> IndicationGroup:
    """The group of an indication category key ("trd" → depression); OTHER when unknown."""
    return _CATEGORY_GROUPS.get(category.strip().lower(), IndicationGroup.OTHER)


def group_for(icd10_code: str = "", category: str = "") -> IndicationGroup:
    """The group for a recorded indication: the ICD-10-CM code decides when it is specific,
    otherwise the indication category (a course records only the category)."""
    by_code = group_for_icd10(icd10_code) if icd10_code else IndicationGroup.OTHER
    if by_code is not IndicationGroup.OTHER:
        return by_code
    return group_for_category(category) if category else IndicationGroup.OTHER


@dataclass(frozen=True)
class MeasureRule:
    """One instrument the clinic asks for one indication group, and on which occasions."""

    instrument: str
    at_baseline: bool = True
    before_each_infusion: bool = True
    at_integration: bool = True
    follow_up: bool = True

    def asks_on(self, occasion: Occasion) -> bool:
        return {
            Occasion.BASELINE: self.at_baseline,
            Occasion.PRE_INFUSION: self.before_each_infusion,
            Occasion.INTEGRATION: self.at_integration,
            Occasion.FOLLOW_UP: self.follow_up,
        }[occasion]


# Project defaults, CLINICAL.md §4 and issue 5: depression → PHQ-9; anxiety → GAD-7; PTSD → PCL-5
# + PHQ-9; chronic pain → a 0-10 pain rating + PHQ-9. Every occasion of the schedule is on
# ("baseline, before each infusion, at each integration session, and follow-ups"). CLINICAL.md
# names no measure for "other" indications, so none is asked until the clinic chooses one.
DEFAULT_RULES: dict[IndicationGroup, tuple[MeasureRule, ...]] = {
    IndicationGroup.DEPRESSION: (MeasureRule("phq9"),),
    IndicationGroup.ANXIETY: (MeasureRule("gad7"),),
    IndicationGroup.PTSD: (MeasureRule("pcl5"), MeasureRule("phq9")),
    IndicationGroup.CHRONIC_PAIN: (MeasureRule("pain_nrs"), MeasureRule("phq9")),
    IndicationGroup.OTHER: (),
}

# Follow-ups after the end of induction: 1, 2 and 4 weeks (issue 5, CLINICAL.md §5 on early
# relapse), then monthly; monthly ones stop after a year unless the clinic asks for longer
# (project default: by then a patient is in maintenance or discharged from the service).
FOLLOW_UP_WEEKS = (1, 2, 4)
FOLLOW_UP_MONTHS = 12
# Measures due within this many days are listed ahead, so a reminder can go out beforehand.
LOOKAHEAD_DAYS = 3


@dataclass(frozen=True)
class Visit:
    """An infusion or integration session of the course. `key` identifies it (its public id) so a
    pre-infusion measure can be linked to it; `done` means it has started or taken place."""

    key: str
    on: date
    done: bool = False
    open_until: date | None = None
    """The last day a measure at this visit may still be answered although its day has passed
    (an integration session's questionnaire: until the integration window closes)."""


@dataclass(frozen=True)
class CourseCalendar:
    started_on: date
    infusions: tuple[Visit, ...] = ()
    integrations: tuple[Visit, ...] = ()
    induction_ended_on: date | None = None


@dataclass(frozen=True)
class DueMeasure:
    instrument: str
    occasion: Occasion
    due_on: date
    label: str
    """What a clinician reads, e.g. "1 week after induction"."""
    visit_key: str | None = None
    """The infusion or integration session this is asked at, when there is one."""


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day (31 Jan + 1 → 28/29
    Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_dates(
    induction_ended_on: date, months: int = FOLLOW_UP_MONTHS
) -> list[tuple[date, str]]:
    """Every follow-up date with its label: 1, 2, 4 weeks after induction, then monthly from the
    second month up to `months` months."""
    dates = [
        (
            induction_ended_on + timedelta(weeks=weeks),
            f"{weeks} week{'s' if weeks > 1 else ''} after induction",
        )
        for weeks in FOLLOW_UP_WEEKS
    ]
    for month in range(2, months + 1):
        dates.append((add_months(induction_ended_on, month), f"{month} months after induction"))
    return dates


def _candidates(
    calendar_: CourseCalendar, today: date, months: int
) -> Iterable[tuple[Occasion, date, str, str | None]]:
    if not any(visit.done for visit in calendar_.infusions):
        yield Occasion.BASELINE, calendar_.started_on, "course baseline", None
    for visit in calendar_.infusions:
        if not visit.done and visit.on >= today:
            yield Occasion.PRE_INFUSION, visit.on, "before the infusion", visit.key
    for visit in calendar_.integrations:
        still_open = visit.open_until is not None and visit.open_until >= today
        if not visit.done and (visit.on >= today or still_open):
            yield Occasion.INTEGRATION, visit.on, "at the integration session", visit.key
    if calendar_.induction_ended_on is not None:
        past = [
            (on, label)
            for on, label in follow_up_dates(calendar_.induction_ended_on, months)
            if on <= today
        ]
        # A missed follow-up is superseded by the next: only the latest past one is still asked.
        if past:
            on, label = past[-1]
            yield Occasion.FOLLOW_UP, on, label, None
        for on, label in follow_up_dates(calendar_.induction_ended_on, months):
            if on > today:
                yield Occasion.FOLLOW_UP, on, label, None


def due_measures(
    calendar_: CourseCalendar,
    rules: Sequence[MeasureRule],
    today: date,
    lookahead_days: int = LOOKAHEAD_DAYS,
    follow_up_months: int = FOLLOW_UP_MONTHS,
) -> tuple[DueMeasure, ...]:
    """Every measure due on or before `today + lookahead_days`, in date order, at most one per
    instrument per day (the occasion of higher precedence wins: baseline, pre-infusion,
    integration, follow-up)."""
    if lookahead_days < 0:
        raise ValueError(f"the look-ahead must be 0 days or more (got {lookahead_days})")
    horizon = today + timedelta(days=lookahead_days)
    chosen: dict[tuple[str, date], DueMeasure] = {}
    for occasion, on, label, key in _candidates(calendar_, today, follow_up_months):
        if on > horizon:
            continue
        for rule in rules:
            if not rule.asks_on(occasion):
                continue
            slot = (rule.instrument, on)
            held = chosen.get(slot)
            if held is None or _PRECEDENCE[occasion] < _PRECEDENCE[held.occasion]:
                chosen[slot] = DueMeasure(rule.instrument, occasion, on, label, key)
    return tuple(
        sorted(chosen.values(), key=lambda m: (m.due_on, _PRECEDENCE[m.occasion], m.instrument))
    )


def is_overdue(due_on: date, today: date) -> bool:
    """A measure is overdue from the day after it was due."""
    return due_on < today
