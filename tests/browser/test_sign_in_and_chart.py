"""What a nurse does first every morning, in a real browser against a real server.

Sign in with two-factor, find a patient, open the chart, record a weight, see it, sign out; and a
nurse of another clinic cannot reach that patient.
"""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import current_totp

PASSWORD = "holdspace-demo-2026"


def sign_in_with_two_factor(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # First sign-in: the authenticator is enrolled from the key shown on the page.
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label(re.compile("Six-digit code")).fill(current_totp(secret))
    page.get_by_role("button", name="Continue").click()


def test_nurse_signs_in_finds_a_patient_records_a_weight_and_signs_out(page, live_server_url):
    base = live_server_url.url
    sign_in_with_two_factor(page, base, "nurse.lindqvist@demo.holdspace.test")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()

    search = page.get_by_label("Name or MRN")
    search.fill("H10002")
    # Enter submits the search whether or not htmx has finished loading on this page.
    search.press("Enter")
    results = page.locator("#patient-results")
    expect(results.get_by_role("row")).to_have_count(2)  # header + the one patient
    results.get_by_role("link").first.click()

    expect(page.get_by_role("heading", name="Weight and height")).to_be_visible()
    measurements = page.locator("#measurements")
    measurements.get_by_label("Weight (kg)").check()
    measurements.get_by_label("Value").fill("81.4")
    measurements.get_by_role("button", name="Record measurement").click()
    expect(measurements.get_by_text("81.4 kg").first).to_be_visible()

    # The weight is stored, not just shown: a fresh load of the chart still has it.
    page.reload()
    expect(page.locator("#measurements").get_by_text("81.4 kg").first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{base}/patients/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_nurse_of_another_clinic_cannot_reach_the_patient(page, live_server_url):
    base = live_server_url.url
    (public_id,) = live_server_url.query(
        "SELECT public_id FROM patients_patient WHERE mrn = ?", ("H10003",)
    )[0]
    chart_path = f"/patients/{_uuid(public_id)}/"

    sign_in_with_two_factor(page, base, "nurse.yazzie@demo.holdspace.test")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    response = page.goto(f"{base}{chart_path}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    # And the search in their own clinic never lists the other clinic's patient.
    page.goto(f"{base}/patients/?q=H10003")
    expect(page.locator("#patient-results").get_by_role("link")).to_have_count(0)


def _uuid(value: object) -> str:
    import uuid

    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
