"""The patient's portal on a phone, in a real browser against a real server: the patient opens
the emailed portal link, confirms their date of birth, lands on their page, writes a journal
entry and shares it, takes the sharing back, and signs out; the page fits a phone's width."""

import re
import subprocess
import sys

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}

# Issues a portal link in the server's database as a therapist of the patient's clinic would,
# and prints the one-time token and the (synthetic, demo) date of birth the test must type.
ISSUE = """
from holdspace.clinics.models import Membership
from holdspace.patients.models import Patient
from holdspace.portal import links
patient = Patient.objects.filter(therapist__isnull=False).order_by("id").first()
therapist = Membership.objects.filter(clinic=patient.clinic, role="therapist").first().user
_link, token = links.issue_link(actor=therapist, patient=patient, purpose="portal")
print("TOKEN", token, patient.date_of_birth.isoformat())
"""


def _portal_token(live_server_url) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "holdspace.cli", "shell", "-c", ISSUE],
        env=live_server_url.env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    match = re.search(r"^TOKEN (\S+) (\S+)$", result.stdout, re.M)
    assert match, "the link could not be issued"
    return match.group(1), match.group(2)


def test_a_patient_opens_the_portal_and_shares_a_journal_entry(chromium, live_server_url):
    token, date_of_birth = _portal_token(live_server_url)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server_url.url}/p/home/start/{token}/")
        expect(page.get_by_role("heading", name=re.compile("Your page at"))).to_be_visible()
        page.get_by_label("Your date of birth").fill(date_of_birth)
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_role("heading", name=re.compile(r"^Hello "))).to_be_visible()
        expect(page.get_by_role("heading", name="Your next sessions")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.get_by_role("navigation", name="Your pages").get_by_role(
            "link", name="Journal"
        ).click()
        page.get_by_label("Your entry").fill("Walked by the river and felt the quiet stay.")
        page.get_by_label("Share this entry with my therapist and prescriber").check()
        page.get_by_role("button", name="Save entry").click()
        expect(
            page.get_by_text("Your entry was saved and shared with your care team.")
        ).to_be_visible()
        entry = page.locator("article", has_text="Walked by the river")
        expect(entry.get_by_text("Shared", exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        entry.get_by_role("button", name="Stop sharing").click()
        expect(
            page.get_by_text("No longer shared: only you can read this entry now.")
        ).to_be_visible()
        entry = page.locator("article", has_text="Walked by the river")
        expect(entry.get_by_text("Private", exact=True)).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
        page.goto(f"{live_server_url.url}/p/home/")
        expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
        # The link worked once: opening it again does not sign in.
        page.goto(f"{live_server_url.url}/p/home/start/{token}/")
        expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    finally:
        context.close()
