"""A monitor feed posts vital signs into its chair's running infusion: stored once however
often it is resent, refused with a reason when there is nothing to write into or a value is
wrong, and recorded exactly like the nurse's keypad entry (phase, audit, live event)."""

import json

import pytest

from holdspace.api.tests.conftest import at, post, reading
from holdspace.audit.models import Action, AuditEvent
from holdspace.infusions import actions
from holdspace.infusions.models import VitalSigns
from holdspace.live.models import LiveEvent


def test_a_reading_is_stored_in_the_running_infusion_and_answered_with_201(running, feed_a):
    body = reading(systolic=131, diastolic=82, temperature_c=36.8)
    response = post(body, feed_a.token)
    assert response.status_code == 201
    answer = response.json()
    row = VitalSigns.objects.get(public_id=answer["id"])
    assert row.session == running and row.recorded_by_device == feed_a and row.recorded_by is None
    assert (row.systolic, row.diastolic, str(row.temperature_c)) == (131, 82, "36.8")
    assert row.phase == "intra"
    assert answer["session"] == str(running.public_id)
    assert answer["chair"] == {"id": str(running.chair.public_id), "name": "Chair 1"}
    assert answer["client_id"] == body["client_id"]
    assert answer["temperature_c"] == 36.8
    assert answer["replayed"] is False and answer["alerts"] == []


@pytest.mark.parametrize("replays", [1, 5])
def test_resending_the_same_reading_returns_the_stored_row_and_stores_nothing(
    running, feed_a, replays
):
    body = reading(heart_rate=77)
    first = post(body, feed_a.token).json()
    for _ in range(replays):
        again = post(body, feed_a.token)
        assert again.status_code == 200
        assert again.json()["id"] == first["id"] and again.json()["replayed"] is True
    assert VitalSigns.objects.filter(client_id=body["client_id"]).count() == 1
    created = AuditEvent.objects.filter(object_id=first["id"], action=Action.CREATE)
    assert created.count() == 1


def test_a_resend_with_other_values_still_returns_what_was_stored(running, feed_a):
    body = reading(heart_rate=77)
    post(body, feed_a.token)
    changed = post({**body, "heart_rate": 140}, feed_a.token)
    assert changed.status_code == 200 and changed.json()["heart_rate"] == 77
    assert VitalSigns.objects.filter(client_id=body["client_id"]).count() == 1


def test_a_resend_arriving_after_discharge_is_answered_from_the_record(running, feed_a, nurse_a):
    body = reading()
    stored = post(body, feed_a.token).json()
    actions.pump_action(
        actor=nurse_a, session=running, action="stop", client_id=reading()["client_id"]
    )
    actions.abort_session(actor=nurse_a, session=running, reason="Test: chair cleared")
    again = post(body, feed_a.token)
    assert again.status_code == 200 and again.json()["id"] == stored["id"]


def test_no_infusion_being_monitored_is_409_and_nothing_is_stored(checked_in, feed_a):
    response = post(reading(), feed_a.token)
    assert response.status_code == 409
    assert "No infusion is being monitored in Chair 1" in response.json()["detail"]
    assert not VitalSigns.objects.filter(recorded_by_device=feed_a).exists()


def test_paused_ended_and_recovering_infusions_still_take_readings(recovering, feed_a):
    response = post(reading(), feed_a.token)
    assert response.status_code == 201
    assert response.json()["phase"] == "recovery"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"systolic": 400}, "systolic", "outside the range the keypad accepts"),
        ({"spo2": 30}, "spo2", "SpO₂ 30 %"),
        ({"systolic": 90, "diastolic": 95}, "diastolic", "not below systolic"),
        ({"heart_rate": "80"}, "heart_rate", "valid integer"),
        ({"heart_rate": True}, "heart_rate", "valid integer"),
        ({"temperature_c": 36.75}, "temperature_c", "decimal place"),
        ({"measured_at": "2026-11-28T10:00:00"}, "measured_at", "timezone"),
        ({"measured_at": "yesterday-ish"}, "measured_at", "datetime"),
        ({"client_id": "not-a-uuid"}, "client_id", "UUID"),
    ],
)
def test_a_wrong_value_is_422_naming_the_field_and_nothing_is_stored(
    running, feed_a, change, field, words
):
    response = post(reading(**change), feed_a.token)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors
    assert field in response.json()["detail"]
    assert not VitalSigns.objects.filter(recorded_by_device=feed_a).exists()


def test_a_time_more_than_five_minutes_ahead_is_422(running, feed_a):
    assert post(reading(measured_at=at(4)), feed_a.token).status_code == 201
    response = post(reading(measured_at=at(6)), feed_a.token)
    assert response.status_code == 422
    assert "in the future" in response.json()["errors"]["measured_at"][0]


def test_a_reading_older_than_a_day_is_422(running, feed_a):
    response = post(reading(measured_at=at(-25 * 60)), feed_a.token)
    assert response.status_code == 422
    assert "measured_at" in response.json()["errors"]


def test_a_reading_from_before_this_patient_was_checked_in_is_refused(running, feed_a):
    response = post(reading(measured_at=at(-60)), feed_a.token)
    assert response.status_code == 422
    assert "before the patient now in Chair 1 was checked in" in response.json()["detail"]


def test_missing_fields_an_empty_reading_and_broken_json_are_refused(running, feed_a):
    missing = reading()
    del missing["client_id"], missing["measured_at"]
    errors = post(missing, feed_a.token).json()["errors"]
    assert set(errors) == {"client_id", "measured_at"}
    empty = {"client_id": reading()["client_id"], "measured_at": at(0)}
    response = post(empty, feed_a.token)
    assert response.status_code == 422
    assert "Enter at least one vital sign" in response.json()["detail"]
    assert post({}, feed_a.token, raw="{not json").status_code == 400
    assert not VitalSigns.objects.filter(recorded_by_device=feed_a).exists()


def test_the_write_is_audited_as_the_device_and_announced_on_the_session(running, feed_a):
    answer = post(reading(), feed_a.token).json()
    row = AuditEvent.objects.get(object_id=answer["id"])
    assert row.action == Action.CREATE and row.category == "infusion_entry"
    assert row.actor is None and row.actor_label == "device Chair 1 monitor"
    assert row.source_device == f"device:{feed_a.public_id}"
    assert row.patient == running.patient and row.clinic == running.clinic
    event = LiveEvent.objects.get(
        topic=running.topic, kind="entry.recorded", payload__id=answer["id"]
    )
    assert event.payload["kind"] == "vitals"
    assert "Rivera" not in json.dumps(event.payload)
