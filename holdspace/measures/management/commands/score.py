"""`holdspace score INSTRUMENT --answers a,b,c,… [--json]`: score one response from the shell."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from holdspace.measures.instruments import (
    SHIPPED_IDS,
    Instrument,
    InstrumentError,
    shipped_instruments,
)
from holdspace.measures.scoring import ScoreInputError, parse_answer_list, result_as_dict, score

# Bad input exits with this status, as the issue asks; the message goes to stderr.
BAD_INPUT = 2


def _imported(key: str) -> Instrument | None:
    """A clinic-imported instrument's current version, if the database has one."""
    from holdspace.measures.models import InstrumentVersion

    try:
        version = InstrumentVersion.objects.filter(instrument__key=key, is_current=True).first()
    except DatabaseError:
        return None
    return version.parsed() if version is not None else None


def find_instrument(key: str) -> Instrument:
    instrument = shipped_instruments().get(key) or _imported(key)
    if instrument is None:
        raise CommandError(
            f"unknown instrument '{key}'; shipped instruments are {', '.join(SHIPPED_IDS)} "
            "(imported ones are listed by 'holdspace instruments list')",
            returncode=BAD_INPUT,
        )
    return instrument


class Command(BaseCommand):
    help = (
        "Score one questionnaire response. Answers are the option weights in item order, "
        "comma-separated; leave a position empty for a missing answer (e.g. 1,,2)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instrument", help=f"instrument id: {', '.join(SHIPPED_IDS)}")
        parser.add_argument(
            "--answers", required=True, help="answers in item order, e.g. 2,2,2,2,1,1,2,0,0"
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        instrument = find_instrument(options["instrument"])
        try:
            result = score(instrument, parse_answer_list(instrument, options["answers"]))
        except (ScoreInputError, InstrumentError) as error:
            raise CommandError(str(error), returncode=BAD_INPUT) from error
        data = result_as_dict(result)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(result.interpretation)
        if result.total is not None:
            self.stdout.write(
                f"Total: {result.total} (possible {instrument.minimum:g}-{instrument.maximum:g})"
            )
        if result.severity:
            self.stdout.write(f"Severity: {result.severity}")
        if result.subscales:
            parts = [
                f"{code} {value if value is not None else '—'}"
                for code, value in result.subscales.items()
            ]
            self.stdout.write(f"Subscales: {', '.join(parts)}")
        for flag in result.flags:
            self.stdout.write(f"[{flag.kind.upper()}] {flag.text}")
        if result.missing:
            self.stdout.write(f"Missing: {', '.join(result.missing)}")
