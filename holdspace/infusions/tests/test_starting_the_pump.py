"""Starting the pump: the check-in checklist gates it, a prescriber may override what can be
overridden (with a reason, recorded), and the start is idempotent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.infusions import actions
from holdspace.infusions.checkin import CheckinAnswers, CheckinItem
from holdspace.infusions.models import CheckIn, PumpEvent, SessionState
from holdspace.infusions.tests.conftest import (
    OVERRIDE,
    check_in,
    cid,
    fresh,
    queued,
)


def test_start_is_refused_with_the_missing_checklist_items_listed(checked_in, nurse_a):
    with pytest.raises(ValidationError) as refused:
        actions.start_infusion(actor=nurse_a, session=checked_in, client_id=cid())
    message = " ".join(refused.value.messages)
    assert "Cannot start the pump" in message
    assert "pre-infusion questionnaires" in message and "Support plan not reviewed" in message
    assert fresh(checked_in).state == SessionState.CHECKED_IN
    assert not PumpEvent.objects.exists()


def test_a_prescriber_override_starts_the_pump_and_records_the_reason(checked_in, prescriber_a):
    event = actions.start_infusion(
        actor=prescriber_a, session=checked_in, client_id=cid(), override_reason=OVERRIDE
    )
    session = fresh(checked_in)
    assert session.state == SessionState.RUNNING and session.started_at == event.occurred_at
    # The pump runs at the order's rate rounded to 0.1 mL/h for pump programming.
    assert event.action == "start" and event.rate_ml_h == Decimal("151.2")
    row = CheckIn.objects.get(session=session)
    assert row.override_by == prescriber_a and row.override_reason == OVERRIDE
    assert set(row.overridden_items) == {
        CheckinItem.PRE_INFUSION_MEASURES,
        CheckinItem.SUPPORT_PLAN,
    }
    assert row.completed_at is not None
    assert AuditEvent.objects.filter(
        summary="Check-in checklist overridden by a prescriber"
    ).exists()


def test_a_nurse_cannot_override_the_checklist(checked_in, nurse_a):
    with pytest.raises(ValidationError, match="Only a prescriber can override"):
        actions.start_infusion(
            actor=nurse_a, session=checked_in, client_id=cid(), override_reason="I checked it"
        )
    assert fresh(checked_in).state == SessionState.CHECKED_IN


def test_identity_cannot_be_overridden(scheduled, nurse_a, prescriber_a):
    session = check_in(scheduled, nurse_a, answers=CheckinAnswers(escort_confirmed=True))
    with pytest.raises(ValidationError, match="cannot be overridden: Identity confirmed"):
        actions.start_infusion(
            actor=prescriber_a, session=session, client_id=cid(), override_reason=OVERRIDE
        )


def test_an_order_not_ready_blocks_the_start_and_says_why(checked_in, prescriber_a):
    # Forty days on, the weight the order used is too old for the protocol.
    later = timezone.now() + timedelta(days=40)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        with pytest.raises(ValidationError) as refused:
            actions.start_infusion(
                actor=prescriber_a, session=checked_in, client_id=cid(), override_reason=OVERRIDE
            )
    message = " ".join(refused.value.messages)
    assert "These cannot be overridden: Order double-checked" in message
    assert "This protocol needs a weight measured within the last 30 days" in message


def test_the_pump_cannot_start_before_check_in(scheduled, prescriber_a):
    with pytest.raises(ValidationError, match="before the patient is checked in"):
        actions.start_infusion(
            actor=prescriber_a, session=scheduled, client_id=cid(), override_reason=OVERRIDE
        )


def test_a_therapist_cannot_start_the_pump(checked_in, therapist_a):
    with pytest.raises(PermissionDenied, match="nurse or a prescriber can run the pump"):
        actions.start_infusion(actor=therapist_a, session=checked_in, client_id=cid())


def test_resubmitting_the_start_stores_one_event(checked_in, prescriber_a):
    client_id = cid()
    first = actions.start_infusion(
        actor=prescriber_a, session=checked_in, client_id=client_id, override_reason=OVERRIDE
    )
    again = actions.start_infusion(
        actor=prescriber_a, session=fresh(checked_in), client_id=client_id, override_reason=OVERRIDE
    )
    assert again.pk == first.pk and again.replayed
    assert PumpEvent.objects.count() == 1


def test_the_start_queues_the_overdue_and_past_end_checks(running):
    started = running.started_at
    session_id = str(running.public_id)
    overdue = queued("check_vitals_overdue")
    past_end = queued("check_past_planned_end")
    assert (started + timedelta(minutes=15), (session_id,)) in [(r[1], r[2]) for r in overdue]
    assert past_end[-1][1] == started + timedelta(minutes=40, seconds=1)
