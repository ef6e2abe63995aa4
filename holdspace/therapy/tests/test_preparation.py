"""Preparation sessions: a structured note the therapist drafts and signs; signed is final."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.therapy import actions, queries
from holdspace.therapy.models import PreparationSession

ALL_EXPLAINED = {
    "explained_dissociation": True,
    "explained_blood_pressure": True,
    "explained_nausea": True,
    "explained_therapist_role": True,
}


def data(**changes):
    return {
        "held_at": timezone.now(),
        "questions": "Will I remember it?",
        "intentions": "To be kinder to myself",
        "readiness": "ready",
        **ALL_EXPLAINED,
        **changes,
    }


def test_a_therapist_records_and_signs_a_preparation(therapist_a, patient_a):
    row = actions.create_preparation(actor=therapist_a, patient=patient_a, data=data(), sign=True)
    assert row.is_signed and row.signed_by == therapist_a
    assert [ticked for _label, ticked in row.explained()] == [True] * 4
    actions_logged = AuditEvent.objects.filter(patient=patient_a, category="preparation")
    assert set(actions_logged.values_list("action", flat=True)) == {Action.CREATE, Action.SIGN}


def test_ready_needs_everything_explained(therapist_a, patient_a):
    with pytest.raises(ValidationError) as refused:
        actions.create_preparation(
            actor=therapist_a,
            patient=patient_a,
            data=data(explained_nausea=False),
            sign=True,
        )
    assert "Nausea" in str(refused.value)
    # Nothing half-saved: the refused signature took the new row with it.
    assert not PreparationSession.objects.filter(patient=patient_a).exists()


def test_not_ready_needs_a_note_to_sign(therapist_a, patient_a):
    draft = actions.create_preparation(
        actor=therapist_a, patient=patient_a, data=data(readiness="another_session")
    )
    with pytest.raises(ValidationError, match="still needed"):
        actions.sign_preparation(actor=therapist_a, preparation=draft)


def test_a_nurse_cannot_write_the_therapists_note(nurse_a, patient_a):
    with pytest.raises(PermissionDenied, match="Only a therapist"):
        actions.create_preparation(actor=nurse_a, patient=patient_a, data=data())


def test_a_stale_draft_is_a_conflict_and_changes_nothing(therapist_a, patient_a):
    draft = actions.create_preparation(actor=therapist_a, patient=patient_a, data=data())
    actions.update_preparation(
        actor=therapist_a, preparation=draft, data=data(questions="First"), expected_version=1
    )
    with pytest.raises(actions.EditConflict) as conflict:
        actions.update_preparation(
            actor=therapist_a, preparation=draft, data=data(questions="Second"), expected_version=1
        )
    assert conflict.value.current.questions == "First"


def test_a_signed_preparation_cannot_change_even_with_sql(therapist_a, patient_a):
    row = actions.create_preparation(actor=therapist_a, patient=patient_a, data=data(), sign=True)
    with pytest.raises(ValidationError, match="signed"):
        actions.update_preparation(
            actor=therapist_a, preparation=row, data=data(), expected_version=row.version
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE therapy_preparationsession SET intentions = 'changed' WHERE id = %s", [row.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM therapy_preparationsession WHERE id = %s", [row.pk])


def test_corrections_to_a_signed_note_are_addenda_stored_once(therapist_a, patient_a):
    row = actions.create_preparation(actor=therapist_a, patient=patient_a, data=data(), sign=True)
    client = uuid.uuid4()
    for _ in range(2):
        actions.add_addendum(
            actor=therapist_a, note=row, text="Also asked about driving", client_id=client
        )
    assert list(row.addenda.values_list("text", flat=True)) == ["Also asked about driving"]


def test_the_latest_intention_is_available_to_the_check_in(therapist_a, patient_a):
    actions.create_preparation(actor=therapist_a, patient=patient_a, data=data())
    intention = queries.latest_intention(patient_a)
    assert intention is not None and intention.text == "To be kinder to myself"
    today = timezone.localtime(timezone.now()).date()
    assert queries.today_intention(patient_a, today) == intention
