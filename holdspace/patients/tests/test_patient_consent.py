"""A patient's consent: the current document, their typed legal name, a staff witness."""

import pytest
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import PatientConsent, RecordStatus, current_consents
from holdspace.patients.tests.conftest import make_document
from holdspace.patients.tests.helpers import url


def sign(client, on_chart, document, **fields):
    """Post the consent form on ``on_chart``'s page; ``fields`` may override the hidden patient."""
    data = {
        "patient": str(on_chart.public_id),
        "document": str(document.public_id),
        "decision": "granted",
        "signed_name": "Alex Rivera",
        **fields,
    }
    return client.post(url("new_consent", patient_id=on_chart.public_id), data)


def errors(response):
    return response.context["form"].errors


def test_a_granted_consent_records_the_signature_time_and_witness(
    as_nurse_a, patient_a, treatment_document, nurse_a
):
    response = sign(as_nurse_a, patient_a, treatment_document)
    assert response.status_code == 302
    consent = PatientConsent.objects.get()
    assert (consent.patient, consent.document, consent.decision) == (
        patient_a,
        treatment_document,
        "granted",
    )
    assert consent.witnessed_by == nurse_a
    assert (timezone.now() - consent.signed_at).total_seconds() < 60
    assert AuditEvent.objects.get(action=Action.CREATE, category="consent").patient == patient_a


@pytest.mark.parametrize("typed", ["alex rivera", "  ALEX   Rivera ", "Alex Rivera"])
def test_the_typed_name_ignores_case_and_extra_spaces(
    as_nurse_a, patient_a, treatment_document, typed
):
    sign(as_nurse_a, patient_a, treatment_document, signed_name=typed)
    assert PatientConsent.objects.get().signed_name == " ".join(typed.split())


@pytest.mark.parametrize("typed", ["Lex Rivera", "Alex", "Rivera Alex", "Alex Riviera"])
def test_a_typed_name_that_is_not_the_legal_name_is_refused(
    as_nurse_a, patient_a, treatment_document, typed
):
    response = sign(as_nurse_a, patient_a, treatment_document, signed_name=typed)
    message = errors(response)["signed_name"][0]
    assert message.startswith("The typed name does not match the legal name on this patient")
    assert "Alex" not in message and "Rivera" not in message
    assert not PatientConsent.objects.exists()


def test_a_form_carrying_another_patients_id_is_refused(
    as_nurse_a, patient_a, other_patient_a, treatment_document
):
    response = sign(
        as_nurse_a, patient_a, treatment_document, patient=str(other_patient_a.public_id)
    )
    assert errors(response)["__all__"][0].startswith(
        "This form belongs to another patient's record."
    )
    assert not PatientConsent.objects.exists()


def test_a_signature_typed_for_the_other_patient_is_still_refused(
    as_nurse_a, patient_a, other_patient_a, treatment_document
):
    # The page for Casey was open, the URL says Alex: nothing is saved for either.
    sign(
        as_nurse_a,
        patient_a,
        treatment_document,
        patient=str(other_patient_a.public_id),
        signed_name="Casey Lindqvist",
    )
    assert not PatientConsent.objects.exists()


def test_another_clinics_document_is_refused(
    as_nurse_a, patient_a, treatment_document, treatment_document_b
):
    response = sign(as_nurse_a, patient_a, treatment_document_b)
    assert errors(response)["document"] == [
        "Choose one of this clinic's current consent documents."
    ]
    assert not PatientConsent.objects.exists()


def test_a_superseded_version_cannot_be_signed(as_nurse_a, patient_a, treatment_document, clinic_a):
    make_document(clinic_a, "treatment", 2)
    response = sign(as_nurse_a, patient_a, treatment_document)
    assert "document" in errors(response)
    assert not PatientConsent.objects.exists()


def test_consent_to_touch_is_its_own_choice(
    as_nurse_a, patient_a, treatment_document, touch_document
):
    sign(as_nurse_a, patient_a, treatment_document)
    sign(as_nurse_a, patient_a, touch_document, decision="declined")
    consents = current_consents(patient_a)
    assert consents["treatment"].decision == "granted"
    assert consents["touch"].decision == "declined"
    assert consents["off_label"] is None


def test_a_decision_is_required(as_nurse_a, patient_a, treatment_document):
    response = sign(as_nurse_a, patient_a, treatment_document, decision="")
    assert errors(response)["decision"]
    assert not PatientConsent.objects.exists()


def test_a_clinic_admin_cannot_witness_consent(as_admin_a, patient_a, treatment_document):
    response = sign(as_admin_a, patient_a, treatment_document)
    assert response.status_code == 403
    assert not PatientConsent.objects.exists()


def test_the_form_preselects_the_kind_asked_for_and_names_the_witness(
    as_therapist_a, patient_a, treatment_document, touch_document
):
    response = as_therapist_a.get(
        url("new_consent", patient_id=patient_a.public_id), {"kind": "touch"}
    )
    assert response.context["form"]["document"].value() == str(touch_document.public_id)
    assert "You, Theo Therapist, are recorded as the witness" in response.content.decode()


def test_without_documents_the_form_says_who_can_write_them(as_nurse_a, patient_a):
    page = as_nurse_a.get(url("new_consent", patient_id=patient_a.public_id)).content.decode()
    assert "This clinic has no consent documents yet" in page


def test_a_wrong_consent_is_struck_and_no_longer_current(as_nurse_a, patient_a, treatment_document):
    sign(as_nurse_a, patient_a, treatment_document)
    consent = PatientConsent.objects.get()
    response = as_nurse_a.post(
        url("consent_error", patient_id=patient_a.public_id, consent_id=consent.public_id),
        {"reason": "Signed on the wrong chart"},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.status == RecordStatus.ENTERED_IN_ERROR
    assert current_consents(patient_a)["treatment"] is None
    assert AuditEvent.objects.filter(action=Action.ENTERED_IN_ERROR, category="consent").exists()


def test_the_consent_page_shows_the_signature_and_is_an_audited_read(
    as_nurse_a, patient_a, treatment_document
):
    sign(as_nurse_a, patient_a, treatment_document)
    consent = PatientConsent.objects.get()
    page = as_nurse_a.get(
        url("consent", patient_id=patient_a.public_id, consent_id=consent.public_id)
    ).content.decode()
    assert "Alex Rivera" in page and "Nora Nurse" in page and "version 1" in page
    assert (
        AuditEvent.objects.filter(action=Action.READ, category="consent", patient=patient_a).count()
        == 1
    )
