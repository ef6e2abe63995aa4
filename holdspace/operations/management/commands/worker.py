from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker (reminders, escalations, exports)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls for new tasks."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker", interval=options["interval"])
