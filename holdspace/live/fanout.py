"""Fan-out of live events to the subscribers of one process: plain asyncio, no Django.

The database is the source of truth and a notification is only a wake-up. One *hub* per event
loop tails the event table: each wake-up (a broker notification, or the periodic safety read)
makes it read every row after its cursor once, in id order, and hand each row to the
subscriptions of that row's clinic and topic. So a thousand screens cost one query per event,
not a thousand.

Each subscription keeps its own cursor (the last id it passed on) and passes on only rows after
it, so a row that reaches it twice (its replay and the tail overlap at the start) goes out once,
in order. A subscription that falls behind (a slow client) drops its queue and reads what it
lacks from the database itself instead of holding memory or the hub.

Why nothing is missed: publishers are serialised from their insert to their commit (see
``events.publish``), so every row committed later has a higher id than every row visible now.
A subscription registers with the hub first and then replays from the database, so rows
committed before it registered come from the replay and rows committed after from the tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# Rows per database read; a long replay is read and sent in slices of this size.
READ_BATCH = 500
# Events queued for one subscriber before it is made to catch up from the database instead.
QUEUE_LIMIT = 256
# How long a new subscriber waits for the hub's first read before giving up (it reconnects).
HUB_START_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    clinic_id: int
    topic: str
    kind: str
    payload: Any
    created_at: datetime


class Reader(Protocol):
    """The reads the fan-out needs; ``store.DatabaseReader`` is the real one."""

    async def latest_id(self) -> int: ...

    async def oldest_id(self) -> int | None: ...

    async def read_all_after(self, cursor: int, limit: int) -> list[Event]: ...

    async def read_after(
        self, clinic_id: int, topics: frozenset[str], cursor: int, limit: int
    ) -> list[Event]: ...


def cannot_replay(after: int, oldest: int | None, latest: int) -> bool:
    """Whether a client's cursor is outside what the table can replay.

    Beyond the newest event: the database was replaced (a restore). Before the oldest kept
    event: the event the cursor names was pruned, and others after it may have been. Either way
    the gap cannot be filled and the client must reload. Cursor 0 comes only from a table that
    had no events yet (pruning always keeps the newest), so everything in the table follows it.
    """
    if after > latest:
        return True
    return after > 0 and oldest is not None and after < oldest - 1


def start_task(coro: Any, name: str) -> asyncio.Task[Any]:
    # A fresh context: a long-lived task must not inherit the request that happened to start it
    # (asgiref ties sync work to that request's thread, which goes away with the request).
    loop = asyncio.get_running_loop()
    return loop.create_task(coro, name=name, context=contextvars.Context())


class Subscription:
    """One subscriber's view of the stream: each matching event once, in id order."""

    def __init__(
        self, hub: Hub, clinic_id: int, topics: frozenset[str], cursor: int, *, gap: bool
    ) -> None:
        self.clinic_id = clinic_id
        self.topics = topics
        # The last event id passed on; everything after it is still owed.
        self.cursor = cursor
        # True when the client's cursor could not be honoured (events pruned, database replaced):
        # the client must reload its state rather than trust the stream to fill the gap.
        self.gap = gap
        self.overflows = 0
        self._hub = hub
        self._queue: deque[Event] = deque()
        # Starts True: the first batch is the replay of what happened after the cursor.
        self._must_read = True
        self._ready = asyncio.Event()
        self._closed = False

    def interests(self) -> Iterable[tuple[int, str]]:
        return ((self.clinic_id, topic) for topic in self.topics)

    def push(self, event: Event) -> None:
        """Called by the hub, in the loop, for each new event of this clinic and topic."""
        if self._closed or self._must_read or event.id <= self.cursor:
            return
        if len(self._queue) >= QUEUE_LIMIT:
            # Never block the hub or grow without bound for one slow reader: forget the queue
            # and let this subscriber read what it lacks from the database when it next asks.
            self._queue.clear()
            self._must_read = True
            self.overflows += 1
        else:
            self._queue.append(event)
        self._ready.set()

    def end(self) -> None:
        """The hub is going away (server shutdown): the stream should finish."""
        self._closed = True
        self._ready.set()

    def close(self) -> None:
        self.end()
        self._hub.remove(self)

    @property
    def closed(self) -> bool:
        return self._closed

    async def next_batch(self, timeout: float | None = None) -> list[Event] | None:
        """The next events after the cursor; ``[]`` if ``timeout`` passed quietly; None if ended."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not self._closed:
            if self._must_read:
                fresh = await self._read_missed()
            elif self._queue:
                fresh = self._accept(self._drain())
            else:
                if not await self._wait(deadline):
                    return []
                continue
            if fresh:
                return fresh
        return None

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while (batch := await self.next_batch()) is not None:
            for event in batch:
                yield event

    async def _wait(self, deadline: float | None) -> bool:
        self._ready.clear()
        remaining = None if deadline is None else deadline - asyncio.get_running_loop().time()
        if remaining is not None and remaining <= 0:
            return False
        try:
            await asyncio.wait_for(self._ready.wait(), remaining)
        except TimeoutError:
            return False
        return True

    async def _read_missed(self) -> list[Event]:
        # Clearing the flag and the queue together, before the read, is what makes this safe:
        # anything dropped so far was committed before the read starts, so the read sees it,
        # and anything pushed from now on is queued (duplicates are skipped by the cursor).
        self._must_read = False
        self._queue.clear()
        rows = await self._hub.reader.read_after(
            self.clinic_id, self.topics, self.cursor, READ_BATCH
        )
        if len(rows) == READ_BATCH:
            self._must_read = True  # there may be more; read the next slice next time
        return self._accept(rows)

    def _drain(self) -> list[Event]:
        events = list(self._queue)
        self._queue.clear()
        return events

    def _accept(self, events: list[Event]) -> list[Event]:
        # Advancing the cursor event by event keeps the output strictly increasing even if the
        # same event arrived twice in one batch.
        fresh = []
        for event in events:
            if event.id > self.cursor:
                fresh.append(event)
                self.cursor = event.id
        return fresh


class Hub:
    """Tails the event table for every subscription in one event loop."""

    def __init__(self, reader: Reader, *, safety_interval: float) -> None:
        self.reader = reader
        # Also read when nothing woke us: covers a lost notification and, on SQLite, events
        # published by another process (the task worker), which the in-process broker cannot see.
        self._safety_interval = safety_interval
        self._by_key: dict[tuple[int, str], set[Subscription]] = defaultdict(set)
        self._cursor: int | None = None
        self._started = asyncio.Event()
        self._wake = asyncio.Event()
        self._reading = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    def start(self) -> None:
        self._task = start_task(self._run(), "holdspace-live-hub")

    def wake(self) -> None:
        """Something was committed: read soon. Call from the hub's loop only."""
        self._wake.set()

    def wants(self, clinic_id: int, topic: str) -> bool:
        """Whether any subscription here listens to this clinic's topic."""
        return (clinic_id, topic) in self._by_key

    @property
    def subscriber_count(self) -> int:
        return len({id(sub) for subs in self._by_key.values() for sub in subs})

    async def subscribe(
        self, clinic_id: int, topics: frozenset[str], after: int | None
    ) -> Subscription:
        """Register first, then replay: see the module docstring for why this loses nothing."""
        await asyncio.wait_for(self._started.wait(), HUB_START_TIMEOUT)
        cursor, gap = await self._starting_cursor(after)
        subscription = Subscription(self, clinic_id, topics, cursor, gap=gap)
        for key in subscription.interests():
            self._by_key[key].add(subscription)
        if self.closed:
            subscription.end()
        return subscription

    async def _starting_cursor(self, after: int | None) -> tuple[int, bool]:
        latest = await self.reader.latest_id()
        if after is None:
            return latest, False
        if cannot_replay(after, await self.reader.oldest_id(), latest):
            # The client is told to reload and continues from now.
            return latest, True
        return after, False

    def remove(self, subscription: Subscription) -> None:
        for key in subscription.interests():
            subs = self._by_key.get(key)
            if subs is None:
                continue
            subs.discard(subscription)
            if not subs:
                del self._by_key[key]

    async def close(self) -> None:
        self.closed = True
        for subs in list(self._by_key.values()):
            for subscription in list(subs):
                subscription.end()
        self._by_key.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def end_streams(self) -> None:
        """Finish every open stream now (server shutdown) without stopping the hub task."""
        self.closed = True
        for subs in self._by_key.values():
            for subscription in subs:
                subscription.end()

    async def _run(self) -> None:
        await self._initialise()
        while not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._safety_interval)
            self._wake.clear()
            try:
                await self.catch_up()
            except Exception:
                # A database hiccup must not kill live updates for the whole process.
                logger.exception("live: reading new events failed; retrying shortly")
                await asyncio.sleep(1.0)

    async def _initialise(self) -> None:
        while self._cursor is None:
            try:
                self._cursor = await self.reader.latest_id()
            except Exception:
                logger.exception("live: cannot read the event table yet; retrying")
                await asyncio.sleep(1.0)
        self._started.set()

    async def catch_up(self) -> None:
        """Read and dispatch everything after the hub's cursor, one reader at a time."""
        assert self._cursor is not None
        async with self._reading:
            while True:
                rows = await self.reader.read_all_after(self._cursor, READ_BATCH)
                self._dispatch(rows)
                if rows:
                    self._cursor = rows[-1].id
                if len(rows) < READ_BATCH:
                    return

    def _dispatch(self, rows: list[Event]) -> None:
        for event in rows:
            for subscription in tuple(self._by_key.get((event.clinic_id, event.topic), ())):
                subscription.push(event)
