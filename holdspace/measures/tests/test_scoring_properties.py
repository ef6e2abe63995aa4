"""Properties of the scoring engine that hold for every response to every shipped instrument."""

from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.measures.instruments import SHIPPED_IDS, shipped_instrument
from holdspace.measures.scoring import score

# database=None keeps hypothesis from writing a .hypothesis directory into the working tree.
FAST = settings(max_examples=150, deadline=None, database=None)


@st.composite
def complete_response(draw, key=None):
    instrument = shipped_instrument(key or draw(st.sampled_from(SHIPPED_IDS)))
    answers = {
        item.link_id: draw(st.sampled_from(item.weights)) for item in instrument.scored_items
    }
    return instrument, answers


@FAST
@given(complete_response())
def test_a_complete_total_lies_within_the_instrument_range(case):
    instrument, answers = case
    result = score(instrument, answers)
    assert result.complete
    assert instrument.minimum <= result.total <= instrument.maximum
    if instrument.bands:
        assert result.severity is not None


@FAST
@given(complete_response(), st.data())
def test_raising_one_answer_never_lowers_the_total(case, data):
    instrument, answers = case
    item = data.draw(st.sampled_from(instrument.scored_items))
    higher = [w for w in item.weights if w > answers[item.link_id]]
    if not higher:
        return
    raised = {**answers, item.link_id: data.draw(st.sampled_from(higher))}
    assert score(instrument, raised).total >= score(instrument, answers).total


@FAST
@given(complete_response("pcl5"))
def test_pcl5_clusters_add_up_to_the_total(case):
    instrument, answers = case
    result = score(instrument, answers)
    assert sum(result.subscales.values()) == result.total


@FAST
@given(complete_response("pcl5"))
def test_pcl5_provisional_rule_matches_the_dsm5_symptom_count(case):
    instrument, answers = case

    def endorsed(first, last):
        return sum(answers[f"pcl5-{n}"] >= 2 for n in range(first, last + 1))

    expected = endorsed(1, 5) >= 1 and endorsed(6, 7) >= 1 and endorsed(8, 14) >= 2
    expected = expected and endorsed(15, 20) >= 2
    assert score(instrument, answers).criteria_met is expected


@FAST
@given(complete_response("qids_sr16"))
def test_qids_counts_the_maximum_within_each_group(case):
    instrument, answers = case
    a = [answers[f"qids-{n}"] for n in range(1, 17)]
    expected = max(a[0:4]) + a[4] + max(a[5:9]) + sum(a[9:14]) + max(a[14:16])
    assert score(instrument, answers).total == expected


@FAST
@given(complete_response(), st.data())
def test_an_incomplete_response_is_never_scored(case, data):
    instrument, answers = case
    dropped = data.draw(
        st.sets(st.sampled_from([i.link_id for i in instrument.scored_items]), min_size=1)
    )
    partial = {
        link_id: (None if link_id in dropped else value) for link_id, value in answers.items()
    }
    result = score(instrument, partial)
    assert result.total is None and result.severity is None and not result.complete
    assert set(result.missing) == dropped


@FAST
@given(st.dictionaries(st.integers(1, 9), st.one_of(st.none(), st.integers(0, 3)), max_size=9))
def test_the_phq9_safety_flag_follows_item_9_whatever_else_is_missing(answers):
    result = score(shipped_instrument("phq9"), answers)
    item9 = answers.get(9)
    codes = [flag.code for flag in result.flags if flag.kind == "safety"]
    if item9 is None:
        assert codes == ["phq9-item9-suicidal-ideation-unanswered"]
    elif item9 >= 1:
        assert codes == ["phq9-item9-suicidal-ideation"]
        assert result.flags[0].kind == "safety"
    else:
        assert codes == []
