"""FHIR R4 QuestionnaireResponse export: valid for every shipped instrument, LOINC-coded where the
instrument file is, no patient name, and the route is clinicians-only, clinic-scoped and audited."""

import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdspace.audit.models import Action, AuditEvent
from holdspace.interop.questionnaire_response import (
    FHIR_JSON,
    Author,
    NotExportable,
    build_resource,
    total_link_id,
    validated,
)
from holdspace.measures import scoring
from holdspace.measures.instruments import LOINC_SYSTEM, SHIPPED_IDS, shipped_instrument
from holdspace.measures.models import Administration, AdministrationStatus, Instrument

NOW = timezone.now()


@st.composite
def complete_answers(draw, instrument_id):
    """Every scored item answered with one of its allowed weights; unscored ones sometimes."""
    instrument = shipped_instrument(instrument_id)
    answers = {}
    for item in instrument.items:
        if item.scored or draw(st.booleans()):
            answers[item.link_id] = draw(st.sampled_from(item.weights))
    return answers


def resource_for(instrument_id, answers, status="completed"):
    instrument = shipped_instrument(instrument_id)
    result = scoring.score(instrument, answers)
    resource = build_resource(
        instrument,
        answers,
        resource_id=str(uuid.uuid4()),
        status=status,
        subject_id="3f1c0a9e-0000-4000-8000-000000000001",
        authored=NOW,
        author=Author("Patient", "3f1c0a9e-0000-4000-8000-000000000001"),
        patient_answered=True,
        total=result.total,
        subscales=result.subscales,
    )
    return validated(resource), result


