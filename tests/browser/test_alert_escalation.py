"""Critical alerts in a real browser: a breached critical threshold raises an alert on the
console that an acknowledgement clears; an unacknowledged critical alert escalates to the
prescriber on the clinic board, which follows without a reload.

The escalation is the real background check (``holdspace.infusions.tasks.check_escalation``,
``actions.escalate_if_due``) run in its own process against the server's database, as the task
worker runs it. Only its clock is moved: the protocol escalates after minutes (alerts.py,
``escalation_minutes``), so the process runs the check as the worker would once that time has
passed. The alert, the audit row, the live event and the board are all the real thing.

The prescriber of the Mesa Verde demo clinic works this test (prescribers may record vitals and
acknowledge alerts); other browser tests sign in other demo staff, and each person enrols their
authenticator once per test server.
"""

import re
import subprocess
import sys
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_sign_in_and_chart import sign_in_with_two_factor

PRESCRIBER = "np.castillo@demo.holdspace.test"
TABLET = {"width": 1024, "height": 1366}
LIVE = 15_000  # ms

# Runs the escalation check for the session's open respiratory-rate alert with Django's clock
# just past the moment it is due. Prints what the task returned.
ESCALATE = """
from datetime import timedelta
from unittest import mock
from django.utils import timezone
from holdspace.infusions import alerts
from holdspace.infusions.models import Alert, alert_thresholds
from holdspace.infusions.tasks import check_escalation

alert = Alert.objects.select_related("session__order__protocol").get(
    session__public_id="{session_id}", rule="resp_rate_critical", acknowledged_at__isnull=True
)
thresholds = alert_thresholds(alert.session.order.protocol)
due = alerts.escalation_due_at(alert.raised_at, alert.engine_tier, thresholds)
real_now = timezone.now
shift = due - real_now() + timedelta(seconds=1)
with mock.patch("django.utils.timezone.now", lambda: real_now() + shift):
    print(check_escalation.call(str(alert.public_id)))
"""


def _running_session(server) -> tuple[str, str]:
    """(session public id, chair name) of Mesa Verde's running infusion."""
    rows = server.query(
        "SELECT s.public_id, ch.name FROM infusions_infusionsession s "
        "JOIN clinics_clinic c ON c.id = s.clinic_id "
        "JOIN clinics_chair ch ON ch.id = s.chair_id "
        "WHERE c.name LIKE ? AND s.state = ?",
        ("Mesa%", "running"),
    )
    value, chair = rows[0]
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))), chair


def _escalate_when_due(server, session_id: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "holdspace.cli",
            "shell",
            "-c",
            ESCALATE.format(session_id=session_id),
        ],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def prescriber(chromium, live_server_url):
    context = chromium.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in_with_two_factor(page, live_server_url.url, PRESCRIBER)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    yield page
    context.close()


def _record(page: Page, **values: int) -> None:
    panel = page.locator("#panel-vitals")
    labels = {"systolic": "Systolic", "diastolic": "Diastolic", "heart_rate": "HR", "spo2": "SpO₂"}
    labels["resp_rate"] = "RR"
    for name, value in values.items():
        panel.get_by_label(labels[name], exact=True).fill(str(value))
    panel.get_by_role("button", name="Record vitals").click()
    expect(panel).to_contain_text("Vital signs recorded")


def _acknowledge(alert, action: str) -> None:
    alert.locator("label.chip", has_text=action).click()
    alert.get_by_role("button", name="Acknowledge").click()


def _open_console(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#panel-header")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-live-state", "live", timeout=LIVE)


def test_a_critical_oxygen_saturation_raises_an_alert_that_an_acknowledgement_clears(
    prescriber, live_server_url
):
    session_id, _chair = _running_session(live_server_url)
    _open_console(prescriber, f"{live_server_url.url}/sessions/{session_id}/")
    _record(prescriber, systolic=124, diastolic=78, heart_rate=88, spo2=86, resp_rate=14)
    alert = prescriber.locator("#panel-alerts article", has_text="SpO₂ critical")
    expect(alert).to_be_visible()
    expect(alert).to_have_class(re.compile("tier-critical"))
    expect(alert).to_contain_text("SpO₂ 86 % < 90")

    _acknowledge(alert, "Called prescriber")
    expect(alert).to_have_count(0, timeout=LIVE)
    timeline = prescriber.locator("#panel-timeline")
    expect(timeline).to_contain_text("Alert acknowledged: Called prescriber", timeout=LIVE)


def test_an_unacknowledged_critical_alert_escalates_to_the_prescriber_on_the_board(
    prescriber, live_server_url
):
    session_id, chair = _running_session(live_server_url)
    console = f"{live_server_url.url}/sessions/{session_id}/"
    _open_console(prescriber, console)
    _record(prescriber, resp_rate=8)
    alert = prescriber.locator("#panel-alerts article", has_text="Respiratory rate critical")
    expect(alert).to_be_visible()
    expect(alert).not_to_contain_text("Escalated to prescriber")

    board = prescriber.context.new_page()
    board.goto(f"{live_server_url.url}/board/")
    expect(board.locator("body")).to_have_attribute("data-live-state", "live", timeout=LIVE)
    tile = board.locator(f'section.tile[aria-label="{chair}"]')
    expect(tile).to_contain_text("Critical")
    expect(tile).not_to_contain_text("Escalated to prescriber")
    board_url = board.url

    # Nobody acknowledges it; the background check runs when the protocol's minutes are up.
    assert _escalate_when_due(live_server_url, session_id) == "escalated"

    # The board follows without a reload, and so does the console.
    expect(tile).to_contain_text("Escalated to prescriber", timeout=LIVE)
    expect(tile).to_have_class(re.compile(r"\bescalated\b"))
    assert board.url == board_url
    expect(alert).to_contain_text("Escalated to prescriber", timeout=LIVE)

    # The check running again (a retried task) changes nothing: escalation is stamped once.
    assert _escalate_when_due(live_server_url, session_id) == "nothing to do"

    _acknowledge(alert, "Called prescriber")
    expect(alert).to_have_count(0, timeout=LIVE)
    expect(tile).not_to_contain_text("Escalated to prescriber", timeout=LIVE)
    board.close()
