"""The patient's private journal: written only through the portal, private until the patient
shares it, sharing withdrawable (staff stop seeing it), both audited; staff (the patient's
therapist and prescriber only) see shared entries only; the words never change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.journal import actions
from holdspace.journal.models import JournalEntry
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose

pytestmark = pytest.mark.django_db

PRIVATE = "Something only I should read"
SHARED = "I want my therapist to know this"


@pytest.fixture
def care_team(patient_a, therapist_a, prescriber_a):
    patient_a.therapist = therapist_a
    patient_a.prescriber = prescriber_a
    patient_a.save()
    return patient_a


def _write(client, text, share=False):
    data = {"text": text, "prompt_kind": "free"}
    if share:
        data["share"] = "on"
    response = client.post(reverse("portal:journal"), data)
    assert response.status_code == 302
    return JournalEntry.objects.get(text=text)


def _staff_page(patient):
    return reverse("journal:shared", kwargs={"patient_id": patient.public_id})


def test_staff_see_only_the_entries_the_patient_shares(
    care_team, patient_client, as_therapist_a, as_prescriber_a
):
    _write(patient_client, PRIVATE)
    _write(patient_client, SHARED, share=True)
    for client in (as_therapist_a, as_prescriber_a):
        body = client.get(_staff_page(care_team)).content.decode()
        assert SHARED in body
        assert PRIVATE not in body


def test_sharing_and_withdrawing_are_the_patients_choice_and_audited(
    care_team, patient_client, as_therapist_a
):
    entry = _write(patient_client, PRIVATE)
    share = reverse("portal:journal_share")
    patient_client.post(share, {"entry": str(entry.public_id), "choice": "share"})
    entry.refresh_from_db()
    assert entry.shared_with_therapist and entry.shared_at is not None
    assert PRIVATE in as_therapist_a.get(_staff_page(care_team)).content.decode()
    patient_client.post(share, {"entry": str(entry.public_id), "choice": "withdraw"})
    entry.refresh_from_db()
    assert not entry.shared_with_therapist and entry.sharing_withdrawn_at is not None
    assert PRIVATE not in as_therapist_a.get(_staff_page(care_team)).content.decode()
    summaries = set(
        AuditEvent.objects.filter(object_id=str(entry.public_id)).values_list("summary", flat=True)
    )
    assert "Journal entry shared with the care team" in summaries
    assert "Journal entry sharing withdrawn by the patient" in summaries
    assert not any(PRIVATE in summary for summary in summaries)
    labels = set(
        AuditEvent.objects.filter(object_id=str(entry.public_id)).values_list(
            "actor_label", flat=True
        )
    )
    assert labels == {f"patient by link {entry.via_link}"}


def test_the_staff_page_read_is_audited(care_team, patient_client, as_therapist_a):
    _write(patient_client, SHARED, share=True)
    as_therapist_a.get(_staff_page(care_team))
    read = AuditEvent.objects.get(action=Action.READ, category="journal")
    assert read.patient_id == care_team.pk and read.summary == "Shared journal entries viewed (1)"


def test_a_nurse_or_an_unassigned_clinician_is_refused(
    care_team, patient_client, as_nurse_a, as_admin_a
):
    _write(patient_client, SHARED, share=True)
    for client in (as_nurse_a, as_admin_a):
        response = client.get(_staff_page(care_team))
        assert response.status_code == 403
        assert SHARED not in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.READ, category="journal").exists()


def test_another_clinic_gets_not_found(care_team, patient_client, as_nurse_b):
    _write(patient_client, SHARED, share=True)
    assert as_nurse_b.get(_staff_page(care_team)).status_code == 404


def test_a_patient_cannot_share_another_patients_entry(
    patient_client, nurse_b, patient_b, portal_link
):
    their_link, _token = links.issue_link(actor=nurse_b, patient=patient_b, purpose="portal")
    theirs = actions.write_entry(link=their_link, text="Theirs")
    response = patient_client.post(
        reverse("portal:journal_share"),
        {"entry": str(theirs.public_id), "choice": "share"},
        follow=True,
    )
    assert "could not be found" in response.content.decode()
    theirs.refresh_from_db()
    assert not theirs.shared_with_therapist
    with pytest.raises(PermissionDenied):
        actions.share_entry(link=portal_link[0], entry=theirs)


def test_only_a_portal_link_writes(nurse_a, patient_a):
    questionnaire_link, _ = links.issue_link(
        actor=nurse_a, patient=patient_a, purpose=LinkPurpose.QUESTIONNAIRES
    )
    with pytest.raises(PermissionDenied):
        actions.write_entry(link=questionnaire_link, text="Hello")
    assert not JournalEntry.objects.exists()


def test_an_empty_entry_is_refused_with_a_message(patient_client):
    response = patient_client.post(
        reverse("portal:journal"), {"text": "   ", "prompt_kind": "free"}
    )
    assert response.status_code == 422
    assert "Write something before saving the entry." in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_the_patient_sees_their_own_entries_private_and_shared(patient_client):
    _write(patient_client, PRIVATE)
    _write(patient_client, SHARED, share=True)
    body = patient_client.get(reverse("portal:journal")).content.decode()
    assert PRIVATE in body and SHARED in body and "Stop sharing" in body


def test_the_words_of_an_entry_cannot_be_changed_or_deleted(portal_link):
    entry = actions.write_entry(link=portal_link[0], text=PRIVATE)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(text="Changed")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.text == PRIVATE


def test_a_too_long_entry_is_refused(portal_link):
    with pytest.raises(ValidationError, match="under 10,000 characters"):
        actions.write_entry(link=portal_link[0], text="x" * 10_001)


def test_a_shared_entry_is_on_the_therapists_worklist_until_read(
    care_team, patient_client, therapist_a, nurse_a, as_therapist_a
):
    from holdspace.journal.worklist import shared_entries_to_read

    _write(patient_client, PRIVATE)
    assert shared_entries_to_read(care_team.clinic, therapist_a) == []
    _write(patient_client, SHARED, share=True)
    (item,) = shared_entries_to_read(care_team.clinic, therapist_a)
    assert item.kind == "journal_shared" and SHARED not in item.title + item.detail
    assert shared_entries_to_read(care_team.clinic, nurse_a) == []
    as_therapist_a.get(item.url)
    assert shared_entries_to_read(care_team.clinic, therapist_a) == []


def test_an_entry_is_shown_as_text_never_as_markup(care_team, patient_client, as_therapist_a):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _write(patient_client, payload, share=True)
    for body in (
        patient_client.get(reverse("portal:journal")).content.decode(),
        as_therapist_a.get(_staff_page(care_team)).content.decode(),
    ):
        assert payload not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
