"""The chart page: who the patient is and where they stand, at a glance."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from holdspace.patients.models import ConsentDecision, ConsentKind, Indication, ObservationCode
from holdspace.patients.tests.conftest import make_consent, make_document, make_screening
from holdspace.patients.tests.helpers import url
from tests.factories import ObservationFactory


def chart(client, patient) -> str:
    response = client.get(url("chart", patient_id=patient.public_id))
    assert response.status_code == 200
    return response.content.decode()


def weigh(patient, kg, days_ago=0, **kwargs):
    return ObservationFactory(
        patient=patient,
        value=Decimal(kg),
        measured_at=timezone.now() - timedelta(days=days_ago),
        **kwargs,
    )


def test_the_chart_names_the_patient_both_ways_with_age_mrn_and_status(as_nurse_a, patient_a):
    patient_a.pronouns = "he/him"
    patient_a.save()
    page = chart(as_nurse_a, patient_a)
    for fact in (
        "Lex Rivera",
        "Alex Rivera",
        "he/him",
        "1985-04-12",
        "Female",
        "A-1001",
        "Referred",
    ):
        assert fact in page
    assert f"{patient_a.age_on(timezone.localdate())} <span" in page


def test_indications_show_code_and_description_with_the_primary_first(as_nurse_a, patient_a):
    Indication.objects.create(patient=patient_a, category="gad", icd10_code="F41.1")
    Indication.objects.create(
        patient=patient_a, category="trd", icd10_code="F33.2", is_primary=True
    )
    page = chart(as_nurse_a, patient_a)
    assert page.index("F33.2") < page.index("F41.1")
    assert "Major depressive disorder, recurrent severe without psychotic features" in page
    assert "Generalized anxiety disorder" in page


def test_latest_weight_and_height_with_dates_and_bmi(as_nurse_a, patient_a):
    weigh(patient_a, "90", days_ago=10)
    weigh(patient_a, "80", days_ago=2)
    ObservationFactory(
        patient=patient_a,
        code=ObservationCode.BODY_HEIGHT,
        value=Decimal("200"),
        unit="cm",
        measured_at=timezone.now() - timedelta(days=100),
    )
    page = chart(as_nurse_a, patient_a)
    assert "80 kg" in page and "200 cm" in page
    assert "20.0 kg/m²" in page
    assert "Older than 30 days" not in page


def test_a_weight_older_than_30_days_carries_a_warning(as_nurse_a, patient_a):
    weigh(patient_a, "80", days_ago=31)
    assert "Older than 30 days: weigh again before dosing" in chart(as_nurse_a, patient_a)


def test_no_weight_says_so(as_nurse_a, patient_a):
    page = chart(as_nurse_a, patient_a)
    assert "No weight recorded" in page and "Needs a weight and a height" in page


def test_without_a_signed_screening_the_chart_says_so(as_nurse_a, patient_a, draft_screening):
    page = chart(as_nurse_a, patient_a)
    assert "No signed screening" in page and "Awaiting prescriber signature" in page


def test_the_current_signed_screening_shows_outcome_date_and_signer(
    as_nurse_a, patient_a, prescriber_a
):
    make_screening(
        patient_a,
        prescriber_a,
        signed_by=prescriber_a,
        signed_at=timezone.now() - timedelta(days=90),
    )
    make_screening(
        patient_a,
        prescriber_a,
        signed_by=prescriber_a,
        outcome="eligible_with_conditions",
        present=("mania",),
        conditions="Mood stabiliser continued",
    )
    page = chart(as_nurse_a, patient_a)
    assert "No signed screening" not in page
    assert "Eligible with conditions</span>" in page and "Priya Prescriber" in page
    assert "Mood stabiliser continued" in page
    assert "Superseded" in page and "Current" in page


def test_consent_state_per_kind(as_nurse_a, patient_a, clinic_a, nurse_a):
    treatment_v1 = make_document(clinic_a, ConsentKind.TREATMENT, 1)
    make_document(clinic_a, ConsentKind.TREATMENT, 2)
    make_consent(patient_a, treatment_v1, nurse_a)
    touch = make_document(clinic_a, ConsentKind.TOUCH, 1)
    make_consent(patient_a, touch, nurse_a, ConsentDecision.DECLINED)
    page = chart(as_nurse_a, patient_a)
    assert "Needs re-signing" in page and "version 2 is now current" in page
    assert "Declined" in page
    assert "No document set up" in page  # off-label: the clinic has not written one


def test_a_missing_consent_shows_as_not_signed(as_nurse_a, patient_a, treatment_document):
    assert "Not signed" in chart(as_nurse_a, patient_a)


def test_care_team_and_contacts_are_shown(as_nurse_a, patient_a, prescriber_a, nurse_a):
    patient_a.prescriber = prescriber_a
    patient_a.emergency_contact_name = "Robin Rivera"
    patient_a.emergency_contact_relationship = "partner"
    patient_a.usual_escort_name = "Robin Rivera"
    patient_a.save()
    patient_a.nurses.add(nurse_a)
    page = chart(as_nurse_a, patient_a)
    assert "Priya Prescriber" in page and "Nora Nurse" in page
    assert "Robin Rivera (partner)" in page


def test_sections_with_nothing_yet_say_so_and_measures_point_to_their_pages(as_nurse_a, patient_a):
    page = chart(as_nurse_a, patient_a)
    assert "No infusions recorded yet." in page
    assert "No therapy sessions recorded yet." in page
    assert f"/patients/{patient_a.public_id}/measures/" in page


def test_a_clinic_admin_can_read_the_chart_but_gets_no_clinical_entry_forms(as_admin_a, patient_a):
    page = chart(as_admin_a, patient_a)
    assert "Lex Rivera" in page
    assert "Record measurement" not in page and "New screening" not in page


@pytest.mark.parametrize("client_name", ["as_nurse_a", "as_therapist_a", "as_prescriber_a"])
def test_clinicians_get_the_entry_actions(request, client_name, patient_a):
    page = chart(request.getfixturevalue(client_name), patient_a)
    assert "Record measurement" in page and "New screening" in page
