"""What the care team needs to do, gathered from every domain app.

The worklist owns no data. Each app that creates work (a safety flag, a measure overdue, an
integration session due, a booster suggestion, a low-alliance flag, a goal without a check-in)
registers a *provider* in its AppConfig.ready(): a function that, for one clinic and one
clinician, returns the open items. Clearing an item is always done on the app's own page, with
its own action (and audit), which is why every item carries the link to that page. An item
disappears when the underlying record no longer needs work, so the worklist can never disagree
with the record.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any


class Urgency(IntEnum):
    """Sort order on the page: safety before anything else, then what is due, then the rest."""

    SAFETY = 0
    DUE = 1
    SUGGESTION = 2


@dataclass(frozen=True)
class WorklistItem:
    kind: str
    """A stable code for the kind of work, e.g. "safety_flag"; used for filtering and tests."""
    label: str
    """The kind as a clinician reads it, e.g. "Safety flag"."""
    patient: Any
    """The Patient the work is about (every item is about one patient)."""
    title: str
    detail: str
    url: str
    """The page where the work is done and the item cleared."""
    action: str
    """The words on the link, saying what clears the item, e.g. "Acknowledge with action"."""
    urgency: Urgency
    since: datetime | None = None
    """When the work became due (oldest first within an urgency)."""
    responsible_ids: frozenset[int] = frozenset()
    """User ids this item is primarily for (the patient's prescriber, therapist…); empty = all."""


Provider = Callable[[Any, Any], Iterable[WorklistItem]]
"""provider(clinic, user) → the open items in that clinic that this user may see."""

_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register a provider once under a unique name (re-registering the same name replaces it)."""
    _providers[name] = provider


def registered() -> dict[str, Provider]:
    return dict(_providers)


def _sort_key(item: WorklistItem) -> tuple[int, float, str]:
    since = item.since.timestamp() if item.since else float("inf")
    return (int(item.urgency), since, item.title)


def items_for(clinic: Any, user: Any, *, mine_only: bool = False) -> list[WorklistItem]:
    """Every open item in the clinic for this user, most urgent first, oldest first."""
    items = [item for provider in _providers.values() for item in provider(clinic, user)]
    if mine_only:
        items = [i for i in items if not i.responsible_ids or user.pk in i.responsible_ids]
    return sorted(items, key=_sort_key)
