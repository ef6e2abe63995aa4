"""Repeated failed sign-ins lock the account, even against the right password."""

from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from tests.factories import TEST_PASSWORD


def _sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_lockout_after_failure_limit_refuses_even_the_right_password(client, nurse_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, nurse_a.email, "wrong password").status_code == 200
    # The failure that reaches the limit is answered with the lockout page already.
    assert _sign_in(client, nurse_a.email, "wrong password").status_code == 429
    response = _sign_in(client, nurse_a.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert "Sign-in is locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    lockout = AuditEvent.objects.filter(action=Action.LOCKOUT).first()
    assert lockout is not None
    assert lockout.actor == nurse_a


def test_fewer_failures_than_the_limit_still_allow_sign_in(client, nurse_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, nurse_a.email, "wrong password")
    response = _sign_in(client, nurse_a.email, TEST_PASSWORD)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=Action.LOCKOUT).exists()


def test_changing_the_case_of_the_email_does_not_reset_the_count(client, nurse_a, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        variant = nurse_a.email.upper() if n % 2 else nurse_a.email.title()
        _sign_in(client, variant, "wrong password")
    assert _sign_in(client, nurse_a.email, TEST_PASSWORD).status_code == 429


def test_email_is_matched_without_regard_to_case(client, nurse_a):
    response = _sign_in(client, nurse_a.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(nurse_a.pk)
