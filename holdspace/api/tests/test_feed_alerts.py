"""A reading from the monitor runs the protocol's alert rules in the same transaction as the
reading itself, exactly as a keypad entry does, and the device is told what it raised."""

import pytest

from holdspace.api.tests.conftest import post, reading
from holdspace.infusions.actions import entries
from holdspace.infusions.models import Alert, AlertBreach, VitalSigns


def test_a_reading_at_the_hold_tier_opens_the_alert_and_the_device_is_told(running, feed_a):
    answer = post(reading(systolic=184, diastolic=96), feed_a.token).json()
    alert = Alert.objects.get(session=running)
    assert (alert.rule, alert.tier, alert.audience) == ("systolic_hold", "hold", "nurse")
    assert str(alert.raised_by_id) == answer["id"] and alert.raised_by_kind == "vitals"
    assert answer["alerts"] == [
        {
            "id": str(alert.public_id),
            "rule": "systolic_hold",
            "tier": "hold",
            "audience": "nurse",
            "message": alert.message,
            "new": True,
        }
    ]


def test_a_repeat_breach_is_linked_to_the_open_alert_and_replays_report_it_too(running, feed_a):
    post(reading(systolic=184), feed_a.token)
    body = reading(systolic=190)
    second = post(body, feed_a.token).json()
    assert Alert.objects.filter(session=running).count() == 1
    assert AlertBreach.objects.filter(session=running).count() == 2
    assert [a["new"] for a in second["alerts"]] == [False]
    assert post(body, feed_a.token).json()["alerts"] == second["alerts"]


def test_the_reading_and_its_alert_stand_or_fall_together(running, feed_a, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the board could not be told")

    # A failure at the very end of the action, after the alert was raised and audited.
    monkeypatch.setattr(entries, "_publish_board", fail)
    with pytest.raises(RuntimeError):
        post(reading(systolic=184), feed_a.token)
    assert not VitalSigns.objects.filter(session=running, systolic=184).exists()
    assert not Alert.objects.filter(session=running).exists()
