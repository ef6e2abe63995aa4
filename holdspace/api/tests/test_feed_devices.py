"""A clinic admin adds a monitor feed for one chair: the token is shown once, only its hash is
kept, the chair is required and must be one of the clinic's own, and deactivating the device
refuses its token from the next post on."""

import re

from django.urls import reverse

from holdspace.api.tests.conftest import post, reading
from holdspace.audit.models import Action, AuditEvent
from holdspace.clinics import actions
from holdspace.clinics.models import Device, DeviceKind
from tests.factories import ChairFactory


def _add(client, **data):
    return client.post(reverse("clinics:devices"), data)


def test_an_admin_adds_a_feed_for_a_chair_and_sees_its_token_once(
    as_admin_a, clinic_a, chair_a, running
):
    response = _add(as_admin_a, name="Chair 1 monitor", kind="monitor", chair=chair_a.public_id)
    body = response.content.decode()
    assert "Copy this token now" in body and "no-store" in response["Cache-Control"]
    assert "/api/v1/vitals" in body
    token = re.search(r'data-testid="device-token">([\w-]+)<', body).group(1)
    device = Device.objects.get(clinic=clinic_a)
    assert (device.kind, device.chair) == (DeviceKind.FEED, chair_a)
    assert device.token_hash == Device.hash_token(token)
    assert token not in as_admin_a.get(reverse("clinics:devices")).content.decode()
    created = AuditEvent.objects.get(action=Action.CREATE, category="device")
    assert created.summary == "Monitor feed device created" and token not in created.summary
    # The token works at once, for that chair.
    assert post(reading(), token).status_code == 201


def test_a_feed_without_a_chair_is_refused_next_to_the_field(as_admin_a, chair_a):
    response = _add(as_admin_a, name="Some monitor", kind="monitor")
    assert 'id="id_chair_error"' in response.content.decode()
    assert "Choose the chair this monitor is at" in response.content.decode()
    assert not Device.objects.exists()


def test_another_clinics_or_a_retired_chair_is_not_a_choice(as_admin_a, clinic_a, clinic_b):
    foreign = ChairFactory(clinic=clinic_b, name="Their chair")
    retired = ChairFactory(clinic=clinic_a, name="Old chair", is_active=False)
    for chair in (foreign, retired):
        response = _add(as_admin_a, name="Monitor", kind="monitor", chair=chair.public_id)
        assert 'id="id_chair_error"' in response.content.decode()
    page = as_admin_a.get(reverse("clinics:devices")).content.decode()
    assert "Their chair" not in page and "Old chair" not in page
    assert not Device.objects.exists()


def test_the_action_itself_refuses_a_feed_without_its_own_chair(admin_a, clinic_a, clinic_b):
    import pytest
    from django.core.exceptions import ValidationError

    membership = admin_a.memberships.get()
    foreign = ChairFactory(clinic=clinic_b, name="Their chair")
    for chair in (None, foreign):
        with pytest.raises(ValidationError) as refused:
            actions.create_device(membership, "Monitor", DeviceKind.FEED, chair)
        assert "chair" in refused.value.message_dict
    assert not Device.objects.exists()


def test_a_board_is_still_added_by_default_and_never_bound_to_a_chair(as_admin_a, chair_a):
    response = _add(as_admin_a, name="Suite wall", chair=chair_a.public_id)
    assert "Copy this sign-in link now" in response.content.decode()
    device = Device.objects.get()
    assert (device.kind, device.chair) == (DeviceKind.BOARD, None)


def test_deactivating_a_feed_refuses_its_token_from_the_next_post(as_admin_a, running, chair_a):
    response = _add(as_admin_a, name="Chair 1 monitor", kind="monitor", chair=chair_a.public_id)
    token = re.search(r'data-testid="device-token">([\w-]+)<', response.content.decode()).group(1)
    device = Device.objects.get()
    assert post(reading(), token).status_code == 201
    as_admin_a.post(reverse("clinics:device", kwargs={"device_id": device.public_id}))
    assert post(reading(), token).status_code == 401
    assert AuditEvent.objects.filter(summary="Monitor feed device deactivated").count() == 1


def test_only_an_admin_adds_devices(as_nurse_a, chair_a):
    response = _add(as_nurse_a, name="Monitor", kind="monitor", chair=chair_a.public_id)
    assert response.status_code == 403
    assert not Device.objects.exists()
