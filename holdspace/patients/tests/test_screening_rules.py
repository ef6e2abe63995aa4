"""The rules that tie a screening's outcome to its checklist (pure function, no database)."""

import pytest

from holdspace.patients.actions import screening_problems
from holdspace.patients.tests.helpers import answers
from holdspace.patients.vocabulary import SCREENING_ITEMS

ABSOLUTE = [item.key for item in SCREENING_ITEMS if item.absolute]
RELATIVE = [item.key for item in SCREENING_ITEMS if not item.absolute]


def fields(problems):
    return [field for field, _ in problems]


def test_a_clear_checklist_may_be_eligible():
    assert screening_problems(answers(), "eligible", "") == []


@pytest.mark.parametrize("key", RELATIVE)
def test_any_item_present_rules_out_plain_eligible(key):
    problems = screening_problems(answers(key), "eligible", "")
    assert fields(problems) == ["outcome"]
    assert "Eligible with conditions" in problems[0][1]


@pytest.mark.parametrize("key", RELATIVE)
def test_a_relative_item_allows_eligible_with_written_conditions(key):
    assert screening_problems(answers(key), "eligible_with_conditions", "BP plan agreed") == []


@pytest.mark.parametrize("key", ABSOLUTE)
@pytest.mark.parametrize("outcome", ["eligible", "eligible_with_conditions"])
def test_an_absolute_contraindication_allows_only_not_eligible(key, outcome):
    problems = screening_problems(answers(key), outcome, "conditions written")
    assert fields(problems) == ["outcome"]
    assert "Absolute contraindication present" in problems[0][1]


@pytest.mark.parametrize("key", ABSOLUTE)
def test_not_eligible_is_always_possible(key):
    assert screening_problems(answers(key, *RELATIVE), "not_eligible", "") == []


@pytest.mark.parametrize("conditions", ["", "   \n "])
def test_eligible_with_conditions_needs_the_conditions_written(conditions):
    problems = screening_problems(answers("mania"), "eligible_with_conditions", conditions)
    assert problems == [("conditions", "Write the conditions for “Eligible with conditions”.")]


def test_an_incomplete_checklist_cannot_have_an_outcome():
    partial = answers()
    partial.pop("pregnancy")
    assert fields(screening_problems(partial, "not_eligible", "")) == [None]


def test_the_checklist_covers_the_clinical_reference_items():
    keys = {item.key for item in SCREENING_ITEMS}
    assert {
        "psychosis",
        "mania",
        "hypertension",
        "intracranial_pressure",
        "intraocular_pressure",
        "pregnancy",
        "substance_use",
        "interacting_medication",
        "cystitis",
        "sleep_apnoea",
    } <= keys
