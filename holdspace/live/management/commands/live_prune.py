import json
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from holdspace.live.store import prune


class Command(BaseCommand):
    help = (
        "Delete live events older than --days (default 7). They only drive screens; the "
        "clinical record and the audit trail are elsewhere. A screen offline for longer is "
        "told to reload when it reconnects."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=7, help="Keep this many days (>= 1).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 1:
            raise CommandError("--days must be at least 1.", returncode=2)
        deleted = prune(timezone.now() - timedelta(days=days))
        if options["json"]:
            self.stdout.write(json.dumps({"deleted": deleted, "days": days}))
        else:
            self.stdout.write(f"Deleted {deleted} live events older than {days} days.")
