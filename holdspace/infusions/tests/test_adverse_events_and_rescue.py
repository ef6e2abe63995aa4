"""Adverse events with their grade, what was done and how they resolved; rescue medication
given by a nurse on a prescriber's order."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from holdspace.infusions import actions
from holdspace.infusions.models import AdverseEvent, AdverseEventResolution, RescueMedication
from holdspace.infusions.tests.conftest import cid


def adverse_event(session, actor, **kwargs):
    values = {"type": "anxiety_panic", "severity_grade": 2, "actions_taken": ["paused"]}
    return actions.record_adverse_event(
        actor=actor, session=session, client_id=cid(), **(values | kwargs)
    )


def test_an_adverse_event_is_recorded_with_grade_and_actions(running, nurse_a):
    row = adverse_event(running, nurse_a, actions_taken=["slowed", "paused"])
    assert (row.type, row.severity_grade, row.actions_taken) == (
        "anxiety_panic",
        2,
        ["slowed", "paused"],
    )


def test_an_adverse_event_needs_a_known_type_a_grade_and_known_actions(running, nurse_a):
    with pytest.raises(ValidationError, match="severity grade is 1 to 5"):
        adverse_event(running, nurse_a, severity_grade=6)
    with pytest.raises(ValidationError, match="slowed, paused or stopped"):
        adverse_event(running, nurse_a, actions_taken=["ignored"])
    with pytest.raises(ValidationError, match="Describe"):
        adverse_event(running, nurse_a, type="other")
    assert not AdverseEvent.objects.exists()


def test_an_adverse_event_resolves_once(running, nurse_a):
    event = adverse_event(running, nurse_a)
    actions.resolve_adverse_event(
        actor=nurse_a, adverse_event=event, client_id=cid(), resolution="Settled with grounding"
    )
    with pytest.raises(ValidationError, match="already has a resolution"):
        actions.resolve_adverse_event(
            actor=nurse_a, adverse_event=event, client_id=cid(), resolution="Again"
        )
    assert AdverseEventResolution.objects.count() == 1


def test_rescue_medication_is_given_by_the_nurse_on_a_prescribers_order(
    running, nurse_a, prescriber_a
):
    event = adverse_event(running, nurse_a, type="dysphoria_emergence")
    row = actions.record_rescue_medication(
        actor=nurse_a,
        session=running,
        client_id=cid(),
        drug="Midazolam",
        dose=Decimal("1"),
        unit="mg",
        route="iv",
        ordered_by=prescriber_a,
        adverse_event=event,
    )
    assert (row.given_by, row.ordered_by, row.adverse_event) == (nurse_a, prescriber_a, event)


def test_rescue_medication_ordered_by_a_nurse_is_refused(running, nurse_a, therapist_a):
    with pytest.raises(ValidationError) as refused:
        actions.record_rescue_medication(
            actor=nurse_a,
            session=running,
            client_id=cid(),
            drug="Ondansetron",
            dose=Decimal("4"),
            unit="mg",
            route="iv",
            ordered_by=nurse_a,
        )
    assert "ordered_by" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.record_rescue_medication(
            actor=therapist_a,
            session=running,
            client_id=cid(),
            drug="Ondansetron",
            dose=Decimal("4"),
            unit="mg",
            route="iv",
            ordered_by=therapist_a,
        )
    assert not RescueMedication.objects.exists()


def test_a_prescriber_of_another_clinic_cannot_order_rescue(running, nurse_a, clinic_b):
    from tests.factories import MembershipFactory, UserFactory

    elsewhere = UserFactory()
    MembershipFactory(user=elsewhere, clinic=clinic_b, role="prescriber")
    with pytest.raises(ValidationError, match="prescriber of this clinic"):
        actions.record_rescue_medication(
            actor=nurse_a,
            session=running,
            client_id=cid(),
            drug="Clonidine",
            dose=Decimal("0.1"),
            unit="mg",
            route="po",
            ordered_by=elsewhere,
        )
