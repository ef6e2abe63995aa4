"""Every state-changing request needs the CSRF token, htmx requests included."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import signed_in
from holdspace.accounts.models import User


def _strict(user, clinic):
    """A browser that enforces CSRF like a real one, with a fully signed-in session."""
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = signed_in(user, clinic).cookies
    return strict


@pytest.mark.parametrize("htmx", [False, True])
def test_logout_without_token_is_refused(nurse_a, clinic_a, htmx):
    client = _strict(nurse_a, clinic_a)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(reverse("accounts:logout"), headers=headers)
    assert response.status_code == 403
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("htmx", [False, True])
def test_staff_invite_without_token_is_refused(admin_a, clinic_a, htmx):
    client = _strict(admin_a, clinic_a)
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"email": "x@example.test", "full_name": "X", "role": "nurse"}
    response = client.post(reverse("clinics:invite_staff"), data, headers=headers)
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.test").exists()


def test_invite_with_the_token_from_the_page_goes_through(admin_a, clinic_a):
    client = _strict(admin_a, clinic_a)
    client.get(reverse("clinics:invite_staff"))
    token = client.cookies["csrftoken"].value
    data = {"email": "x@example.test", "full_name": "X", "role": "nurse"}
    response = client.post(
        reverse("clinics:invite_staff"), data, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert User.objects.filter(email="x@example.test").exists()


def test_sign_in_without_token_is_refused(nurse_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": nurse_a.email, "password": "x"})
    assert response.status_code == 403
