"""How the engine treats incomplete, wrong and unusual answers, and the rules shipped files do
not exercise (prorating, reverse items, a mean)."""

import pytest

from holdspace.measures.instruments import load_instrument, shipped_instrument
from holdspace.measures.scoring import (
    ScoreInputError,
    normalise_answers,
    parse_answer_list,
    result_as_dict,
    score,
)
from holdspace.measures.tests.builders import instrument_data

PHQ9 = shipped_instrument("phq9")


def in_order(*answers):
    return dict(enumerate(answers, start=1))


def test_an_incomplete_response_has_no_total_and_names_the_missing_items():
    result = score(PHQ9, in_order(2, 2, None, 2, 1, 1, 2, 0, 0))
    assert result.total is None
    assert result.severity is None
    assert not result.complete
    assert result.missing == ("phq9-3",)
    assert "not scored" in result.interpretation
    assert "never counted as 0" in result.interpretation


def test_an_item_left_out_of_the_mapping_is_missing_not_zero():
    result = score(PHQ9, {"phq9-1": 0, "phq9-2": 0})
    assert result.total is None
    assert len(result.missing) == 7


def test_item_9_raises_the_safety_flag_even_when_the_response_is_incomplete():
    result = score(PHQ9, {"phq9-9": 2})
    assert result.total is None
    assert result.has_safety_flag
    assert result.flags[0].code == "phq9-item9-suicidal-ideation"
    assert "review today" in result.interpretation


def test_an_unanswered_item_9_is_itself_flagged_for_the_care_team():
    result = score(PHQ9, in_order(1, 1, 1, 1, 1, 1, 1, 1, None))
    assert result.flags[0].code == "phq9-item9-suicidal-ideation-unanswered"
    assert result.flags[0].kind == "safety"


def test_item_9_at_zero_raises_nothing():
    assert score(PHQ9, in_order(3, 3, 3, 3, 3, 3, 3, 3, 0)).flags == ()


def test_the_difficulty_item_is_checked_but_never_added():
    without = score(PHQ9, in_order(1, 1, 1, 1, 1, 1, 1, 1, 0))
    with_difficulty = score(PHQ9, in_order(1, 1, 1, 1, 1, 1, 1, 1, 0, 3))
    assert without.total == with_difficulty.total == 8
    with pytest.raises(ScoreInputError, match="phq9-10"):
        score(PHQ9, in_order(1, 1, 1, 1, 1, 1, 1, 1, 0, 4))


@pytest.mark.parametrize("bad", [4, -1])
def test_out_of_range_answers_are_refused_naming_item_and_allowed_values(bad):
    with pytest.raises(ScoreInputError) as error:
        score(PHQ9, {"phq9-3": bad})
    message = str(error.value)
    assert "phq9-3" in message
    assert "allowed values are 0, 1, 2, 3" in message


@pytest.mark.parametrize("bad", [1.0, "2", True])
def test_non_integer_answers_are_refused(bad):
    with pytest.raises(ScoreInputError, match="allowed values are 0, 1, 2, 3"):
        score(PHQ9, {"phq9-1": bad})


def test_unknown_items_and_positions_are_refused():
    with pytest.raises(ScoreInputError, match="no item 'phq9-11'"):
        score(PHQ9, {"phq9-11": 0})
    with pytest.raises(ScoreInputError, match="there is no item 11"):
        score(PHQ9, {11: 0})


def test_the_same_item_by_position_and_by_link_id_is_refused():
    with pytest.raises(ScoreInputError, match="answered twice"):
        normalise_answers(PHQ9, {1: 0, "phq9-1": 0})


def test_positions_follow_questionnaire_order_not_original_numbering():
    bprs = shipped_instrument("bprs_positive")
    assert normalise_answers(bprs, {1: 5}) == {"bprs-4": 5}


def test_bprs_refuses_zero_because_its_anchors_start_at_one():
    with pytest.raises(ScoreInputError, match="allowed values are 1, 2, 3, 4, 5, 6, 7"):
        score(shipped_instrument("bprs_positive"), in_order(0, 1, 1, 1))


def test_answer_lists_accept_an_empty_position_as_missing():
    answers = parse_answer_list(PHQ9, "2,2,,2,1,1,2,0,0")
    assert answers["phq9-3"] is None
    assert score(PHQ9, answers).missing == ("phq9-3",)


def test_answer_lists_take_scored_items_or_all_items():
    assert len(parse_answer_list(PHQ9, "0,0,0,0,0,0,0,0,0")) == 9
    assert parse_answer_list(PHQ9, "0,0,0,0,0,0,0,0,0,2")["phq9-10"] == 2
    with pytest.raises(ScoreInputError, match=r"takes 9 answers \(or 10 with the unscored"):
        parse_answer_list(PHQ9, "0,0,0")


def test_answer_lists_refuse_words():
    with pytest.raises(ScoreInputError, match="'two', not a whole number"):
        parse_answer_list(PHQ9, "two,0,0,0,0,0,0,0,0")


def test_result_as_dict_has_the_cli_keys():
    data = result_as_dict(score(PHQ9, in_order(*[3] * 9)))
    assert list(data) == [
        "instrument",
        "total",
        "severity",
        "subscales",
        "flags",
        "complete",
        "missing",
        "interpretation",
    ]
    assert data["flags"][0] == {
        "kind": "safety",
        "code": "phq9-item9-suicidal-ideation",
        "text": "suicidal ideation: item 9 answered ≥ 1 — review today",
    }


def test_subscales_of_an_incomplete_response_are_scored_only_when_their_own_items_are_all_in():
    pcl5 = shipped_instrument("pcl5")
    answers = {n: 1 for n in range(1, 21)}
    answers[20] = None
    result = score(pcl5, answers)
    assert result.total is None
    assert result.subscales == {"B": 5, "C": 2, "D": 7, "E": None}
    assert result.criteria_met is None


def test_prorating_happens_only_where_the_file_allows_it_and_is_said_out_loud():
    data = instrument_data(
        items=4,
        completeness={"max_missing": 1, "prorate": True, "source": "the scale's manual, p. 3"},
    )
    clinic = load_instrument(data)
    result = score(clinic, {"q1": 3, "q2": 2, "q3": 2})
    # 7 from 3 of 4 items, prorated: 7 * 4 / 3 = 9.33 → 9
    assert (result.total, result.prorated, result.complete) == (9, True, True)
    assert result.missing == ("q4",)
    assert "prorated from 3 of 4 items" in result.interpretation
    assert score(clinic, {"q1": 3, "q2": 2}).total is None


def test_reverse_items_contribute_lowest_plus_highest_minus_the_answer():
    clinic = load_instrument(instrument_data(items=2, reverse_items=["q2"]))
    assert score(clinic, {"q1": 3, "q2": 0}).total == 6
    assert score(clinic, {"q1": 3, "q2": 3}).total == 3


def test_a_mean_rule_reports_the_mean_of_the_items():
    clinic = load_instrument(instrument_data(items=4, weights=range(1, 6), rule="mean"))
    result = score(clinic, {"q1": 5, "q2": 4, "q3": 4, "q4": 2})
    assert result.total == 3.75
    assert (clinic.minimum, clinic.maximum) == (1, 5)
