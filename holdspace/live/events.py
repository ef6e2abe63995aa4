"""Publishing live events: the one way a ``LiveEvent`` row is written.

An action calls ``publish`` inside its own transaction, next to the change and its audit row::

    with transaction.atomic():
        vital = VitalSign.objects.create(...)
        record(action=Action.CREATE, category="vitals", request=request, obj=vital, ...)
        publish(session.clinic, f"session:{session.public_id}", "vitals.recorded",
                {"session": str(session.public_id), "vital": str(vital.public_id)})

Subscribers hear of the event only after that transaction commits, and never if it rolls back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import transaction

from holdspace.audit import trail
from holdspace.clinics.models import Clinic
from holdspace.live.brokers import get_broker
from holdspace.live.models import LiveEvent
from holdspace.live.topics import is_registered

# Kinds become the SSE "event:" line, so they are plain dotted words and can never carry a
# line break into the stream.
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
MAX_KIND_LENGTH = 60
# A screen needs ids and a few values; a larger payload is a record that belongs elsewhere.
MAX_PAYLOAD_BYTES = 4096


def publish(clinic: Clinic, topic: str, kind: str, payload: dict[str, Any]) -> LiveEvent:
    """Record ``kind`` on ``topic`` of ``clinic`` in the caller's transaction.

    ``payload`` must be JSON and minimum-necessary: public ids and the few values a screen shows
    (no names, no notes). Raises ``RuntimeError`` outside a transaction and ``ValueError`` for
    an unregistered topic, a malformed kind or an oversized payload.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside the action's transaction.")
    _check(topic, kind, payload)
    _serialise_publishers()
    event = LiveEvent.objects.create(clinic=clinic, topic=topic, kind=kind, payload=payload)
    get_broker().announce(event)
    return event


def _check(topic: str, kind: str, payload: dict[str, Any]) -> None:
    if not is_registered(topic):
        raise ValueError(f"Topic {topic!r} has no registered authorizer; nobody could listen.")
    if len(kind) > MAX_KIND_LENGTH or not KIND_PATTERN.match(kind):
        raise ValueError(f"Event kind {kind!r} must be dotted lower-case words.")
    if not isinstance(payload, dict):
        raise ValueError("A live event payload is a JSON object.")
    if len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"Live event payload over {MAX_PAYLOAD_BYTES} bytes; send references.")


def _serialise_publishers() -> None:
    """Hold the publishers' lock until this transaction ends.

    Ids come from a sequence at insert time, but transactions commit in any order; a reader
    that saw id 11 committed before id 10 would skip 10 for ever. Holding one lock from the
    insert to the commit makes commit order equal id order. It is the audit chain's lock on
    purpose: actions take it anyway to write their audit row, so this adds no waiting, and a
    single lock cannot deadlock against itself. SQLite writers are already serialised.
    """
    trail._lock_chain()
