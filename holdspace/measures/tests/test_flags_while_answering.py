"""A safety answer saved but never sent still alerts the care team (CLINICAL.md §4)."""

import uuid

import pytest

from holdspace.live.models import LiveEvent
from holdspace.measures import actions
from holdspace.measures.models import SafetyFlag
from holdspace.measures.tests.test_admin_world import due, phq9
from holdspace.worklist.registry import Urgency, items_for

pytestmark = pytest.mark.django_db

ITEM9 = "phq9-item9-suicidal-ideation"


def _on_tablet(patient, nurse):
    row = due(patient, "phq9", nurse)
    return actions.start_administration(
        administration=row, by=actions.Answerer(actor=nurse, kiosk=True)
    )


def test_item9_answered_on_the_tablet_and_never_sent_raises_the_flag(patient_a, nurse_a):
    row = _on_tablet(patient_a, nurse_a)
    actions.save_progress(
        administration=row,
        answers={"phq9-1": 1, "phq9-9": 3},
        by=actions.Answerer(kiosk=True),
    )
    flag = SafetyFlag.objects.get(administration=row)
    assert flag.code == ITEM9 and not flag.is_acknowledged
    assert LiveEvent.objects.filter(kind="safety_flag.raised").count() == 1
    worklist = [i for i in items_for(patient_a.clinic, nurse_a) if i.kind == "safety_flag"]
    assert len(worklist) == 1 and worklist[0].urgency == Urgency.SAFETY


def test_unanswered_item9_is_not_flagged_while_the_patient_is_still_answering(patient_a, nurse_a):
    row = _on_tablet(patient_a, nurse_a)
    actions.save_progress(
        administration=row, answers={"phq9-1": 2}, by=actions.Answerer(kiosk=True)
    )
    assert not SafetyFlag.objects.exists()


def test_saving_again_and_submitting_never_raise_a_second_flag(patient_a, nurse_a):
    row = _on_tablet(patient_a, nurse_a)
    patient = actions.Answerer(kiosk=True)
    actions.save_progress(administration=row, answers={"phq9-9": 2}, by=patient)
    actions.save_progress(administration=row, answers={"phq9-9": 3}, by=patient)
    actions.submit_administration(
        administration=row, answers=phq9((1,) * 8 + (3,)), by=patient, client_id=uuid.uuid4()
    )
    assert SafetyFlag.objects.filter(administration=row).count() == 1
    assert LiveEvent.objects.filter(kind="safety_flag.raised").count() == 1


def test_changing_item9_back_to_zero_keeps_the_flag_for_the_care_team(patient_a, nurse_a):
    row = _on_tablet(patient_a, nurse_a)
    patient = actions.Answerer(kiosk=True)
    actions.save_progress(administration=row, answers={"phq9-9": 1}, by=patient)
    actions.save_progress(administration=row, answers={"phq9-9": 0}, by=patient)
    assert SafetyFlag.objects.filter(administration=row, acknowledged_at__isnull=True).exists()
