"""Who may listen to what: clinic isolation, the board device, and the 404 for foreign topics."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from conftest import signed_in
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
POLL = reverse("live:poll")
BOTH = [STREAM, POLL]


def _get(client, url, topics, **extra):
    # The stream is async; the sync test client can still read its status and headers.
    return client.get(url, {"topic": topics, **extra})


@pytest.mark.parametrize("url", BOTH)
def test_a_topic_about_another_clinics_patient_is_not_found(url, broker, as_nurse_a, patient_b):
    assert _get(as_nurse_a, url, [patient_topic(patient_b)]).status_code == 404


@pytest.mark.parametrize("url", BOTH)
def test_one_foreign_topic_refuses_the_whole_request(url, broker, as_nurse_a, patient_a, patient_b):
    topics = ["board", patient_topic(patient_a), patient_topic(patient_b)]
    assert _get(as_nurse_a, url, topics).status_code == 404


@pytest.mark.parametrize("url", BOTH)
@pytest.mark.parametrize(
    "topic", ["nonsense", "session:", "board:extra", "test_patient:not-a-uuid", "x" * 200]
)
def test_unknown_or_malformed_topics_are_not_found(url, topic, broker, as_nurse_a):
    assert _get(as_nurse_a, url, [topic]).status_code == 404


def test_own_clinics_patient_topic_is_allowed(broker, as_nurse_a, patient_a):
    assert _get(as_nurse_a, POLL, [patient_topic(patient_a)]).status_code == 200


@pytest.mark.parametrize("url", BOTH)
def test_no_topic_or_a_bad_cursor_is_a_bad_request(url, broker, as_nurse_a):
    assert as_nurse_a.get(url).status_code == 400
    assert _get(as_nurse_a, url, ["board"], after="1; DROP", last_event_id="-1").status_code == 400
    huge = str(2**64)
    assert _get(as_nurse_a, url, ["board"], after=huge, last_event_id=huge).status_code == 400


@pytest.mark.parametrize("url", BOTH)
def test_a_visitor_who_is_not_signed_in_may_not_listen(url, broker):
    assert _get(Client(), url, ["board"]).status_code == 403


@pytest.mark.parametrize("url", BOTH)
def test_someone_who_has_not_chosen_a_clinic_may_not_listen(url, broker, member_of_two):
    assert _get(signed_in(member_of_two), url, ["board"]).status_code == 403


@pytest.mark.parametrize("url", BOTH)
def test_the_board_device_may_listen_to_the_board(url, broker, device_a):
    assert _get(board_client(device_a), url, ["board"]).status_code == 200


@pytest.mark.parametrize("url", BOTH)
@pytest.mark.parametrize("topics", [["clinic"], ["board", "clinic"]])
def test_the_board_device_may_listen_to_nothing_else(url, topics, broker, device_a):
    assert _get(board_client(device_a), url, topics).status_code == 404


def test_the_board_device_may_not_follow_a_patient(broker, device_a, patient_a):
    assert _get(board_client(device_a), POLL, [patient_topic(patient_a)]).status_code == 404


def test_staff_may_listen_to_the_clinic_topic(broker, as_therapist_a):
    assert _get(as_therapist_a, POLL, ["clinic"]).status_code == 200


def test_clinic_b_never_receives_clinic_a_events(
    broker, as_nurse_b, clinic_a, clinic_b, django_capture_on_commit_callbacks
):
    client = async_client_for(as_nurse_b)
    capture = django_capture_on_commit_callbacks

    def publish_both():
        publish_committed(clinic_a, "board", "alert.raised", capture=capture, broker=broker)
        return publish_committed(clinic_b, "board", "alert.raised", capture=capture, broker=broker)

    async def scenario():
        reader = StreamReader(await client.get(STREAM, {"topic": "board"}))
        await reader.messages(2)
        own = await sync_to_async(publish_both)()
        assert event_ids(await reader.events(1)) == [own.id]
        assert await reader.quiet(0.3)
        await reader.disconnect()

    run(scenario, broker)


def test_clinic_b_replay_holds_no_clinic_a_events(
    broker, as_nurse_b, clinic_a, clinic_b, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = publish_committed(clinic_b, "board", capture=capture, broker=broker)
    publish_committed(clinic_a, "board", capture=capture, broker=broker)
    last = publish_committed(clinic_b, "board", capture=capture, broker=broker)
    body = as_nurse_b.get(POLL, {"topic": "board", "after": first.id - 1}).json()
    assert [e["id"] for e in body["events"]] == [first.id, last.id]


def test_a_board_device_hears_only_its_own_clinic(
    broker, device_a, clinic_a, clinic_b, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    board = board_client(device_a)
    cursor = board.get(POLL, {"topic": "board"}).json()["last_id"]
    publish_committed(clinic_b, "board", capture=capture, broker=broker)
    own = publish_committed(clinic_a, "board", capture=capture, broker=broker)
    body = board.get(POLL, {"topic": "board", "after": cursor}).json()
    assert [e["id"] for e in body["events"]] == [own.id]
