"""After "Reviewed today" the nurse goes back where they came from, but only to a page of this
site: a crafted ``next`` (an open redirect, e.g. in a link sent to staff) lands on the support
plan instead."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _review(client, patient, back):
    url = reverse("therapy:review_support_plan", args=[patient.public_id])
    return client.post(url, {"next": back})


@pytest.mark.parametrize(
    "back",
    [
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "http:evil.example",
        "/\\\\evil.example/path",
        "\\\\evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_a_next_off_this_site_goes_to_the_support_plan(as_nurse_a, patient_a, plan_a, back):
    response = _review(as_nurse_a, patient_a, back)
    assert response.status_code == 302
    assert response.url == reverse("therapy:support_plan", args=[patient_a.public_id])


def test_a_next_on_this_site_is_followed(as_nurse_a, patient_a, plan_a):
    chart = reverse("patients:chart", args=[patient_a.public_id])
    response = _review(as_nurse_a, patient_a, chart)
    assert response.status_code == 302 and response.url == chart


def test_a_plain_http_next_is_refused_on_a_secure_request(as_nurse_a, patient_a, plan_a):
    # require_https follows the request: on HTTPS a same-host http:// URL would downgrade.
    url = reverse("therapy:review_support_plan", args=[patient_a.public_id])
    response = as_nurse_a.post(url, {"next": "http://testserver/"}, secure=True)
    assert response.url == reverse("therapy:support_plan", args=[patient_a.public_id])
