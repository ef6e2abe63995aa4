"""The shipped instrument files, and what validation says about broken ones."""

import re

import pytest

from holdspace.measures.instruments import (
    ITEM_WEIGHT_URL,
    LOINC_SYSTEM,
    SHIPPED_IDS,
    InstrumentError,
    is_warning,
    load_instrument,
    shipped_instruments,
    shipped_path,
    validate_instrument,
)
from holdspace.measures.tests.builders import instrument_data, item, shipped_data, without

SHIPPED = shipped_instruments()


def errors_of(data):
    return [problem for problem in validate_instrument(data) if not is_warning(problem)]


def test_every_instrument_the_issue_names_is_shipped_under_its_id():
    assert set(SHIPPED) == {
        "phq9",
        "gad7",
        "pcl5",
        "hamd17",
        "bprs_positive",
        "qids_sr16",
        "padss",
        "aldrete",
        "session_feedback",
        "pain_nrs",
    }


@pytest.mark.parametrize("key", SHIPPED_IDS)
def test_every_shipped_file_is_valid_and_cites_its_source_and_licence(key):
    data = shipped_data(key)
    assert errors_of(data) == []
    assert data["resource"]["resourceType"] == "Questionnaire"
    instrument = SHIPPED[key]
    assert instrument.id == key == shipped_path(key).stem
    assert instrument.source and instrument.licence.name and instrument.licence.source
    assert instrument.scoring.completeness_source
    for flag in instrument.critical_items + instrument.total_flags:
        assert flag.source, flag.code


@pytest.mark.parametrize(
    ("key", "items", "scored", "low", "high"),
    [
        ("phq9", 10, 9, 0, 27),
        ("gad7", 7, 7, 0, 21),
        ("pcl5", 20, 20, 0, 80),
        ("hamd17", 17, 17, 0, 52),
        ("bprs_positive", 4, 4, 4, 28),
        ("qids_sr16", 16, 16, 0, 27),
        ("padss", 5, 5, 0, 10),
        ("aldrete", 5, 5, 0, 10),
        ("session_feedback", 5, 5, 0, 20),
        ("pain_nrs", 1, 1, 0, 10),
    ],
)
def test_item_counts_and_score_ranges(key, items, scored, low, high):
    instrument = SHIPPED[key]
    assert (len(instrument.items), len(instrument.scored_items)) == (items, scored)
    assert (instrument.minimum, instrument.maximum) == (low, high)


@pytest.mark.parametrize(
    ("key", "panel", "total"),
    [("phq9", "44249-1", "44261-6"), ("gad7", "69737-5", "70274-6")],
)
def test_loinc_codes_from_clinical_md(key, panel, total):
    instrument = SHIPPED[key]
    assert (LOINC_SYSTEM, panel) in {(c.system, c.code) for c in instrument.codes}
    assert instrument.scoring.total_code is not None
    assert instrument.scoring.total_code.code == total


def test_phq9_item_9_is_the_loinc_self_harm_question():
    item9 = SHIPPED["phq9"].item("phq9-9")
    assert item9.codes[0].code == "44260-8"
    assert item9.text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert [o.display for o in item9.options] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]


def test_qids_ships_structure_only_with_neutral_labels():
    qids = SHIPPED["qids_sr16"]
    assert qids.licence.ship_text is False
    for item_ in qids.items:
        assert re.fullmatch(rf"QIDS item {item_.position} \([a-z /-]+\)", item_.text)
        assert [o.display for o in item_.options] == ["0", "1", "2", "3"]
    assert any("licence" in note for note in qids.notes)
    assert [group.name for group in qids.scoring.groups] == [
        "sleep",
        "appetite/weight",
        "psychomotor",
    ]


def test_pcl5_clusters_follow_dsm5():
    clusters = {s.code: s.items for s in SHIPPED["pcl5"].subscales}
    assert clusters == {
        "B": tuple(f"pcl5-{n}" for n in range(1, 6)),
        "C": ("pcl5-6", "pcl5-7"),
        "D": tuple(f"pcl5-{n}" for n in range(8, 15)),
        "E": tuple(f"pcl5-{n}" for n in range(15, 21)),
    }


def test_missing_loinc_is_a_warning_not_an_error():
    problems = validate_instrument(shipped_data("pcl5"))
    assert problems and all(is_warning(problem) for problem in problems)
    assert "no LOINC code" in problems[0]


# -- validation of broken files -------------------------------------------------------------


def test_a_file_without_weights_is_refused_naming_item_and_option():
    data = shipped_data("phq9")
    option = data["resource"]["item"][3]["answerOption"][1]
    del option["valueCoding"]["extension"]
    assert errors_of(data) == [
        "item 'phq9-3' answer option 2 has no weight (ordinalValue or itemWeight)"
    ]
    with pytest.raises(InstrumentError):
        load_instrument(data)


