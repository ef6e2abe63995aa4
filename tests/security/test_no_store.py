"""Pages are never kept by the browser: a tablet handed to a patient (the questionnaire kiosk) or
to the next nurse must not show the last person's pages through Back or the page cache."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_chart_page_tells_the_browser_not_to_store_it(as_nurse_a, patient_a):
    response = as_nurse_a.get(f"/patients/{patient_a.public_id}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_sign_in_page_is_not_stored_either(client):
    assert "no-store" in client.get("/accounts/login/")["Cache-Control"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/holdspace.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
