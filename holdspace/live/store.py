"""Reading live events from the database, from sync code and from the event loop.

The async reads run on a few threads owned by this module rather than on the request's thread:
an open stream must not hold a database connection for its whole life (a hundred screens would
exhaust PostgreSQL's connection limit), and the hub's tail read must never queue behind a burst
of replays after a restart, so it has a thread of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, close_old_connections, connection, connections

from holdspace.live.fanout import Event
from holdspace.live.models import LiveEvent

_FIELDS = ("id", "clinic_id", "topic", "kind", "payload", "created_at")

# One thread for the hub's tail (latency matters), two for replays and checks (bursty).
_TAIL_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-tail")
_READ_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="live-read")

# Tests set this: their data lives in an uncommitted transaction on the test's own thread,
# which a connection on another thread cannot see.
READ_ON_CALLING_THREAD = False


# --- Sync reads (callable from views, commands and the async wrappers below) ----------------


def latest_id() -> int:
    """The newest event id, or 0. Every later commit gets a higher id (see ``publish``)."""
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def oldest_id() -> int | None:
    return LiveEvent.objects.order_by("id").values_list("id", flat=True).first()


def read_after(
    clinic_id: int, topics: Iterable[str], cursor: int, limit: int, upto: int | None = None
) -> list[Event]:
    """The replay: events of one clinic's topics after ``cursor`` (to ``upto``), oldest first."""
    rows = LiveEvent.objects.filter(clinic_id=clinic_id, topic__in=list(topics), id__gt=cursor)
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    return [Event(*row) for row in rows.order_by("id").values_list(*_FIELDS)[:limit]]


def read_all_after(cursor: int, limit: int) -> list[Event]:
    """The hub's tail: every clinic's events after ``cursor``, oldest first."""
    rows = LiveEvent.objects.filter(id__gt=cursor).order_by("id").values_list(*_FIELDS)
    return [Event(*row) for row in rows[:limit]]


def prune(before: datetime, batch: int = 5000) -> int:
    """Delete events created before ``before``; always keeps the newest event.

    The newest row is kept because reconnecting clients compare their cursor with it to tell a
    replaced database from a quiet one.
    """
    newest = latest_id()
    deleted = 0
    while True:
        old = LiveEvent.objects.filter(created_at__lt=before, id__lt=newest).order_by("id")
        ids = list(old.values_list("id", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += LiveEvent.objects.filter(id__in=ids).delete()[0]


def release_connections() -> None:
    """Close this thread's database connections, unless a transaction (a test's) is open.

    Called by an event stream once it starts: the request's thread opened a connection for the
    middleware, and an open stream would otherwise hold it, idle, for hours.
    """
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


# --- Async reads for the event loop ---------------------------------------------------------


def _recycled[T](func: Callable[..., T]) -> Callable[..., T]:
    """Run ``func`` on a healthy connection of this worker thread.

    No request starts or ends on these threads, so Django never recycles their connections;
    do it here (honouring CONN_MAX_AGE and health checks), and retry once after a dropped
    connection (a database restart) instead of failing every stream.
    """

    @wraps(func)
    def run(*args: Any) -> T:
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            return func(*args)
        except DatabaseError:
            if connection.in_atomic_block or connection.is_usable():
                raise
            connection.close()
            return func(*args)

    return run


async def run_read[T](func: Callable[..., T], *args: Any, tail: bool = False) -> T:
    """Run a sync read from the event loop without tying up the request's thread."""
    if READ_ON_CALLING_THREAD:
        return await sync_to_async(func)(*args)
    executor = _TAIL_THREAD if tail else _READ_THREADS
    return await sync_to_async(_recycled(func), thread_sensitive=False, executor=executor)(*args)


class DatabaseReader:
    """The ``fanout.Reader`` backed by the ``LiveEvent`` table."""

    async def latest_id(self) -> int:
        return await run_read(latest_id)

    async def oldest_id(self) -> int | None:
        return await run_read(oldest_id)

    async def read_all_after(self, cursor: int, limit: int) -> list[Event]:
        return await run_read(read_all_after, cursor, limit, tail=True)

    async def read_after(
        self, clinic_id: int, topics: frozenset[str], cursor: int, limit: int
    ) -> list[Event]:
        return await run_read(read_after, clinic_id, topics, cursor, limit)
