"""When the portal invites the patient to reflect on an infusion. Pure Python, no Django.

CLINICAL.md §6: integration happens 24-72 hours after an infusion, with journaling as one of its
tools. So each discharged infusion opens two reflection prompts: one a day after discharge and
one three days after. The 24-hour prompt stays open until the 72-hour one takes over; the
72-hour prompt stays open for four more days (project default, no clinical source: a week after
the infusion the reflection belongs in the next session, not in a prompt). A prompt the patient
has answered is never shown again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

REFLECTION_24H = "reflection_24h"
REFLECTION_72H = "reflection_72h"

# (kind, opens after discharge, closes after discharge) — CLINICAL.md §6 (24-72 h integration).
WINDOWS: tuple[tuple[str, timedelta, timedelta], ...] = (
    (REFLECTION_24H, timedelta(hours=24), timedelta(hours=72)),
    (REFLECTION_72H, timedelta(hours=72), timedelta(days=7)),
)
# Discharges older than this can no longer have an open prompt (callers may filter by it).
LOOKBACK = max(closes for _kind, _opens, closes in WINDOWS)


@dataclass(frozen=True)
class Discharged:
    session_key: str
    """Whatever names the infusion for the caller (its public id)."""
    discharged_at: datetime


@dataclass(frozen=True)
class ReflectionPrompt:
    session_key: str
    kind: str
    opens_at: datetime
    closes_at: datetime


def due_prompts(
    discharges: Iterable[Discharged],
    answered: set[tuple[str, str]],
    now: datetime,
) -> list[ReflectionPrompt]:
    """The reflection prompts open at ``now``: for each discharged infusion, the prompt whose
    window contains ``now`` and that is not in ``answered`` ((session_key, kind) pairs).
    Oldest infusion first."""
    due = []
    for row in sorted(discharges, key=lambda d: d.discharged_at):
        for kind, opens, closes in WINDOWS:
            opens_at, closes_at = row.discharged_at + opens, row.discharged_at + closes
            if opens_at <= now < closes_at and (row.session_key, kind) not in answered:
                due.append(ReflectionPrompt(row.session_key, kind, opens_at, closes_at))
    return due
