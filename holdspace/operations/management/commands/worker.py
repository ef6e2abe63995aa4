from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from holdspace.measures.tasks import ensure_schedule_job_queued


class Command(BaseCommand):
    help = "Run the background task worker (reminders, escalations, exports)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls for new tasks."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The measure schedule re-queues itself every hour; starting the worker makes sure one
        # run is waiting (e.g. after a restore or on a new installation).
        ensure_schedule_job_queued()
        call_command("db_worker", interval=options["interval"])
