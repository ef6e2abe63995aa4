"""Running the service: demo seeding, backups, and the console script."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from holdspace.accounts.models import User
from holdspace.audit.models import AuditEvent
from holdspace.cli import ALIASES
from holdspace.clinics.models import Chair, Clinic, Membership, Role
from holdspace.lib.hashchain import ChainRow, first_broken_link
from holdspace.patients.models import Patient


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Clinic, Chair, User, Membership, Patient, AuditEvent)
    }


def test_demo_has_two_clinics_with_chairs_staff_in_every_role_and_patients(db):
    call_command("seed_demo")
    assert Clinic.objects.count() == 2
    for clinic in Clinic.objects.all():
        assert clinic.chairs.count() == 4
        roles = set(clinic.memberships.values_list("role", flat=True))
        assert roles == {str(role) for role in Role}
    # 25 from the patient list, plus the questionnaire stories' two patients in each clinic.
    assert 27 <= Patient.objects.count() <= 31
    indications = set(Patient.objects.values_list("indications__category", flat=True))
    assert {"trd", "ptsd", "gad", "chronic_pain"} <= indications


def test_seeding_twice_changes_nothing(db):
    call_command("seed_demo")
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before


def test_demo_staff_can_sign_in_with_the_printed_password(db, capsys):
    call_command("seed_demo")
    printed = capsys.readouterr().out
    from holdspace.demo.data import DEMO_PASSWORD

    assert DEMO_PASSWORD in printed
    nurse = User.objects.get(email="nurse.lindqvist@demo.holdspace.test")
    assert nurse.check_password(DEMO_PASSWORD)


def _holdspace(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "holdspace.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
        timeout=300,
    )


def _must(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite online-backup path")
def test_sqlite_backup_restores_into_a_working_database_with_an_intact_audit_trail(tmp_path):
    live = {"HOLDSPACE_SQLITE_PATH": str(tmp_path / "live.sqlite3"), "DATABASE_URL": ""}
    _must(_holdspace("migrate", "--noinput", env=live))
    _must(_holdspace("seed-demo", env=live))
    _must(_holdspace("backup", "--output", str(tmp_path / "copy.sqlite3"), env=live))
    # "Restore" for SQLite is using the copy as the database file.
    restored = {"HOLDSPACE_SQLITE_PATH": str(tmp_path / "copy.sqlite3"), "DATABASE_URL": ""}
    assert "intact" in _must(_holdspace("verify-audit", env=restored))
    # A second seed against the restored copy finds the demo clinic already there.
    assert "nothing was changed" in _must(_holdspace("seed-demo", env=restored))


def _postgres_url_for(name: str) -> str:
    base = os.environ["DATABASE_URL"]
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pg_dump path")
def test_postgres_backup_restores_into_a_fresh_database_with_an_intact_audit_trail(tmp_path):
    import psycopg

    names = [f"hs_backup_src_{os.getpid()}", f"hs_backup_dst_{os.getpid()}"]
    admin = psycopg.connect(_postgres_url_for("postgres"), autocommit=True)
    for name in names:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        source = {"DATABASE_URL": _postgres_url_for(names[0])}
        _must(_holdspace("migrate", "--noinput", env=source))
        _must(_holdspace("seed-demo", env=source))
        dump = tmp_path / "backup.pgdump"
        _must(_holdspace("backup", "--output", str(dump), env=source))
        restore = subprocess.run(
            ["pg_restore", "--no-owner", "-d", _postgres_url_for(names[1]), str(dump)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert restore.returncode == 0, restore.stderr
        target = {"DATABASE_URL": _postgres_url_for(names[1])}
        assert "intact" in _must(_holdspace("verify-audit", env=target))
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_seeded_audit_chain_is_intact(db):
    call_command("seed_demo")
    rows = [
        ChainRow(e.id, e.previous_hash, e.own_hash, e.chain_content())
        for e in AuditEvent.objects.order_by("id")
    ]
    assert rows and first_broken_link(rows) is None


def test_console_script_knows_the_hyphenated_commands():
    assert ALIASES["seed-demo"] == "seed_demo"
    assert ALIASES["verify-audit"] == "verify_audit"
