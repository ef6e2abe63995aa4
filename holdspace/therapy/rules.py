"""The therapist's rules, pure (no Django): the patient's calming preferences as the console
prompts them, the plan's ordered lists as typed on a tablet, what changed between two versions
of the plan, and the integration window after an infusion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

# CLINICAL.md §6: "Integration: 24-72 hours after an infusion". A clinic setting may replace
# these later; until then every clinic uses the reference window.
INTEGRATION_WINDOW_OPENS = timedelta(hours=24)
INTEGRATION_WINDOW_CLOSES = timedelta(hours=72)

# The console shows this many of the patient's own calming preferences when anxiety or
# dissociation crosses the protocol's prompt (issue 6: "the first two preferences").
CALMING_PROMPT_COUNT = 2

MAX_ITEM_LENGTH = 200
MAX_ITEMS = 20

# A list typed as "1. breathing", "2) music", "- grounding" or "• silence" keeps only the words.
_LIST_MARKER = re.compile(r"^\s*(?:[-*•·]+|\d{1,2}\s*[.)])\s*")


class ListInputError(ValueError):
    """An ordered list that cannot be stored as typed (too many or too long items)."""


def parse_ordered_list(text: str) -> list[str]:
    """One item per line, in order; list markers and blank lines dropped, repeats removed
    (the first place wins, since the order is the patient's priority)."""
    items: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        item = " ".join(_LIST_MARKER.sub("", line, count=1).split())
        if not item or item.casefold() in seen:
            continue
        if len(item) > MAX_ITEM_LENGTH:
            raise ListInputError(
                f"“{item[:40]}…” is longer than {MAX_ITEM_LENGTH} characters; shorten it or "
                "split it into two lines."
            )
        seen.add(item.casefold())
        items.append(item)
    if len(items) > MAX_ITEMS:
        raise ListInputError(
            f"{len(items)} items: keep the list to the {MAX_ITEMS} that matter most, in order."
        )
    return items


def first_calming_preferences(
    plan_items: Iterable[object] | None, n: int = CALMING_PROMPT_COUNT
) -> tuple[str, ...]:
    """The first ``n`` usable items of the patient's ordered "what helps" list.

    Blank or non-text items are skipped (a plan written before a field existed may hold
    anything); a repeat does not take a second place.
    """
    if n < 1 or plan_items is None:
        return ()
    chosen: list[str] = []
    seen: set[str] = set()
    for raw in plan_items:
        if not isinstance(raw, str):
            continue
        item = " ".join(raw.split())
        if not item or item.casefold() in seen:
            continue
        seen.add(item.casefold())
        chosen.append(item)
        if len(chosen) == n:
            break
    return tuple(chosen)


def calming_prompt_text(preferences: Sequence[str]) -> str | None:
    """ "Try first: A, then B" — the words the console shows; None with no preference."""
    if not preferences:
        return None
    if len(preferences) == 1:
        return f"Try first: {preferences[0]}"
    return f"Try first: {preferences[0]}, then {preferences[1]}"


def changed_fields(
    before: Mapping[str, object] | None, after: Mapping[str, object], fields: Sequence[str]
) -> list[str]:
    """The fields (in ``fields`` order) whose value differs; every non-empty one when there is
    no earlier version."""
    if before is None:
        return [name for name in fields if after.get(name) not in (None, "", [], ())]
    return [name for name in fields if before.get(name) != after.get(name)]


class WindowState(StrEnum):
    NOT_YET = "not_yet"
    OPEN = "open"
    PAST = "past"


def integration_window(discharged_at: datetime) -> tuple[datetime, datetime]:
    """When the integration session should be held: 24 to 72 hours after discharge."""
    return discharged_at + INTEGRATION_WINDOW_OPENS, discharged_at + INTEGRATION_WINDOW_CLOSES


def window_state(discharged_at: datetime, now: datetime) -> WindowState:
    opens, closes = integration_window(discharged_at)
    if now < opens:
        return WindowState.NOT_YET
    if now <= closes:
        return WindowState.OPEN
    return WindowState.PAST
