"""GET /live/poll/: the degraded mode, same events and same rules as the stream."""

from django.urls import reverse

from holdspace.accounts.middleware import IdleTimeoutMiddleware
from holdspace.live import views
from holdspace.live.tests.conftest import patient_topic, publish_committed

POLL = reverse("live:poll")


def test_without_a_cursor_the_poll_only_hands_out_one(broker, as_nurse_a, clinic_a, capture):
    publish_committed(clinic_a, "board", capture=capture, broker=broker)
    body = as_nurse_a.get(POLL, {"topic": "board"}).json()
    assert body == {"events": [], "last_id": body["last_id"], "resync": False}
    assert body["last_id"] > 0


def test_poll_returns_events_after_the_cursor_in_order(
    broker, as_nurse_a, clinic_a, patient_a, capture
):
    topic = patient_topic(patient_a)
    cursor = as_nurse_a.get(POLL, {"topic": topic}).json()["last_id"]
    published = [
        publish_committed(
            clinic_a, topic, "vitals.recorded", {"n": n}, capture=capture, broker=broker
        )
        for n in range(3)
    ]
    publish_committed(clinic_a, "board", capture=capture, broker=broker)  # not asked for
    response = as_nurse_a.get(POLL, {"topic": topic, "after": cursor})
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert [e["id"] for e in body["events"]] == [e.id for e in published]
    assert body["events"][0] == {
        "id": published[0].id,
        "topic": topic,
        "kind": "vitals.recorded",
        "at": published[0].created_at.isoformat(),
        "payload": {"n": 0},
    }
    # The cursor moves past the board event too: it was final when the poll began.
    assert body["last_id"] == published[-1].id + 1
    again = as_nurse_a.get(POLL, {"topic": topic, "after": body["last_id"]}).json()
    assert again["events"] == []


def test_a_long_backlog_comes_in_slices(broker, as_nurse_a, clinic_a, capture, monkeypatch):
    monkeypatch.setattr(views, "POLL_LIMIT", 2)
    cursor = as_nurse_a.get(POLL, {"topic": "board"}).json()["last_id"]
    published = [
        publish_committed(clinic_a, "board", capture=capture, broker=broker) for _ in range(5)
    ]
    seen = []
    for _ in range(3):
        body = as_nurse_a.get(POLL, {"topic": "board", "after": cursor}).json()
        seen += [e["id"] for e in body["events"]]
        cursor = body["last_id"]
    assert seen == [e.id for e in published]


def test_a_cursor_ahead_of_the_table_asks_for_a_reload(broker, as_nurse_a, clinic_a, capture):
    event = publish_committed(clinic_a, "board", capture=capture, broker=broker)
    body = as_nurse_a.get(POLL, {"topic": "board", "after": event.id + 50}).json()
    assert body == {"events": [], "last_id": event.id, "resync": True}


def test_polling_does_not_count_as_activity_for_the_idle_timeout(broker, as_nurse_a):
    as_nurse_a.get(reverse("patients:list"))
    stamped = as_nurse_a.session[IdleTimeoutMiddleware.SESSION_KEY]
    session = as_nurse_a.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = stamped - 600
    session.save()
    as_nurse_a.get(POLL, {"topic": "board"})
    assert as_nurse_a.session[IdleTimeoutMiddleware.SESSION_KEY] == stamped - 600


def test_an_idle_session_is_signed_out_by_its_poll(broker, as_nurse_a, settings):
    as_nurse_a.get(reverse("patients:list"))
    session = as_nurse_a.session
    key = IdleTimeoutMiddleware.SESSION_KEY
    session[key] = session[key] - settings.IDLE_TIMEOUT_MINUTES * 60 - 5
    session.save()
    response = as_nurse_a.get(POLL, {"topic": "board"})
    assert response.status_code == 302
    assert as_nurse_a.get(POLL, {"topic": "board"}).status_code == 403
