"""Names and free text render as text, never as markup: on pages, in htmx fragments and forms."""

import pytest

from holdspace.patients.models import Indication
from holdspace.patients.tests.conftest import make_screening
from holdspace.patients.tests.helpers import HTMX, url
from tests.factories import PatientFactory

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hostile(clinic_a):
    return PatientFactory(
        clinic=clinic_a,
        legal_given_name=PAYLOAD,
        legal_family_name=PAYLOAD,
        preferred_name=PAYLOAD,
        pronouns=PAYLOAD,
        mrn="A-6666",
        address=PAYLOAD,
        emergency_contact_name=PAYLOAD,
    )


def assert_escaped(response):
    page = response.content.decode()
    assert response.status_code == 200
    assert PAYLOAD not in page
    assert ESCAPED in page


def test_the_list_escapes_a_hostile_name(as_nurse_a, hostile):
    assert_escaped(as_nurse_a.get(url("list")))


def test_the_live_search_fragment_escapes_it(as_nurse_a, hostile):
    assert_escaped(as_nurse_a.get(url("list"), {"q": "A-6666"}, headers=HTMX))


def test_the_search_box_echo_is_escaped(as_nurse_a, hostile):
    assert_escaped(as_nurse_a.get(url("list"), {"q": PAYLOAD}))


def test_the_chart_escapes_names_and_free_text(as_nurse_a, hostile, prescriber_a):
    Indication.objects.create(patient=hostile, category="trd", icd10_code="F33.2", note=PAYLOAD)
    make_screening(
        hostile,
        prescriber_a,
        signed_by=prescriber_a,
        outcome="eligible_with_conditions",
        present=("mania",),
        conditions=PAYLOAD,
    )
    assert_escaped(as_nurse_a.get(url("chart", patient_id=hostile.public_id)))


def test_the_edit_form_escapes_values(as_nurse_a, hostile):
    assert_escaped(as_nurse_a.get(url("edit", patient_id=hostile.public_id)))


def test_a_measurement_error_fragment_escapes_what_was_typed(as_nurse_a, hostile):
    response = as_nurse_a.post(
        url("record_measurement", patient_id=hostile.public_id),
        {"code": "29463-7", "value": PAYLOAD, "client_id": "x"},
        headers=HTMX,
    )
    assert PAYLOAD not in response.content.decode()


def test_pages_carry_no_inline_script_or_style(as_prescriber_a, patient_a):
    for address in (
        url("list"),
        url("chart", patient_id=patient_a.public_id),
        url("new_screening", patient_id=patient_a.public_id),
    ):
        page = as_prescriber_a.get(address).content.decode()
        assert " style=" not in page and "<style" not in page
        assert "<script>" not in page and " onclick=" not in page