def test_overlapping_bands_are_refused():
    data = shipped_data("phq9")
    data["scoring"]["bands"][1]["max"] = 10
    assert "severity bands overlap at 10" in errors_of(data)


def test_bands_that_leave_a_gap_are_refused():
    data = shipped_data("gad7")
    data["scoring"]["bands"][1]["max"] = 8
    assert "severity bands leave 9 uncovered (bands must cover 0-21)" in errors_of(data)


def test_subscales_naming_unknown_items_are_refused():
    data = shipped_data("pcl5")
    data["scoring"]["subscales"][0]["items"].append("pcl5-21")
    assert "subscale 'B' names unknown item 'pcl5-21'" in errors_of(data)


def test_every_problem_is_reported_at_once():
    data = shipped_data("pcl5")
    del data["resource"]["item"][2]["answerOption"][0]["valueCoding"]["extension"]
    data["scoring"]["subscales"][3]["items"].append("pcl5-99")
    data["scoring"]["criteria"]["subscales"]["F"] = 1
    del data["licence"]["source"]
    errors = errors_of(data)
    assert "item 'pcl5-1' answer option 1 has no weight (ordinalValue or itemWeight)" in errors
    assert "subscale 'E' names unknown item 'pcl5-99'" in errors
    assert "criteria names unknown subscale 'F'" in errors
    assert "licence needs 'source' as non-empty text" in errors


def test_sdc_item_weight_and_option_level_extensions_are_read_too():
    data = instrument_data(items=2)
    data["resource"]["item"] = [
        item("q1", url=ITEM_WEIGHT_URL),
        item("q2", on_coding=False),
    ]
    instrument = load_instrument(data)
    assert instrument.item("q1").weights == (0, 1, 2, 3)
    assert instrument.item("q2").weights == (0, 1, 2, 3)


def test_conflicting_and_fractional_weights_are_refused():
    data = instrument_data(items=1)
    option = data["resource"]["item"][0]["answerOption"][0]
    option["extension"] = [{"url": ITEM_WEIGHT_URL, "valueDecimal": 2}]
    data["resource"]["item"][0]["answerOption"][1]["valueCoding"]["extension"][0][
        "valueDecimal"
    ] = 1.5
    errors = errors_of(data)
    assert "item 'q1' answer option 1 has conflicting weights [0, 2]" in errors
    assert any("answer option 2 has a weight that is not a whole number" in e for e in errors)


def test_duplicate_weights_within_an_item_are_refused():
    data = instrument_data(items=1)
    data["resource"]["item"][0]["answerOption"][3]["valueCoding"]["extension"][0][
        "valueDecimal"
    ] = 2
    assert "item 'q1' has two answer options with weight 2; weights must differ within an item" in (
        errors_of(data)
    )


def test_missing_items_without_prorating_would_count_as_zero_and_are_refused():
    data = instrument_data(completeness={"max_missing": 1, "source": "manual"})
    assert any("would count a missing answer as 0" in e for e in errors_of(data))


def test_allowing_missing_items_needs_the_manual_cited():
    data = instrument_data(completeness={"max_missing": 1, "prorate": True})
    assert any("must cite the instrument's manual" in e for e in errors_of(data))


def test_a_critical_item_no_answer_can_raise_is_refused():
    data = instrument_data(
        critical_items=[
            {
                "code": "c",
                "items": ["q1"],
                "at_least": 4,
                "kind": "safety",
                "text": "t",
                "source": "s",
            }
        ]
    )
    assert "critical item 'c': no answer to item 'q1' can raise it" in errors_of(data)


def test_the_anchor_convention_must_match_the_weights():
    data = instrument_data(items=2, anchor_convention="1-7")
    assert any("do not follow the anchor convention '1-7'" in e for e in errors_of(data))


def test_a_bare_questionnaire_is_explained():
    bare = shipped_data("gad7")["resource"]
    assert any("bare FHIR Questionnaire" in e for e in errors_of(bare))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("scoring",), "the file needs 'scoring' as an object"),
        (("licence",), "the file needs 'licence' as an object"),
        (("source",), "the file needs 'source' as non-empty text"),
        (("resource", "version"), "the Questionnaire needs 'version' as non-empty text"),
        (("scoring", "completeness"), "scoring.completeness is required"),
    ],
)
def test_missing_parts_are_named(path, message):
    assert any(e.startswith(message) for e in errors_of(without(instrument_data(), *path)))


def test_an_unreadable_file_is_an_instrument_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InstrumentError, match="not valid JSON"):
        load_instrument(broken)
