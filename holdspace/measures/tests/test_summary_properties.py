"""The pure clinic outcome summary: how courses are counted, and properties of every row."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.measures import summary
from holdspace.measures.summary import Course, PeriodError, Score

START, END = date(2026, 9, 1), date(2026, 11, 30)


def course(name, scores, indication="trd", started=date(2026, 9, 1), ended=None, asked=None):
    by_instrument = {"phq9": tuple(Score(on, total) for on, total in scores)} if scores else {}
    return Course(
        course=name,
        indication=indication,
        started_on=started,
        ended_on=ended,
        scores=by_instrument,
        asked=frozenset(asked if asked is not None else {"phq9"}),
    )


def only_row(courses):
    rows = summary.summarise(courses, START, END)
    assert len(rows) == 1
    return rows[0]


def test_a_phq9_from_20_to_4_is_a_response_and_a_remission():
    row = only_row([course("c1", [(date(2026, 9, 2), 20), (date(2026, 10, 20), 4)])])
    assert (row.courses, row.evaluable) == (1, 1)
    assert (row.response.successes, row.remission.successes) == (1, 1)
    assert row.remission_rule == "PHQ-9 < 5"


def test_a_fall_just_short_of_half_is_not_a_response():
    row = only_row([course("c1", [(date(2026, 9, 2), 20), (date(2026, 10, 20), 11)])])
    assert row.response.successes == 0
    assert row.remission.successes == 0


def test_the_outcome_is_the_last_score_in_the_period_not_a_later_one():
    scores = [(date(2026, 9, 2), 20), (date(2026, 11, 1), 8), (date(2026, 12, 10), 19)]
    row = only_row([course("c1", scores)])
    assert row.response.successes == 1


def test_a_course_asked_but_never_completed_is_not_evaluable_for_lack_of_baseline():
    row = only_row(
        [course("c1", [(date(2026, 9, 2), 20), (date(2026, 10, 1), 6)]), course("c2", [])]
    )
    assert (row.courses, row.evaluable, row.no_baseline, row.no_follow_up) == (2, 1, 1, 0)
    assert row.response.n == 1


def test_a_baseline_without_a_later_score_in_the_period_is_not_evaluable():
    row = only_row([course("c1", [(date(2026, 11, 20), 18)])])
    assert (row.evaluable, row.no_follow_up) == (0, 1)
    assert row.response.proportion is None


def test_a_first_score_after_the_period_is_no_baseline():
    row = only_row([course("c1", [(date(2026, 12, 5), 18), (date(2026, 12, 20), 5)])])
    assert row.no_baseline == 1


def test_a_course_that_ended_before_the_period_is_left_out():
    ended = course("old", [(date(2026, 5, 1), 20), (date(2026, 6, 1), 5)], ended=date(2026, 6, 2))
    assert summary.summarise([ended], START, END) == ()


def test_instruments_without_outcome_rules_have_no_row():
    padss = Course("c1", "trd", START, None, {"padss": (Score(START, 10),)}, frozenset({"padss"}))
    assert summary.summarise([padss], START, END) == ()


def test_pcl5_remission_is_not_assessed_rather_than_zero():
    scores = {"pcl5": (Score(date(2026, 9, 2), 60), Score(date(2026, 10, 2), 20))}
    row = only_row([Course("c1", "ptsd", START, None, scores, frozenset({"pcl5"}))])
    assert row.response.successes == 1
    assert row.remission is None


def test_indications_get_their_own_rows():
    rows = summary.summarise(
        [
            course("c1", [(date(2026, 9, 2), 20), (date(2026, 10, 1), 6)], indication="trd"),
            course("c2", [(date(2026, 9, 2), 20), (date(2026, 10, 1), 16)], indication="mdd"),
        ],
        START,
        END,
    )
    assert [(row.indication, row.response.successes) for row in rows] == [("mdd", 0), ("trd", 1)]


def test_a_course_given_twice_is_refused_rather_than_counted_twice():
    twice = course("c1", [(date(2026, 9, 2), 20)])
    with pytest.raises(ValueError, match="given twice"):
        summary.summarise([twice, twice], START, END)


def test_a_period_that_ends_before_it_starts_is_refused_with_both_dates():
    with pytest.raises(PeriodError, match=r"2026-11-30.*2026-09-01"):
        summary.summarise([], END, START)


# --- Properties --------------------------------------------------------------------------------

days = st.integers(min_value=-60, max_value=150).map(lambda n: START + timedelta(days=n))
totals = st.integers(min_value=0, max_value=27)
score_lists = st.lists(st.tuples(days, totals), max_size=6).map(lambda xs: sorted(xs))


@st.composite
def courses(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    made = []
    for number in range(count):
        started = draw(days)
        ended = draw(st.none() | days.filter(lambda d, s=started: d >= s))
        made.append(
            course(
                f"c{number}",
                draw(score_lists),
                indication=draw(st.sampled_from(["trd", "mdd", "ptsd"])),
                started=started,
                ended=ended,
            )
        )
    return made


@settings(max_examples=200, deadline=None)
@given(courses())
def test_every_row_adds_up_and_rates_lie_in_their_intervals(made):
    for row in summary.summarise(made, START, END):
        assert row.courses == row.evaluable + row.no_baseline + row.no_follow_up
        for rate in (row.response, row.remission):
            assert rate is not None and rate.n == row.evaluable
            assert 0 <= rate.successes <= rate.n
            if rate.n:
                assert 0 <= rate.lower <= rate.proportion <= rate.upper <= 1
            else:
                assert rate.proportion is None


@settings(max_examples=200, deadline=None)
@given(courses())
def test_each_course_in_the_period_is_counted_once_per_row(made):
    in_period = [c for c in made if summary.in_period(c, START, END)]
    for row in summary.summarise(made, START, END):
        assert row.courses == sum(1 for c in in_period if c.indication == row.indication)
