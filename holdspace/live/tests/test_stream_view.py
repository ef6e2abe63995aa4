"""GET /live/stream/: the server-sent event stream, driven through Django's ASGI handler."""

import asyncio

from asgiref.sync import sync_to_async
from django.urls import reverse

from holdspace.live import views
from holdspace.live.tests.conftest import (
    StreamReader,
    async_client_for,
    board_client,
    event_ids,
    patient_topic,
    publish_committed,
    run,
)

STREAM = reverse("live:stream")


def _published(count, clinic, topic, capture, broker, kind="vitals.recorded"):
    return [
        publish_committed(clinic, topic, kind, {"n": n}, capture=capture, broker=broker)
        for n in range(count)
    ]


def test_stream_headers_and_opening(broker, as_nurse_a):
    client = async_client_for(as_nurse_a)

    async def scenario():
        response = await client.get(STREAM, {"topic": "board"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/event-stream")
        assert response["Cache-Control"] == "no-cache"
        assert response["X-Accel-Buffering"] == "no"
        reader = StreamReader(response)
        retry = await reader.message()
        assert 3000 <= int(retry["retry"]) <= 5000
        # A first connection without a cursor is given one, so a reconnect resumes from here.
        assert set(await reader.message()) == {"id"}
        await reader.disconnect()

    run(scenario, broker)


def test_an_event_committed_while_the_stream_opens_is_not_lost(
    broker, as_nurse_a, clinic_a, django_capture_on_commit_callbacks
):
    client = async_client_for(as_nurse_a)

    async def scenario():
        # Committed after the request was made but before its subscription existed: the
        # browser already counts itself connected, so this event must still arrive.
        response = await client.get(STREAM, {"topic": "board"})
        event = await sync_to_async(publish_committed)(
            clinic_a, "board", capture=django_capture_on_commit_callbacks, broker=broker
        )
        reader = StreamReader(response)
        assert event_ids(await reader.events(1)) == [event.id]
        await reader.disconnect()

    run(scenario, broker)


def test_new_events_are_streamed_with_id_kind_and_data(
    broker, as_nurse_a, clinic_a, patient_a, django_capture_on_commit_callbacks
):
    client = async_client_for(as_nurse_a)
    topic = patient_topic(patient_a)

    async def scenario():
        response = await client.get(STREAM, {"topic": ["board", topic]})
        reader = StreamReader(response)
        await reader.messages(2)  # retry and cursor
        published = await sync_to_async(_published)(
            2, clinic_a, topic, django_capture_on_commit_callbacks, broker
        )
        received = await reader.events(2)
        assert event_ids(received) == [e.id for e in published]
        assert received[0]["event"] == "vitals.recorded"
        assert f'"topic":"{topic}"' in received[0]["data"]
        assert '"payload":{"n":0}' in received[0]["data"]
        await reader.disconnect()

    run(scenario, broker)


def test_reconnect_with_last_event_id_replays_exactly_the_missed_events(
    broker, as_nurse_a, clinic_a, django_capture_on_commit_callbacks
):
    published = _published(5, clinic_a, "board", django_capture_on_commit_callbacks, broker)
    client = async_client_for(as_nurse_a)

    async def scenario():
        # The browser saw up to the second event, then the Wi-Fi dropped.
        headers = {"Last-Event-ID": str(published[1].id)}
        response = await client.get(STREAM, {"topic": "board"}, headers=headers)
        reader = StreamReader(response)
        await reader.message()  # retry
        replayed = await reader.events(3)
        assert event_ids(replayed) == [e.id for e in published[2:]]
        assert await reader.quiet(0.3), "nothing may be sent twice"
        await reader.disconnect()

    run(scenario, broker)


def test_the_header_wins_over_the_cursor_in_the_url(
    broker, as_nurse_a, clinic_a, django_capture_on_commit_callbacks
):
    published = _published(3, clinic_a, "board", django_capture_on_commit_callbacks, broker)
    client = async_client_for(as_nurse_a)

    async def scenario():
        # The page opened the stream with the cursor it was rendered with; after a reconnect
        # the browser's Last-Event-ID is newer and must be the one honoured.
        query = {"topic": "board", "last_event_id": str(published[0].id - 1)}
        headers = {"Last-Event-ID": str(published[1].id)}
        reader = StreamReader(await client.get(STREAM, query, headers=headers))
        assert event_ids(await reader.events(1)) == [published[2].id]
        await reader.disconnect()

    run(scenario, broker)


def test_a_cursor_the_table_cannot_honour_asks_the_page_to_reload(
    broker, as_nurse_a, clinic_a, django_capture_on_commit_callbacks
):
    published = _published(1, clinic_a, "board", django_capture_on_commit_callbacks, broker)
    client = async_client_for(as_nurse_a)

    async def scenario():
        # A cursor from before a database restore is ahead of every event here.
        headers = {"Last-Event-ID": str(published[0].id + 1000)}
        reader = StreamReader(await client.get(STREAM, {"topic": "board"}, headers=headers))
        (notice,) = await reader.events(1)
        assert notice["event"] == "live.resync"
        assert int(notice["id"]) == published[0].id
        await reader.disconnect()

    run(scenario, broker)


def test_a_quiet_stream_sends_heartbeats(broker, as_nurse_a, monkeypatch):
    monkeypatch.setattr(views, "HEARTBEAT_SECONDS", 0.05)
    client = async_client_for(as_nurse_a)

    async def scenario():
        reader = StreamReader(await client.get(STREAM, {"topic": "board"}))
        await reader.messages(2)
        assert (await reader.message(timeout=2)) == {"comment": "heartbeat"}
        await reader.disconnect()

    run(scenario, broker)


def test_client_disconnect_ends_the_subscription(broker, as_nurse_a):
    client = async_client_for(as_nurse_a)

    async def scenario():
        reader = StreamReader(await client.get(STREAM, {"topic": "board"}))
        await reader.messages(2)
        assert broker.hub().subscriber_count == 1
        await reader.disconnect()
        assert broker.hub().subscriber_count == 0

    run(scenario, broker)


def test_server_shutdown_ends_open_streams(broker, as_nurse_a):
    client = async_client_for(as_nurse_a)

    async def scenario():
        readers = [StreamReader(await client.get(STREAM, {"topic": "board"})) for _ in range(3)]
        for reader in readers:
            await reader.messages(2)
        # What the chained SIGTERM handler calls (see holdspace.live.shutdown).
        broker.end_streams()
        for reader in readers:
            assert await reader.message(timeout=2) is None
        assert broker.hub().subscriber_count == 0

    run(scenario, broker)


def test_a_deactivated_board_stops_receiving(broker, device_a, clinic_a, monkeypatch):
    monkeypatch.setattr(views, "RECHECK_SECONDS", 0.1)
    client = async_client_for(board_client(device_a))

    async def scenario():
        reader = StreamReader(await client.get(STREAM, {"topic": "board"}))
        await reader.messages(2)
        device_a.is_active = False
        await sync_to_async(device_a.save)()
        (closed,) = await reader.events(1, timeout=3)
        assert closed["event"] == "live.closed"
        assert await reader.message() is None

    run(scenario, broker)


def test_a_staff_member_removed_from_the_clinic_stops_receiving(
    broker, as_nurse_a, nurse_a, monkeypatch
):
    monkeypatch.setattr(views, "RECHECK_SECONDS", 0.1)
    client = async_client_for(as_nurse_a)

    async def scenario():
        reader = StreamReader(await client.get(STREAM, {"topic": "board"}))
        await reader.messages(2)
        await sync_to_async(nurse_a.memberships.update)(is_active=False)
        (closed,) = await reader.events(1, timeout=3)
        assert closed["event"] == "live.closed"

    run(scenario, broker)


def test_a_signed_out_session_stops_receiving(broker, as_nurse_a, monkeypatch):
    monkeypatch.setattr(views, "RECHECK_SECONDS", 0.1)
    client = async_client_for(as_nurse_a)

    async def scenario():
        reader = StreamReader(await client.get(STREAM, {"topic": "board"}))
        await reader.messages(2)
        # Signing out elsewhere (or a password change) ends the session this stream rode on.
        await sync_to_async(as_nurse_a.session.flush)()
        (closed,) = await reader.events(1, timeout=3)
        assert closed["event"] == "live.closed"

    run(scenario, broker)


def test_streams_of_one_event_loop_share_one_hub(broker, as_nurse_a, as_therapist_a):
    clients = [async_client_for(as_nurse_a), async_client_for(as_therapist_a)]

    async def scenario():
        readers = [StreamReader(await c.get(STREAM, {"topic": "board"})) for c in clients]
        for reader in readers:
            await reader.messages(2)
        assert broker.hub().subscriber_count == 2
        await asyncio.gather(*(reader.disconnect() for reader in readers))

    run(scenario, broker)
