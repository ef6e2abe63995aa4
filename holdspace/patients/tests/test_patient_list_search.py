"""The patient list: search by name, MRN and date of birth, only ever within one's own clinic."""

import re
from datetime import date

import pytest

from holdspace.patients.tests.helpers import HTMX, url
from tests.factories import PatientFactory


@pytest.fixture
def roster(clinic_a, patient_a):
    return {
        "ortiz": PatientFactory(
            clinic=clinic_a,
            legal_given_name="Samantha",
            legal_family_name="Ortiz",
            preferred_name="Sam",
            mrn="A-1002",
            date_of_birth=date(1990, 1, 31),
        ),
        "nguyen": PatientFactory(
            clinic=clinic_a,
            legal_given_name="Minh",
            legal_family_name="Nguyen",
            mrn="A-2001",
            date_of_birth=date(1985, 4, 12),
        ),
        "rivera": patient_a,
    }


def names_listed(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def rows(response) -> list[str]:
    """The names in the result table, in order."""
    return re.findall(r'class="row-link" href="[^"]+">([^<]+)</a>', names_listed(response))


def test_family_name_search_ignores_case_and_finds_only_that_patient(as_nurse_a, roster):
    page = names_listed(as_nurse_a.get(url("list"), {"q": "oRtIz"}))
    assert "Sam Ortiz" in page
    assert "Lex Rivera" not in page and "Minh Nguyen" not in page


def test_preferred_name_and_legal_given_name_are_both_searchable(as_nurse_a, roster):
    assert "Sam Ortiz" in names_listed(as_nurse_a.get(url("list"), {"q": "sam"}))
    assert "Sam Ortiz" in names_listed(as_nurse_a.get(url("list"), {"q": "samantha"}))


def test_given_and_family_name_together_narrow_the_search(as_nurse_a, roster):
    page = names_listed(as_nurse_a.get(url("list"), {"q": "alex  rivera"}))
    assert "Lex Rivera" in page and "Sam Ortiz" not in page


def test_mrn_prefix_finds_every_match_and_exact_mrn_finds_one(as_nurse_a, roster):
    prefix = names_listed(as_nurse_a.get(url("list"), {"q": "A-100"}))
    assert "Lex Rivera" in prefix and "Sam Ortiz" in prefix and "Minh Nguyen" not in prefix
    exact = names_listed(as_nurse_a.get(url("list"), {"q": "A-2001"}))
    assert "Minh Nguyen" in exact and "Lex Rivera" not in exact


@pytest.mark.parametrize("typed", ["1985-04-12", "04/12/1985"])
def test_date_of_birth_search_accepts_iso_and_us_dates(as_nurse_a, roster, typed):
    page = names_listed(as_nurse_a.get(url("list"), {"dob": typed}))
    assert "Lex Rivera" in page and "Minh Nguyen" in page
    assert "Sam Ortiz" not in page


@pytest.mark.parametrize("typed", ["31/31/1985", "1985-02-30", "yesterday"])
def test_an_unreadable_date_gives_a_friendly_message_not_an_error(as_nurse_a, roster, typed):
    page = names_listed(as_nurse_a.get(url("list"), {"dob": typed}))
    assert "could not read" in page and "YYYY-MM-DD" in page
    assert "Lex Rivera" not in page


def test_search_never_shows_another_clinics_patients(as_nurse_a, roster, patient_b):
    for query in ({"q": "Okafor"}, {"q": "B-2001"}, {"q": "bea"}, {"dob": "1985-04-12"}, {}):
        assert "Bea Okafor" not in rows(as_nurse_a.get(url("list"), query))


def test_clinic_b_sees_only_its_own_patient(as_nurse_b, roster, patient_b):
    assert rows(as_nurse_b.get(url("list"))) == ["Bea Okafor"]


def test_live_search_returns_only_the_results_fragment(as_nurse_a, roster):
    response = as_nurse_a.get(url("list"), {"q": "ortiz"}, headers=HTMX)
    page = names_listed(response)
    assert 'id="patient-results"' in page and "Sam Ortiz" in page
    assert "<html" not in page and "<form" not in page


def test_a_history_restore_gets_the_whole_page(as_nurse_a, roster):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    assert "<html" in names_listed(as_nurse_a.get(url("list"), headers=headers))


def test_the_list_shows_status_badges(as_nurse_a, roster):
    assert '<span class="badge ">Referred</span>' in names_listed(as_nurse_a.get(url("list")))


def test_results_come_25_to_a_page(as_nurse_a, clinic_a):
    PatientFactory.create_batch(30, clinic=clinic_a)
    first = names_listed(as_nurse_a.get(url("list")))
    second = names_listed(as_nurse_a.get(url("list"), {"page": 2}))
    assert first.count('class="row-link"') == 25
    assert second.count('class="row-link"') == 5
    assert "Page 2 of 2" in second


def test_no_match_says_so(as_nurse_a, roster):
    assert "No patient in this clinic matches" in names_listed(
        as_nurse_a.get(url("list"), {"q": "zzz"})
    )


def test_clinic_admins_may_see_the_list(as_admin_a, roster):
    assert "Lex Rivera" in names_listed(as_admin_a.get(url("list")))


def test_signed_out_people_are_sent_to_sign_in(client, roster):
    response = client.get(url("list"))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_the_status_filter_narrows_the_list(as_nurse_a, roster):
    roster["ortiz"].status = "active"
    roster["ortiz"].save()
    assert rows(as_nurse_a.get(url("list"), {"status": "active"})) == ["Sam Ortiz"]


def test_an_unknown_status_filter_is_refused_with_a_message(as_nurse_a, roster):
    response = as_nurse_a.get(url("list"), {"status": "deceased"})
    assert rows(response) == []
    assert "Status: Select a valid choice." in names_listed(response)
