"""Reflection prompts (CLINICAL.md §6: integration 24-72 h after an infusion): properties of the
pure schedule, for any discharge time and any moment."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from holdspace.journal.prompts import (
    REFLECTION_24H,
    REFLECTION_72H,
    Discharged,
    due_prompts,
)

BASE = datetime(2026, 1, 1, tzinfo=UTC)
hours = st.floats(min_value=-48, max_value=24 * 10, allow_nan=False)


def _due(hours_since: float, answered=frozenset()):
    row = Discharged("s1", BASE)
    return due_prompts([row], set(answered), BASE + timedelta(hours=hours_since))


@given(hours)
def test_nothing_is_asked_in_the_first_day(h):
    if h < 24:
        assert _due(h) == []


@given(hours)
def test_at_most_one_prompt_per_infusion_at_a_time(h):
    assert len(_due(h)) <= 1


@given(hours)
def test_the_24_hour_prompt_gives_way_to_the_72_hour_one(h):
    kinds = [p.kind for p in _due(h)]
    if 24 <= h < 72:
        assert kinds == [REFLECTION_24H]
    elif 72 <= h < 7 * 24:
        assert kinds == [REFLECTION_72H]
    else:
        assert kinds == []


@given(hours)
def test_an_answered_prompt_is_never_asked_again(h):
    answered = {("s1", REFLECTION_24H), ("s1", REFLECTION_72H)}
    assert _due(h, answered) == []


@given(st.lists(hours, min_size=0, max_size=6), st.floats(min_value=0, max_value=240))
def test_each_infusion_is_judged_on_its_own(offsets, now_hours):
    rows = [Discharged(f"s{i}", BASE + timedelta(hours=o)) for i, o in enumerate(offsets)]
    now = BASE + timedelta(hours=now_hours)
    due = due_prompts(rows, set(), now)
    assert all(p.opens_at <= now < p.closes_at for p in due)
    assert len({p.session_key for p in due}) == len(due)


def test_the_boundaries_are_exact():
    assert [p.kind for p in _due(24)] == [REFLECTION_24H]
    assert [p.kind for p in _due(72)] == [REFLECTION_72H]
    assert _due(23.99) == [] and _due(168) == []
