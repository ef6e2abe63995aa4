"""Screening: any clinician fills it in, only a prescriber signs, and signed ones are final."""

import pytest

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import (
    Screening,
    current_screening,
    has_current_eligible_screening,
)
from holdspace.patients.tests.helpers import screening_post, url


def create(client, patient, **kwargs):
    return client.post(url("new_screening", patient_id=patient.public_id), screening_post(**kwargs))


def sign(client, screening):
    return client.post(
        url(
            "sign_screening",
            patient_id=screening.patient.public_id,
            screening_id=screening.public_id,
        )
    )


def form_errors(response):
    return response.context["form"].errors


@pytest.mark.parametrize("client_name", ["as_nurse_a", "as_therapist_a", "as_prescriber_a"])
def test_any_clinician_can_complete_a_screening_which_then_awaits_signature(
    request, patient_a, client_name
):
    response = create(request.getfixturevalue(client_name), patient_a)
    screening = Screening.objects.get(patient=patient_a)
    assert response.status_code == 302
    assert response["Location"] == url(
        "screening", patient_id=patient_a.public_id, screening_id=screening.public_id
    )
    assert not screening.is_signed
    assert screening.answers["psychosis"] == {"present": False, "note": ""}
    assert current_screening(patient_a) is None


def test_notes_are_kept_with_each_answer(as_nurse_a, patient_a):
    data = screening_post(
        outcome="eligible_with_conditions",
        present=("sleep_apnoea",),
        conditions="Capnography during infusion",
    )
    data["note_sleep_apnoea"] = "STOP-BANG 4"
    as_nurse_a.post(url("new_screening", patient_id=patient_a.public_id), data)
    assert Screening.objects.get().answers["sleep_apnoea"] == {
        "present": True,
        "note": "STOP-BANG 4",
    }


def test_a_clinic_admin_cannot_complete_a_screening(as_admin_a, patient_a):
    response = create(as_admin_a, patient_a)
    assert response.status_code == 403
    assert not Screening.objects.exists()


def test_only_prescribers_are_offered_sign_now(as_nurse_a, as_prescriber_a, patient_a):
    address = url("new_screening", patient_id=patient_a.public_id)
    assert 'name="sign_now"' not in as_nurse_a.get(address).content.decode()
    assert 'name="sign_now"' in as_prescriber_a.get(address).content.decode()


def test_a_nurse_posting_sign_now_still_leaves_the_screening_unsigned(as_nurse_a, patient_a):
    create(as_nurse_a, patient_a, sign_now="on")
    assert not Screening.objects.get().is_signed
    assert not AuditEvent.objects.filter(action=Action.SIGN).exists()


def test_a_prescriber_can_complete_and_sign_in_one_step(as_prescriber_a, patient_a, prescriber_a):
    create(as_prescriber_a, patient_a, sign_now="on")
    screening = Screening.objects.get()
    assert screening.signed_by == prescriber_a and screening.signed_at
    assert current_screening(patient_a) == screening
    assert has_current_eligible_screening(patient_a)
    actions = list(AuditEvent.objects.filter(category="screening").values_list("action", flat=True))
    assert actions == [Action.CREATE, Action.SIGN]


@pytest.mark.parametrize("client_name", ["as_nurse_a", "as_therapist_a", "as_admin_a"])
def test_only_a_prescriber_can_sign(request, client_name, draft_screening):
    response = sign(request.getfixturevalue(client_name), draft_screening)
    assert response.status_code == 403
    assert "Only a prescriber can sign an eligibility screening." in response.content.decode()
    draft_screening.refresh_from_db()
    assert not draft_screening.is_signed
    assert not AuditEvent.objects.filter(action=Action.SIGN).exists()


def test_a_prescriber_signs_a_draft(as_prescriber_a, draft_screening, prescriber_a, patient_a):
    response = sign(as_prescriber_a, draft_screening)
    assert response.status_code == 302
    draft_screening.refresh_from_db()
    assert draft_screening.signed_by == prescriber_a
    assert has_current_eligible_screening(patient_a)
    assert AuditEvent.objects.get(action=Action.SIGN).patient == patient_a


def test_signing_twice_is_refused_with_a_message(as_prescriber_a, signed_screening):
    signed_at = signed_screening.signed_at
    response = sign(as_prescriber_a, signed_screening)
    follow = as_prescriber_a.get(response["Location"]).content.decode()
    assert "already signed" in follow
    signed_screening.refresh_from_db()
    assert signed_screening.signed_at == signed_at


def test_eligible_with_a_contraindication_present_is_refused(as_prescriber_a, patient_a):
    response = create(
        as_prescriber_a, patient_a, outcome="eligible", present=("mania",), sign_now="on"
    )
    assert "“Eligible” is not possible" in form_errors(response)["outcome"][0]
    assert not Screening.objects.exists()


def test_an_absolute_contraindication_cannot_be_eligible_with_conditions(
    as_prescriber_a, patient_a
):
    response = create(
        as_prescriber_a,
        patient_a,
        outcome="eligible_with_conditions",
        present=("pregnancy",),
        conditions="Pregnancy test each visit",
    )
    assert "Absolute contraindication present" in form_errors(response)["outcome"][0]
    assert not Screening.objects.exists()


def test_eligible_with_conditions_without_conditions_is_refused(as_nurse_a, patient_a):
    response = create(as_nurse_a, patient_a, outcome="eligible_with_conditions", present=("mania",))
    assert form_errors(response)["conditions"]
    assert not Screening.objects.exists()


def test_every_item_must_be_answered(as_nurse_a, patient_a):
    data = screening_post()
    del data["item_pregnancy"]
    response = as_nurse_a.post(url("new_screening", patient_id=patient_a.public_id), data)
    assert form_errors(response)["item_pregnancy"] == ["Answer yes or no."]
    assert not Screening.objects.exists()


def test_not_eligible_with_an_absolute_contraindication_is_recorded(as_prescriber_a, patient_a):
    create(
        as_prescriber_a, patient_a, outcome="not_eligible", present=("psychosis",), sign_now="on"
    )
    assert current_screening(patient_a).outcome == "not_eligible"
    assert not has_current_eligible_screening(patient_a)


def test_a_newer_signed_screening_supersedes_the_older(
    as_prescriber_a, patient_a, signed_screening
):
    create(as_prescriber_a, patient_a, outcome="not_eligible", sign_now="on")
    newer = Screening.objects.exclude(pk=signed_screening.pk).get()
    assert current_screening(patient_a) == newer
    old_page = as_prescriber_a.get(
        url("screening", patient_id=patient_a.public_id, screening_id=signed_screening.public_id)
    )
    assert "Superseded by a newer signed screening" in old_page.content.decode()


def test_the_detail_page_shows_every_answer_and_is_an_audited_read(
    as_nurse_a, patient_a, draft_screening
):
    page = as_nurse_a.get(
        url("screening", patient_id=patient_a.public_id, screening_id=draft_screening.public_id)
    ).content.decode()
    assert "Raised intraocular pressure or open globe injury" in page
    assert "Awaiting a prescriber's signature" in page
    assert "Sign as prescriber" not in page
    assert (
        AuditEvent.objects.filter(
            action=Action.READ, category="screening", patient=patient_a
        ).count()
        == 1
    )


def test_a_prescriber_sees_the_sign_button_on_a_draft(as_prescriber_a, patient_a, draft_screening):
    page = as_prescriber_a.get(
        url("screening", patient_id=patient_a.public_id, screening_id=draft_screening.public_id)
    ).content.decode()
    assert "Sign as prescriber" in page
