"""`holdspace instruments load | import FILE | validate FILE | list`."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from holdspace.measures.instruments import (
    SHIPPED_IDS,
    InstrumentError,
    check_instrument,
)
from holdspace.measures.models import Instrument, Origin
from holdspace.measures.store import StoreOutcome, load_shipped, store_instrument

# An invalid file exits with this status after printing every problem.
INVALID_FILE = 2


def _read(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(
            f"cannot read {path}: {error.strerror}", returncode=INVALID_FILE
        ) from error
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            returncode=INVALID_FILE,
        ) from error


class Command(BaseCommand):
    help = "Load the shipped instruments, import or validate a clinic's file, or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser("load", help="load the shipped instruments (idempotent)")
        load.add_argument("--json", action="store_true")
        imported = actions.add_parser(
            "import", help="validate a licensed Questionnaire + scoring file and store it"
        )
        imported.add_argument("file")
        validate = actions.add_parser("validate", help="check a file without storing it")
        validate.add_argument("file")
        listing = actions.add_parser("list", help="list stored instruments and versions")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            self.report(load_shipped(), options["json"])
        elif action == "import":
            self.import_file(options["file"])
        elif action == "validate":
            self.validate_file(options["file"])
        else:
            self.list_instruments(options["json"])

    def report(self, outcomes: list[StoreOutcome], as_json: bool) -> None:
        if as_json:
            rows = [
                {
                    "instrument": o.key,
                    "action": o.action,
                    "revision": o.revision,
                    "version": o.version,
                }
                for o in outcomes
            ]
            self.stdout.write(json.dumps(rows))
            return
        for outcome in outcomes:
            self.stdout.write(
                f"{outcome.key}: {outcome.action} (revision {outcome.revision}, "
                f"version {outcome.version})"
            )

    def checked(self, path: str) -> tuple[Any, list[str]]:
        """Read and validate a file; print every problem and exit 2 if it has errors."""
        data = _read(path)
        _instrument, errors, warnings = check_instrument(data)
        for problem in errors + warnings:
            self.stderr.write(f"  - {problem}")
        if errors:
            count = len(errors)
            raise CommandError(
                f"{path} is not a valid instrument file: {count} problem{'s' * (count != 1)} "
                "listed above",
                returncode=INVALID_FILE,
            )
        return data, warnings

    def validate_file(self, path: str) -> None:
        data, _warnings = self.checked(path)
        self.stdout.write(f"{path}: valid instrument file for '{data['id']}'")

    def import_file(self, path: str) -> None:
        data, file_warnings = self.checked(path)
        if data["id"] in SHIPPED_IDS:
            raise CommandError(
                f"'{data['id']}' is shipped with holdspace; give your file another id "
                f"(for example '{data['id']}_clinic')",
                returncode=INVALID_FILE,
            )
        try:
            outcome = store_instrument(data, Origin.IMPORTED)
        except InstrumentError as error:
            for problem in error.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(f"{path} was not imported", returncode=INVALID_FILE) from error
        # The file's own warnings were printed above; storing may add one (unchanged version).
        for warning in outcome.warnings:
            if warning not in file_warnings:
                self.stderr.write(f"  - {warning}")
        self.stdout.write(
            f"{outcome.key}: {outcome.action} (revision {outcome.revision}, "
            f"version {outcome.version})"
        )

    def list_instruments(self, as_json: bool) -> None:
        rows = []
        for instrument in Instrument.objects.prefetch_related("versions"):
            versions = list(instrument.versions.all())
            current = next((v for v in versions if v.is_current), None)
            rows.append(
                {
                    "instrument": instrument.key,
                    "short_name": instrument.short_name,
                    "respondent": instrument.respondent,
                    "origin": instrument.origin,
                    "licence": instrument.licence_name,
                    "item_text": instrument.licence_ships_text,
                    "current_revision": current.revision if current else None,
                    "current_version": current.version if current else None,
                    "revisions": len(versions),
                }
            )
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['instrument']:<18} {row['short_name']:<34} {row['respondent']:<9} "
                f"{row['origin']:<8} v{row['current_version']} (revision "
                f"{row['current_revision']} of {row['revisions']})"
            )
