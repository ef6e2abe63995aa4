import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from holdspace.audit.models import AuditEvent
from holdspace.audit.trail import verify_chain


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain and report the first broken link."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = AuditEvent.objects.count()
        broken = verify_chain()
        result = {"rows": count, "intact": broken is None}
        if broken is not None:
            result.update(first_broken_row=broken.row_id, reason=broken.reason)
        if options["json"]:
            self.stdout.write(json.dumps(result))
        elif broken is None:
            self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {count} rows verified."))
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at row {broken.row_id}: {broken.reason}.", returncode=1
            )
