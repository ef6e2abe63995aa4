"""Only an active monitor feed's bearer token opens the API. No token, a guessed one, a
deactivated device, a wall board's token or a signed-in person's browser session: 401, and
nothing is written. The API never acts as a person, even when a session cookie comes along."""

from django.test import Client
from django.urls import reverse

from holdspace.api.tests.conftest import get_chair, make_device, post, reading
from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.clinics.models import DeviceKind
from holdspace.infusions.models import VitalSigns


def _refused(response) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "monitor feed's token is required" in response.json()["detail"]


def test_no_token_is_401(running, feed_a):
    _refused(post(reading(), None))
    _refused(get_chair(None))
    assert not VitalSigns.objects.filter(recorded_by_device__isnull=False).exists()


def test_an_unknown_token_or_another_scheme_is_401_and_not_audited(running, feed_a):
    _refused(post(reading(), "guessed-token"))
    _refused(post(reading(), feed_a.token[:-1]))
    basic = Client().post(
        reverse("api-v1:post_vitals"),
        data="{}",
        content_type="application/json",
        headers={"Authorization": f"Basic {feed_a.token}"},
    )
    _refused(basic)
    # Anyone can send guesses; they go to the technical log, not the clinic's audit trail.
    assert not AuditEvent.objects.filter(category="device").exists()


def test_a_deactivated_feed_is_401_and_the_refusal_is_audited(running, clinic_a, chair_a):
    retired = make_device(clinic_a, "Old monitor", chair=chair_a, active=False)
    _refused(post(reading(), retired.token))
    refusal = AuditEvent.objects.get(category="device", outcome=Outcome.DENIED)
    assert refusal.action == Action.LOGIN and refusal.clinic == clinic_a
    assert refusal.summary == "API token refused: device deactivated"
    assert refusal.object_id == str(retired.public_id)
    assert retired.token not in refusal.summary
    assert not VitalSigns.objects.filter(recorded_by_device=retired).exists()


def test_a_wall_boards_token_is_401(running, board_a):
    _refused(post(reading(), board_a.token))
    _refused(get_chair(board_a.token))
    summaries = AuditEvent.objects.filter(outcome=Outcome.DENIED).values_list("summary", flat=True)
    assert list(summaries) == ["API token refused: not a monitor feed"] * 2


def test_a_feed_without_a_chair_is_401(running, clinic_a):
    unbound = make_device(clinic_a, "Unbound monitor", kind=DeviceKind.FEED, chair=None)
    _refused(post(reading(), unbound.token))


def test_a_signed_in_persons_session_cookie_is_not_accepted(running, as_nurse_a, as_admin_a):
    before = VitalSigns.objects.count()
    for browser in (as_nurse_a, as_admin_a):
        _refused(post(reading(), None, client=browser))
        _refused(get_chair(None, client=browser))
    assert VitalSigns.objects.count() == before


def test_csrf_does_not_apply_but_the_cookie_still_grants_nothing(running, nurse_a, clinic_a):
    from conftest import signed_in

    browser = signed_in(nurse_a, clinic_a)
    browser.handler.enforce_csrf_checks = True
    # No CSRF token and a valid session: refused for want of a token, not let through.
    _refused(post(reading(), None, client=browser))


def test_with_a_cookie_and_a_token_the_device_alone_acts(running, feed_a, as_nurse_a, nurse_a):
    answer = post(reading(), feed_a.token, client=as_nurse_a).json()
    row = VitalSigns.objects.get(public_id=answer["id"])
    assert row.recorded_by is None and row.recorded_by_device == feed_a
    audit = AuditEvent.objects.get(object_id=answer["id"])
    assert audit.actor is None and audit.actor_label == "device Chair 1 monitor"


def test_a_board_session_cannot_reach_the_api(running, board_a, feed_a):
    board = Client()
    board.get(reverse("clinics:device_sign_in", kwargs={"token": board_a.token}))
    assert board.get(reverse("clinics:board")).status_code == 200
    assert post(reading(), None, client=board).status_code == 404
    assert get_chair(None, client=board).status_code == 404


def test_a_feed_token_does_not_sign_in_as_a_board(feed_a):
    browser = Client()
    response = browser.get(reverse("clinics:device_sign_in", kwargs={"token": feed_a.token}))
    assert response.status_code == 404
    assert browser.get(reverse("clinics:board")).status_code == 302
