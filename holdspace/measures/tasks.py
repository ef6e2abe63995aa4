"""Background work of the measure schedule (``django.tasks``; the ``holdspace worker`` runs it).

- `sync_course_measures` creates one course's due questionnaires; queue it with
  `queue_course_sync` whenever a course starts or changes phase, or an infusion is scheduled,
  started or cancelled.
- `run_measure_schedule` runs every hour: it brings every clinic's schedule up to date and emails
  reminders, then queues its next run. Reminders go out only in the clinic's daytime
  (`scheduling.REMINDER_HOURS`, the clinic's own time zone) and at most once a day per patient.
  `ensure_schedule_job_queued` starts the chain; calling it again while a run is waiting queues
  nothing (the demo seed calls it; the worker should too).

Every task is idempotent: running it twice, or late, changes nothing more than running it once.
Arguments are public ids as strings (task arguments are JSON).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.tasks import task
from django.utils import timezone

if TYPE_CHECKING:
    from holdspace.dosing.models import TreatmentCourse

logger = logging.getLogger(__name__)

# Hourly, so a questionnaire due before an infusion booked this morning is there by the
# afternoon, and every clinic's reminder hours are met whatever its time zone.
RUN_EVERY = dt.timedelta(hours=1)


@task()
def sync_course_measures(course_id: str) -> str:
    """Create the due questionnaires of one course (never twice)."""
    from holdspace.dosing.models import TreatmentCourse
    from holdspace.measures.scheduling import sync_due_administrations

    course = (
        TreatmentCourse.objects.select_related("patient__clinic")
        .filter(public_id=course_id)
        .first()
    )
    if course is None:
        return "no such course"
    result = sync_due_administrations(course)
    return f"{len(result.created)} due, {len(result.cancelled)} no longer asked"


def queue_course_sync(course: TreatmentCourse) -> None:
    """Queue the course's schedule update for after the current transaction commits."""
    course_id = str(course.public_id)
    transaction.on_commit(lambda: sync_course_measures.enqueue(course_id))


def next_run(now: dt.datetime) -> dt.datetime:
    """The start of the next hour after `now`."""
    return now.replace(minute=0, second=0, microsecond=0) + RUN_EVERY


@task()
def run_measure_schedule() -> str:
    """Every clinic: schedule what is due, remind patients (daytime only).

    The next run is queued first, so that no error here can stop the hourly chain; an error in
    one clinic is logged (ids only, no patient data) and the other clinics still run."""
    from holdspace.clinics.models import Clinic
    from holdspace.measures.scheduling import send_reminders, sync_clinic

    _queue(next_run(timezone.now()))
    created = reminded = failed = 0
    for clinic in Clinic.objects.all():
        try:
            created += len(sync_clinic(clinic).created)
            reminded += send_reminders(clinic)
        except Exception:
            failed += 1
            logger.exception("Measure schedule failed for clinic %s", clinic.pk)
    summary = f"{created} questionnaires due, {reminded} reminders sent"
    return f"{summary}, {failed} clinics failed" if failed else summary


def _queue(run_after: dt.datetime) -> None:
    run_measure_schedule.using(run_after=run_after).enqueue()


def ensure_schedule_job_queued() -> bool:
    """Queue the hourly run unless one is already waiting (with the database backend). Returns
    whether one was queued."""
    if _waiting(run_measure_schedule.get_backend()):
        return False
    _queue(next_run(timezone.now()))
    return True


def _waiting(backend: object) -> bool:
    if type(backend).__module__.startswith("django_tasks_db"):
        from django.tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=run_measure_schedule.module_path
        )
        return waiting.exists()
    return False
