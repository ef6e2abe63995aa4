"""The pure rules: the console's calming prompt, ordered lists typed on a tablet, what changed
between plan versions, and the 24-72 hour integration window (CLINICAL.md §6)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdspace.therapy import rules

words = st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), max_size=30)


def test_the_prompt_names_the_patients_first_two_preferences_in_their_order():
    prefs = rules.first_calming_preferences(["Slow breathing", "My name", "Music"])
    assert rules.calming_prompt_text(prefs) == "Try first: Slow breathing, then My name"


def test_blank_repeated_and_non_text_items_do_not_take_a_place():
    items = ["  ", "Breathing", None, "breathing ", 3, "Music"]
    assert rules.first_calming_preferences(items) == ("Breathing", "Music")


def test_no_plan_or_one_preference():
    assert rules.first_calming_preferences(None) == ()
    assert rules.calming_prompt_text(()) is None
    assert rules.calming_prompt_text(("Music",)) == "Try first: Music"


@given(st.lists(st.one_of(words, st.none(), st.integers())), st.integers(-2, 5))
def test_preferences_are_at_most_n_distinct_items_from_the_list_in_order(items, n):
    chosen = rules.first_calming_preferences(items, n)
    assert len(chosen) <= max(n, 0)
    assert len({c.casefold() for c in chosen}) == len(chosen)
    normalised = [" ".join(i.split()) for i in items if isinstance(i, str)]
    positions = [normalised.index(c) for c in chosen]
    assert positions == sorted(positions)
    assert all(c.strip() for c in chosen)


def test_typed_lists_lose_their_markers_and_keep_their_order():
    text = "1. Slow breathing\n2) Hearing my name\n\n- music\n• Slow breathing\n"
    assert rules.parse_ordered_list(text) == ["Slow breathing", "Hearing my name", "music"]


def test_too_long_or_too_many_items_are_refused_with_a_reason():
    with pytest.raises(rules.ListInputError, match="longer than 200"):
        rules.parse_ordered_list("x" * 201)
    with pytest.raises(rules.ListInputError, match="21 items"):
        rules.parse_ordered_list("\n".join(f"item {i}" for i in range(21)))


@given(st.lists(words, max_size=15))
def test_parsing_a_parsed_list_changes_nothing(lines):
    try:
        once = rules.parse_ordered_list("\n".join(lines))
    except rules.ListInputError:
        return
    assert rules.parse_ordered_list("\n".join(once)) == once


def test_changed_fields_names_what_differs_in_field_order():
    before = {"a": 1, "b": [1], "c": ""}
    after = {"a": 1, "b": [2], "c": "x"}
    assert rules.changed_fields(before, after, ["a", "b", "c"]) == ["b", "c"]
    assert rules.changed_fields(None, after, ["a", "b", "c"]) == ["a", "b", "c"]


DISCHARGED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_the_window_is_24_to_72_hours_after_discharge():
    opens, closes = rules.integration_window(DISCHARGED)
    assert (opens - DISCHARGED, closes - DISCHARGED) == (timedelta(hours=24), timedelta(hours=72))


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_window_state_follows_the_clock(minutes):
    now = DISCHARGED + timedelta(minutes=minutes)
    state = rules.window_state(DISCHARGED, now)
    if minutes < 24 * 60:
        assert state is rules.WindowState.NOT_YET
    elif minutes <= 72 * 60:
        assert state is rules.WindowState.OPEN
    else:
        assert state is rules.WindowState.PAST
