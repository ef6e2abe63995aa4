"""Which completed score is a course's baseline.

Response, remission and reliable change are measured from the course baseline (CLINICAL.md §5),
which must be a score from before treatment. The first score on record is not enough: when the
real baseline was never answered, or was entered in error, the first score left may come weeks
into the course and would make every later change look small. So the baseline is:

1. the course's completed, scored administration asked as the *baseline* (the latest one
   answered before the first infusion started, else the first one); or else
2. the last completed, scored administration of the instrument answered before the course's
   first infusion started (`InfusionSession.started_at`; while no infusion has started, every
   score is from before treatment); otherwise
3. none: the course is *not evaluable — no baseline*.

Only completed, complete administrations with a total reach this module (entered-in-error,
cancelled and incomplete ones are left out by the callers; a missing answer is never 0,
CLINICAL.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import Min

from holdspace.measures.models import Occasion

NO_BASELINE_NOTE = (
    "No baseline: no score was taken as the course baseline or before the first infusion, so "
    "change from baseline, response and remission cannot be judged (CLINICAL.md §5)."
)


def first_infusions(course_ids: Iterable[int]) -> dict[int, datetime]:
    """When each course's first infusion started (courses with none started are left out), in
    one query."""
    from holdspace.infusions.models import InfusionSession

    rows = (
        InfusionSession.objects.filter(
            order__course_id__in=list(course_ids), started_at__isnull=False
        )
        .values("order__course_id")
        .annotate(first=Min("started_at"))
    )
    return {row["order__course_id"]: row["first"] for row in rows}


def baseline_index(
    scored: Sequence[tuple[str, datetime]], first_infusion: datetime | None
) -> int | None:
    """The position of the baseline among one course's scored administrations of one
    instrument, given as (occasion, completed at) in completion order; None when there is none.
    """
    before = [
        i for i, (_, at) in enumerate(scored) if first_infusion is None or at < first_infusion
    ]
    asked = [i for i, (occasion, _) in enumerate(scored) if occasion == Occasion.BASELINE]
    asked_before = [i for i in asked if i in before]
    if asked_before:
        return asked_before[-1]
    if asked:
        return asked[0]
    return before[-1] if before else None
