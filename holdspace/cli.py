"""The ``holdspace`` console script: Django's management commands with friendlier names.

``holdspace serve``, ``holdspace worker``, ``holdspace seed-demo``, ``holdspace verify-audit``,
``holdspace backup`` and every Django command (``holdspace migrate``, ``holdspace check`` …).
"""

import os
import sys

# Hyphenated names people type, mapped to the management commands that implement them.
ALIASES = {
    "seed-demo": "seed_demo",
    "verify-audit": "verify_audit",
    "dose-plan": "dose_plan",
    "delivered-dose": "delivered_dose",
    "live-prune": "live_prune",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdspace.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["holdspace", *args[1:]])


if __name__ == "__main__":
    main()
