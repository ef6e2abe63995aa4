"""Booking an infusion and checking the patient in: what the nurse records, what the system
verifies from the record, and who may do it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.dosing import actions as dosing_actions
from holdspace.infusions import actions
from holdspace.infusions.checkin import CheckinAnswers, CheckinItem, TouchConsent
from holdspace.infusions.models import CheckIn, InfusionSession, SessionState
from holdspace.infusions.queries import checklist
from holdspace.infusions.tests.conftest import ANSWERS, check_in, fresh, vitals
from tests.factories import ChairFactory, PatientFactory


def test_a_nurse_books_an_infusion_of_the_patients_order_in_a_chair(scheduled, ready_order):
    assert scheduled.state == SessionState.SCHEDULED
    assert scheduled.order == ready_order and scheduled.chair.name == "Chair 1"
    assert AuditEvent.objects.filter(
        category="infusion_session", object_id=str(scheduled.public_id)
    ).exists()


def test_an_order_of_another_patient_cannot_be_booked(ready_order, chair_a, nurse_a, clinic_a):
    other = PatientFactory(clinic=clinic_a)
    with pytest.raises(ValidationError, match="this patient's orders"):
        actions.schedule_session(
            actor=nurse_a,
            patient=other,
            order=ready_order,
            chair=chair_a,
            scheduled_for=timezone.now(),
        )


def test_a_chair_of_another_clinic_cannot_be_booked(ready_order, ready_patient, nurse_a, clinic_b):
    with pytest.raises(ValidationError, match="this clinic's chairs"):
        actions.schedule_session(
            actor=nurse_a,
            patient=ready_patient,
            order=ready_order,
            chair=ChairFactory(clinic=clinic_b),
            scheduled_for=timezone.now(),
        )


def test_an_order_is_one_infusion(scheduled, ready_order, ready_patient, chair_a, nurse_a):
    with pytest.raises(ValidationError, match="already has a session"):
        actions.schedule_session(
            actor=nurse_a,
            patient=ready_patient,
            order=ready_order,
            chair=chair_a,
            scheduled_for=timezone.now(),
        )


def test_an_order_of_a_session_aborted_before_the_pump_can_be_booked_again(
    scheduled, ready_order, ready_patient, chair_a, nurse_a
):
    actions.abort_session(actor=nurse_a, session=scheduled, reason="Patient unwell, rebooked")
    again = actions.schedule_session(
        actor=nurse_a,
        patient=ready_patient,
        order=ready_order,
        chair=chair_a,
        scheduled_for=timezone.now(),
    )
    assert again.state == SessionState.SCHEDULED


def test_a_therapist_cannot_book_an_infusion(ready_order, ready_patient, chair_a, therapist_a):
    with pytest.raises(PermissionDenied, match="nurse or a prescriber"):
        actions.schedule_session(
            actor=therapist_a,
            patient=ready_patient,
            order=ready_order,
            chair=chair_a,
            scheduled_for=timezone.now(),
        )


def test_check_in_records_the_answers_and_todays_intention_and_touch_consent(checked_in):
    assert checked_in.state == SessionState.CHECKED_IN and checked_in.checked_in_at
    assert checked_in.intention_today == ANSWERS.intention
    assert checked_in.touch_consent_today == "yes"
    row = CheckIn.objects.get(session=checked_in)
    assert row.checkin_answers() == ANSWERS


def test_the_system_verifies_screening_the_order_and_baseline_vitals(checked_in):
    row = CheckIn.objects.get(session=checked_in)
    assert row.verified == {
        CheckinItem.SCREENING_AND_CONSENT: True,
        CheckinItem.ORDER_DOUBLE_CHECKED: True,
        CheckinItem.BASELINE_VITALS: True,
        # The course's baseline PHQ-9 is due and unanswered; no support plan has been reviewed.
        CheckinItem.PRE_INFUSION_MEASURES: False,
        CheckinItem.NO_OPEN_SAFETY_FLAG: True,
        CheckinItem.SUPPORT_PLAN: False,
    }
    missing = {status.item for status in checklist(checked_in).result.missing}
    assert missing == {CheckinItem.PRE_INFUSION_MEASURES, CheckinItem.SUPPORT_PLAN}


def test_baseline_vitals_at_the_hold_tier_are_not_within_range(scheduled, nurse_a):
    vitals(scheduled, nurse_a, systolic=185, diastolic=100)
    session = check_in(scheduled, nurse_a, with_baseline=False)
    assert CheckIn.objects.get(session=session).verified[CheckinItem.BASELINE_VITALS] is False


def test_an_order_not_double_checked_is_not_verified(signed_order, ready_patient, chair_a, nurse_a):
    session = actions.schedule_session(
        actor=nurse_a,
        patient=ready_patient,
        order=signed_order,
        chair=chair_a,
        scheduled_for=timezone.now(),
    )
    session = check_in(session, nurse_a)
    view = checklist(session)
    assert CheckIn.objects.get(session=session).verified[CheckinItem.ORDER_DOUBLE_CHECKED] is False
    assert "The independent double-check has not been done." in view.order_blockers


def test_an_incomplete_check_in_is_kept_and_can_be_completed(scheduled, nurse_a):
    session = check_in(scheduled, nurse_a, answers=CheckinAnswers(identity_confirmed=True))
    assert checklist(session).result.missing[0].item != CheckinItem.IDENTITY
    actions.check_in(actor=nurse_a, session=session, answers=ANSWERS)
    assert CheckIn.objects.get(session=session).checkin_answers() == ANSWERS
    assert CheckIn.objects.count() == 1


def test_only_a_nurse_checks_a_patient_in(scheduled, therapist_a):
    with pytest.raises(PermissionDenied, match="Only a nurse"):
        actions.check_in(actor=therapist_a, session=scheduled, answers=ANSWERS)


def test_a_chair_holds_one_patient(checked_in, course, prescriber_a, nurse_a, weight_80, chair_a):
    second = PatientFactory(clinic=checked_in.clinic)
    from holdspace.dosing.tests.conftest import grant_treatment_consent, sign_screening, weigh

    sign_screening(second, prescriber_a)
    grant_treatment_consent(second, nurse_a)
    weight = weigh(second, "70.0", nurse=nurse_a)
    other_course = dosing_actions.start_course(
        actor=prescriber_a,
        patient=second,
        protocol=course.protocol,
        indication_category="trd",
        planned_infusions=6,
    )
    from holdspace.dosing.tests.conftest import place_order

    order = place_order(other_course, prescriber_a, weight)
    session = actions.schedule_session(
        actor=nurse_a, patient=second, order=order, chair=chair_a, scheduled_for=timezone.now()
    )
    with pytest.raises(ValidationError, match="Chair 1 is taken"):
        actions.check_in(actor=nurse_a, session=session, answers=ANSWERS)
    assert fresh(session).state == SessionState.SCHEDULED


def test_a_stale_check_in_is_a_conflict_that_keeps_the_first_nurses_work(scheduled, nurse_a):
    version = scheduled.version
    first = CheckinAnswers(identity_confirmed=True, intention="Rest", touch_consent=TouchConsent.NO)
    actions.check_in(actor=nurse_a, session=scheduled, answers=first, expected_version=version)
    with pytest.raises(actions.SessionConflict) as conflict:
        actions.check_in(
            actor=nurse_a, session=scheduled, answers=ANSWERS, expected_version=version
        )
    assert conflict.value.current.version == version + 1
    assert InfusionSession.objects.get(pk=scheduled.pk).intention_today == "Rest"
    assert CheckIn.objects.get(session=scheduled).checkin_answers() == first


def test_check_in_returns_the_checklist_as_evaluated(scheduled, nurse_a):
    vitals(scheduled, nurse_a)
    row = actions.check_in(actor=nurse_a, session=scheduled, answers=ANSWERS)
    assert {status.item for status in row.result.missing} == {
        CheckinItem.PRE_INFUSION_MEASURES,
        CheckinItem.SUPPORT_PLAN,
    }
    assert set(row.missing) == {"pre_infusion_measures", "support_plan"}
