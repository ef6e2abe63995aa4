"""The OpenAPI docs page in Chromium against a real ``holdspace serve``: Swagger UI renders the
feed's endpoints under our Content Security Policy, with no policy violation and no request to
any other origin."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists() and os.environ.get("HOLDSPACE_REQUIRE_BROWSER") != "1":
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api-docs")
    env = {
        **os.environ,
        "HOLDSPACE_SQLITE_PATH": str(tmp / "docs.sqlite3"),
        "HOLDSPACE_VAR_DIR": str(tmp),
        "HOLDSPACE_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "holdspace.cli"]
    subprocess.run([*cli, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            raise RuntimeError((tmp / "server.log").read_text()[-2000:])
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_swagger_ui_renders_the_feed_under_our_csp(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda request: (
                None if request.url.startswith(server) else elsewhere.append(request.url)
            ),
        )
        problems: list[str] = []
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if message.type == "error" or "Content Security Policy" in message.text
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                problems.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        page.goto(f"{server}/api/v1/docs")
        expect(page.get_by_text("holdspace device API").first).to_be_visible(timeout=15_000)
        expect(page.get_by_text("/api/v1/vitals").first).to_be_visible()
        expect(page.get_by_text("/api/v1/chair").first).to_be_visible()
        browser.close()
    assert not problems, problems
    assert not elsewhere, elsewhere
