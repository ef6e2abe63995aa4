"""The alliance, read from the session-feedback form (CLINICAL.md §6).

The form (``measures/instruments/session_feedback.json``) is written for holdspace and openly
NOT validated: it opens a conversation; it is never an outcome measure. Its scores are
measures.Administration rows (written by the measurement module; only read here).

Low score, defined by the form's own scoring key (critical item
``session-feedback-low-rating``): any answer at most 1 ("Not at all" or "A little") on any of
its five items. The rule is read from the stored instrument version, so a clinic's revised file
changes the threshold with it; the shipped values are the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from holdspace.measures.models import Administration, AdministrationStatus

FEEDBACK_KEY = "session_feedback"
LOW_RATING_CODE = "session-feedback-low-rating"
# The shipped file's rule (session_feedback.json, scoring.critical_items), used only when a
# stored version lacks it.
SHIPPED_LOW_ITEMS = frozenset(f"feedback-{n}" for n in range(1, 6))
SHIPPED_LOW_AT_MOST = 1
# The form's total range: five items scored 0-4 (session_feedback.json).
FEEDBACK_MAX_TOTAL = 20


@dataclass(frozen=True)
class LowRule:
    items: frozenset[str]
    at_most: int


def low_rule(content: dict[str, Any] | None) -> LowRule:
    """The low-rating rule from an instrument file's scoring key (or the shipped one)."""
    for critical in ((content or {}).get("scoring") or {}).get("critical_items") or []:
        if critical.get("code") == LOW_RATING_CODE:
            return LowRule(frozenset(critical.get("items") or ()), int(critical["at_most"]))
    return LowRule(SHIPPED_LOW_ITEMS, SHIPPED_LOW_AT_MOST)


def is_low(administration: Administration) -> bool:
    """True when the form's own low-rating flag was raised, or its rule holds on the answers."""
    if any(flag.get("code") == LOW_RATING_CODE for flag in administration.flags or []):
        return True
    rule = low_rule(administration.instrument_version.content)
    answers = administration.answers or {}
    return any(
        answers.get(item) is not None and float(answers[item]) <= rule.at_most
        for item in rule.items
    )


def completed_feedback(**filters: Any) -> QuerySet[Administration]:
    """Completed session-feedback forms (never cancelled or entered in error), oldest first."""
    return (
        Administration.objects.filter(
            instrument_version__instrument__key=FEEDBACK_KEY,
            status=AdministrationStatus.COMPLETED,
            completed_at__isnull=False,
            **filters,
        )
        .select_related("instrument_version", "patient", "alliance_review__reviewed_by")
        .order_by("completed_at", "id")
    )


def trend(administrations: list[Administration]) -> list[tuple[datetime, float]]:
    """(completed at, total) for every scored form, in time order."""
    return [(a.completed_at, float(a.total)) for a in administrations if a.total is not None]


def unreviewed_low(**filters: Any) -> list[Administration]:
    """Low forms that no therapist has reviewed yet: the worklist's gentle flags."""
    candidates = completed_feedback(alliance_review__isnull=True, **filters)
    return [a for a in candidates if is_low(a)]
