"""current_consents / has_current_treatment_consent: what the dose order will rely on."""

from datetime import timedelta

from django.utils import timezone

from holdspace.patients.models import (
    ConsentDecision,
    ConsentState,
    PatientConsent,
    RecordStatus,
    consent_overview,
    current_consents,
    has_current_treatment_consent,
)
from holdspace.patients.tests.conftest import make_consent, make_document


def test_with_nothing_signed_every_kind_is_none(patient_a):
    assert current_consents(patient_a) == {"treatment": None, "off_label": None, "touch": None}
    assert not has_current_treatment_consent(patient_a)


def test_the_latest_decision_per_kind_is_current(patient_a, treatment_document, nurse_a):
    make_consent(
        patient_a,
        treatment_document,
        nurse_a,
        ConsentDecision.DECLINED,
        signed_at=timezone.now() - timedelta(days=7),
    )
    later = make_consent(patient_a, treatment_document, nurse_a)
    assert current_consents(patient_a)["treatment"] == later
    assert has_current_treatment_consent(patient_a)


def test_a_declined_treatment_consent_is_not_consent(patient_a, treatment_document, nurse_a):
    make_consent(patient_a, treatment_document, nurse_a, ConsentDecision.DECLINED)
    assert not has_current_treatment_consent(patient_a)
    assert consent_overview(patient_a)[0].state == ConsentState.DECLINED


def test_a_newer_document_version_means_re_signing(
    patient_a, treatment_document, nurse_a, clinic_a
):
    make_consent(patient_a, treatment_document, nurse_a)
    make_document(clinic_a, "treatment", 2)
    assert not has_current_treatment_consent(patient_a)
    assert consent_overview(patient_a)[0].state == ConsentState.NEEDS_RESIGNING


def test_an_entered_in_error_consent_does_not_count(patient_a, treatment_document, nurse_a):
    consent = make_consent(patient_a, treatment_document, nurse_a)
    PatientConsent.objects.filter(pk=consent.pk).update(status=RecordStatus.ENTERED_IN_ERROR)
    assert current_consents(patient_a)["treatment"] is None
    assert not has_current_treatment_consent(patient_a)


def test_touch_consent_alone_is_not_treatment_consent(patient_a, touch_document, nurse_a):
    make_consent(patient_a, touch_document, nurse_a)
    assert not has_current_treatment_consent(patient_a)


def test_the_overview_covers_every_kind_in_order(patient_a, treatment_document, nurse_a):
    make_consent(patient_a, treatment_document, nurse_a)
    states = [(item.kind, item.state) for item in consent_overview(patient_a)]
    assert states == [
        ("treatment", ConsentState.CURRENT),
        ("off_label", ConsentState.NO_DOCUMENT),
        ("touch", ConsentState.NO_DOCUMENT),
    ]
