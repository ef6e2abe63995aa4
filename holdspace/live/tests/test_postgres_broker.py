"""The PostgreSQL broker end to end: LISTEN on its own connection, NOTIFY from another.

The test's own transaction never commits, so the notifications come from a separate autocommit
connection to the same test database; the event rows are in the test transaction, which the
hub reads on the test's thread.
"""

import asyncio

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from holdspace.live.brokers import CHANNEL, PostgresBroker, set_broker
from holdspace.live.events import publish
from holdspace.live.tests.conftest import run

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL LISTEN/NOTIFY"
)


@pytest.fixture
def pg_broker(db):
    broker = PostgresBroker()
    broker.safety_interval = 3600.0  # only notifications may wake it
    broker.reconnect_delay = (0.05, 0.2)
    previous = set_broker(broker)
    yield broker
    set_broker(previous)


@pytest.fixture
def outside(pg_broker):
    """An autocommit connection of its own to the test database, as another process has."""
    with psycopg.connect(
        pg_broker.conninfo(), autocommit=True, application_name="holdspace-test"
    ) as conn:
        yield conn


def _notify(conn, event, *, commit=True):
    note = f'{{"id": {event.id}, "clinic": {event.clinic_id}, "topic": "{event.topic}"}}'
    if commit:
        conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, note])
        return
    with conn.transaction(force_rollback=True):
        conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, note])


async def _listening(broker, subscription):
    for _ in range(200):
        if broker.listening.is_set():
            # Let the catch-up read that follows every (re)connection pass first.
            assert await subscription.next_batch(timeout=0.2) == []
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the broker never started listening")


def _publish(clinic, topic="board"):
    with transaction.atomic():
        return publish(clinic, topic, "alert.raised", {"level": "warning"})


def test_a_notification_from_another_connection_delivers_the_event(pg_broker, outside, clinic_a):
    async def scenario():
        subscription = await pg_broker.subscribe(clinic_a.pk, ["board"])
        await _listening(pg_broker, subscription)
        event = await sync_to_async(_publish)(clinic_a)
        # publish() queued its own NOTIFY in the (never committed) test transaction: no wake.
        assert await subscription.next_batch(timeout=0.3) == []
        await sync_to_async(_notify)(outside, event)
        batch = await subscription.next_batch(timeout=5)
        assert [e.id for e in batch] == [event.id]

    run(scenario, pg_broker)


def test_a_rolled_back_notification_is_never_delivered(pg_broker, outside, clinic_a):
    async def scenario():
        subscription = await pg_broker.subscribe(clinic_a.pk, ["board"])
        await _listening(pg_broker, subscription)
        event = await sync_to_async(_publish)(clinic_a)
        await sync_to_async(_notify)(outside, event, commit=False)
        assert await subscription.next_batch(timeout=0.5) == []
        await sync_to_async(_notify)(outside, event)
        assert [e.id for e in await subscription.next_batch(timeout=5)] == [event.id]

    run(scenario, pg_broker)


def test_the_listener_reconnects_and_catches_up(pg_broker, outside, clinic_a):
    async def scenario():
        subscription = await pg_broker.subscribe(clinic_a.pk, ["board"])
        await _listening(pg_broker, subscription)
        await sync_to_async(outside.execute)(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'holdspace-live' AND datname = current_database()"
        )
        # Published while nobody listened: the reconnect itself reads the table.
        event = await sync_to_async(_publish)(clinic_a)
        batch = await subscription.next_batch(timeout=5)
        assert [e.id for e in batch] == [event.id]
        await _listening(pg_broker, subscription)
        later = await sync_to_async(_publish)(clinic_a)
        await sync_to_async(_notify)(outside, later)
        assert [e.id for e in await subscription.next_batch(timeout=5)] == [later.id]

    run(scenario, pg_broker)


def test_a_notification_for_nobody_here_reads_nothing(pg_broker, outside, clinic_a, clinic_b):
    async def scenario():
        subscription = await pg_broker.subscribe(clinic_a.pk, ["board"])
        await _listening(pg_broker, subscription)
        hub = pg_broker.hub()
        reads = []
        original = hub.catch_up

        async def counting():
            reads.append(1)
            await original()

        hub.catch_up = counting
        event = await sync_to_async(_publish)(clinic_b)
        await sync_to_async(_notify)(outside, event)
        await asyncio.sleep(0.3)
        assert reads == []

    run(scenario, pg_broker)


def test_publish_queues_its_notify_inside_the_transaction(pg_broker, outside, clinic_a):
    outside.execute(f"LISTEN {CHANNEL}")
    _publish(clinic_a)
    # Uncommitted: PostgreSQL has not sent it, and drops it when the test rolls back.
    assert list(outside.notifies(timeout=0.3)) == []
    assert connection.in_atomic_block
