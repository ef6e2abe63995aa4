"""The kiosk, in a real browser against a real server: a therapist asks a PHQ-9, hands the
tablet to the patient, the patient answers and sends it, and the tablet locks. Nothing else is
reachable from the kiosk (not the chart, not the back button) until a staff member signs in
again, who then finds the scored result."""

import re
import time
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import current_totp

PASSWORD = "holdspace-demo-2026"
# A clinician no other browser test signs in as, so the first sign-in enrols the authenticator.
THERAPIST = "therapist.brandt@demo.holdspace.test"


class Authenticator:
    """The therapist's authenticator app: enrolled at first sign-in, then shows codes."""

    def __init__(self) -> None:
        self.secret = ""
        self.last_code = ""

    def code(self) -> str:
        # A code is accepted once: wait for the next one if this step's code was used.
        while (code := current_totp(self.secret)) == self.last_code:
            time.sleep(1)
        self.last_code = code
        return code


def sign_in(page: Page, authenticator: Authenticator) -> None:
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(THERAPIST)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if not authenticator.secret:
        expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
        authenticator.secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label(re.compile("Six-digit code")).fill(authenticator.code())
    page.get_by_role("button", name="Continue").click()


def _patient_path(live_server_url) -> str:
    (public_id,) = live_server_url.query(
        "SELECT p.public_id FROM patients_patient p "
        "JOIN clinics_membership m ON m.clinic_id = p.clinic_id "
        "JOIN accounts_user u ON u.id = m.user_id "
        "WHERE u.email = ? ORDER BY p.id LIMIT 1",
        (THERAPIST,),
    )[0]
    value = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    return f"/patients/{value}/measures/"


def test_kiosk_submit_locks_the_tablet_and_nothing_else_is_reachable(page, live_server_url):
    base = live_server_url.url
    authenticator = Authenticator()
    measures = base + _patient_path(live_server_url)
    page.goto(base + "/")
    sign_in(page, authenticator)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.goto(measures)

    # Ask a PHQ-9 and hand the tablet over.
    page.get_by_role("link", name="Ask a questionnaire").click()
    page.get_by_label("Instrument").select_option(label="PHQ-9 (self-report)")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=re.compile("PHQ-9"))).to_be_visible()
    result_url = page.url
    page.get_by_role("button", name="Hand the tablet to the patient").click()

    # The kiosk: the questionnaire alone, no navigation, no names.
    expect(page).to_have_url(re.compile(r"/measures/kiosk/"))
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.get_by_text("Sign out")).to_have_count(0)
    questions = page.locator("fieldset.q-item")
    expect(questions).to_have_count(10)
    # Each answer is saved as it is given (htmx); answers 2,2,2,2,1,1,2,0,0 (CLINICAL.md §4).
    for number, weight in enumerate((2, 2, 2, 2, 1, 1, 2, 0, 0)):
        questions.nth(number).locator(f"input[value='{weight}']").check()
    expect(page.locator("#save-state")).to_have_text("Saved")
    page.get_by_role("button", name="Send my answers").click()

    # Locked: a thank-you and the staff sign-in, nothing else.
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_role("link", name="Staff sign-in")).to_be_visible()
    expect(page.get_by_role("navigation")).to_have_count(0)

    # Nothing else opens: not the back button, not the questionnaire, not the chart.
    page.go_back()
    expect(page.get_by_text("Little interest or pleasure")).to_have_count(0)
    expect(page.get_by_role("button", name="Send my answers")).to_have_count(0)
    for path in ("/patients/", result_url, measures):
        page.goto(path if path.startswith("http") else base + path)
        expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Staff sign in again from the locked screen and find the scored result.
    page.goto(base + "/measures/kiosk/locked/?done=1")
    page.get_by_role("link", name="Staff sign-in").click()
    sign_in(page, authenticator)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.goto(result_url)
    expect(page.locator(".result-total")).to_contain_text("12")
    expect(page.get_by_text("Patient on a clinic tablet")).to_be_visible()
