"""The course baseline is a score from before treatment, never merely the first score left
(CLINICAL.md §5: response is measured from the course baseline)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdspace.measures import summary
from holdspace.measures.baselines import NO_BASELINE_NOTE, baseline_index
from holdspace.measures.models import AdministrationStatus, Occasion
from holdspace.measures.outcome_views import patient_outcomes
from holdspace.measures.summary import Course, Score
from holdspace.measures.tests.test_schedule_world import START, completed, course_for, infusion

BASE = datetime(2026, 3, 2, 12, tzinfo=UTC)


def at(days):
    return BASE + timedelta(days=days)


def test_the_score_asked_as_baseline_wins_over_an_earlier_screen():
    rows = [("ad_hoc", at(0)), (Occasion.BASELINE, at(1)), ("follow_up", at(9))]
    assert baseline_index(rows, first_infusion=at(2)) == 1


def test_else_the_last_score_before_the_first_infusion():
    rows = [("ad_hoc", at(0)), ("ad_hoc", at(1)), ("follow_up", at(9))]
    assert baseline_index(rows, first_infusion=at(2)) == 1


def test_no_baseline_when_every_score_came_after_treatment_started():
    rows = [("follow_up", at(9)), ("follow_up", at(16))]
    assert baseline_index(rows, first_infusion=at(2)) is None


OCCASIONS = st.sampled_from(["baseline", "follow_up", "ad_hoc"])


@given(st.lists(OCCASIONS, max_size=8), st.integers(0, 9))
def test_a_chosen_baseline_is_never_after_the_first_infusion_unless_asked_as_baseline(
    occasions, infusion_day
):
    rows = [(occasion, at(day)) for day, occasion in enumerate(occasions)]
    index = baseline_index(rows, at(infusion_day))
    if index is not None:
        occasion, moment = rows[index]
        assert occasion == Occasion.BASELINE or moment < at(infusion_day)


@given(st.lists(st.integers(0, 27), min_size=1, max_size=6), st.data())
def test_the_summary_counts_a_course_without_a_chosen_baseline_as_no_baseline(totals, data):
    scores = tuple(Score(date(2026, 9, 1) + timedelta(days=i), t) for i, t in enumerate(totals))
    base = Course("c1", "trd", date(2026, 9, 1), None, {"phq9": scores}, frozenset({"phq9"}))
    index = data.draw(st.none() | st.integers(0, len(scores) - 1))
    chosen = replace(base, baselines={} if index is None else {"phq9": index})
    (row,) = summary.summarise([chosen], date(2026, 9, 1), date(2026, 12, 1))
    assert row.courses == row.evaluable + row.no_baseline + row.no_follow_up
    if index is None:
        assert row.no_baseline == 1
    elif index == len(scores) - 1:
        assert row.no_follow_up == 1
    else:
        assert row.evaluable == 1


@pytest.mark.django_db
def test_the_outcomes_page_does_not_judge_from_a_score_taken_during_treatment(
    patient_a, nurse_a, prescriber_a
):
    course = course_for(patient_a, nurse_a, prescriber_a)
    completed(
        course, "phq9", START, 22, Occasion.BASELINE, status=AdministrationStatus.ENTERED_IN_ERROR
    )
    infusion(course, 1, START + timedelta(days=1), given=True)
    completed(course, "phq9", START + timedelta(days=14), 12)
    completed(course, "phq9", START + timedelta(days=28), 5)
    (section,) = patient_outcomes(patient_a)
    (item,) = section.instruments
    assert item.outcome is None and item.rows == []
    assert item.note == NO_BASELINE_NOTE
    assert len(item.series.scores) == 2  # still charted


@pytest.mark.django_db
def test_the_outcomes_page_judges_from_the_baseline_asked_before_treatment(
    patient_a, nurse_a, prescriber_a
):
    course = course_for(patient_a, nurse_a, prescriber_a)
    completed(course, "phq9", START - timedelta(days=30), 8, Occasion.AD_HOC)
    completed(course, "phq9", START, 20, Occasion.BASELINE)
    infusion(course, 1, START + timedelta(days=1), given=True)
    completed(course, "phq9", START + timedelta(days=14), 9)
    (section,) = patient_outcomes(patient_a)
    rows = dict(section.instruments[0].rows)
    assert rows["Baseline"] == f"20 on {START:%Y-%m-%d}"
    assert rows["Response (≥ 50 % reduction)"] == "yes"
