"""Staff questionnaire pages and the kiosk: what is shown, what is audited, and that the kiosk
gives the patient nothing but the one questionnaire."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.measures.models import Administration, AdministrationStatus, Mode, SafetyFlag
from holdspace.measures.tests.test_admin_world import PHQ9_MODERATE, due, instrument, submitted

pytestmark = pytest.mark.django_db


def _url(name, row, **extra):
    kwargs = {"patient_id": row.patient.public_id, "administration_id": row.public_id}
    return reverse(f"measures:{name}", kwargs={**kwargs, **extra})


def _post_answers(client, url, row, values, **extra):
    prefix = row.public_id.hex
    data = {f"{prefix}-client_id": str(uuid.uuid4()), **extra}
    for n, value in enumerate(values, start=1):
        if value is not None:
            data[f"{prefix}-phq9-{n}"] = str(value)
    return client.post(url, data)


def test_the_measures_page_lists_results_and_is_audited_once(as_nurse_a, patient_a, nurse_a):
    submitted(patient_a, nurse_a)
    due(patient_a, "gad7", nurse_a)
    url = reverse("measures:patient_measures", kwargs={"patient_id": patient_a.public_id})
    before = AuditEvent.objects.filter(action=Action.READ).count()
    page = as_nurse_a.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "PHQ-9" in body and "moderate" in body and "GAD-7" in body
    assert AuditEvent.objects.filter(action=Action.READ).count() == before + 1


def test_a_clinic_admin_sees_no_results(as_admin_a, patient_a):
    url = reverse("measures:patient_measures", kwargs={"patient_id": patient_a.public_id})
    assert as_admin_a.get(url).status_code == 403


def test_the_result_shows_item_text_when_the_licence_allows(as_nurse_a, patient_a, nurse_a):
    row = submitted(patient_a, nurse_a)
    body = as_nurse_a.get(_url("administration", row)).content.decode()
    assert "Little interest or pleasure in doing things" in body
    assert "12" in body and "moderate" in body


def test_item_text_is_not_shown_without_a_licence(as_nurse_a, patient_a, nurse_a):
    row = due(patient_a, "qids_sr16", nurse_a)
    body = as_nurse_a.get(_url("enter", row)).content.decode()
    assert "Item 1" in body and "does not allow" not in body  # numbered items
    detail = as_nurse_a.get(_url("administration", row)).content.decode()
    assert "Hand the tablet to the patient" not in detail


def test_entering_with_gaps_asks_before_storing_an_incomplete_form(as_nurse_a, patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    values = (2, 2, None, 2, 1, 1, 2, 0, 0)
    first = _post_answers(as_nurse_a, _url("enter", row), row, values)
    assert first.status_code == 200
    assert "1 question not answered" in first.content.decode()
    row.refresh_from_db()
    assert row.completed_at is None
    done = _post_answers(as_nurse_a, _url("enter", row), row, values, confirm_incomplete="yes")
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.completed_at and not row.complete and row.missing_items == ["phq9-3"]
    detail = as_nurse_a.get(_url("administration", row)).content.decode()
    assert "Incomplete" in detail and "Item 3" in detail


def test_new_ad_hoc_administration(as_therapist_a, patient_a):
    url = reverse("measures:new_administration", kwargs={"patient_id": patient_a.public_id})
    phq9 = instrument("phq9")
    response = as_therapist_a.post(url, {"instrument": phq9.pk, "occasion": "ad_hoc"})
    assert response.status_code == 302
    row = Administration.objects.get()
    assert row.status == AdministrationStatus.DUE and row.occasion == "ad_hoc"


def test_entered_in_error_page(as_nurse_a, patient_a, nurse_a):
    row = submitted(patient_a, nurse_a)
    assert as_nurse_a.post(_url("administration_error", row), {"reason": ""}).status_code == 200
    response = as_nurse_a.post(_url("administration_error", row), {"reason": "Wrong chart"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == AdministrationStatus.ENTERED_IN_ERROR


# --- The kiosk -------------------------------------------------------------------------------


def _hand_over(client, row):
    response = client.post(_url("hand_to_patient", row))
    assert response.status_code == 302
    return response["Location"]


def test_handing_over_ends_the_staff_session_and_opens_only_the_questionnaire(
    as_nurse_a, patient_a, nurse_a
):
    row = due(patient_a, "phq9", nurse_a)
    kiosk_url = _hand_over(as_nurse_a, row)
    row.refresh_from_db()
    assert row.mode == Mode.KIOSK and row.status == AdministrationStatus.IN_PROGRESS
    page = as_nurse_a.get(kiosk_url)
    body = page.content.decode()
    assert page.status_code == 200 and "Little interest or pleasure" in body
    # Nothing else: no navigation, no patient name, no staff name.
    for absent in ("Patients", "Worklist", patient_a.legal_family_name, "Nora", "MRN"):
        assert absent not in body
    # The staff session is gone: staff pages now ask for a sign-in.
    chart = as_nurse_a.get(reverse("patients:chart", kwargs={"patient_id": patient_a.public_id}))
    assert chart.status_code == 302 and "/accounts/login/" in chart["Location"]


def test_the_kiosk_saves_each_answer_and_locks_after_submitting(as_nurse_a, patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    kiosk_url = _hand_over(as_nurse_a, row)
    save_url = kiosk_url + "save/"
    prefix = row.public_id.hex
    assert as_nurse_a.post(save_url, {f"{prefix}-phq9-1": "2"}).content == b"Saved"
    row.refresh_from_db()
    assert row.answers == {"phq9-1": 2}
    done = _post_answers(as_nurse_a, kiosk_url, row, PHQ9_MODERATE)
    assert done.status_code == 302 and "/measures/kiosk/locked/" in done["Location"]
    row.refresh_from_db()
    assert row.total == 12 and row.mode == Mode.KIOSK
    locked = as_nurse_a.get(done["Location"]).content.decode()
    assert "Thank you" in locked and "Staff sign-in" in locked
    # The questionnaire cannot be reopened, and nothing else opens without a sign-in.
    again = as_nurse_a.get(kiosk_url)
    assert again.status_code == 302 and "locked" in again["Location"]
    measures = reverse("measures:patient_measures", kwargs={"patient_id": patient_a.public_id})
    assert "/accounts/login/" in as_nurse_a.get(measures)["Location"]


def test_the_kiosk_token_does_not_work_in_another_browser(as_nurse_a, patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    kiosk_url = _hand_over(as_nurse_a, row)
    stranger = Client()
    response = stranger.get(kiosk_url)
    assert response.status_code == 302 and "locked" in response["Location"]


def test_a_tampered_kiosk_token_shows_the_locked_screen(as_nurse_a, patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    kiosk_url = _hand_over(as_nurse_a, row)
    tampered = kiosk_url.rstrip("/")[:-3] + "abc/"
    response = as_nurse_a.get(tampered)
    assert response.status_code == 302 and "locked" in response["Location"]
    row.refresh_from_db()
    assert row.answers == {}


def test_a_kiosk_safety_flag_reaches_the_worklist(as_nurse_a, patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    kiosk_url = _hand_over(as_nurse_a, row)
    _post_answers(as_nurse_a, kiosk_url, row, (1,) * 9)
    assert SafetyFlag.objects.filter(administration=row).exists()


def test_the_tablet_takes_every_questionnaire_due_now_in_one_handover(
    as_nurse_a, patient_a, nurse_a
):
    phq = due(patient_a, "phq9", nurse_a)
    gad = due(patient_a, "gad7", nurse_a)
    hamd = due(patient_a, "hamd17", nurse_a)  # clinician-rated: never on the tablet
    url = reverse("measures:hand_all_to_patient", kwargs={"patient_id": patient_a.public_id})
    kiosk_url = as_nurse_a.post(url)["Location"]
    page = as_nurse_a.get(kiosk_url).content.decode()
    assert "Generalized Anxiety" in page or "GAD-7" in page
    assert "Little interest or pleasure" in page and "Suicide" not in page
    data = {
        f"{phq.public_id.hex}-client_id": str(uuid.uuid4()),
        f"{gad.public_id.hex}-client_id": str(uuid.uuid4()),
    }
    data.update({f"{phq.public_id.hex}-phq9-{n}": "1" for n in range(1, 9)})
    data[f"{phq.public_id.hex}-phq9-9"] = "0"
    data.update({f"{gad.public_id.hex}-gad7-{n}": "2" for n in range(1, 8)})
    done = as_nurse_a.post(kiosk_url, data)
    assert "locked" in done["Location"]
    for row, total in ((phq, 8), (gad, 14)):
        row.refresh_from_db()
        assert row.total == total and row.mode == Mode.KIOSK
    hamd.refresh_from_db()
    assert hamd.status == AdministrationStatus.DUE and hamd.mode == ""
