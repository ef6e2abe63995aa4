"""Therapy notes: draft → signed (hash, frozen in the database), addenda, and a draft edited by
two people at once loses neither person's words."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.notes import actions
from holdspace.notes.models import NoteKind, TherapyNote, TherapyNoteAddendum, sha256_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(therapist_a, patient_a):
    return actions.create_therapy_note(
        actor=therapist_a,
        patient=patient_a,
        kind=NoteKind.INTEGRATION,
        text="Talked about the lake image; patient wants to walk daily.",
    )


def _url(name, note, **extra):
    return reverse(
        f"notes:{name}", kwargs={"patient_id": note.patient.public_id, "note_id": note.public_id}
    )


def test_signing_stores_the_content_hash_and_the_note_checks_out(draft, therapist_a):
    signed = actions.sign_therapy_note(actor=therapist_a, note=draft)
    assert signed.content_sha256 == sha256_of(signed.signed_content())
    assert len(signed.content_sha256) == 64
    assert TherapyNote.objects.get(pk=draft.pk).signature_checks_out()


def test_a_signed_notes_text_cannot_be_changed_even_with_direct_sql(draft, therapist_a):
    actions.sign_therapy_note(actor=therapist_a, note=draft)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE notes_therapynote SET text = 'rewritten' WHERE id = %s", [draft.pk])
    assert TherapyNote.objects.get(pk=draft.pk).text.startswith("Talked about the lake")


def test_a_note_cannot_be_deleted(draft):
    with pytest.raises(DatabaseError), transaction.atomic():
        TherapyNote.objects.filter(pk=draft.pk).delete()
    assert TherapyNote.objects.filter(pk=draft.pk).exists()


def test_a_signed_note_is_not_editable_through_the_action(draft, therapist_a):
    actions.sign_therapy_note(actor=therapist_a, note=draft)
    with pytest.raises(ValidationError, match="signed"):
        actions.save_therapy_draft(
            actor=therapist_a,
            note=draft,
            kind=draft.kind,
            text="new",
            session=None,
            expected_version=1,
        )


def test_only_the_author_signs(draft, prescriber_a):
    with pytest.raises(PermissionDenied):
        actions.sign_therapy_note(actor=prescriber_a, note=draft)


def test_a_nurse_cannot_write_a_therapy_note(nurse_a, patient_a):
    with pytest.raises(PermissionDenied):
        actions.create_therapy_note(actor=nurse_a, patient=patient_a, kind=NoteKind.OTHER, text="x")


def test_corrections_are_addenda_and_addenda_are_append_only(draft, therapist_a):
    with pytest.raises(ValidationError, match="draft"):
        actions.add_addendum(actor=therapist_a, note=draft, text="too early")
    actions.sign_therapy_note(actor=therapist_a, note=draft)
    addendum = actions.add_addendum(actor=therapist_a, note=draft, text="Walks: 3 a week.")
    again = actions.add_addendum(
        actor=therapist_a, note=draft, text="Walks: 3 a week.", client_id=addendum.client_id
    )
    assert again.pk == addendum.pk
    with pytest.raises(DatabaseError), transaction.atomic():
        TherapyNoteAddendum.objects.filter(pk=addendum.pk).update(text="changed")


def test_two_people_on_one_draft_the_second_save_is_a_conflict_that_loses_nothing(
    draft, as_therapist_a, as_prescriber_a
):
    # Both open the draft at version 1.
    first = as_therapist_a.post(
        _url("edit", draft),
        {"kind": "integration", "text": "Therapist's wording of the session.", "version": 1},
    )
    assert first.status_code == 302
    second = as_prescriber_a.post(
        _url("edit", draft),
        {"kind": "integration", "text": "Prescriber's added observation.", "version": 1},
    )
    assert second.status_code == 409
    page = second.content.decode()
    # The first save is kept, and the second person's words are on the page to merge.
    assert TherapyNote.objects.get(pk=draft.pk).text == "Therapist's wording of the session."
    assert "Therapist&#x27;s wording of the session." in page
    assert "Prescriber&#x27;s added observation." in page
    # The form now carries the current version: saving the merge is accepted.
    merged = as_prescriber_a.post(
        _url("edit", draft),
        {"kind": "integration", "text": "Both wordings merged.", "version": 2},
    )
    assert merged.status_code == 302
    assert TherapyNote.objects.get(pk=draft.pk).text == "Both wordings merged."


def test_a_session_of_another_patient_is_refused(therapist_a, patient_a, clinic_a):
    from holdspace.infusions.models import InfusionSession

    other = InfusionSession(patient_id=-1)
    with pytest.raises(ValidationError, match="another patient"):
        actions.create_therapy_note(
            actor=therapist_a, patient=patient_a, kind=NoteKind.OTHER, text="x", session=other
        )


def test_an_empty_note_is_refused_with_a_message(as_therapist_a, patient_a):
    url = reverse("notes:new", kwargs={"patient_id": patient_a.public_id})
    response = as_therapist_a.post(url, {"kind": "preparation", "text": "   "})
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert not TherapyNote.objects.exists()


def test_write_sign_and_read_through_the_pages_is_audited(as_therapist_a, patient_a):
    url = reverse("notes:new", kwargs={"patient_id": patient_a.public_id})
    response = as_therapist_a.post(
        url, {"kind": "preparation", "text": "Explained dissociation.", "sign": "1"}
    )
    note = TherapyNote.objects.get()
    assert response.status_code == 302 and note.is_signed
    page = as_therapist_a.get(_url("detail", note)).content.decode()
    assert "Therapy note</strong> — part of the clinical record" in page
    assert "content hash checks out" in page
    reads = AuditEvent.objects.filter(
        category="therapy_note", action=Action.READ, patient=patient_a
    )
    assert reads.count() == 1
    assert "Explained dissociation" not in " ".join(
        AuditEvent.objects.values_list("summary", flat=True)
    )


def test_clinic_admins_do_not_read_therapy_notes(draft, as_admin_a):
    assert as_admin_a.get(_url("detail", draft)).status_code == 403


def test_a_nurse_reads_but_cannot_edit(draft, as_nurse_a):
    assert as_nurse_a.get(_url("detail", draft)).status_code == 200
    assert as_nurse_a.get(_url("edit", draft)).status_code == 403
