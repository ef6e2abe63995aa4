"""Sign-in, sign-out and failed sign-in each leave one row in the audit trail."""

from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent, Outcome
from tests.factories import TEST_PASSWORD


def _rows(action):
    return AuditEvent.objects.filter(action=action)


def test_sign_in_is_audited(client, nurse_a):
    client.post(reverse("accounts:login"), {"username": nurse_a.email, "password": TEST_PASSWORD})
    row = _rows(Action.LOGIN).get()
    assert row.actor == nurse_a
    assert row.source_ip == "127.0.0.1"


def test_failed_sign_in_is_audited_as_denied_without_the_typed_address(client, nurse_a):
    response = client.post(
        reverse("accounts:login"), {"username": nurse_a.email, "password": "not it"}
    )
    assert "do not match an active account" in response.content.decode()
    row = _rows(Action.LOGIN_FAILED).get()
    assert row.outcome == Outcome.DENIED
    assert row.actor == nurse_a
    assert not _rows(Action.LOGIN).exists()


def test_failed_sign_in_for_unknown_address_is_audited_without_it(client, db):
    client.post(reverse("accounts:login"), {"username": "mistyped@example.test", "password": "x"})
    row = _rows(Action.LOGIN_FAILED).get()
    assert row.actor is None
    assert "mistyped" not in row.summary + row.actor_label


def test_sign_out_is_audited_and_ends_the_session(as_nurse_a, nurse_a):
    response = as_nurse_a.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert _rows(Action.LOGOUT).get().actor == nurse_a
    assert "_auth_user_id" not in as_nurse_a.session


def test_sign_out_needs_a_post(as_nurse_a):
    assert as_nurse_a.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in as_nurse_a.session
