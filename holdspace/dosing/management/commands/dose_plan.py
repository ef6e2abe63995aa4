"""``holdspace dose-plan``: the infusion plan for one weight and order, for double-checking.

Example (CLINICAL.md section 1): 80 kg, 0.5 mg/kg over 40 min, 50 mg/mL stock into 100 mL
saline → 40 mg, 0.8 mL drawn, 100.8 mL at 151.2 mL/h::

    holdspace dose-plan --json --weight-kg 80 --mg-per-kg 0.5 --minutes 40 \\
        --stock-mg-ml 50 --bag-ml 100

Bad input: a message on stderr and exit status 2. A cap breach is not bad input: the plan is
printed with ``hard_stops`` filled in.
"""

import json
from argparse import ArgumentParser
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from holdspace.dosing import engine

BAD_INPUT = 2

DOSE_FLAGS = {
    "mg_per_kg": ("--mg-per-kg", engine.DoseMode.MG_PER_KG_OVER_MINUTES),
    "mg_per_kg_per_h": ("--mg-per-kg-per-h", engine.DoseMode.MG_PER_KG_PER_HOUR),
    "mg_per_h": ("--mg-per-h", engine.DoseMode.FIXED_MG_PER_HOUR),
}
CAP_FLAGS = {
    "max_mg_per_kg": "--max-mg-per-kg",
    "max_total_mg": "--max-total-mg",
    "max_rate_ml_h": "--max-rate-ml-h",
    "max_mg_per_kg_per_h": "--max-mg-per-kg-per-h",
}


def bad_input(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


def number(flag: str, raw: str | None) -> Decimal | None:
    """The flag's value as an exact decimal (never a float), or None when not given."""
    if raw is None:
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise bad_input(f"{flag} must be a number (got {raw!r}).") from None
    if not value.is_finite() or value <= 0:
        raise bad_input(f"{flag} must be a number greater than zero (got {raw!r}).")
    return value


def exactly_one(options: dict[str, Any], flags: dict[str, str], what: str) -> str:
    given = [name for name in flags if options.get(name) is not None]
    if len(given) != 1:
        listed = ", ".join(flags.values())
        raise bad_input(f"Give exactly one of {listed} ({what}).")
    return given[0]


class Command(BaseCommand):
    help = (
        "Print the infusion plan (dose, volumes, concentration, pump rate, warnings, hard stops) "
        "for a weight and an order. Exit status 2 on bad input."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")
        parser.add_argument("--weight-kg", required=True, help="Actual body weight in kg.")
        parser.add_argument("--height-cm", help="Height in cm (ideal, adjusted, lean bases).")
        parser.add_argument("--sex", choices=[s.value for s in engine.Sex])
        parser.add_argument(
            "--basis", choices=[b.value for b in engine.WeightBasis], default="actual"
        )
        for dest, (flag, mode) in DOSE_FLAGS.items():
            unit = engine.AMOUNT_UNITS[mode]
            parser.add_argument(flag, dest=dest, help=f"Dose in {unit}.")
        parser.add_argument("--minutes", help="Infusion duration in minutes.")
        parser.add_argument("--hours", help="Infusion duration in hours.")
        parser.add_argument("--concentration-mg-ml", help="Premixed concentration (mg/mL).")
        parser.add_argument("--stock-mg-ml", help="Stock vial strength drawn into a bag (mg/mL).")
        parser.add_argument("--bag-ml", help="Bag volume the stock is added to (mL).")
        for dest, flag in CAP_FLAGS.items():
            parser.add_argument(flag, dest=dest, help="Optional protocol cap.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = engine.plan_infusion(
                self._weight(options),
                self._order(options),
                self._preparation(options),
                self._caps(options),
            )
        except engine.DosingError as error:
            raise bad_input(str(error)) from error
        shown = engine.plan_as_dict(plan)
        if options["json"]:
            self.stdout.write(json.dumps(shown, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(self._text(shown))

    def _weight(self, options: dict[str, Any]) -> engine.DosingWeight:
        weight = number("--weight-kg", options["weight_kg"])
        height = number("--height-cm", options.get("height_cm"))
        basis = engine.WeightBasis(options["basis"])
        sex = engine.Sex(options["sex"]) if options.get("sex") else None
        if basis is not engine.WeightBasis.ACTUAL and (height is None or sex is None):
            raise bad_input(f"--basis {basis.value} needs --height-cm and --sex.")
        assert weight is not None
        return engine.dosing_weight(weight, height, sex, basis)

    def _order(self, options: dict[str, Any]) -> engine.DoseOrder:
        dest = exactly_one(options, {d: f for d, (f, _m) in DOSE_FLAGS.items()}, "the dose")
        flag, mode = DOSE_FLAGS[dest]
        amount = number(flag, options[dest])
        which = exactly_one(options, {"minutes": "--minutes", "hours": "--hours"}, "duration")
        duration = number(f"--{which}", options[which])
        assert amount is not None and duration is not None
        minutes = duration * 60 if which == "hours" else duration
        return engine.DoseOrder(mode, amount, minutes)

    def _preparation(self, options: dict[str, Any]) -> engine.Preparation:
        premixed = number("--concentration-mg-ml", options.get("concentration_mg_ml"))
        stock = number("--stock-mg-ml", options.get("stock_mg_ml"))
        bag = number("--bag-ml", options.get("bag_ml"))
        if premixed is not None and stock is None and bag is None:
            return engine.Premixed(premixed)
        if premixed is None and stock is not None and bag is not None:
            return engine.BagAdmixture(stock, bag)
        raise bad_input(
            "Give either --concentration-mg-ml (premixed), or --stock-mg-ml with --bag-ml "
            "(stock drawn into a bag)."
        )

    def _caps(self, options: dict[str, Any]) -> engine.Caps:
        values = {dest: number(flag, options.get(dest)) for dest, flag in CAP_FLAGS.items()}
        return engine.Caps(
            max_mg_per_kg=values["max_mg_per_kg"],
            max_total_mg=values["max_total_mg"],
            max_rate_ml_h=values["max_rate_ml_h"],
            max_mg_per_kg_per_hour=values["max_mg_per_kg_per_h"],
        )

    @staticmethod
    def _text(shown: dict[str, Any]) -> str:
        lines = [
            f"Dosing weight  {shown['dosing_weight_kg']} kg ({shown['basis']})",
            f"Dose           {shown['dose_mg']} mg",
        ]
        if shown["drawn_ml"] is not None:
            lines.append(f"Draw           {shown['drawn_ml']} mL of stock")
        lines += [
            f"Total volume   {shown['total_ml']} mL",
            f"Concentration  {shown['concentration_mg_ml']} mg/mL",
            f"Pump rate      {shown['rate_ml_h']} mL/h for {shown['duration_min']:g} min",
        ]
        lines += [f"WARNING: {warning}" for warning in shown["warnings"]]
        lines += [f"HARD STOP: {stop}" for stop in shown["hard_stops"]]
        return "\n".join(lines)
