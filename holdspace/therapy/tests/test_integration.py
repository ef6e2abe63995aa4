"""Integration sessions: proposed after every discharged infusion (24-72 h, CLINICAL.md §6),
on the worklist until held or declined, prefilled from what was captured in the chair."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from holdspace.infusions.models import InfusionSession
from holdspace.therapy import actions, queries, rules
from holdspace.worklist.registry import items_for


def kinds(clinic, user):
    return [item for item in items_for(clinic, user) if item.kind == "integration_due"]


def test_a_discharged_infusion_puts_an_integration_on_the_worklist(
    clinic_a, therapist_a, nurse_a, discharged
):
    [item] = kinds(clinic_a, therapist_a)
    assert item.patient == discharged.patient
    assert str(discharged.public_id) in item.url
    assert item.since == rules.integration_window(discharged.discharged_at)[0]
    # Nurses do not hold integration sessions; the item is not on their list.
    assert kinds(clinic_a, nurse_a) == []


def test_opening_prefills_from_the_infusion(therapist_a, discharged):
    row = actions.start_integration(actor=therapist_a, infusion=discharged)
    captured = row.from_infusion
    assert captured["intention"] == "To stay curious when the fear shows up"
    assert [s["text"] for s in captured["statements"]] == [
        "I could see my thoughts without following them"
    ]
    assert captured["support"][0]["kind"] == "Breathing"
    assert captured["support"][0]["response"] == "Settled"
    assert captured["adverse_events"] == [] and captured["scores"] == []
    assert "“I could see my thoughts without following them”" in row.experience
    assert row.what_helped == "Breathing"


def test_a_draft_stays_on_the_worklist_until_signed(clinic_a, therapist_a, discharged):
    row = actions.start_integration(actor=therapist_a, infusion=discharged)
    [item] = kinds(clinic_a, therapist_a)
    assert item.action == "Finish and sign"
    actions.sign_integration(actor=therapist_a, integration=row)
    assert kinds(clinic_a, therapist_a) == []


def test_signing_needs_the_experience(therapist_a, discharged):
    row = actions.start_integration(actor=therapist_a, infusion=discharged, data={})
    with pytest.raises(ValidationError, match="experience"):
        actions.sign_integration(actor=therapist_a, integration=row)


def test_declining_needs_a_reason_and_clears_the_worklist(clinic_a, therapist_a, discharged):
    with pytest.raises(ValidationError, match="Say why"):
        actions.decline_integration(actor=therapist_a, infusion=discharged, reason="")
    row = actions.decline_integration(
        actor=therapist_a, infusion=discharged, reason="Moved away; follow-up by phone"
    )
    assert row.status == "declined" and row.is_signed
    assert kinds(clinic_a, therapist_a) == []


def test_an_infusion_not_yet_discharged_has_no_integration(therapist_a, running):
    with pytest.raises(ValidationError, match="not been discharged"):
        actions.start_integration(actor=therapist_a, infusion=running)


def test_one_integration_per_infusion(therapist_a, discharged):
    actions.start_integration(actor=therapist_a, infusion=discharged)
    with pytest.raises(ValidationError, match="already exists"):
        actions.start_integration(
            actor=therapist_a, infusion=InfusionSession.objects.get(pk=discharged.pk)
        )


def test_a_signed_integration_note_cannot_change_with_sql(therapist_a, discharged):
    row = actions.start_integration(actor=therapist_a, infusion=discharged)
    actions.sign_integration(actor=therapist_a, integration=row)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE therapy_integrationsession SET insights = 'x' WHERE id = %s", [row.pk]
        )


def test_due_integrations_are_per_patient(clinic_a, patient_a, discharged):
    [due] = queries.integrations_due(clinic_a, patient_a)
    assert due.infusion == discharged and due.draft is None
    assert due.state is rules.WindowState.OPEN
