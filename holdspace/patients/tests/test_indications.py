"""Indications coded with ICD-10-CM: only codes of the chosen indication, one primary."""

import pytest
from django.db import IntegrityError, transaction

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import Indication, RecordStatus
from holdspace.patients.tests.helpers import url


def add(client, patient, **fields):
    data = {"category": "trd", "icd10_code": "F33.2", "note": "", **fields}
    return client.post(url("add_indication", patient_id=patient.public_id), data)


def code_errors(response):
    return response.context["form"].errors.get("icd10_code", [])


def test_a_valid_code_is_recorded_and_shown_with_its_description(as_nurse_a, patient_a, nurse_a):
    assert add(as_nurse_a, patient_a, is_primary="on").status_code == 302
    indication = Indication.objects.get(patient=patient_a)
    assert (indication.category, indication.icd10_code, indication.is_primary) == (
        "trd",
        "F33.2",
        True,
    )
    assert indication.recorded_by == nurse_a
    page = as_nurse_a.get(url("chart", patient_id=patient_a.public_id)).content.decode()
    assert "Major depressive disorder, recurrent severe without psychotic features" in page
    assert "Treatment-resistant depression" in page


def test_an_unknown_code_is_refused_naming_the_indication(as_nurse_a, patient_a):
    response = add(as_nurse_a, patient_a, icd10_code="F99.9")
    assert code_errors(response) == [
        "F99.9 is not a recognised ICD-10-CM code for Treatment-resistant depression."
    ]
    assert not Indication.objects.exists()


def test_a_real_code_of_another_indication_is_refused(as_nurse_a, patient_a):
    response = add(as_nurse_a, patient_a, category="trd", icd10_code="F43.10")
    assert (
        "not a recognised ICD-10-CM code for Treatment-resistant depression"
        in code_errors(response)[0]
    )
    assert not Indication.objects.exists()


def test_codes_are_accepted_in_lower_case_with_spaces(as_nurse_a, patient_a):
    add(as_nurse_a, patient_a, category="ptsd", icd10_code=" f43.12 ")
    assert Indication.objects.get().icd10_code == "F43.12"


def test_an_unknown_indication_is_refused(as_nurse_a, patient_a):
    response = add(as_nurse_a, patient_a, category="insomnia")
    assert response.context["form"].errors["category"]
    assert not Indication.objects.exists()


def test_a_new_primary_replaces_the_old_primary(as_nurse_a, patient_a):
    add(as_nurse_a, patient_a, is_primary="on")
    add(as_nurse_a, patient_a, category="gad", icd10_code="F41.1", is_primary="on")
    primary = Indication.objects.filter(patient=patient_a, is_primary=True)
    assert [i.icd10_code for i in primary] == ["F41.1"]


def test_a_secondary_indication_leaves_the_primary_alone(as_nurse_a, patient_a):
    add(as_nurse_a, patient_a, is_primary="on")
    add(as_nurse_a, patient_a, category="gad", icd10_code="F41.1")
    assert Indication.objects.get(is_primary=True).icd10_code == "F33.2"


def test_the_database_refuses_two_primaries_in_force(patient_a):
    Indication.objects.create(
        patient=patient_a, category="trd", icd10_code="F33.2", is_primary=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Indication.objects.create(
            patient=patient_a, category="gad", icd10_code="F41.1", is_primary=True
        )


def test_the_same_code_twice_is_refused(as_nurse_a, patient_a):
    add(as_nurse_a, patient_a)
    response = add(as_nurse_a, patient_a, category="mdd")
    assert code_errors(response) == ["F33.2 is already recorded for this patient."]
    assert Indication.objects.count() == 1


def test_adding_is_audited_without_the_diagnosis(as_nurse_a, patient_a):
    add(as_nurse_a, patient_a)
    event = AuditEvent.objects.get(action=Action.CREATE, category="indication")
    assert event.patient == patient_a and "F33" not in event.summary


def test_a_wrong_indication_is_struck_through_with_its_reason(as_nurse_a, patient_a):
    add(as_nurse_a, patient_a, is_primary="on")
    indication = Indication.objects.get()
    response = as_nurse_a.post(
        url("indication_error", patient_id=patient_a.public_id, indication_id=indication.public_id),
        {"reason": "Belongs to another patient"},
    )
    assert response.status_code == 302
    indication.refresh_from_db()
    assert indication.status == RecordStatus.ENTERED_IN_ERROR
    page = as_nurse_a.get(url("chart", patient_id=patient_a.public_id)).content.decode()
    assert '<li class="struck">' in page and "Belongs to another patient" in page
    assert (
        AuditEvent.objects.filter(action=Action.ENTERED_IN_ERROR, category="indication").count()
        == 1
    )


def test_after_an_entered_in_error_primary_a_new_primary_is_allowed(as_nurse_a, patient_a):
    add(as_nurse_a, patient_a, is_primary="on")
    Indication.objects.update(status=RecordStatus.ENTERED_IN_ERROR, error_reason="wrong")
    add(as_nurse_a, patient_a, category="mdd", icd10_code="F33.1", is_primary="on")
    assert Indication.objects.filter(is_primary=True, status=RecordStatus.FINAL).count() == 1


def test_a_clinic_admin_cannot_add_indications(as_admin_a, patient_a):
    response = add(as_admin_a, patient_a)
    assert response.status_code == 403
    assert not Indication.objects.exists()


def test_the_form_lists_the_codes_for_each_indication(as_nurse_a, patient_a):
    page = as_nurse_a.get(url("add_indication", patient_id=patient_a.public_id)).content.decode()
    assert "Complex regional pain syndrome I, unspecified" in page
    assert '<datalist id="icd10-codes">' in page
