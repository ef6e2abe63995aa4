"""The event stream (server-sent events) and its polling fallback.

Both take ``topic`` (repeatable) and a cursor: the stream reads the ``Last-Event-ID`` header a
reconnecting browser sends (or ``?last_event_id=`` for a first connection that must not miss
what happened since the page was rendered); polling reads ``?after=``. Both answer 403 to
someone who may not listen at all and 404 to any topic that is unknown, not theirs or another
clinic's.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from holdspace.live import sse
from holdspace.live.brokers import get_broker
from holdspace.live.fanout import Subscription, cannot_replay
from holdspace.live.principals import Listener, listener_for, still_allowed, undo_activity_mark
from holdspace.live.store import latest_id, oldest_id, read_after, release_connections, run_read
from holdspace.live.topics import authorize_topics

HEARTBEAT_SECONDS = 15.0
# The browser waits this long before reconnecting, plus a random share of the jitter so that a
# restart is not followed by every screen reconnecting in the same instant.
RETRY_MS = 3000
RETRY_JITTER_MS = 2000
# How often an open stream re-checks that its principal may still listen.
RECHECK_SECONDS = 60.0
POLL_LIMIT = 500
MAX_EVENT_ID = 2**63 - 1  # a BigAutoField


@dataclass(frozen=True)
class Interest:
    listener: Listener
    topics: tuple[str, ...]
    after: int | None
    # Whether the stream must tell the browser its starting cursor (it came with none).
    send_cursor: bool = False


@require_GET
async def stream(request: HttpRequest) -> HttpResponse:
    interest = await sync_to_async(_stream_interest)(request)
    if interest is None:
        return _not_listening()
    response = StreamingHttpResponse(_event_stream(interest), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # Proxies (nginx) must pass each event on at once rather than buffer the response.
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
def poll(request: HttpRequest) -> HttpResponse:
    interest = _interest(request, "after", from_header=False)
    if interest is None:
        return _not_listening()
    # Read the newest id first: every id at or below it is final (see events.publish), so the
    # client may continue from it even when none of its topics had anything.
    latest = latest_id()
    after = interest.after
    resync = after is not None and cannot_replay(after, oldest_id(), latest)
    events = []
    if after is not None and not resync:
        clinic_id = interest.listener.clinic_id
        events = read_after(clinic_id, interest.topics, after, POLL_LIMIT, upto=latest)
    last_id = events[-1].id if len(events) == POLL_LIMIT else latest
    body = {"events": [sse.envelope(e) for e in events], "last_id": last_id, "resync": resync}
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


def _interest(request: HttpRequest, cursor_param: str, *, from_header: bool) -> Interest | None:
    """What ``request`` may listen to, or None if it may not listen at all (403)."""
    undo_activity_mark(request)
    listener = listener_for(request)
    if listener is None:
        return None
    topics = authorize_topics(request, request.GET.getlist("topic"))
    # A reconnecting browser's header is newer than the cursor in the URL it first opened.
    raw = request.headers.get("Last-Event-ID") if from_header else None
    return Interest(listener, topics, _cursor(raw or request.GET.get(cursor_param)))


def _stream_interest(request: HttpRequest) -> Interest | None:
    interest = _interest(request, "last_event_id", from_header=True)
    if interest is None or interest.after is not None:
        return interest
    # No cursor: start from now, meaning the moment of this request, not of the subscription.
    # The browser sees the stream open before the subscription exists; an event committed in
    # between must still be sent. The cursor is sent first, so a reconnect resumes from it.
    return Interest(interest.listener, interest.topics, latest_id(), send_cursor=True)


def _not_listening() -> HttpResponse:
    # A plain answer rather than an exception: a tab left open after signing out asks again,
    # and each ask should not leave a traceback in the log.
    body = {"error": "Sign in and choose a clinic to receive live updates."}
    return JsonResponse(body, status=403)


def _cursor(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    digits = raw.strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_EVENT_ID:
        raise BadRequest("An event cursor is a whole number.")
    return int(digits)


async def _event_stream(interest: Interest) -> AsyncIterator[str]:
    # The middleware's database connection is idle from here on; do not hold it for hours.
    await sync_to_async(release_connections)()
    listener = interest.listener
    subscription = await get_broker().subscribe(listener.clinic_id, interest.topics, interest.after)
    try:
        yield _opening(subscription, interest.send_cursor)
        timers = _Timers()
        while True:
            batch = await subscription.next_batch(timeout=timers.wait())
            if batch is None:
                return  # the server is stopping; the browser reconnects and replays
            if batch:
                yield sse.messages(batch)
                timers.sent()
            if timers.recheck_due() and not await run_read(still_allowed, listener):
                yield sse.notice(sse.CLOSED, subscription.cursor, "no longer allowed")
                return
            if timers.heartbeat_due():
                yield sse.comment("heartbeat")
                timers.sent()
    finally:
        # Runs on every ending: done, client gone (cancelled), or cancelled at shutdown.
        subscription.close()


def _opening(subscription: Subscription, send_cursor: bool) -> str:
    opening = sse.retry(RETRY_MS + random.randint(0, RETRY_JITTER_MS))
    if subscription.gap:
        return opening + sse.notice(sse.RESYNC, subscription.cursor, "events missing")
    if send_cursor:
        # Give the browser a cursor now, so a reconnect before the first event still resumes
        # from here rather than from whenever it reconnects.
        return opening + sse.cursor(subscription.cursor)
    return opening


class _Timers:
    """When the stream owes a heartbeat and when it re-checks its principal."""

    def __init__(self) -> None:
        now = time.monotonic()
        self._heartbeat_at = now + HEARTBEAT_SECONDS
        # Spread the re-checks: streams opened together must not all query together.
        self._recheck_at = now + random.uniform(RECHECK_SECONDS / 2, RECHECK_SECONDS)

    def wait(self) -> float:
        return max(0.0, min(self._heartbeat_at, self._recheck_at) - time.monotonic())

    def sent(self) -> None:
        self._heartbeat_at = time.monotonic() + HEARTBEAT_SECONDS

    def heartbeat_due(self) -> bool:
        return time.monotonic() >= self._heartbeat_at

    def recheck_due(self) -> bool:
        if time.monotonic() < self._recheck_at:
            return False
        self._recheck_at = time.monotonic() + RECHECK_SECONDS
        return True
