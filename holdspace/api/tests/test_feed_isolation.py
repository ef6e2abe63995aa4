"""QUALITY.md security gate, for the device API: a feed token writes to its own chair's
infusion and nowhere else. The chair comes from the token; a body cannot name a chair, a
session or a clinic, and an attempt to is refused rather than ignored."""

import pytest

from holdspace.api.tests.conftest import get_chair, post, reading
from holdspace.infusions.models import VitalSigns


def test_clinic_bs_feed_writes_only_into_clinic_bs_infusion(running, running_b, feed_b):
    answer = post(reading(), feed_b.token).json()
    row = VitalSigns.objects.get(public_id=answer["id"])
    assert row.session == running_b and row.session.clinic == running_b.clinic
    assert not VitalSigns.objects.filter(session=running, recorded_by_device=feed_b).exists()


@pytest.mark.parametrize("field", ["chair", "session", "clinic", "chair_id", "session_id"])
def test_naming_another_chair_or_session_in_the_body_is_refused(running, running_b, feed_b, field):
    target = running.chair.public_id if field.startswith("chair") else running.public_id
    response = post(reading(**{field: str(target)}), feed_b.token)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not VitalSigns.objects.filter(recorded_by_device=feed_b).exists()


def test_a_feed_of_an_idle_chair_cannot_reach_the_infusion_next_to_it(running, feed_a2):
    response = post(reading(), feed_a2.token)
    assert response.status_code == 409
    assert "Chair 2" in response.json()["detail"]
    assert not VitalSigns.objects.filter(recorded_by_device=feed_a2).exists()


def test_reusing_another_devices_client_id_does_not_reveal_its_reading(
    running, running_b, feed_a, feed_b
):
    body = reading(heart_rate=91)
    post(body, feed_a.token)
    theirs = post({**body, "heart_rate": 66}, feed_b.token)
    # Stored as clinic B's own reading: clinic A's row is neither returned nor touched.
    assert theirs.status_code == 201 and theirs.json()["heart_rate"] == 66
    assert theirs.json()["session"] == str(running_b.public_id)


def test_the_chair_endpoint_shows_only_the_devices_own_chair_and_no_patient(running, feed_a):
    answer = get_chair(feed_a.token).json()
    assert answer["chair"]["name"] == "Chair 1" and answer["device"] == "Chair 1 monitor"
    assert answer["accepting_vitals"] is True
    assert answer["session"] == {"id": str(running.public_id), "state": "running"}
    text = get_chair(feed_a.token).content.decode()
    for identifying in ("Alex", "Rivera", "Lex", "A-1001", "Nora"):
        assert identifying not in text


def test_the_chair_endpoint_says_when_no_infusion_is_monitored(feed_a2):
    answer = get_chair(feed_a2.token).json()
    assert answer["accepting_vitals"] is False and answer["session"] is None
