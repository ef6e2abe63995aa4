"""``holdspace delivered-dose``: mg and mL delivered, reconstructed from pump events.

EVENTS.json is a list of ``{"at": ISO-8601 with time zone, "action":
"start|rate|pause|resume|stop", "rate_ml_h": number}`` in the order they happened (rate only
for start, rate and optionally resume)::

    holdspace delivered-dose --json --concentration-mg-ml 0.397 events.json

An impossible sequence (a rate change while stopped, time going backwards, resume without
pause …) prints the engine's message naming the event on stderr, exit status 2.
"""

import json
from argparse import ArgumentParser
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from holdspace.dosing import engine
from holdspace.dosing.management.commands.dose_plan import bad_input, number


def _event(position: int, raw: object) -> engine.PumpEvent:
    if not isinstance(raw, dict):
        raise bad_input(f"Event {position}: expected an object with at, action and rate_ml_h.")
    try:
        at = datetime.fromisoformat(str(raw["at"]))
    except (KeyError, ValueError):
        raise bad_input(f"Event {position}: “at” must be an ISO-8601 time.") from None
    try:
        action = engine.PumpAction(raw.get("action"))
    except ValueError:
        actions = "|".join(a.value for a in engine.PumpAction)
        raise bad_input(f"Event {position}: “action” must be one of {actions}.") from None
    rate = raw.get("rate_ml_h")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, Decimal, str))):
        raise bad_input(f"Event {position}: “rate_ml_h” must be a number.")
    try:
        rate_value = None if rate is None else Decimal(str(rate))
    except ArithmeticError:
        raise bad_input(f"Event {position}: “rate_ml_h” must be a number.") from None
    return engine.PumpEvent(at, action, rate_value)


def read_events(path: str) -> list[engine.PumpEvent]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise bad_input(f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        # Numbers are read as exact decimals, never floats.
        raw = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as error:
        raise bad_input(f"{path} is not valid JSON: {error}.") from None
    if not isinstance(raw, list):
        raise bad_input(f"{path} must hold a list of pump events.")
    return [_event(position, item) for position, item in enumerate(raw, start=1)]


class Command(BaseCommand):
    help = "Print the mg and mL delivered from a list of pump events. Exit status 2 on bad input."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("events", metavar="EVENTS.json", help="The pump events file.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--concentration-mg-ml", required=True, help="Concentration of the infused solution."
        )
        parser.add_argument("--at", help="ISO-8601 time to report at (default: the last event).")

    def handle(self, *args: Any, **options: Any) -> None:
        concentration = number("--concentration-mg-ml", options["concentration_mg_ml"])
        assert concentration is not None
        events = read_events(options["events"])
        try:
            delivered = self._delivered(events, concentration, options.get("at"))
        except engine.DosingError as error:
            raise bad_input(str(error)) from error
        result = {
            "delivered_mg": float(engine.round_dose_mg(delivered.delivered_mg)),
            "delivered_ml": float(engine.round_volume_ml(delivered.delivered_ml)),
            "state": delivered.state.value,
            "as_of": delivered.as_of.isoformat() if delivered.as_of else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(
                f"Delivered {result['delivered_mg']} mg in {result['delivered_ml']} mL "
                f"(pump {result['state']}, as of {result['as_of']})"
            )

    @staticmethod
    def _delivered(
        events: list[engine.PumpEvent], concentration: Decimal, at: str | None
    ) -> engine.DeliveredDose:
        if at is None:
            return engine.reconstruct(events, concentration)
        try:
            instant = datetime.fromisoformat(at)
        except ValueError:
            raise bad_input(f"--at must be an ISO-8601 time (got {at!r}).") from None
        return engine.delivered_at(events, concentration, instant)
