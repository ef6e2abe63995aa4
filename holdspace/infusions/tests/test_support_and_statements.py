"""The therapist's part of the timeline: support events with the patient's response in a
second tap, touch only with today's consent, and the patient's own words."""

from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from holdspace.infusions import actions
from holdspace.infusions.checkin import TouchConsent
from holdspace.infusions.models import PatientStatement, SupportEvent, SupportResponse
from holdspace.infusions.tests.conftest import ANSWERS, check_in, cid, fresh, start


def support(session, actor, kind="grounding", **kwargs):
    return actions.record_support_event(
        actor=actor, session=session, client_id=cid(), kind=kind, **kwargs
    )


def respond(event, actor, response="settled", **kwargs):
    return actions.record_support_response(
        actor=actor, support_event=event, client_id=cid(), response=response, **kwargs
    )


def session_with_touch_consent(scheduled, nurse_a, prescriber_a, consent):
    session = check_in(scheduled, nurse_a, answers=replace(ANSWERS, touch_consent=consent))
    return start(session, prescriber_a, minutes_ago=5)


def test_the_therapist_records_support_and_the_patients_response(running, therapist_a):
    event = support(running, therapist_a, "breathing", note="4-7-8 breathing")
    response = respond(event, therapist_a, "settled")
    assert (event.kind, response.response, response.support_event) == (
        "breathing",
        "settled",
        event,
    )


def test_a_second_response_is_refused_unless_the_first_was_in_error(running, therapist_a):
    event = support(running, therapist_a)
    first = respond(event, therapist_a, "unchanged")
    with pytest.raises(ValidationError, match="already recorded"):
        respond(event, therapist_a, "settled")
    actions.mark_entry_entered_in_error(actor=therapist_a, entry=first, reason="Meant settled")
    respond(event, therapist_a, "settled")
    assert (
        SupportResponse.objects.filter(support_event=event, status="final").get().response
        == "settled"
    )


def test_touch_is_refused_when_todays_consent_is_no(scheduled, nurse_a, prescriber_a, therapist_a):
    session = session_with_touch_consent(scheduled, nurse_a, prescriber_a, TouchConsent.NO)
    with pytest.raises(ValidationError, match="today's consent to touch is “no”"):
        support(session, therapist_a, "touch_offered")
    assert not SupportEvent.objects.exists()
    support(session, therapist_a, "grounding")


def test_touch_is_recorded_when_consent_is_asked_each_time(
    scheduled, nurse_a, prescriber_a, therapist_a
):
    session = session_with_touch_consent(
        scheduled, nurse_a, prescriber_a, TouchConsent.ASK_EACH_TIME
    )
    support(session, therapist_a, "touch_offered")
    support(session, therapist_a, "touch_declined")
    assert SupportEvent.objects.count() == 2


def test_touch_is_refused_before_consent_was_asked_today(scheduled, therapist_a):
    with pytest.raises(ValidationError, match="not asked"):
        support(fresh(scheduled), therapist_a, "touch_accepted")


def test_a_nurse_may_record_support_and_an_admin_may_not(running, nurse_a, admin_a):
    support(running, nurse_a, "reassurance")
    with pytest.raises(PermissionDenied):
        support(running, admin_a, "reassurance")


def test_resubmitting_a_support_event_stores_it_once(running, therapist_a):
    client_id = cid()
    for _ in range(2):
        actions.record_support_event(
            actor=therapist_a, session=running, client_id=client_id, kind="orientation"
        )
    assert SupportEvent.objects.count() == 1


def test_a_statement_in_the_patients_words_tagged_for_integration(running, therapist_a):
    row = actions.record_statement(
        actor=therapist_a,
        session=running,
        client_id=cid(),
        text="I am not my sadness",
        tagged_for_integration=True,
    )
    assert PatientStatement.objects.get() == row and row.tagged_for_integration


def test_a_statement_cannot_be_a_psychotherapy_note(running, therapist_a):
    with pytest.raises(ValidationError, match="normal or restricted"):
        actions.record_statement(
            actor=therapist_a,
            session=running,
            client_id=cid(),
            text="Private reflection",
            sensitivity="psychotherapy_note",
        )
