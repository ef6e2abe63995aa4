"""Staff and device pages are for clinic admins; another clinic's ids are 404 for every role."""

import pytest
from django.urls import reverse

from holdspace.clinics.models import Membership

ADMIN_PAGES = ["clinics:staff", "clinics:invite_staff", "clinics:devices"]
CLINICIANS = ["as_nurse_a", "as_therapist_a", "as_prescriber_a"]


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("client_name", CLINICIANS)
def test_clinicians_are_refused_admin_pages_with_a_reason(request, client_name, page):
    client = request.getfixturevalue(client_name)
    response = client.get(reverse(page))
    assert response.status_code == 403
    assert "does not allow" in response.content.decode()


@pytest.mark.parametrize("client_name", CLINICIANS)
def test_clinicians_cannot_open_or_change_a_colleague(request, client_name, admin_a, clinic_a):
    client = request.getfixturevalue(client_name)
    membership = Membership.objects.get(user=admin_a, clinic=clinic_a)
    url = reverse("clinics:staff_member", kwargs={"membership_id": membership.public_id})
    assert client.get(url).status_code == 403
    response = client.post(url, {"change": "deactivate"})
    assert response.status_code == 403
    assert "Only a clinic admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active


@pytest.mark.parametrize("client_name", CLINICIANS)
def test_clinicians_cannot_deactivate_a_board(request, client_name, device_a):
    client = request.getfixturevalue(client_name)
    url = reverse("clinics:device", kwargs={"device_id": device_a.public_id})
    assert client.post(url).status_code == 403
    device_a.refresh_from_db()
    assert device_a.is_active


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("clinics:staff"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_reaches_admin_pages(as_admin_a, page):
    assert as_admin_a.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("client_name", ["as_nurse_b", "as_admin_b"])
def test_other_clinic_membership_is_not_found(request, client_name, nurse_a, clinic_a):
    client = request.getfixturevalue(client_name)
    membership = Membership.objects.get(user=nurse_a, clinic=clinic_a)
    url = reverse("clinics:staff_member", kwargs={"membership_id": membership.public_id})
    assert client.get(url).status_code == 404
    assert client.post(url, {"change": "deactivate"}).status_code == 404
    assert client.post(url, {"change": "role", "role": "clinic_admin"}).status_code == 404
    membership.refresh_from_db()
    assert membership.is_active
    assert membership.role == "nurse"


@pytest.mark.parametrize("client_name", ["as_nurse_b", "as_admin_b"])
def test_other_clinic_device_is_not_found(request, client_name, device_a):
    client = request.getfixturevalue(client_name)
    url = reverse("clinics:device", kwargs={"device_id": device_a.public_id})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    device_a.refresh_from_db()
    assert device_a.is_active
