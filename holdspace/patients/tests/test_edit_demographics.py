"""Editing demographics with optimistic concurrency: a stale save loses nothing of anyone's."""

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.tests.helpers import demographics_of, url
from tests.factories import PatientFactory


def test_a_saved_edit_changes_the_record_and_its_version(as_nurse_a, patient_a):
    response = as_nurse_a.post(
        url("edit", patient_id=patient_a.public_id),
        demographics_of(patient_a, phone="555 010 0123"),
    )
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.phone == "555 010 0123"
    assert patient_a.version == 2


def test_an_edit_is_audited_by_field_name_without_the_new_value(as_nurse_a, patient_a):
    as_nurse_a.post(
        url("edit", patient_id=patient_a.public_id),
        demographics_of(patient_a, phone="555 010 0123", pronouns="she/her"),
    )
    event = AuditEvent.objects.get(action=Action.UPDATE, category="patient", patient=patient_a)
    assert "phone" in event.summary and "pronouns" in event.summary
    assert "0123" not in event.summary and "she/her" not in event.summary


def test_saving_an_unchanged_form_changes_nothing(as_nurse_a, patient_a):
    as_nurse_a.post(url("edit", patient_id=patient_a.public_id), demographics_of(patient_a))
    patient_a.refresh_from_db()
    assert patient_a.version == 1
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_a_stale_save_is_a_conflict_that_keeps_the_first_save(
    as_nurse_a, as_prescriber_a, patient_a
):
    opened = demographics_of(patient_a)  # both open the form at version 1
    as_nurse_a.post(
        url("edit", patient_id=patient_a.public_id), {**opened, "phone": "555 010 1111"}
    )
    response = as_prescriber_a.post(
        url("edit", patient_id=patient_a.public_id), {**opened, "phone": "555 010 2222"}
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert (
        "Someone else changed this record while you were editing; your changes were not "
        "saved — here is the current record"
    ) in page
    patient_a.refresh_from_db()
    assert patient_a.phone == "555 010 1111"
    assert patient_a.version == 2
    # What the second person typed is still in the form, and the current record is shown.
    assert 'value="555 010 2222"' in page
    assert "555 010 1111" in page


def test_after_a_conflict_saving_again_is_a_deliberate_choice_that_works(
    as_nurse_a, as_prescriber_a, patient_a
):
    opened = demographics_of(patient_a)
    as_nurse_a.post(
        url("edit", patient_id=patient_a.public_id), {**opened, "phone": "555 010 1111"}
    )
    conflict = as_prescriber_a.post(
        url("edit", patient_id=patient_a.public_id), {**opened, "phone": "555 010 2222"}
    )
    assert conflict.context["form"]["version"].value() == "2"
    as_prescriber_a.post(
        url("edit", patient_id=patient_a.public_id),
        {**opened, "phone": "555 010 2222", "version": 2},
    )
    patient_a.refresh_from_db()
    assert patient_a.phone == "555 010 2222"


def test_a_form_without_its_version_is_treated_as_stale(as_nurse_a, patient_a):
    response = as_nurse_a.post(
        url("edit", patient_id=patient_a.public_id),
        demographics_of(patient_a, version="", phone="555 010 3333"),
    )
    assert response.status_code == 409
    patient_a.refresh_from_db()
    assert patient_a.phone == ""


def test_changing_the_mrn_to_another_patients_is_refused(as_nurse_a, patient_a, clinic_a):
    PatientFactory(clinic=clinic_a, mrn="A-5000")
    response = as_nurse_a.post(
        url("edit", patient_id=patient_a.public_id), demographics_of(patient_a, mrn="A-5000")
    )
    assert "already used" in response.context["form"].errors["mrn"][0]
    patient_a.refresh_from_db()
    assert patient_a.mrn == "A-1001"


def test_keeping_ones_own_mrn_is_not_a_duplicate(as_nurse_a, patient_a):
    response = as_nurse_a.post(
        url("edit", patient_id=patient_a.public_id), demographics_of(patient_a, preferred_name="Al")
    )
    assert response.status_code == 302


def test_opening_the_edit_form_is_an_audited_read(as_nurse_a, patient_a):
    as_nurse_a.get(url("edit", patient_id=patient_a.public_id))
    assert (
        AuditEvent.objects.filter(
            action=Action.READ, patient=patient_a, category="patient_demographics"
        ).count()
        == 1
    )
