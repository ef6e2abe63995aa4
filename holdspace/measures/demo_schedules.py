"""Demo data for the measure schedule: each demo clinic gets the default rules (CLINICAL.md §4),
its courses' due questionnaires, and the hourly schedule-and-reminder job is queued for the worker.

Score histories are seeded elsewhere (measures/demo.py); this only adds the schedule on top, so
the worklist shows questionnaires due and overdue like a real clinic's.
"""

from __future__ import annotations

from typing import Any

from holdspace.measures.scheduling import ensure_default_rules, sync_clinic
from holdspace.measures.tasks import ensure_schedule_job_queued


def seed_measure_schedules(clinic: Any, staff: dict[str, list[Any]]) -> dict[str, int]:
    """Default rules, due questionnaires for every course, and the hourly job (once)."""
    rules = ensure_default_rules(clinic)
    result = sync_clinic(clinic)
    ensure_schedule_job_queued()
    return {"rules": len(rules), "due": len(result.created), "cancelled": len(result.cancelled)}
