"""publish(): the row is written in the action's transaction; screens hear of it only on commit."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from holdspace.live.events import MAX_PAYLOAD_BYTES, publish
from holdspace.live.models import LiveEvent
from holdspace.live.tests.conftest import patient_topic, run


class Refused(Exception):
    pass


@pytest.fixture
def wakes(in_process, monkeypatch):
    """Every wake-up the broker sends to its hubs."""
    calls = []
    original = in_process.wake_all
    monkeypatch.setattr(in_process, "wake_all", lambda: (calls.append(1), original()))
    return calls


def test_the_event_is_stored_in_the_callers_transaction(broker, clinic_a, patient_a):
    with transaction.atomic():
        event = publish(clinic_a, patient_topic(patient_a), "vitals.recorded", {"hr": 72})
        assert LiveEvent.objects.filter(pk=event.pk).exists()
    stored = LiveEvent.objects.get()
    assert (stored.clinic, stored.kind, stored.payload) == (clinic_a, "vitals.recorded", {"hr": 72})


def test_screens_are_woken_only_after_commit(wakes, clinic_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(clinic_a, "board", "alert.raised", {})
        assert wakes == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert wakes == [1]


def test_a_rolled_back_action_stores_and_wakes_nothing(
    wakes, clinic_a, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        publish(clinic_a, "board", "alert.raised", {"level": "critical"})
        raise Refused
    assert callbacks == []
    assert wakes == []
    assert not LiveEvent.objects.exists()


def test_a_subscriber_receives_the_event_after_commit_and_not_before(
    in_process, clinic_a, django_capture_on_commit_callbacks
):
    async def scenario():
        subscription = await in_process.subscribe(clinic_a.pk, ["board"])
        assert await subscription.next_batch(timeout=0.05) == []

        def act():
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                event = publish(clinic_a, "board", "alert.raised", {})
            return event, callbacks

        event, callbacks = await sync_to_async(act)()
        # Written but not committed: nothing woke the hub, so nothing is delivered.
        assert await subscription.next_batch(timeout=0.2) == []
        await sync_to_async(callbacks[0])()  # the commit
        batch = await subscription.next_batch(timeout=5)
        assert [e.id for e in batch] == [event.id]
        subscription.close()

    run(scenario, in_process)


def test_publish_refuses_what_no_screen_could_receive(broker, clinic_a):
    with transaction.atomic():
        with pytest.raises(ValueError, match="no registered authorizer"):
            publish(clinic_a, "sesion:typo", "vitals.recorded", {})
        with pytest.raises(ValueError, match="dotted lower-case"):
            publish(clinic_a, "board", "vitals recorded\ndata: forged", {})
        with pytest.raises(ValueError, match="send references"):
            publish(clinic_a, "board", "note.added", {"text": "x" * MAX_PAYLOAD_BYTES})
    assert not LiveEvent.objects.exists()
