"""Registering a patient: clear messages for bad input, and nothing saved when refused."""

from datetime import timedelta

import pytest

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import Patient
from holdspace.patients.tests.helpers import clinic_today, registration, url, years_before


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def test_a_valid_registration_creates_the_patient_in_this_clinic(as_nurse_a, clinic_a):
    response = as_nurse_a.post(url("new"), registration())
    patient = Patient.objects.get(mrn="A-2002")
    assert response.status_code == 302
    assert response["Location"] == url("chart", patient_id=patient.public_id)
    assert patient.clinic == clinic_a
    assert patient.legal_name == "Jordan Okoye"
    assert patient.status == "referred"


def test_registration_is_audited_without_clinical_content(as_nurse_a):
    as_nurse_a.post(url("new"), registration())
    event = AuditEvent.objects.get(action=Action.CREATE, category="patient")
    assert event.patient == Patient.objects.get(mrn="A-2002")
    assert "Okoye" not in event.summary and "1979" not in event.summary


def test_a_posted_clinic_cannot_place_the_patient_in_another_clinic(as_nurse_a, clinic_a, clinic_b):
    as_nurse_a.post(url("new"), registration(clinic=str(clinic_b.public_id)))
    assert Patient.objects.get(mrn="A-2002").clinic == clinic_a


@pytest.mark.parametrize("mrn", ["A-1001", "a-1001", " A-1001 "])
def test_a_duplicate_mrn_in_the_clinic_is_refused_on_the_mrn_field(as_nurse_a, patient_a, mrn):
    response = as_nurse_a.post(url("new"), registration(mrn=mrn))
    assert response.status_code == 200
    assert "already used by another patient in this clinic" in field_errors(response, "mrn")[0]
    assert "Nothing was saved" in response.content.decode()
    assert Patient.objects.filter(clinic=patient_a.clinic).count() == 1


def test_the_same_mrn_in_another_clinic_is_fine(as_nurse_a, patient_b):
    as_nurse_a.post(url("new"), registration(mrn=patient_b.mrn))
    assert Patient.objects.filter(mrn=patient_b.mrn).count() == 2


def test_a_future_date_of_birth_is_refused(as_nurse_a, clinic_a):
    tomorrow = clinic_today(clinic_a) + timedelta(days=1)
    response = as_nurse_a.post(url("new"), registration(date_of_birth=tomorrow.isoformat()))
    assert field_errors(response, "date_of_birth") == [
        "The date of birth is in the future. Check the year, month and day."
    ]
    assert not Patient.objects.filter(mrn="A-2002").exists()


def test_a_date_of_birth_before_1900_is_refused(as_nurse_a):
    response = as_nurse_a.post(url("new"), registration(date_of_birth="1899-12-31"))
    assert "before 1900" in field_errors(response, "date_of_birth")[0]
    assert not Patient.objects.filter(mrn="A-2002").exists()


def test_a_minor_is_refused_because_the_clinic_treats_adults(as_nurse_a, clinic_a):
    born = years_before(clinic_today(clinic_a), 17)
    response = as_nurse_a.post(url("new"), registration(date_of_birth=born.isoformat()))
    assert field_errors(response, "date_of_birth") == [
        "This person is 17. holdspace is for adult clinics: patients must be 18 or older."
    ]
    assert not Patient.objects.filter(mrn="A-2002").exists()


def test_a_patient_who_turns_18_today_can_be_registered(as_nurse_a, clinic_a):
    born = years_before(clinic_today(clinic_a), 18)
    as_nurse_a.post(url("new"), registration(date_of_birth=born.isoformat()))
    assert Patient.objects.get(mrn="A-2002").date_of_birth == born


def test_a_us_style_date_of_birth_is_understood(as_nurse_a):
    as_nurse_a.post(url("new"), registration(date_of_birth="06/03/1979"))
    assert Patient.objects.get(mrn="A-2002").date_of_birth.isoformat() == "1979-06-03"


def test_an_impossible_date_of_birth_says_how_to_write_it(as_nurse_a):
    response = as_nurse_a.post(url("new"), registration(date_of_birth="1979-02-30"))
    assert "YYYY-MM-DD" in field_errors(response, "date_of_birth")[0]


@pytest.mark.parametrize("field", ["legal_given_name", "legal_family_name", "mrn"])
def test_names_and_mrn_are_required_and_spaces_alone_do_not_count(as_nurse_a, field):
    response = as_nurse_a.post(url("new"), registration(**{field: "   "}))
    assert field_errors(response, field)
    assert not Patient.objects.exists()


def test_names_are_stored_without_stray_spaces(as_nurse_a):
    as_nurse_a.post(url("new"), registration(legal_given_name="  Jordan   Lee "))
    assert Patient.objects.get(mrn="A-2002").legal_given_name == "Jordan Lee"


def test_an_invalid_email_and_phone_get_clear_messages(as_nurse_a):
    response = as_nurse_a.post(url("new"), registration(email="jordan@", phone="call me"))
    assert field_errors(response, "email") == ["Enter an email address like name@example.com."]
    assert "phone number" in field_errors(response, "phone")[0]
    assert not Patient.objects.exists()


def test_errors_are_listed_at_the_top_and_next_to_each_field(as_nurse_a):
    page = as_nurse_a.post(url("new"), registration(mrn="", email="x")).content.decode()
    assert 'class="form-errors" role="alert"' in page
    assert '<a href="#id_mrn">' in page
    assert 'id="id_mrn_error"' in page and 'aria-invalid="true"' in page


def test_the_form_keeps_what_was_typed_after_an_error(as_nurse_a):
    page = as_nurse_a.post(url("new"), registration(email="x")).content.decode()
    assert 'value="Okoye"' in page


def test_clinic_admins_can_register_patients(as_admin_a):
    as_admin_a.post(url("new"), registration())
    assert Patient.objects.filter(mrn="A-2002").exists()
