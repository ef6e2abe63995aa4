"""The therapist's path in a real browser, on the seeded demo: prepare the patient in recovery
today, write their support plan, see the console prompt them with the patient's own first two
calming preferences when a high anxiety rating is entered, capture what the patient says, and
open the integration session prefilled with it once the patient is discharged.

One person signs in (Jonah Hale, a Harbor Light therapist no other browser test uses, since the
first sign-in enrols the authenticator). The nurse's discharge itself is covered by the infusion
tests; here it is made through the discharge action in the server's own database, as the nurse.
Waits are on text, never on sleeps.
"""

import re
import subprocess
import sys
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_sign_in_and_chart import sign_in_with_two_factor

THERAPIST = "therapist.hale@demo.holdspace.test"
LIVE = 15_000  # ms
FIRST, SECOND = "Counting breaths out loud with me", "The rain playlist"
STATEMENT = "It felt like standing in warm rain"

DISCHARGE_AS_THE_NURSE = """
import uuid
from holdspace.accounts.models import User
from holdspace.infusions import actions, discharge
from holdspace.infusions.actions.sessions import _discharge_scale
from holdspace.infusions.models import InfusionSession
sessions = InfusionSession.objects.select_related("order__protocol")
session = sessions.get(public_id=uuid.UUID(SESSION_ID))
nurse = User.objects.get(email="nurse.batista@demo.holdspace.test")
if _discharge_scale(session) is discharge.Scale.PADSS:
    items = discharge.PadssNurseItems(2, 2, 2, 2)
else:
    items = discharge.AldreteNurseItems(2, 2, 2, False)
actions.discharge(actor=nurse, session=session, nurse_items=items, escort_confirmed=True,
    instructions_given=True, follow_up_booked=True, driving_advice_given=True)
"""


def _uuid(value) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _in_recovery(server) -> tuple[str, str]:
    """(patient id, session id) of Harbor Light's patient in recovery today."""
    rows = server.query(
        "SELECT p.public_id, s.public_id FROM infusions_infusionsession s "
        "JOIN patients_patient p ON p.id = s.patient_id "
        "JOIN clinics_clinic c ON c.id = s.clinic_id "
        "WHERE c.name LIKE ? AND s.state = ?",
        ("Harbor%", "recovering"),
    )
    return _uuid(rows[0][0]), _uuid(rows[0][1])


def _discharge(server, session_id: str) -> None:
    script = DISCHARGE_AS_THE_NURSE.replace("SESSION_ID", repr(session_id))
    subprocess.run(
        [sys.executable, "-m", "holdspace.cli", "shell", "-c", script],
        env=server.env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def therapist(chromium, live_server_url):
    context = chromium.new_context(viewport={"width": 1024, "height": 1366})  # a tablet
    page = context.new_page()
    sign_in_with_two_factor(page, live_server_url.url, THERAPIST)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    yield page
    context.close()


def _prepare(page: Page, base: str, patient: str) -> None:
    page.goto(f"{base}/patients/{patient}/therapy/preparations/new/")
    for label in ("Dissociation", "Blood pressure", "Nausea", "What the therapist will"):
        page.get_by_label(label).check()
    page.get_by_label("Intentions, in the patient's own words").fill("To let the fear pass")
    page.get_by_label("Readiness", exact=True).select_option("ready")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.get_by_text("Preparation session signed.")).to_be_visible()


def _write_plan(page: Page, base: str, patient: str) -> None:
    page.goto(f"{base}/patients/{patient}/therapy/support-plan/edit/")
    page.get_by_label("What helps when distressed").fill(f"1. {FIRST}\n2. {SECOND}\n3. Silence")
    page.get_by_label("What changed and why").fill("Preparation today")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Support plan saved as version")).to_be_visible()
    expect(page.locator(".what-helps").first).to_contain_text(FIRST)


def test_preparation_plan_console_prompt_and_prefilled_integration(therapist, live_server_url):
    base, server = live_server_url.url, live_server_url
    patient, session = _in_recovery(server)
    page = therapist

    _prepare(page, base, patient)
    _write_plan(page, base, patient)

    # The console: the plan is one tap away, and high anxiety brings the patient's own words.
    page.goto(f"{base}/sessions/{session}/")
    expect(page.locator("body")).to_have_attribute("data-live-state", "live", timeout=LIVE)
    drawer = page.get_by_test_id("support-plan-drawer")
    drawer.locator("summary").click()
    expect(drawer).to_contain_text(FIRST)
    page.locator("#panel-state").get_by_role("button", name="Anxiety 8", exact=True).click()
    prompt = page.locator("#panel-alerts").get_by_test_id("calming-prompt")
    expect(prompt).to_contain_text(f"Try first: {FIRST}, then {SECOND}", timeout=LIVE)

    # What the patient says, tagged for integration.
    statement = page.locator("#panel-statement")
    statement.get_by_label("What the patient said").fill(STATEMENT)
    statement.get_by_text("For integration").click()
    statement.get_by_role("button", name="Save statement").click()
    expect(page.locator("#panel-timeline")).to_contain_text(STATEMENT, timeout=LIVE)
    # Stored, not just shown: a fresh load of the console has it too.
    page.reload()
    expect(page.locator("#panel-timeline")).to_contain_text(f"“{STATEMENT}” (for integration)")

    _discharge(server, session)

    # The integration session is proposed and opens prefilled with the patient's words.
    page.goto(f"{base}/patients/{patient}/therapy/")
    # Just discharged: the 24-72 h window has not opened yet, and the session is proposed.
    due = page.get_by_test_id("integration-due").filter(has_text="Window not open yet")
    due.get_by_role("link", name="Open integration").click()
    captured = page.get_by_test_id("from-infusion")
    expect(captured).to_contain_text(STATEMENT)
    experience = page.get_by_label("The experience, in the patient's words")
    expect(experience).to_have_value(re.compile(STATEMENT))
    page.get_by_label("Homework").fill("Listen to the rain playlist once a day")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.get_by_text("Integration note signed.")).to_be_visible()
    expect(page.get_by_text("Held and signed")).to_be_visible()
