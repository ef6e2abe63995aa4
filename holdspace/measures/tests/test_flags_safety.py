"""Safety flags: raised with the submission, on the worklist and (minimum necessary) on the
board while the patient is in the chair, acknowledged with the action taken by a clinician."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.clinics.models import Device
from holdspace.infusions.models import SessionState
from holdspace.live.models import LiveEvent
from holdspace.measures import actions
from holdspace.measures.models import SafetyAction, SafetyFlag
from holdspace.measures.tests.test_admin_world import due, phq9, session_for, submitted
from holdspace.worklist.registry import Urgency, items_for

pytestmark = pytest.mark.django_db

# Item 9 answered "several days": the safety flag of CLINICAL.md §4.
ITEM9_ONE = (1, 1, 1, 1, 1, 1, 1, 1, 1)


def test_phq9_item9_raises_a_safety_flag_in_the_same_submission(patient_a, nurse_a):
    row = submitted(patient_a, nurse_a, ITEM9_ONE)
    flag = SafetyFlag.objects.get(administration=row)
    assert flag.patient == patient_a and flag.clinic == patient_a.clinic
    assert flag.code == "phq9-item9-suicidal-ideation" and not flag.is_acknowledged
    event = LiveEvent.objects.get(kind="safety_flag.raised")
    assert event.topic == "clinic" and event.payload["flag"] == str(flag.public_id)
    assert AuditEvent.objects.filter(object_id=str(flag.public_id), action=Action.CREATE).exists()


def test_no_flag_when_item9_is_zero(patient_a, nurse_a):
    submitted(patient_a, nurse_a, (3, 3, 3, 3, 3, 3, 3, 3, 0))
    assert not SafetyFlag.objects.exists()


def test_an_unanswered_item9_is_flagged_too(patient_a, nurse_a):
    row = submitted(patient_a, nurse_a, (1, 1, 1, 1, 1, 1, 1, 1, None))
    assert not row.complete
    assert SafetyFlag.objects.get(administration=row).code.endswith("-unanswered")


def test_the_flag_is_on_every_clinicians_worklist_with_safety_urgency(
    patient_a, nurse_a, therapist_a, nurse_b
):
    patient_a.therapist = therapist_a
    patient_a.save()
    submitted(patient_a, nurse_a, ITEM9_ONE)
    items = [i for i in items_for(patient_a.clinic, therapist_a) if i.kind == "safety_flag"]
    assert len(items) == 1
    item = items[0]
    assert item.urgency == Urgency.SAFETY and item.patient == patient_a
    assert therapist_a.pk in item.responsible_ids
    assert item.url.endswith(f"/flags/{SafetyFlag.objects.get().public_id}/")
    assert [
        i for i in items_for(nurse_b.memberships.get().clinic, nurse_b) if i.kind == "safety_flag"
    ] == []


def test_the_worklist_page_shows_the_flag_first(as_nurse_a, patient_a, nurse_a):
    submitted(patient_a, nurse_a, ITEM9_ONE)
    page = as_nurse_a.get(reverse("worklist:worklist") + "?show=everyone").content.decode()
    assert "Safety flag" in page and "Acknowledge with action taken" in page


def test_the_board_shows_a_flag_for_a_patient_in_the_chair_without_detail(
    as_nurse_a, patient_a, nurse_a, prescriber_a
):
    session = session_for(patient_a, nurse_a, prescriber_a, state=SessionState.RUNNING)
    submitted(patient_a, nurse_a, ITEM9_ONE)
    board_event = LiveEvent.objects.get(topic="board", kind="tile.changed")
    assert board_event.payload["session"] == str(session.public_id)
    page = as_nurse_a.get(reverse("clinics:board")).content.decode()
    assert "Safety flag" in page
    # Minimum necessary: no item text, score or instrument on the board.
    assert "suicid" not in page.lower() and "PHQ" not in page


def test_the_wall_board_device_never_shows_the_flag(patient_a, nurse_a, prescriber_a, clinic_a):
    # The wall board is seen by everyone in the room; a flag next to initials would tell them.
    session = session_for(patient_a, nurse_a, prescriber_a, state=SessionState.RUNNING)
    submitted(patient_a, nurse_a, ITEM9_ONE)
    device = Device(clinic=clinic_a, name="Suite wall")
    token = device.issue_token()
    device.save()
    wall = Client()
    wall.get(reverse("clinics:device_sign_in", kwargs={"token": token}))
    page = wall.get(reverse("clinics:board")).content.decode()
    assert session.chair.name in page  # the patient's tile is on the wall
    assert "Safety flag" not in page


def test_the_board_shows_nothing_for_a_patient_not_in_clinic(as_nurse_a, patient_a, nurse_a):
    session_for(patient_a, nurse_a, nurse_a, state=SessionState.SCHEDULED)
    submitted(patient_a, nurse_a, ITEM9_ONE)
    assert not LiveEvent.objects.filter(topic="board").exists()
    assert "Safety flag" not in as_nurse_a.get(reverse("clinics:board")).content.decode()


def test_acknowledging_needs_the_action_and_the_words(patient_a, nurse_a, therapist_a):
    submitted(patient_a, nurse_a, ITEM9_ONE)
    flag = SafetyFlag.objects.get()
    with pytest.raises(ValidationError) as error:
        actions.acknowledge_safety_flag(actor=therapist_a, flag=flag, action="", action_taken="")
    assert set(error.value.message_dict) == {"action", "action_taken"}
    actions.acknowledge_safety_flag(
        actor=therapist_a,
        flag=flag,
        action=SafetyAction.SAFETY_PLAN_REVIEWED,
        action_taken="Spoke with the patient; safety plan reviewed, no intent.",
    )
    flag.refresh_from_db()
    assert flag.is_acknowledged and flag.acknowledged_by == therapist_a
    assert [i for i in items_for(patient_a.clinic, therapist_a) if i.kind == "safety_flag"] == []
    assert LiveEvent.objects.filter(kind="safety_flag.acknowledged").exists()


def test_a_clinic_admin_cannot_acknowledge(patient_a, nurse_a, admin_a):
    submitted(patient_a, nurse_a, ITEM9_ONE)
    with pytest.raises(PermissionDenied):
        actions.acknowledge_safety_flag(
            actor=admin_a,
            flag=SafetyFlag.objects.get(),
            action=SafetyAction.OTHER,
            action_taken="Seen",
        )


def test_an_acknowledgement_cannot_be_rewritten(patient_a, nurse_a, prescriber_a):
    submitted(patient_a, nurse_a, ITEM9_ONE)
    flag = actions.acknowledge_safety_flag(
        actor=prescriber_a,
        flag=SafetyFlag.objects.get(),
        action=SafetyAction.PRESCRIBER_INFORMED,
        action_taken="Reviewed in clinic.",
    )
    with pytest.raises(ValidationError, match="already acknowledged"):
        actions.acknowledge_safety_flag(
            actor=nurse_a, flag=flag, action=SafetyAction.OTHER, action_taken="Something else"
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        SafetyFlag.objects.filter(pk=flag.pk).update(action_taken="edited")


def test_the_flag_page_acknowledges_and_is_audited(as_nurse_a, patient_a, nurse_a):
    submitted(patient_a, nurse_a, ITEM9_ONE)
    flag = SafetyFlag.objects.get()
    url = reverse(
        "measures:flag", kwargs={"patient_id": patient_a.public_id, "flag_id": flag.public_id}
    )
    page = as_nurse_a.get(url)
    assert page.status_code == 200 and "Safety plan reviewed" in page.content.decode()
    assert AuditEvent.objects.filter(action=Action.READ, object_id=str(flag.public_id)).count() == 1
    refused = as_nurse_a.post(url, {"action": "other", "action_taken": ""})
    assert "Nothing was saved" in refused.content.decode()
    done = as_nurse_a.post(url, {"action": "crisis_service_contacted", "action_taken": "Called"})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.action == SafetyAction.CRISIS_SERVICE_CONTACTED


def test_a_flag_stays_when_its_administration_is_entered_in_error(patient_a, nurse_a):
    row = submitted(patient_a, nurse_a, ITEM9_ONE)
    actions.mark_entered_in_error(actor=nurse_a, administration=row, reason="Wrong patient")
    assert not SafetyFlag.objects.get().is_acknowledged


def test_a_replayed_submission_does_not_raise_a_second_flag(patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    sheet = uuid.uuid4()
    for _ in range(2):
        actions.enter_clinician_rating(
            actor=nurse_a, administration=row, answers=phq9(ITEM9_ONE), client_id=sheet
        )
    assert SafetyFlag.objects.count() == 1
    assert LiveEvent.objects.filter(kind="safety_flag.raised").count() == 1
