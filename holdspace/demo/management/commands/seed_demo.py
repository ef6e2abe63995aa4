"""Seed the demo: two clinics, their chairs and staff, and about 25 synthetic patients.

Idempotent: when the demo clinics exist, nothing is changed and the logins are printed again.
Everything here is invented; no real person is described.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from holdspace.clinics.models import Clinic
from holdspace.demo import data


class Command(BaseCommand):
    help = "Create the synthetic demo clinics (safe to run twice: the second run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Clinic.objects.filter(name__in=[c.name for c in data.CLINICS]).exists():
            self.stdout.write("The demo clinics already exist; nothing was changed.")
        else:
            with transaction.atomic():
                data.seed()
            self.stdout.write(self.style.SUCCESS("Demo clinics created."))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for everyone: {data.DEMO_PASSWORD})")
        for email, name, roles in data.login_table():
            self.stdout.write(f"  {email:<38} {name:<24} {roles}")
        self.stdout.write("")