@pytest.mark.parametrize("instrument_id", SHIPPED_IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_shipped_instrument_maps_to_a_valid_questionnaire_response(instrument_id, data):
    answers = data.draw(complete_answers(instrument_id))
    resource, result = resource_for(instrument_id, answers)
    instrument = shipped_instrument(instrument_id)
    assert resource["questionnaire"] == f"{instrument.url}|{instrument.version}"
    assert resource["status"] == "completed"
    by_link = {item["linkId"]: item for item in resource["item"]}
    for link_id, weight in answers.items():
        coding = by_link[link_id]["answer"][0]["valueCoding"]
        option = next(o for o in instrument.item(link_id).options if o.weight == weight)
        assert coding["code"] == option.code
        assert coding["extension"][0]["valueDecimal"] == weight
    total = by_link[total_link_id(instrument)]["answer"][0]
    assert (total.get("valueInteger", total.get("valueDecimal"))) == result.total


@pytest.mark.parametrize("instrument_id", SHIPPED_IDS)
def test_loinc_codes_travel_wherever_the_file_has_them(instrument_id):
    instrument = shipped_instrument(instrument_id)
    answers = {item.link_id: item.weights[-1] for item in instrument.items}
    resource, _ = resource_for(instrument_id, answers)
    by_link = {item["linkId"]: item for item in resource["item"]}
    for item in instrument.items:
        option = next(o for o in item.options if o.weight == item.weights[-1])
        coding = by_link[item.link_id]["answer"][0]["valueCoding"]
        if option.system == LOINC_SYSTEM:
            assert coding["system"] == LOINC_SYSTEM and coding["code"].startswith("LA")
    total_code = instrument.scoring.total_code
    if total_code is not None and total_code.system == LOINC_SYSTEM:
        assert total_code.code in by_link


def test_phq9_published_vector_exports_total_12_under_loinc_44261_6():
    answers = dict(
        zip([f"phq9-{n}" for n in range(1, 10)], [2, 2, 2, 2, 1, 1, 2, 0, 0], strict=True)
    )
    resource, _ = resource_for("phq9", answers)
    total = next(item for item in resource["item"] if item["linkId"] == "44261-6")
    assert total["answer"] == [{"valueInteger": 12}]
    first = next(item for item in resource["item"] if item["linkId"] == "phq9-1")
    assert first["answer"][0]["valueCoding"]["code"] == "LA6570-1"  # "More than half the days"


def test_an_incomplete_response_has_no_total_and_leaves_missing_answers_out():
    answers = {"gad7-1": 1, "gad7-3": 2}
    resource, _ = resource_for("gad7", answers, status="in_progress")
    assert resource["status"] == "in-progress"
    assert [item["linkId"] for item in resource["item"]] == ["gad7-1", "gad7-3"]


def test_qids_item_text_is_not_exported_because_its_licence_forbids_it():
    instrument = shipped_instrument("qids_sr16")
    answers = {item.link_id: item.weights[0] for item in instrument.items}
    resource, _ = resource_for("qids_sr16", answers)
    asked = {item.link_id for item in instrument.items}
    answered = [item for item in resource["item"] if item["linkId"] in asked]
    assert len(answered) == 16
    assert not any("text" in item for item in answered)


def test_a_questionnaire_not_yet_started_has_nothing_to_export():
    with pytest.raises(NotExportable, match="not been started"):
        build_resource(
            shipped_instrument("phq9"),
            {},
            resource_id="x",
            status="due",
            subject_id="p",
            authored=None,
            author=None,
            patient_answered=False,
        )


# --- The route -----------------------------------------------------------------------------


def administered(patient, key="phq9", answers=None, status=AdministrationStatus.COMPLETED, **extra):
    version = Instrument.objects.get(key=key).current_version()
    instrument = version.parsed()
    if answers is None:
        answers = {item.link_id: item.weights[1] for item in instrument.scored_items}
    result = scoring.score(instrument, answers)
    done = status != AdministrationStatus.IN_PROGRESS
    return Administration.objects.create(
        clinic=patient.clinic,
        patient=patient,
        instrument_version=version,
        occasion="baseline",
        mode=extra.pop("mode", "kiosk"),
        status=status,
        answers=answers,
        complete=result.complete if done else False,
        total=result.total if done else None,
        subscales=dict(result.subscales) if done else {},
        completed_at=timezone.now() if done else None,
        **extra,
    )


def url(administration):
    return reverse(
        "interop:questionnaire_response",
        kwargs={
            "patient_id": administration.patient.public_id,
            "administration_id": administration.public_id,
        },
    )


@pytest.mark.django_db
def test_a_nurse_exports_fhir_json_without_the_patients_name(as_nurse_a, patient_a):
    administration = administered(patient_a)
    response = as_nurse_a.get(url(administration))
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    for name in ("Alex", "Rivera", "Lex", "A-1001"):
        assert name not in text
    data = json.loads(text)
    assert data["subject"] == {"reference": f"Patient/{patient_a.public_id}"}
    assert data["source"] == data["author"] == data["subject"]
    assert {"linkId": "44261-6"}.items() <= next(
        item for item in data["item"] if item["linkId"] == "44261-6"
    ).items()
    event = AuditEvent.objects.get(action=Action.EXPORT, patient=patient_a)
    assert event.object_id == str(administration.public_id)


@pytest.mark.django_db
def test_a_clinician_rated_scale_names_the_clinician_as_author(as_prescriber_a, patient_a, nurse_a):
    administration = administered(patient_a, "hamd17", mode="clinician", entered_by=nurse_a)
    data = as_prescriber_a.get(url(administration)).json()
    assert data["author"] == {"reference": f"Practitioner/{nurse_a.public_id}"}
    assert "source" not in data


@pytest.mark.django_db
def test_entered_in_error_is_exported_as_entered_in_error(as_therapist_a, patient_a):
    administration = administered(patient_a)
    Administration.objects.filter(pk=administration.pk).update(
        status=AdministrationStatus.ENTERED_IN_ERROR, status_reason="Wrong patient"
    )
    assert as_therapist_a.get(url(administration)).json()["status"] == "entered-in-error"


@pytest.mark.django_db
def test_in_progress_is_exported_as_in_progress(as_nurse_a, patient_a):
    administration = administered(
        patient_a, answers={"phq9-1": 1}, status=AdministrationStatus.IN_PROGRESS
    )
    data = as_nurse_a.get(url(administration)).json()
    assert data["status"] == "in-progress"
    assert [item["linkId"] for item in data["item"]] == ["phq9-1"]


@pytest.mark.django_db
def test_a_due_questionnaire_answers_409_with_an_operation_outcome(as_nurse_a, patient_a):
    administration = administered(patient_a, answers={}, status=AdministrationStatus.DUE)
    response = as_nurse_a.get(url(administration))
    assert response.status_code == 409
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.django_db
def test_a_clinic_admin_may_not_export_answers(as_admin_a, patient_a):
    assert as_admin_a.get(url(administered(patient_a))).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.django_db
def test_another_clinics_administration_is_not_found(as_nurse_a, patient_b):
    assert as_nurse_a.get(url(administered(patient_b))).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.django_db
def test_an_administration_under_another_patients_id_is_not_found(as_nurse_a, patient_a, clinic_a):
    from tests.factories import PatientFactory

    other = PatientFactory(clinic=clinic_a, mrn="A-2002")
    administration = administered(other)
    wrong = reverse(
        "interop:questionnaire_response",
        kwargs={"patient_id": patient_a.public_id, "administration_id": administration.public_id},
    )
    assert as_nurse_a.get(wrong).status_code == 404
