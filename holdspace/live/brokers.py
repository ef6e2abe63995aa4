"""Brokers: how a committed event wakes the hubs that stream it to screens.

Both brokers share one interface: ``announce(event)`` inside the publisher's transaction, and
``await subscribe(clinic_id, topics, after)`` returning a ``fanout.Subscription``, an async
iterator of events (each once, in id order) that reads from the database whatever a
notification could not tell it. They differ only in how a commit becomes a wake-up:

- ``InProcessBroker`` (SQLite): an on-commit callback in the publisher's thread wakes every hub
  of this process with ``loop.call_soon_threadsafe``. Events committed by another process (the
  task worker) are found by the hub's safety read, within a second.
- ``PostgresBroker``: ``pg_notify`` inside the transaction, which PostgreSQL delivers on commit
  (and never on rollback) to one shared ``LISTEN`` connection per process, so several server
  processes share events. The connection is re-opened when it fails.

``get_broker()`` picks the one that fits the database.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable

import psycopg
from django.db import connection, connections, transaction
from psycopg.conninfo import make_conninfo

from holdspace.live import shutdown
from holdspace.live.fanout import Hub, Reader, Subscription, start_task
from holdspace.live.models import LiveEvent
from holdspace.live.store import DatabaseReader

logger = logging.getLogger(__name__)

CHANNEL = "holdspace_live"


class Broker(abc.ABC):
    """What both brokers share: one hub per event loop, created on first subscription."""

    # Seconds between reads that nothing asked for (see ``fanout.Hub``).
    safety_interval = 10.0

    def __init__(self, reader: Reader | None = None) -> None:
        self.reader: Reader = reader or DatabaseReader()
        self._hubs: dict[asyncio.AbstractEventLoop, Hub] = {}
        self._lock = threading.Lock()

    @abc.abstractmethod
    def announce(self, event: LiveEvent) -> None:
        """Arrange for subscribers to hear of ``event`` once, and only once, it is committed."""

    async def subscribe(
        self, clinic_id: int, topics: Iterable[str], after: int | None = None
    ) -> Subscription:
        """Events of ``clinic_id`` on ``topics`` with an id above ``after`` (None: from now)."""
        return await self.hub().subscribe(clinic_id, frozenset(topics), after)

    def hub(self) -> Hub:
        """This event loop's hub, started on first use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            hub = self._hubs.get(loop)
            if hub is None:
                hub = self._hubs[loop] = Hub(self.reader, safety_interval=self.safety_interval)
                hub.start()
                self._hub_started(hub)
        shutdown.install(self.end_streams)
        return hub

    def _hub_started(self, hub: Hub) -> None:  # noqa: B027 (optional hook)
        """Hook for brokers that need a task beside each hub."""

    def wake_all(self) -> None:
        """Make every hub of this process read new events now. Safe from any thread."""
        for loop, hub in self._live_hubs():
            _call_in(loop, hub.wake)

    def end_streams(self) -> None:
        """Finish every open stream (server shutdown). Safe from any thread or signal handler."""
        for loop, hub in self._live_hubs():
            _call_in(loop, hub.end_streams)

    def _live_hubs(self) -> list[tuple[asyncio.AbstractEventLoop, Hub]]:
        with self._lock:
            for loop in [loop for loop in self._hubs if loop.is_closed()]:
                del self._hubs[loop]
            return list(self._hubs.items())

    async def aclose(self) -> None:
        """Stop this event loop's hub; its subscriptions end."""
        with self._lock:
            hub = self._hubs.pop(asyncio.get_running_loop(), None)
        if hub is not None:
            await hub.close()
            await self._hub_closed(hub)

    async def _hub_closed(self, hub: Hub) -> None:  # noqa: B027 (optional hook)
        """Hook for brokers that keep a task beside each hub."""


