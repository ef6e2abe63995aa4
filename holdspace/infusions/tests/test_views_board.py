"""The clinic board: every chair live, minimum necessary for the wall-board device (initials,
never names), the same tiles for staff with a way into the console."""

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from holdspace.clinics.models import Device
from holdspace.infusions.models import Alert
from holdspace.infusions.tests.conftest import vitals
from tests.factories import ChairFactory


def _board_device(clinic) -> Client:
    device = Device(clinic=clinic, name="Suite wall")
    token = device.issue_token()
    device.save()
    board = Client()
    board.get(reverse("clinics:device_sign_in", kwargs={"token": token}))
    return board


def test_the_wall_board_shows_initials_and_the_infusion_but_no_names(running, nurse_a, clinic_a):
    ChairFactory(clinic=clinic_a, name="Chair 2")
    vitals(running, nurse_a, systolic=150, diastolic=90, heart_rate=80, spo2=97)
    body = _board_device(clinic_a).get(reverse("clinics:board")).content.decode()
    assert "Chair 1" in body and "LR" in body and "Infusing" in body
    assert "BP 150/90" in body and "No infusion running" in body  # Chair 2 is free
    for private in ("Lex", "Rivera", "Alex", "A-1001", "Nora Nurse", "heaviness"):
        assert private not in body
    # The device cannot follow a link it may not open.
    assert "/sessions/" not in body


def test_staff_see_the_same_tiles_with_the_console_link(as_therapist_a, running):
    body = as_therapist_a.get(reverse("clinics:board")).content.decode()
    assert "LR" in body
    assert reverse("infusions:console", kwargs={"session_id": running.public_id}) in body


def test_the_tiles_partial_is_what_the_board_refreshes(as_nurse_a, running):
    body = as_nurse_a.get(reverse("clinics:board") + "?partial=tiles").content.decode()
    assert body.lstrip().startswith('<div id="board-tiles"')
    assert "<html" not in body


def test_open_alerts_colour_the_tile_and_an_escalation_says_so(running, nurse_a, clinic_a):
    vitals(running, nurse_a, systolic=185, diastolic=100)
    board = _board_device(clinic_a)
    body = board.get(reverse("clinics:board")).content.decode()
    assert "tier-hold" in body and "2 open alerts · Hold" in body  # systolic and diastolic
    Alert.objects.filter(session=running).update(escalated_at=timezone.now())
    body = board.get(reverse("clinics:board") + "?partial=tiles").content.decode()
    assert "Escalated to prescriber" in body


def test_another_clinics_board_shows_none_of_this_clinics_chairs(as_nurse_b, running):
    body = as_nurse_b.get(reverse("clinics:board")).content.decode()
    assert "LR" not in body and "Chair 1" not in body
