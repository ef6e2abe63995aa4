import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Write a consistent backup of the database (SQLite online backup or pg_dump)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", help="File to write (default: var/backups/<timestamp>).")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        default_dir = Path(settings.VAR_DIR) / "backups"
        if connection.vendor == "sqlite":
            target = Path(options["output"] or default_dir / f"holdspace-{stamp}.sqlite3")
            self._sqlite(target)
        elif connection.vendor == "postgresql":
            target = Path(options["output"] or default_dir / f"holdspace-{stamp}.pgdump")
            self._postgres(target)
        else:
            raise CommandError(f"No backup method for {connection.vendor}.")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))

    @staticmethod
    def _sqlite(target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        connection.ensure_connection()
        # The online backup API copies a consistent snapshot while the clinic keeps working.
        with sqlite3.connect(target) as destination:
            connection.connection.backup(destination)
        destination.close()

    @staticmethod
    def _postgres(target: Path) -> None:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise CommandError("pg_dump was not found on PATH; install the PostgreSQL client.")
        target.parent.mkdir(parents=True, exist_ok=True)
        db = settings.DATABASES["default"]
        env = {"PGPASSWORD": str(db.get("PASSWORD") or "")}
        command = [
            pg_dump,
            "--format=custom",
            f"--file={target}",
            "--no-owner",
            f"--host={db.get('HOST') or 'localhost'}",
            f"--port={db.get('PORT') or 5432}",
            f"--username={db.get('USER') or ''}",
            str(db["NAME"]),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
