"""Property: whatever the interleaving of publishes, lost wake-ups, slow readers and reconnects,
every subscriber receives each of its events exactly once, in id order.

Two levels: the fan-out itself (hub, subscriptions, replay on reconnect) against an in-memory
table, where hypothesis can drive thousands of interleavings quickly; and the real replay query
against the database, reconnect by reconnect, with rolled-back publishes in between.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from unittest import mock

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdspace.live import fanout, store
from holdspace.live.events import publish
from holdspace.live.fanout import Event, Hub

TOPICS = ("board", "clinic")
# (clinic, topics) for each subscriber: overlapping interests and another clinic.
SUBSCRIBERS = (
    (1, frozenset({"board"})),
    (1, frozenset({"board", "clinic"})),
    (2, frozenset({"board"})),
)


class MemoryTable:
    """The event table as the fan-out sees it, with reads that yield to other tasks."""

    def __init__(self, tail_delay: int = 1, replay_delay: int = 1) -> None:
        self.rows: list[Event] = []
        self.next_id = 1
        # How many turns of the loop the hub's reads and the screens' replays take.
        self.tail_delay = tail_delay
        self.replay_delay = replay_delay

    def insert(self, clinic: int, topic: str, committed: bool) -> None:
        # A rolled-back publish consumes an id and leaves no row, like a sequence does.
        if committed:
            now = datetime.now(UTC)
            self.rows.append(Event(self.next_id, clinic, topic, "test.happened", {}, now))
        self.next_id += 1

    # Each read takes its snapshot first and answers a moment later, as a query does: rows
    # committed meanwhile are not in its answer.
    async def latest_id(self) -> int:
        latest = self.rows[-1].id if self.rows else 0
        await asyncio.sleep(0)
        return latest

    async def oldest_id(self) -> int | None:
        return self.rows[0].id if self.rows else None

    async def read_all_after(self, cursor: int, limit: int) -> list[Event]:
        rows = [row for row in self.rows if row.id > cursor][:limit]
        await _turns(self.tail_delay)
        return rows

    async def read_after(self, clinic, topics, cursor, limit) -> list[Event]:
        rows = [
            row
            for row in self.rows
            if row.id > cursor and row.clinic_id == clinic and row.topic in topics
        ][:limit]
        await _turns(self.replay_delay)
        return rows


async def _turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


@dataclass
class Screen:
    """One browser tab: its subscription of the moment and everything it has shown."""

    clinic: int
    topics: frozenset
    # The cursor the page was rendered with.
    start: int = 0
    subscription: fanout.Subscription | None = None
    shown: list[int] = field(default_factory=list)

    def last_event_id(self) -> int:
        return self.shown[-1] if self.shown else self.start


# Weighted towards what stresses the fan-out: wake-ups that arrive, and screens that read
# (a reconnect replays from the database, which would hide a lost event).
publishes = st.tuples(
    st.just("publish"),
    st.sampled_from([1, 2]),
    st.sampled_from(TOPICS),
    st.sampled_from([True, True, True, False]),  # the wake-up reaches the hub (or is lost)
    st.sampled_from([True, True, True, False]),  # the action commits (or rolls back)
)
screen_steps = st.tuples(
    st.sampled_from(["read", "read", "read", "reconnect", "drop_unread"]),
    st.integers(0, len(SUBSCRIBERS) - 1),
)
steps = st.lists(st.one_of(publishes, screen_steps, st.just(("yield",))), max_size=80)


async def _read(screen: Screen) -> None:
    batch = await screen.subscription.next_batch(timeout=0)
    screen.shown += [event.id for event in batch or []]


async def _reconnect(hub: Hub, screen: Screen, *, read_first: bool) -> None:
    if read_first:
        await _read(screen)
    # Whatever was queued but not shown is lost with the connection; Last-Event-ID recovers it.
    screen.subscription.close()
    screen.subscription = await hub.subscribe(
        screen.clinic, frozenset(screen.topics), screen.last_event_id()
    )


async def _play(script, delays) -> tuple[MemoryTable, list[Screen]]:
    table = MemoryTable(*delays)
    hub = Hub(table, safety_interval=3600)
    hub.start()
    screens = [Screen(clinic, topics) for clinic, topics in SUBSCRIBERS]
    for screen in screens:
        screen.subscription = await hub.subscribe(screen.clinic, screen.topics, None)
    # Publishers and screens run as two tasks, as they do in a server: publishes land while
    # screens are half-way through reads, replays and reconnects.
    publishing = [step for step in script if step[0] in ("publish", "yield")]
    watching = [step for step in script if step[0] not in ("publish",)]
    await asyncio.gather(
        _run_steps(hub, table, screens, publishing), _run_steps(hub, table, screens, watching)
    )
    await _finish(hub, screens)
    await hub.close()
    return table, screens


async def _run_steps(hub, table, screens, script) -> None:
    for step in script:
        await _step(hub, table, screens, step)
        await asyncio.sleep(0)


async def _step(hub, table, screens, step) -> None:
    match step:
        case ("publish", clinic, topic, wake, committed):
            table.insert(clinic, topic, committed)
            if wake and committed:
                hub.wake()
        case ("read", index):
            await _read(screens[index])
        case ("reconnect", index):
            await _reconnect(hub, screens[index], read_first=True)
        case ("drop_unread", index):
            await _reconnect(hub, screens[index], read_first=False)
        case ("yield",):
            for _ in range(3):
                await asyncio.sleep(0)


async def _finish(hub: Hub, screens: list[Screen]) -> None:
    # A lost wake-up is made good by the next read of the table (in a server, the next
    # notification or the safety read); then every screen reads until nothing is owed.
    await hub.catch_up()
    for screen in screens:
        while True:
            before = len(screen.shown)
            await _read(screen)
            if len(screen.shown) == before:
                break


@settings(max_examples=500, deadline=None)
@given(script=steps, delays=st.tuples(st.integers(0, 4), st.integers(0, 4)))
def test_every_screen_shows_each_of_its_events_once_in_order(script, delays):
    with mock.patch.object(fanout, "QUEUE_LIMIT", 1), mock.patch.object(fanout, "READ_BATCH", 3):
        table, screens = asyncio.run(_play(script, delays))
    for screen in screens:
        expected = [
            row.id
            for row in table.rows
            if row.clinic_id == screen.clinic and row.topic in screen.topics
        ]
        assert screen.shown == expected


# --- The same promise from the real replay query --------------------------------------------


db_publishes = st.tuples(
    st.just("publish"), st.sampled_from(["a", "b"]), st.sampled_from(TOPICS), st.booleans()
)
# A reconnect replays from the screen's Last-Event-ID, reading at most this many events.
db_reconnects = st.tuples(st.just("reconnect"), st.integers(0, 1), st.integers(1, 4))
db_steps = st.lists(st.one_of(db_publishes, db_reconnects), max_size=25)


class Refused(Exception):
    pass


def _publish(clinic, topic: str, committed: bool) -> int | None:
    try:
        with transaction.atomic():
            event = publish(clinic, topic, "test.happened", {})
            if not committed:
                raise Refused
            return event.id
    except Refused:
        return None


def _replay(screen: Screen, clinic, limit: int) -> None:
    events = store.read_after(clinic.pk, screen.topics, screen.last_event_id(), limit)
    screen.shown += [event.id for event in events]


def _replay_until_current(screen: Screen, clinic) -> None:
    for _ in range(100):
        before = len(screen.shown)
        _replay(screen, clinic, 3)
        if len(screen.shown) == before:
            return
    raise AssertionError("replay never caught up: it repeats events")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=db_steps)
def test_replay_from_the_database_after_reconnects_loses_and_repeats_nothing(
    in_process, clinic_a, clinic_b, script
):
    clinics = {"a": clinic_a, "b": clinic_b}
    with transaction.atomic():
        start = store.latest_id()
        screens = [
            Screen(clinic_a.pk, frozenset({"board"}), start),
            Screen(clinic_a.pk, frozenset(TOPICS), start),
        ]
        committed = []
        for step in script:
            if step[0] == "publish":
                _, clinic, topic, commits = step
                event_id = _publish(clinics[clinic], topic, commits)
                if event_id is not None:
                    committed.append((event_id, clinic, topic))
            else:
                _, index, limit = step
                _replay(screens[index], clinic_a, limit)
        for screen in screens:
            _replay_until_current(screen, clinic_a)
            expected = [
                i for i, clinic, topic in committed if clinic == "a" and topic in screen.topics
            ]
            assert screen.shown == expected
        # Each example starts from the same empty table.
        transaction.set_rollback(True)
