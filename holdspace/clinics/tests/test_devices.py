"""Board devices: a token shown once, a sign-in confined to the board, and audited refusals."""

import re

from django.test import Client
from django.urls import reverse

from holdspace.audit.models import Action, Outcome
from holdspace.clinics.middleware import SESSION_DEVICE
from holdspace.clinics.models import Device
from holdspace.clinics.tests.conftest import audit_rows


def _sign_in_url(device):
    return reverse("clinics:device_sign_in", kwargs={"token": device.token})


def test_creating_a_device_shows_its_link_once_and_stores_only_a_hash(as_admin_a, clinic_a):
    response = as_admin_a.post(reverse("clinics:devices"), {"name": "Suite wall"})
    body = response.content.decode()
    assert "Copy this sign-in link now" in body
    assert "no-store" in response["Cache-Control"]
    token = re.search(r"/device/([\w-]+)/", body).group(1)
    device = Device.objects.get(clinic=clinic_a)
    assert device.token_hash == Device.hash_token(token)
    assert token not in device.token_hash
    assert token not in as_admin_a.get(reverse("clinics:devices")).content.decode()
    created = audit_rows(action=Action.CREATE, category="device").get()
    assert created.object_id == str(device.public_id)
    assert token not in created.summary


def test_blank_device_name_is_refused_next_to_the_field(as_admin_a):
    response = as_admin_a.post(reverse("clinics:devices"), {"name": "  "})
    assert 'id="id_name_error"' in response.content.decode()
    assert not Device.objects.exists()


def test_device_link_signs_the_board_in_and_audits_it(device_a, chairs_a):
    board = Client()
    response = board.get(_sign_in_url(device_a))
    assert response.status_code == 302
    assert response["Location"] == reverse("clinics:board")
    assert board.session[SESSION_DEVICE] == str(device_a.public_id)
    row = audit_rows(action=Action.LOGIN, category="device").get()
    assert row.actor is None
    assert row.actor_label == "device Suite wall"
    assert row.summary == "Board device signed in"
    assert row.clinic == device_a.clinic
    page = board.get(reverse("clinics:board"))
    assert page.status_code == 200
    for chair in chairs_a:
        assert chair.name in page.content.decode()


def test_board_shows_no_staff_or_patient_names(device_a, chairs_a, nurse_a, patient_a):
    board = Client()
    board.get(_sign_in_url(device_a))
    body = board.get(reverse("clinics:board")).content.decode()
    assert "No infusion running" in body
    for name in ("Nora Nurse", "Alex", "Rivera", "Lex", "A-1001", "Sign out"):
        assert name not in body


def test_device_session_reaches_nothing_but_the_board(device_a, nurse_a, clinic_a):
    board = Client()
    board.get(_sign_in_url(device_a))
    nurse_membership = nurse_a.memberships.get()
    for path in (
        "/patients/",
        reverse("clinics:staff"),
        reverse("clinics:devices"),
        reverse("clinics:staff_member", kwargs={"membership_id": nurse_membership.public_id}),
        reverse("clinics:device", kwargs={"device_id": device_a.public_id}),
        reverse("audit:report"),
        reverse("accounts:password"),
        "/",
    ):
        assert board.get(path).status_code == 404, path
    assert board.post(reverse("clinics:devices"), {"name": "sneaky"}).status_code == 404
    assert Device.objects.count() == 1


def test_unknown_token_is_404_and_audited_as_denied(db):
    response = Client().get(reverse("clinics:device_sign_in", kwargs={"token": "guessed"}))
    assert response.status_code == 404
    row = audit_rows(action=Action.LOGIN, category="device").get()
    assert row.outcome == Outcome.DENIED
    assert "guessed" not in row.summary


def test_deactivated_device_is_refused_and_its_open_session_ends(as_admin_a, device_a):
    board = Client()
    board.get(_sign_in_url(device_a))
    url = reverse("clinics:device", kwargs={"device_id": device_a.public_id})
    as_admin_a.post(url)
    device_a.refresh_from_db()
    assert not device_a.is_active
    assert audit_rows(action=Action.PRIVILEGE_CHANGE, category="device").count() == 1
    # The open board session is thrown out on its next request...
    assert board.get(reverse("clinics:board"))["Location"] == reverse("accounts:login")
    # ...and the link no longer works, which the trail records against the clinic.
    assert board.get(_sign_in_url(device_a)).status_code == 404
    refused = audit_rows(action=Action.LOGIN, outcome=Outcome.DENIED).get()
    assert refused.clinic == device_a.clinic


def test_opening_a_device_link_signs_the_person_out(as_nurse_a, device_a):
    response = as_nurse_a.get(_sign_in_url(device_a))
    assert response.status_code == 302
    assert "_auth_user_id" not in as_nurse_a.session
    assert audit_rows(action=Action.LOGOUT).count() == 1
    assert as_nurse_a.get("/patients/").status_code == 404


def test_staff_member_of_the_clinic_may_view_the_board(as_therapist_a, chairs_a):
    response = as_therapist_a.get(reverse("clinics:board"))
    assert response.status_code == 200
    assert "Chair 1" in response.content.decode()


def test_board_shows_only_this_clinics_active_chairs(as_nurse_b, as_nurse_a, chairs_a):
    chairs_a[0].is_active = False
    chairs_a[0].save()
    assert "Chair 2" not in as_nurse_b.get(reverse("clinics:board")).content.decode()
    body = as_nurse_a.get(reverse("clinics:board")).content.decode()
    assert "Chair 1" not in body
    assert "Chair 2" in body


def test_anonymous_visitor_cannot_see_the_board(chairs_a):
    response = Client().get(reverse("clinics:board"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
