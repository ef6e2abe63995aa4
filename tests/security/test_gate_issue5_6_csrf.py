"""QUALITY.md security gate 5 for the routes of issues 5 and 6: with a browser that enforces
CSRF like a real one, every route of the new apps (generated from the URL configuration)
refuses a POST without the token — 403 from the CSRF check, htmx requests included — and
nothing is saved. A POST with the token from the page is not refused by the check (control)."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from conftest import signed_in
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose
from holdspace.portal.tests.test_portal_session import DOB
from tests.security.test_object_access_matrix import ALL_ROUTES, NOT_OBJECT_IDS, _world

pytestmark = pytest.mark.django_db

NEW_NAMESPACES = ("measures", "portal", "therapy", "notes", "goals", "journal", "interop")
NEW_ROUTES = [r for r in ALL_ROUTES if r.name.split(":")[0] in NEW_NAMESPACES] + [
    r for r in ALL_ROUTES if r.name == "infusions:record_pdf"
]
NEW_APPS = ("measures", "portal", "therapy", "notes", "goals", "journal")
PORTAL_HOME = [r for r in NEW_ROUTES if r.name.startswith("portal:") and "token" not in r.params]
STAFF = [r for r in NEW_ROUTES if r not in PORTAL_HOME]

# A plausible body for every form, so that without the CSRF check something would be saved.
BODY = {
    "text": "Posted without a token",
    "reason": "Posted without a token",
    "note": "Posted without a token",
    "statement": "Posted without a token",
    "target_behaviour": "Walk",
    "frequency_count": "2",
    "frequency_period": "week",
    "measure": "Log",
    "target_date": "2030-01-01",
    "times_done": "2",
    "kind": "other",
    "action": "other",
    "action_taken": "Posted without a token",
    "prompt_kind": "free",
    "date_of_birth": DOB,
    "held_at": "2026-01-01T10:00",
    "what_helps": "Music",
    "choice": "share",
}


def test_the_route_list_covers_the_new_apps():
    names = {r.name.split(":")[0] for r in NEW_ROUTES}
    assert set(NEW_NAMESPACES) <= names
    assert len(NEW_ROUTES) >= 50


def _rows() -> dict[str, int]:
    counts = {}
    for label in NEW_APPS:
        for model in apps.get_app_config(label).get_models():
            manager = getattr(model, "private", model._base_manager)
            counts[model._meta.label] = manager.count()
    return counts


def _strict(client: Client) -> Client:
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    return strict


def _kwargs(route, world) -> dict:
    return {p: ("x" * 20 if p in NOT_OBJECT_IDS else world[p].public_id) for p in route.params}


def _refused_by_csrf(response) -> bool:
    return response.status_code == 403 and "CSRF" in response.content.decode()


@pytest.fixture
def world(clinic_a, nurse_a, prescriber_a):
    return _world(clinic_a, nurse_a, prescriber_a)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("role_user", ["therapist_a", "prescriber_a", "nurse_a"])
def test_every_new_staff_route_refuses_a_post_without_the_token(
    role_user, htmx, world, clinic_a, request
):
    client = _strict(signed_in(request.getfixturevalue(role_user), clinic_a))
    headers = {"HX-Request": "true"} if htmx else {}
    before = _rows()
    let_through = []
    for route in STAFF:
        url = reverse(route.name, kwargs=_kwargs(route, world))
        response = client.post(url, BODY, headers=headers)
        if not _refused_by_csrf(response):
            let_through.append((route.name, response.status_code))
    assert not let_through, let_through
    assert _rows() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_every_portal_route_refuses_a_post_without_the_token(htmx, world, nurse_a):
    patient = world["patient_id"]
    patient.date_of_birth = DOB
    patient.save()
    _link, token = links.issue_link(actor=nurse_a, patient=patient, purpose=LinkPurpose.PORTAL)
    portal = Client()
    start = reverse("portal:home_start", kwargs={"token": token})
    assert portal.post(start, {"date_of_birth": DOB}).status_code == 302
    client = _strict(portal)
    headers = {"HX-Request": "true"} if htmx else {}
    body = dict(BODY, goal=str(world["goal_id"].public_id))
    before = _rows()
    let_through = []
    for route in PORTAL_HOME:
        response = client.post(reverse(route.name), body, headers=headers)
        if not _refused_by_csrf(response):
            let_through.append((route.name, response.status_code))
    assert not let_through, let_through
    assert _rows() == before
    # The portal session is still open: the refused sign-out did not end it.
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_post_with_the_token_from_the_page_is_not_refused_by_the_check(
    world, clinic_a, therapist_a
):
    client = _strict(signed_in(therapist_a, clinic_a))
    patient = world["patient_id"]
    url = reverse("notes:new", args=[patient.public_id])
    client.get(url)
    token = client.cookies["csrftoken"].value
    data = {"kind": "other", "text": "With the token"}
    response = client.post(url, data, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert not _refused_by_csrf(response)


# --- State changes on GET --------------------------------------------------------------------


def test_a_kiosk_url_with_a_bad_token_does_not_sign_a_staff_member_out(nurse_a, clinic_a):
    client = signed_in(nurse_a, clinic_a)
    assert client.get(reverse("patients:list")).status_code == 200
    client.get(reverse("measures:kiosk", kwargs={"token": "not-a-kiosk-token"}))
    assert "_auth_user_id" in client.session
    assert client.get(reverse("patients:list")).status_code == 200
