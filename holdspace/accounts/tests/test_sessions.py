"""Sessions end when they should: after idleness, and everywhere else on a password change."""

import time

from django.urls import reverse

from conftest import signed_in
from holdspace.accounts.middleware import IdleTimeoutMiddleware
from holdspace.audit.models import Action, AuditEvent
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "amber-meadow-violin-77"


def _last_seen(client, seconds_ago):
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = int(time.time() - seconds_ago)
    session.save()


def test_idle_session_is_signed_out_on_next_request(as_nurse_a, settings):
    _last_seen(as_nurse_a, settings.IDLE_TIMEOUT_MINUTES * 60 + 5)
    response = as_nurse_a.get(reverse("clinics:board"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in as_nurse_a.session
    assert AuditEvent.objects.filter(summary="Signed out after inactivity").exists()


def test_recently_active_session_stays_signed_in(as_nurse_a, settings):
    _last_seen(as_nurse_a, settings.IDLE_TIMEOUT_MINUTES * 60 - 30)
    assert as_nurse_a.get(reverse("clinics:board")).status_code == 200


def test_password_change_ends_other_sessions_and_keeps_this_one(nurse_a, clinic_a):
    tablet = signed_in(nurse_a, clinic_a)
    desk = signed_in(nurse_a, clinic_a)
    response = tablet.post(
        reverse("accounts:password"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, actor=nurse_a).exists()
    assert tablet.get(reverse("clinics:board")).status_code == 200
    other = desk.get(reverse("clinics:board"))
    assert other.status_code == 302
    assert other["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in desk.session


def test_password_change_refuses_a_weak_password(as_nurse_a, nurse_a):
    response = as_nurse_a.post(
        reverse("accounts:password"),
        {"old_password": TEST_PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200
    nurse_a.refresh_from_db()
    assert nurse_a.check_password(TEST_PASSWORD)
