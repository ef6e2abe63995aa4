"""First sign-in enrols an authenticator; until a code is verified nothing else opens."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from holdspace.audit.models import Action, AuditEvent, Outcome
from tests.factories import TEST_PASSWORD


@pytest.fixture
def password_only(client, nurse_a, settings):
    """A browser past the password step only."""
    settings.REQUIRE_TWO_FACTOR = True
    response = client.post(
        reverse("accounts:login"), {"username": nurse_a.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == reverse("accounts:two_factor")
    return client


def _current_code(device):
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def test_enrolment_page_shows_a_secret_and_a_qr_code(password_only, nurse_a):
    body = password_only.get(reverse("accounts:two_factor")).content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', body).group(1)
    assert len(secret) >= 16
    assert "<svg" in body
    assert TOTPDevice.objects.get(user=nurse_a, confirmed=False)


def test_right_code_confirms_the_device_and_opens_the_clinic(password_only, nurse_a):
    password_only.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=nurse_a)
    response = password_only.post(reverse("accounts:two_factor"), {"token": _current_code(device)})
    assert response["Location"] == reverse("clinics:home")
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR, outcome=Outcome.SUCCESS).exists()
    assert password_only.get(reverse("clinics:board")).status_code == 200


def test_wrong_code_is_refused_with_a_message(password_only, nurse_a):
    password_only.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=nurse_a)
    wrong = f"{(int(_current_code(device)) + 1) % 1_000_000:06d}"
    response = password_only.post(reverse("accounts:two_factor"), {"token": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR, outcome=Outcome.DENIED).exists()


def test_password_only_session_cannot_reach_patients(password_only):
    response = password_only.get("/patients/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")


def test_password_only_session_cannot_reach_admin_pages(client, admin_a, settings):
    settings.REQUIRE_TWO_FACTOR = True
    client.post(reverse("accounts:login"), {"username": admin_a.email, "password": TEST_PASSWORD})
    for page in ("clinics:staff", "clinics:devices", "audit:report", "clinics:board"):
        assert client.get(reverse(page))["Location"] == reverse("accounts:two_factor"), page


def test_enrolled_person_is_asked_for_a_code_not_a_new_secret(client, nurse_a, settings):
    settings.REQUIRE_TWO_FACTOR = True
    device = TOTPDevice.objects.create(user=nurse_a, name="phone", confirmed=True)
    client.post(reverse("accounts:login"), {"username": nurse_a.email, "password": TEST_PASSWORD})
    body = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Enter your code" in body
    assert "totp-secret" not in body
    response = client.post(reverse("accounts:two_factor"), {"token": _current_code(device)})
    assert response["Location"] == reverse("clinics:home")
