"""live.js in Chromium against a real server: a dropped connection loses nothing and repeats
nothing, and a stream that keeps failing falls back to polling and comes back.

The server is ``holdspace serve`` in its own process on its own SQLite file; events are written
into that file from here, as another process (the task worker) would, and reach the server
through its hub's safety read.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists() and os.environ.get("HOLDSPACE_REQUIRE_BROWSER") != "1":
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")]

SETUP = """
from holdspace.clinics.models import Clinic, Device
clinic = Clinic.objects.create(name="Browser clinic")
device = Device(clinic=clinic, name="Wall")
token = device.issue_token()
device.save()
print(clinic.pk, token)
"""


class Server:
    """``holdspace serve`` on a fixed port, which can be stopped and started again."""

    def __init__(self, tmp: Path) -> None:
        self.env = {
            **os.environ,
            "HOLDSPACE_SQLITE_PATH": str(tmp / "live.sqlite3"),
            "HOLDSPACE_VAR_DIR": str(tmp),
            "HOLDSPACE_LOG_LEVEL": "WARNING",
        }
        self.env.pop("DATABASE_URL", None)
        self.tmp = tmp
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        cli = [sys.executable, "-m", "holdspace.cli"]
        subprocess.run([*cli, "migrate", "-v0"], env=self.env, check=True, timeout=300)
        out = subprocess.run(
            [*cli, "shell", "-c", SETUP], env=self.env, check=True, timeout=60, capture_output=True
        ).stdout.decode()
        clinic, self.token = out.strip().splitlines()[-1].split()
        self.clinic = int(clinic)

    def start(self) -> None:
        log = open(self.tmp / "server.log", "a")  # noqa: SIM115 - the process owns it
        command = [sys.executable, "-m", "holdspace.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def publish(self, kind: str = "test.tick") -> int:
        """Write an event as another process would; returns its id."""
        with sqlite3.connect(self.env["HOLDSPACE_SQLITE_PATH"], timeout=10) as db:
            cursor = db.execute(
                "INSERT INTO live_liveevent (clinic_id, topic, kind, payload, created_at) "
                "VALUES (?, 'board', ?, ?, datetime('now'))",
                (self.clinic, kind, json.dumps({"chair": "c1"})),
            )
            return cursor.lastrowid

    def latest_id(self) -> int:
        with sqlite3.connect(self.env["HOLDSPACE_SQLITE_PATH"], timeout=10) as db:
            return db.execute("SELECT COALESCE(MAX(id), 0) FROM live_liveevent").fetchone()[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("live-js"))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def board(server, browser):
    """The wall board's page, signed in with its device link, with live.js subscribed."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/device/{server.token}/")
    page.add_script_tag(url="/static/js/live.js")
    # The board page runs its own subscription, which shares <body data-live-state> with this
    # one; starting from a known cursor means an event published before this stream is
    # registered is still replayed to it (as a page rendered with a cursor does).
    page.evaluate(
        """(after) => {
          window.shown = [];
          window.states = [];
          new MutationObserver(() => window.states.push(document.body.dataset.liveState))
            .observe(document.body, {attributes: true, attributeFilter: ["data-live-state"]});
          window.live = HoldspaceLive.subscribe(["board"], (e) => window.shown.push(e.id), {
            kinds: ["test.tick"], pollMs: 300, streamRetryMs: 1500, after: after,
          });
        }""",
        server.latest_id(),
    )
    _wait_for_state(page, "live")
    yield page
    page.evaluate("() => window.live.close()")
    context.close()


def _wait_for(page, condition: str, timeout: float = 60) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition, timeout=timeout * 1000)
    except PlaywrightTimeout:
        seen = page.evaluate("() => ({shown: window.shown, states: window.states})")
        raise AssertionError(f"timed out waiting for {condition}; page saw {seen}") from None


def _wait_for_state(page, state: str) -> None:
    _wait_for(page, f"() => document.body.dataset.liveState === {json.dumps(state)}")


def _wait_for_shown(page, ids: list[int]) -> None:
    _wait_for(page, f"() => window.shown.length >= {len(ids)}")
    time.sleep(1.5)  # anything repeated would arrive within the next safety read
    assert page.evaluate("() => window.shown") == ids


def test_a_server_restart_loses_nothing_and_repeats_nothing(server, board):
    first = server.publish()
    _wait_for_shown(board, [first])
    server.stop()  # the connection drops, as on a Wi-Fi loss or a deploy
    during = [server.publish(), server.publish()]
    server.start()
    after = server.publish()
    _wait_for_shown(board, [first, *during, after])
    _wait_for_state(board, "live")
    assert "reconnecting" in board.evaluate("() => window.states")


def test_a_stream_that_keeps_failing_falls_back_to_polling_and_returns(server, board):
    first = server.publish()
    _wait_for_shown(board, [first])
    # A proxy that refuses event streams: the browser gives up on them at once.
    board.route("**/live/stream/**", lambda route: route.fulfill(status=503, body="busy"))
    board.evaluate("() => window.live.close()")
    board.evaluate(
        """() => {
          window.live = HoldspaceLive.subscribe(["board"], (e) => window.shown.push(e.id), {
            kinds: ["test.tick"], after: window.shown[window.shown.length - 1],
            pollMs: 300, streamRetryMs: 1500,
          });
        }"""
    )
    _wait_for_state(board, "polling")
    polled = [server.publish(), server.publish()]
    _wait_for_shown(board, [first, *polled])
    board.unroute("**/live/stream/**")
    _wait_for_state(board, "live")
    streamed = server.publish()
    _wait_for_shown(board, [first, *polled, streamed])
