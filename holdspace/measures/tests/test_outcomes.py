"""Outcome classification over a course (CLINICAL.md §5) and the clinic-summary rate."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.measures.outcomes import (
    BOOSTER_SUGGESTION,
    OutcomeInputError,
    Threshold,
    assess_course,
    judge,
    rate_with_ci,
    reliable_change_threshold,
    rules_for,
)

PHQ9 = rules_for("phq9")
GAD7 = rules_for("gad7")
START = date(2026, 9, 1)


def course(*scores, rules=PHQ9):
    """Scores a week apart from the baseline on 1 September 2026."""
    series = [(START + timedelta(weeks=n), s) for n, s in enumerate(scores)]
    return assess_course(series, rules)


# -- reliable change ------------------------------------------------------------------------


def test_reliable_change_defaults_are_6_points_for_phq9_and_4_for_gad7():
    # Jacobson & Truax with the NHS Talking Therapies SD and reliability (CLINICAL.md §5).
    assert reliable_change_threshold(5.5, 0.89) == 6
    assert reliable_change_threshold(4.5, 0.92) == 4
    assert PHQ9.reliable_change.points == 6
    assert GAD7.reliable_change.points == 4


def test_reliable_change_rounds_up_to_a_whole_point():
    # 1.96 * √2 * 3 * √(1 - 0.75) = 4.158 → 5
    assert reliable_change_threshold(3, 0.75) == 5


@pytest.mark.parametrize(("sd", "r"), [(0, 0.8), (-1, 0.8), (5, 1), (5, -0.1)])
def test_reliable_change_refuses_impossible_settings(sd, r):
    with pytest.raises(ValueError):
        reliable_change_threshold(sd, r)


@pytest.mark.parametrize(
    ("baseline", "score", "better", "worse"),
    [(20, 14, True, False), (20, 15, False, False), (8, 14, False, True), (8, 13, False, False)],
)
def test_reliable_improvement_and_deterioration_at_6_points(baseline, score, better, worse):
    point = judge(baseline, START, score, PHQ9)
    assert (point.reliable_improvement, point.reliable_deterioration) == (better, worse)


def test_reliable_recovery_needs_reliable_improvement_from_caseness_to_below_it():
    assert judge(16, START, 9, PHQ9).reliable_recovery is True  # -7, 16 → 9 (< 10)
    assert judge(14, START, 9, PHQ9).reliable_recovery is False  # only -5: not reliable
    assert judge(20, START, 12, PHQ9).reliable_recovery is False  # reliable, still at caseness
    assert judge(9, START, 0, PHQ9).reliable_recovery is False  # was never a case
    assert judge(12, START, 6, GAD7).reliable_recovery is True  # GAD-7 caseness is 8


def test_rules_not_configured_are_not_assessed_rather_than_false():
    point = judge(30, START, 10, rules_for("hamd17"))
    assert point.reliable_improvement is None
    assert point.reliable_recovery is None
    assert point.mcid_reached is None
    assert point.remission is False  # HAM-D remission ≤ 7 is configured


# -- response, remission, MCID --------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "score", "response"),
    [(20, 10, True), (20, 11, False), (15, 7, True), (15, 8, False)],
)
def test_response_is_a_reduction_of_at_least_half(baseline, score, response):
    assert judge(baseline, START, score, PHQ9).response is response


def test_a_zero_baseline_never_counts_as_a_response():
    point = judge(0, START, 0, PHQ9)
    assert point.response is False
    assert point.percent_change is None


@pytest.mark.parametrize(
    ("key", "score", "remission"),
    [
        ("phq9", 4, True),
        ("phq9", 5, False),
        ("gad7", 4, True),
        ("gad7", 5, False),
        ("hamd17", 7, True),
        ("hamd17", 8, False),
        ("qids_sr16", 5, True),
        ("qids_sr16", 6, False),
    ],
)
def test_remission_thresholds(key, score, remission):
    assert judge(30, START, score, rules_for(key)).remission is remission


def test_remission_records_which_rule_was_applied():
    assert any("remission: PHQ-9 < 5 (ORKA-1" in line for line in PHQ9.describe())
    clinic = replace(rules_for("madrs"), remission=Threshold("<=", 12, "clinic policy"))
    assert any("MADRS ≤ 12 (clinic policy)" in line for line in clinic.describe())
    assert judge(30, START, 12, clinic).remission is True


@pytest.mark.parametrize(
    ("key", "baseline", "score", "reached"),
    [
        ("phq9", 15, 10, True),
        ("phq9", 15, 11, False),
        ("gad7", 12, 8, True),
        ("gad7", 12, 9, False),
        ("pcl5", 50, 40, True),
        ("pcl5", 50, 41, False),
    ],
)
def test_mcid_is_reported_separately(key, baseline, score, reached):
    assert judge(baseline, START, score, rules_for(key)).mcid_reached is reached


def test_change_from_baseline_and_percent():
    outcome = course(20, 15, 8)
    assert [p.change for p in outcome.points] == [0, -5, -12]
    assert [p.percent_change for p in outcome.points] == [0.0, -25.0, -60.0]
    assert outcome.latest.response is True


# -- loss of response and relapse -----------------------------------------------------------


def test_a_steady_responder_gets_no_suggestion():
    assert course(20, 12, 9, 8, 7, 9).suggestions == ()


def test_two_consecutive_scores_without_response_after_a_response_suggest_a_booster():
    outcome = course(20, 9, 11, 12)
    (suggestion,) = outcome.suggestions
    assert suggestion.on == START + timedelta(weeks=3)
    assert suggestion.triggers == ("loss-of-response",)
    assert suggestion.action == BOOSTER_SUGGESTION
    assert "suggest a booster or an extra therapy session" in suggestion.reason
    assert "after a response on 2026-09-08" in suggestion.reason


def test_one_slip_followed_by_recovery_is_not_a_loss_of_response():
    assert course(20, 9, 11, 9, 11, 10).suggestions == ()


def test_without_a_response_there_is_nothing_to_lose():
    assert course(20, 18, 17, 19, 20).suggestions == ()


def test_phq9_of_10_or_more_after_remission_suggests_a_booster_at_once():
    outcome = course(20, 4, 10)
    (suggestion,) = outcome.suggestions
    assert suggestion.on == START + timedelta(weeks=2)
    assert suggestion.triggers == ("relapse-after-remission",)
    assert "PHQ-9 10 is ≥ 10 after remission on 2026-09-08" in suggestion.reason


def test_both_rules_firing_together_make_one_suggestion():
    # Baseline 16: response needs 8 or less. 4 = response and remission; 9 = first miss;
    # 10 = second miss and PHQ-9 ≥ 10 after remission.
    (suggestion,) = course(16, 4, 9, 10).suggestions
    assert suggestion.triggers == ("loss-of-response", "relapse-after-remission")


def test_a_suggestion_is_not_repeated_until_a_new_response():
    outcome = course(20, 9, 11, 12, 13, 14, 8, 11, 12)
    assert [s.on for s in outcome.suggestions] == [
        START + timedelta(weeks=3),
        START + timedelta(weeks=8),
    ]


def test_gad7_has_no_score_after_remission_rule_but_keeps_loss_of_response():
    assert course(15, 3, 9, rules=GAD7).suggestions == ()
    assert len(course(15, 3, 9, 9, rules=GAD7).suggestions) == 1


def test_the_loss_of_response_rule_is_configurable():
    three = replace(PHQ9, loss_of_response_after=3)
    assert course(20, 9, 11, 12, rules=three).suggestions == ()
    assert len(course(20, 9, 11, 12, 13, rules=three).suggestions) == 1


# -- bad series -----------------------------------------------------------------------------


def test_an_incomplete_response_cannot_enter_the_outcome_series():
    with pytest.raises(OutcomeInputError, match="2026-09-08 has no score"):
        course(20, None, 8)


def test_scores_must_be_in_date_order():
    with pytest.raises(OutcomeInputError, match="date order"):
        assess_course([(date(2026, 9, 8), 20), (date(2026, 9, 1), 10)], PHQ9)


def test_an_empty_series_is_refused():
    with pytest.raises(OutcomeInputError, match="at least its baseline"):
        assess_course([], PHQ9)


def test_outcomes_are_defined_only_for_instruments_with_rules():
    with pytest.raises(KeyError, match="no outcome rules for 'padss'"):
        rules_for("padss")


# -- rates for the clinic summary -----------------------------------------------------------


def test_wilson_interval_known_value():
    # 7 of 10 worked by hand: centre (0.7 + z²/20) / (1 + z²/10) = 0.6445, half-width 0.2477.
    rate = rate_with_ci(7, 10)
    assert rate.proportion == 0.7
    assert rate.lower == pytest.approx(0.3968, abs=1e-4)
    assert rate.upper == pytest.approx(0.8922, abs=1e-4)


def test_no_patients_means_no_rate():
    rate = rate_with_ci(0, 0)
    assert (rate.proportion, rate.lower, rate.upper) == (None, None, None)


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (1.0, 5), (True, 5)])
def test_impossible_counts_are_refused(successes, n):
    with pytest.raises(ValueError):
        rate_with_ci(successes, n)


@settings(max_examples=200, deadline=None, database=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_lies_in_0_1_and_contains_the_point_estimate(case):
    successes, n = case
    rate = rate_with_ci(successes, n)
    assert 0 <= rate.lower <= rate.proportion <= rate.upper <= 1