class InProcessBroker(Broker):
    """Wake-ups within one process, after commit (SQLite, single server process)."""

    # SQLite has no cross-process notification; this bounds how late a worker's event can be.
    safety_interval = 1.0

    def announce(self, event: LiveEvent) -> None:
        # robust: the commit has happened; a failure to wake must not surface as an error in
        # the action, and the safety read will still find the event.
        transaction.on_commit(self.wake_all, robust=True)


class PostgresBroker(Broker):
    """Wake-ups across processes through PostgreSQL ``LISTEN/NOTIFY``."""

    # Re-connecting after a failure waits this long at first, doubling up to the maximum.
    reconnect_delay = (0.5, 5.0)
    # A silent network drop is noticed by a query on the connection after this many quiet seconds.
    liveness_seconds = 30.0

    def __init__(self, reader: Reader | None = None, conninfo: str | None = None) -> None:
        super().__init__(reader)
        self._conninfo = conninfo
        self._listeners: dict[Hub, asyncio.Task[None]] = {}
        # Set while a LISTEN connection is open (tests wait for it before notifying).
        self.listening = threading.Event()

    def announce(self, event: LiveEvent) -> None:
        note = json.dumps({"id": event.id, "clinic": event.clinic_id, "topic": event.topic})
        with connection.cursor() as cursor:
            # Queued in this transaction; PostgreSQL sends it on commit and drops it on rollback.
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, note])

    def _hub_started(self, hub: Hub) -> None:
        self._listeners[hub] = start_task(self._listen(hub), "holdspace-live-listen")

    async def _hub_closed(self, hub: Hub) -> None:
        task = self._listeners.pop(hub, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.listening.clear()

    async def _listen(self, hub: Hub) -> None:
        delay = self.reconnect_delay[0]
        while not hub.closed:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo(), autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = self.reconnect_delay[0]
                    await self._relay(conn, hub)
            except (psycopg.Error, OSError) as exc:
                logger.warning("live: LISTEN connection failed (%s)", type(exc).__name__)
            finally:
                self.listening.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.reconnect_delay[1])

    async def _relay(self, conn: psycopg.AsyncConnection, hub: Hub) -> None:
        self.listening.set()
        # Whatever was committed while nobody listened is in the table: read it now.
        hub.wake()
        while not hub.closed:
            async for note in conn.notifies(timeout=self.liveness_seconds):
                if _concerns(hub, note.payload):
                    hub.wake()
            await conn.execute("SELECT 1")

    def conninfo(self) -> str:
        """The default database's connection string (the test database under pytest)."""
        if self._conninfo:
            return self._conninfo
        settings = connections["default"].settings_dict
        params = {
            "dbname": settings["NAME"],
            "user": settings.get("USER"),
            "password": settings.get("PASSWORD"),
            "host": settings.get("HOST"),
            "port": settings.get("PORT"),
            "application_name": "holdspace-live",
        }
        return make_conninfo("", **{key: value for key, value in params.items() if value})


def _call_in(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    # RuntimeError: that loop closed a moment ago; its hub is forgotten on the next call.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback)


def _concerns(hub: Hub, payload: str) -> bool:
    """Whether a notification is for a clinic and topic someone here listens to."""
    try:
        note = json.loads(payload)
        return hub.wants(int(note["clinic"]), str(note["topic"]))
    except (ValueError, KeyError, TypeError):
        return True  # unreadable: reading the table costs little and is always right


_broker: Broker | None = None
_broker_lock = threading.Lock()


def get_broker() -> Broker:
    """The process's broker: LISTEN/NOTIFY on PostgreSQL, in-process otherwise."""
    global _broker
    with _broker_lock:
        if _broker is None:
            vendor = connections["default"].vendor
            _broker = PostgresBroker() if vendor == "postgresql" else InProcessBroker()
        return _broker


def set_broker(broker: Broker | None) -> Broker | None:
    """Replace the process's broker (tests, benchmarks); returns the previous one."""
    global _broker
    with _broker_lock:
        previous, _broker = _broker, broker
    return previous
