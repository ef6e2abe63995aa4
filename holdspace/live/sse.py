"""The text/event-stream wire format (WHATWG HTML, "Server-sent events")."""

from __future__ import annotations

import json
from typing import Any

from holdspace.live.fanout import Event

# Kinds the stream itself sends; pages may listen for them like any other kind.
RESYNC = "live.resync"  # the stream cannot fill a gap: reload what the page shows
CLOSED = "live.closed"  # the principal may no longer listen: stop, do not reconnect


def envelope(event: Event) -> dict[str, Any]:
    """What a page receives for one event, over the stream and from polling alike."""
    return {
        "id": event.id,
        "topic": event.topic,
        "kind": event.kind,
        "at": event.created_at.isoformat(),
        "payload": event.payload,
    }


def message(event: Event) -> str:
    # json.dumps escapes line breaks inside strings, so "data" is always one line.
    data = json.dumps(envelope(event), separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n"


def messages(events: list[Event]) -> str:
    return "".join(message(event) for event in events)


def retry(milliseconds: int) -> str:
    return f"retry: {milliseconds}\n\n"


def cursor(event_id: int) -> str:
    """Set the browser's Last-Event-ID without dispatching anything (an id with no data)."""
    return f"id: {event_id}\n\n"


def notice(kind: str, event_id: int, reason: str) -> str:
    """A message from the stream itself, shaped like an event so pages handle both alike."""
    body = {"id": event_id, "topic": None, "kind": kind, "at": None, "payload": {"reason": reason}}
    data = json.dumps(body, separators=(",", ":"))
    return f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n"


def comment(text: str) -> str:
    return f": {text}\n\n"
