"""A real holdspace server that a test may kill (SIGKILL) and start again on the same database.

Like the browser tests' server (tests/browser/conftest.py, from which the start-up is copied), it
runs in its own process on its own fresh database (a SQLite file, or a throwaway PostgreSQL
database when DATABASE_URL is set), migrated and seeded with the demo clinic. The test process
never opens that database through Django: it reads it with plain sqlite3 / psycopg, and asks
holdspace itself (``holdspace shell``, ``holdspace verify-audit``) for anything else.

These tests are slow (a seeded database, several server starts), so they run at the very end,
after the browser tests.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "holdspace.cli"]


def pytest_configure(config):
    config.addinivalue_line("markers", "fault: kills a real server process mid-request")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    fault = [item for item in items if "tests/fault/" in str(item.fspath)]
    for item in fault:
        item.add_marker(pytest.mark.fault)
    items[:] = [item for item in items if item not in fault] + fault


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_database() -> tuple[str, object]:
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"holdspace_fault_{os.getpid()}"
    admin = psycopg.connect(f"{base}/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return f"{base}/{name}", drop


class Database:
    """The server's database, seen from the test process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.postgres = bool(env.get("DATABASE_URL"))

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with sqlite3.connect(self.env["HOLDSPACE_SQLITE_PATH"]) as conn:
            return conn.execute(sql, params).fetchall()

    def holdspace(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a ``holdspace`` command against this database."""
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Iterator[Database]:
    tmp = tmp_path_factory.mktemp("fault-server")
    env = {
        **os.environ,
        "HOLDSPACE_DEMO": "0",
        "HOLDSPACE_VAR_DIR": str(tmp),
        "HOLDSPACE_LOG_LEVEL": "WARNING",
    }
    drop = None
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"], drop = _postgres_database()
    else:
        env["HOLDSPACE_SQLITE_PATH"] = str(tmp / "fault.sqlite3")
    db = Database(env)
    for step in (["migrate", "--noinput", "-v0"], ["seed-demo"]):
        done = db.holdspace(*step)
        assert done.returncode == 0, done.stderr[-2000:]
    try:
        yield db
    finally:
        if drop is not None:
            drop()


class Server:
    """``holdspace serve`` on a fixed port, in its own process group so a kill takes it all."""

    def __init__(self, database: Database, log: Path) -> None:
        self.database = database
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [*CLI, "serve", "--port", str(self.port)],
                env=self.database.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_listening()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, no goodbye, as when the power goes."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"holdspace server exited: {self.log.read_text()[-2000:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError("holdspace server did not start within 60 s")


@pytest.fixture
def server(database, tmp_path) -> Iterator[Server]:
    running = Server(database, tmp_path / "server.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


# A monitor feed device for the chair of Harbor Light's running infusion, created the way a
# clinic admin creates one (clinics.actions.create_device); the token is printed once.
NEW_FEED = """
import json
from holdspace.clinics.actions import create_device
from holdspace.clinics.models import DeviceKind, Membership, Role
from holdspace.infusions.models import InfusionSession

session = InfusionSession.objects.select_related("chair", "clinic").filter(
    clinic__name__startswith="Harbor", state="running"
).first()
admin = Membership.objects.filter(
    clinic=session.clinic, role=Role.CLINIC_ADMIN, is_active=True
).first()
device, token = create_device(admin, "Fault-test monitor", DeviceKind.FEED, session.chair)
print(json.dumps({"token": token, "session": str(session.public_id)}))
"""


@pytest.fixture(scope="module")
def feed(database) -> dict[str, str]:
    """{"token": the feed device's bearer token, "session": the running session's id}."""
    done = database.holdspace("shell", "-c", NEW_FEED)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
