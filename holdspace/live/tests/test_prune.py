"""live-prune: old events go, the newest always stays, and a screen whose cursor points into
the pruned past is told to reload rather than shown a stream with a hole in it."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from holdspace.cli import ALIASES
from holdspace.live.models import LiveEvent
from holdspace.live.tests.conftest import publish_committed


def _age(event, days):
    LiveEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=days))


def _prune(*args):
    out = io.StringIO()
    call_command("live_prune", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_old_events_are_pruned_and_the_newest_is_kept(broker, clinic_a, capture):
    events = [
        publish_committed(clinic_a, "board", capture=capture, broker=broker) for _ in range(4)
    ]
    for event in events[:2]:
        _age(event, 8)
    _age(events[3], 30)  # the newest row stays whatever its age
    assert _prune("--days", "7") == {"deleted": 2, "days": 7}
    assert list(LiveEvent.objects.values_list("id", flat=True).order_by("id")) == [
        events[2].id,
        events[3].id,
    ]


def test_a_cursor_into_the_pruned_past_asks_the_page_to_reload(
    broker, as_nurse_a, clinic_a, capture
):
    events = [
        publish_committed(clinic_a, "board", capture=capture, broker=broker) for _ in range(4)
    ]
    for event in events[:3]:
        _age(event, 8)
    _prune()
    poll = reverse("live:poll")
    gone = as_nurse_a.get(poll, {"topic": "board", "after": events[0].id}).json()
    assert gone["resync"] is True and gone["last_id"] == events[3].id
    # The event right before the oldest kept one is not a gap: nothing after it was lost.
    kept = as_nurse_a.get(poll, {"topic": "board", "after": events[2].id}).json()
    assert kept["resync"] is False and [e["id"] for e in kept["events"]] == [events[3].id]


def test_days_must_be_positive(db):
    with pytest.raises(CommandError):
        call_command("live_prune", "--days", "0")


def test_the_command_has_its_hyphenated_name():
    assert ALIASES["live-prune"] == "live_prune"
