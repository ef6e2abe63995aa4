"""A real holdspace server for browser tests, driven through Debian's Chromium by Playwright.

The server runs in its own process on its own fresh database (SQLite file, or a throwaway
PostgreSQL database when DATABASE_URL is set), seeded with the demo clinic and with two-factor
sign-in required, exactly as a clinic would run it.
"""

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    # Browser tests run last: Playwright's event loop stays open until the session ends, and
    # Django refuses synchronous database access from a thread with a running loop.
    items[:] = [item for item in items if item not in browser_items] + browser_items
    if not browser_items or Path(CHROMIUM).exists():
        return
    message = (
        f"Chromium not found at {CHROMIUM}: browser tests cannot run (apt-get install chromium)"
    )
    if os.environ.get("HOLDSPACE_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(message + " and HOLDSPACE_REQUIRE_BROWSER=1 forbids skipping.")
    print(f"\n{'!' * 78}\n!! SKIPPING BROWSER TESTS: {message}\n{'!' * 78}", file=sys.stderr)
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=message))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_database(tmp: Path) -> tuple[dict[str, str], object]:
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"holdspace_browser_{os.getpid()}"
    admin = psycopg.connect(f"{base}/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return {"DATABASE_URL": f"{base}/{name}"}, drop


class LiveServer:
    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = env

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the server's database directly, to find ids a test needs (never to assert UI)."""
        if self.env.get("DATABASE_URL"):
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        import sqlite3

        with sqlite3.connect(self.env["HOLDSPACE_SQLITE_PATH"]) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def live_server_url(tmp_path_factory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("browser-server")
    drop = None
    env = {
        **os.environ,
        "HOLDSPACE_DEMO": "0",
        "HOLDSPACE_REQUIRE_2FA": "1",
        "HOLDSPACE_VAR_DIR": str(tmp),
        "HOLDSPACE_LOG_LEVEL": "WARNING",
    }
    if os.environ.get("DATABASE_URL"):
        extra, drop = _postgres_database(tmp)
        env.update(extra)
    else:
        env["HOLDSPACE_SQLITE_PATH"] = str(tmp / "browser.sqlite3")
    cli = [sys.executable, "-m", "holdspace.cli"]
    for step in (["migrate", "--noinput", "-v0"], ["seed-demo"]):
        subprocess.run([*cli, *step], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _wait_for(port, server, tmp / "server.log")
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", env)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        if drop is not None:
            drop()


def _wait_for(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"holdspace server exited: {log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("holdspace server did not start within 60 s")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, tmp_path):
    context = chromium.new_context(viewport={"width": 1024, "height": 1366})  # a tablet
    tab = context.new_page()
    yield tab
    context.close()


def current_totp(secret: str) -> str:
    """The code an authenticator app would show now for this base32 key."""
    from django_otp.oath import totp

    padded = secret + "=" * (-len(secret) % 8)
    return f"{totp(base64.b32decode(padded)):06d}"
