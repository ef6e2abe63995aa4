"""A feed token writes only to its own chair: never to the next chair, never to another clinic's
chair, and a device moved to another chair stops writing to the first one at once. The API
chooses the chair from the token and the action itself checks the binding again."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.api.tests.conftest import make_device, post, reading
from holdspace.clinics.models import Device
from holdspace.infusions.models import VitalSigns
from tests.factories import ChairFactory


def test_a_clinic_b_feed_of_an_idle_chair_cannot_reach_clinic_as_infusion(running, clinic_b):
    idle = make_device(clinic_b, "B idle monitor", chair=ChairFactory(clinic=clinic_b))
    response = post(reading(), idle.token)
    assert response.status_code == 409
    assert not VitalSigns.objects.filter(recorded_by_device=idle).exists()
    assert not VitalSigns.objects.filter(session=running).exclude(phase="baseline").exists()


def test_a_device_bound_to_another_clinics_chair_is_refused(running, running_b, clinic_a):
    # Only a tampered row could say this (the admin pages offer the clinic's own chairs).
    stray = make_device(clinic_a, "Stray monitor", chair=running_b.chair)
    response = post(reading(), stray.token)
    assert response.status_code == 401
    assert not VitalSigns.objects.filter(recorded_by_device=stray).exists()


def test_a_feed_moved_to_another_chair_stops_writing_to_the_first(running, feed_a, chair_a2):
    assert post(reading(), feed_a.token).status_code == 201
    Device.objects.filter(pk=feed_a.pk).update(chair=chair_a2)
    response = post(reading(), feed_a.token)
    assert response.status_code == 409 and "Chair 2" in response.json()["detail"]
    assert VitalSigns.objects.filter(recorded_by_device=feed_a).count() == 1


def test_a_post_costs_the_same_number_of_queries_however_long_the_infusion(running, feed_a):
    post(reading(), feed_a.token)
    with CaptureQueriesContext(connection) as early:
        assert post(reading(), feed_a.token).status_code == 201
    for _ in range(20):
        post(reading(), feed_a.token)
    with CaptureQueriesContext(connection) as late:
        assert post(reading(), feed_a.token).status_code == 201
    assert len(late) == len(early)
