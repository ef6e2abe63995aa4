"""The in-process broker: wake-ups from publisher threads, fan-out, slow subscribers."""

import asyncio
import threading

from asgiref.sync import sync_to_async

from holdspace.live import fanout
from holdspace.live.brokers import get_broker, set_broker
from holdspace.live.tests.conftest import publish_committed, run


def _ids(events):
    return [event.id for event in events]


async def _collect(subscription, count, timeout=5.0):
    got = []
    while len(got) < count:
        batch = await subscription.next_batch(timeout=timeout)
        assert batch, f"only {len(got)} of {count} events arrived"
        got += batch
    return got


def test_one_event_reaches_every_one_of_many_subscribers_once(in_process, clinic_a, capture):
    async def scenario():
        subscriptions = [await in_process.subscribe(clinic_a.pk, ["board"]) for _ in range(300)]
        event = await sync_to_async(publish_committed)(
            clinic_a, "board", capture=capture, broker=in_process
        )
        for subscription in subscriptions:
            assert _ids(await _collect(subscription, 1)) == [event.id]
            assert await subscription.next_batch(timeout=0) == []
        assert in_process.hub().subscriber_count == 300

    run(scenario, in_process)


def test_a_publisher_on_another_thread_wakes_the_loop(in_process, clinic_a, capture):
    async def scenario():
        subscription = await in_process.subscribe(clinic_a.pk, ["board"])
        event = await sync_to_async(publish_committed)(
            clinic_a, "board", capture=capture, broker=in_process
        )
        # The on-commit callback ran on the sync thread; call_soon_threadsafe reached the loop.
        assert threading.current_thread() is not threading.main_thread()
        assert _ids(await _collect(subscription, 1)) == [event.id]

    run(scenario, in_process)


def test_a_slow_subscriber_catches_up_from_the_database_without_holding_others(
    in_process, clinic_a, capture, monkeypatch
):
    monkeypatch.setattr(fanout, "QUEUE_LIMIT", 3)

    async def scenario():
        fast = await in_process.subscribe(clinic_a.pk, ["board"])
        slow = await in_process.subscribe(clinic_a.pk, ["board"])
        # Both have read their (empty) replay; from here on events queue for them.
        assert await fast.next_batch(timeout=0) == await slow.next_batch(timeout=0) == []
        published, delivered_to_fast = [], []
        for _ in range(10):
            published.append(
                await sync_to_async(publish_committed)(
                    clinic_a, "board", capture=capture, broker=in_process
                )
            )
            delivered_to_fast += await _collect(fast, 1)
        # The fast one had each event as it came; the slow one's queue overflowed meanwhile.
        assert _ids(delivered_to_fast) == _ids(published)
        assert slow.overflows >= 1
        assert _ids(await _collect(slow, 10)) == _ids(published)
        assert await slow.next_batch(timeout=0.05) == []

    run(scenario, in_process)


def test_wake_all_from_a_closed_loop_is_harmless(in_process, clinic_a):
    async def scenario():
        await in_process.subscribe(clinic_a.pk, ["board"])

    run(scenario)  # hub left behind on a loop that is now closed
    in_process.wake_all()
    in_process.end_streams()


def test_the_broker_fits_the_database(db, django_db_setup):
    previous = set_broker(None)
    try:
        from django.db import connection

        expected = "PostgresBroker" if connection.vendor == "postgresql" else "InProcessBroker"
        assert type(get_broker()).__name__ == expected
    finally:
        set_broker(previous)


def test_subscription_is_an_async_iterator(in_process, clinic_a, capture):
    async def scenario():
        subscription = await in_process.subscribe(clinic_a.pk, ["board"])
        event = await sync_to_async(publish_committed)(
            clinic_a, "board", capture=capture, broker=in_process
        )
        received = await asyncio.wait_for(anext(aiter(subscription)), 5)
        assert received.id == event.id
        subscription.close()

    run(scenario, in_process)
