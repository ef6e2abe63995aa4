"""Deployment settings are strict and production passes Django's deploy checklist."""

import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from holdspace.lib.env import env_bool, env_int, parse_database_url


def _holdspace(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "holdspace.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = _holdspace(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HOLDSPACE_PRODUCTION="1",
        HOLDSPACE_SECRET_KEY=secrets.token_urlsafe(50),
        HOLDSPACE_ALLOWED_HOSTS="clinic.example.org",
        HOLDSPACE_VAR_DIR=str(tmp_path),
        HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY=Fernet.generate_key().decode(),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _holdspace("check", HOLDSPACE_PRODUCTION="1", HOLDSPACE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "HOLDSPACE_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_psychotherapy_note_key(tmp_path):
    # Without its own key, production would encrypt private notes with the openly fake demo key.
    result = _holdspace(
        "check",
        HOLDSPACE_PRODUCTION="1",
        HOLDSPACE_SECRET_KEY=secrets.token_urlsafe(50),
        HOLDSPACE_ALLOWED_HOSTS="clinic.example.org",
        HOLDSPACE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY" in result.stderr


def test_passwords_are_hashed_with_argon2_sized_for_two_cores():
    # The suite swaps in a fast hasher per test; the configured production one is read here.
    from holdspace import settings as configured
    from holdspace.accounts.hashers import ClinicArgon2Hasher

    assert configured.PASSWORD_HASHERS[0] == "holdspace.accounts.hashers.ClinicArgon2Hasher"
    assert ClinicArgon2Hasher.parallelism == 2
    encoded = ClinicArgon2Hasher().encode("a long clinic password", "somesaltvalue1")
    assert encoded.startswith("argon2$argon2id$")


def test_sqlite_is_configured_for_safe_concurrent_writes():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("PostgreSQL run: the SQLite options do not apply")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout", "foreign_keys=ON"):
        assert pragma in options["init_command"]


def test_a_mistyped_yes_no_variable_stops_start_up(monkeypatch):
    monkeypatch.setenv("HOLDSPACE_DEMO", "yes please")
    with pytest.raises(ImproperlyConfigured, match="HOLDSPACE_DEMO"):
        env_bool("HOLDSPACE_DEMO")


def test_a_negative_idle_timeout_is_refused(monkeypatch):
    monkeypatch.setenv("HOLDSPACE_IDLE_MINUTES", "-5")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("HOLDSPACE_IDLE_MINUTES", 15, minimum=1)


def test_database_url_is_parsed_into_postgres_settings():
    parsed = parse_database_url("postgres://clinic:s%40fe@db.internal:5433/holdspace")
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert (parsed["USER"], parsed["PASSWORD"], parsed["HOST"], parsed["PORT"], parsed["NAME"]) == (
        "clinic",
        "s@fe",
        "db.internal",
        "5433",
        "holdspace",
    )


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgres://u@h/"])
def test_unsupported_or_incomplete_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url)
