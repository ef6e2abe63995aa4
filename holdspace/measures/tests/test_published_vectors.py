"""The published test vectors of CLINICAL.md §4 and every severity boundary, instrument by
instrument: the numbers a clinician checks by hand."""

import pytest

from holdspace.measures.instruments import shipped_instrument
from holdspace.measures.scoring import score

PHQ9 = shipped_instrument("phq9")
GAD7 = shipped_instrument("gad7")
PCL5 = shipped_instrument("pcl5")
QIDS = shipped_instrument("qids_sr16")
ITEM9_FLAG = "phq9-item9-suicidal-ideation"


def in_order(*answers: int | None) -> dict[int, int | None]:
    return dict(enumerate(answers, start=1))


def answers_summing_to(total: int, items: int, top: int) -> list[int]:
    """Answers that add up to `total`, filling from the first item (and sparing PHQ-9 item 9
    while there is room elsewhere)."""
    answers = [0] * items
    remaining = total
    for index in range(items):
        answers[index] = min(top, remaining)
        remaining -= answers[index]
    assert remaining == 0
    return answers


def test_phq9_published_vector_is_12_moderate_without_a_safety_flag():
    result = score(PHQ9, in_order(2, 2, 2, 2, 1, 1, 2, 0, 0))
    assert result.total == 12
    assert result.severity == "moderate"
    assert result.flags == ()
    assert result.complete
    assert result.interpretation == "PHQ-9 12 — moderate depression symptoms"


def test_phq9_all_threes_is_27_severe_with_the_item_9_safety_flag():
    result = score(PHQ9, in_order(*[3] * 9))
    assert result.total == 27
    assert result.severity == "severe"
    assert [flag.code for flag in result.flags] == [ITEM9_FLAG]
    assert result.flags[0].kind == "safety"
    assert result.flags[0].text == "suicidal ideation: item 9 answered ≥ 1 — review today"
    assert "review today" in result.interpretation


def test_pcl5_all_twos_is_40_with_clusters_and_a_provisional_positive():
    result = score(PCL5, in_order(*[2] * 20))
    assert result.total == 40
    assert result.subscales == {"B": 10, "C": 4, "D": 14, "E": 12}
    assert result.criteria_met is True
    assert "pcl5-provisional-ptsd" in {flag.code for flag in result.flags}
    assert "pcl5-above-cutoff" in {flag.code for flag in result.flags}
    assert "Provisional PTSD: criteria met (B, C, D, E)" in result.interpretation
    assert result.severity is None  # the PCL-5 has no official severity bands


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "none-minimal"),
        (4, "none-minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(total, severity):
    result = score(PHQ9, in_order(*answers_summing_to(total, 9, 3)))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_boundaries(total, severity):
    result = score(GAD7, in_order(*answers_summing_to(total, 7, 3)))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (5, "none"),
        (6, "mild"),
        (10, "mild"),
        (11, "moderate"),
        (15, "moderate"),
        (16, "severe"),
        (20, "severe"),
        (21, "very severe"),
        (27, "very severe"),
    ],
)
def test_qids_band_boundaries(total, severity):
    # Nine domains of 0-3: fill the domains, then give every item of a group the domain's value.
    domains = answers_summing_to(total, 9, 3)
    sleep, mood, appetite, *middle, psychomotor = domains
    answers = [sleep] * 4 + [mood] + [appetite] * 4 + middle + [psychomotor] * 2
    result = score(QIDS, in_order(*answers))
    assert (result.total, result.severity) == (total, severity)


def test_qids_counts_only_the_highest_answer_within_each_group():
    answers = [1, 3, 0, 2, 2, 0, 1, 0, 3, 1, 1, 0, 1, 1, 2, 0]
    # sleep max 3 + mood 2 + appetite/weight max 3 + items 10-14 (4) + psychomotor max 2
    assert score(QIDS, in_order(*answers)).total == 14


def test_qids_item_12_raises_a_safety_flag():
    answers = [0] * 16
    answers[11] = 1
    result = score(QIDS, in_order(*answers))
    assert result.has_safety_flag


def test_pcl5_criteria_not_met_names_the_clusters_that_fall_short():
    # B and C endorsed; only one D item and one E item at 2 or more.
    answers = [2, 0, 0, 0, 0, 2, 0, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1]
    result = score(PCL5, in_order(*answers))
    assert result.criteria_met is False
    assert "Provisional PTSD: criteria not met (met: B, C; not met: D, E)" in result.interpretation
    assert "pcl5-provisional-ptsd" not in {flag.code for flag in result.flags}


@pytest.mark.parametrize(("total", "above"), [(32, False), (33, True)])
def test_pcl5_cutoff_flag_at_33(total, above):
    result = score(PCL5, in_order(*answers_summing_to(total, 20, 4)))
    assert ("pcl5-above-cutoff" in {flag.code for flag in result.flags}) is above


def test_hamd17_ranges_and_remission_flag():
    hamd = shipped_instrument("hamd17")
    four_point = [1, 2, 3, 7, 8, 9, 10, 11, 15]
    for item in hamd.items:
        expected = (0, 1, 2, 3, 4) if item.position in four_point else (0, 1, 2)
        assert item.weights == expected, item.link_id
    assert (hamd.minimum, hamd.maximum) == (0, 52)
    seven = score(hamd, in_order(*[0] * 10 + [1] * 7))
    eight = score(hamd, in_order(*[0] * 9 + [1] * 8))
    assert "hamd17-remission-range" in {flag.code for flag in seven.flags}
    assert "hamd17-remission-range" not in {flag.code for flag in eight.flags}


def test_hamd17_suicide_item_raises_a_safety_flag():
    answers = [0] * 17
    answers[2] = 1
    assert score(shipped_instrument("hamd17"), in_order(*answers)).has_safety_flag


def test_bprs_positive_uses_1_to_7_anchors_so_the_range_is_4_to_28():
    bprs = shipped_instrument("bprs_positive")
    assert bprs.scoring.anchor_convention == "1-7"
    assert [item.link_id for item in bprs.items] == ["bprs-4", "bprs-11", "bprs-12", "bprs-15"]
    assert (bprs.minimum, bprs.maximum) == (4, 28)
    assert score(bprs, in_order(1, 1, 1, 1)).total == 4
    assert score(bprs, in_order(7, 7, 7, 7)).total == 28


@pytest.mark.parametrize("key", ["padss", "aldrete"])
@pytest.mark.parametrize(
    ("answers", "fit"),
    [((2, 2, 2, 2, 2), True), ((2, 2, 2, 2, 1), True), ((2, 2, 2, 1, 1), False)],
)
def test_discharge_scales_are_fit_at_9_or_more(key, answers, fit):
    result = score(shipped_instrument(key), in_order(*answers))
    codes = {flag.code for flag in result.flags}
    assert (f"{key}-fit-for-discharge" in codes) is fit
    assert (f"{key}-not-yet-fit" in codes) is not fit
    assert all(flag.kind == "discharge" for flag in result.flags)


def test_padss_interpretation_reads_plainly():
    result = score(shipped_instrument("padss"), in_order(2, 2, 2, 2, 1))
    assert result.interpretation == "PADSS 9 (range 0-10). Fit for discharge (≥ 9)"


def test_session_feedback_is_labelled_not_validated_and_flags_a_low_answer():
    feedback = shipped_instrument("session_feedback")
    assert "NOT a validated instrument" in feedback.title
    assert score(feedback, in_order(4, 4, 3, 4, 4)).flags == ()
    low = score(feedback, in_order(4, 1, 3, 4, 4))
    assert [flag.kind for flag in low.flags] == ["info"]
