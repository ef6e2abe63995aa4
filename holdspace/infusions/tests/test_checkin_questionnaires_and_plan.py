"""The check-in items that read other modules: today's pre-infusion questionnaires and no open
safety flag (measurement, issue 5), and today's review of the support plan (therapy, issue 6).
Once they are done the pump starts without any override; an open safety flag cannot be
overridden."""

import pytest
from django.core.exceptions import ValidationError

from holdspace.infusions import actions
from holdspace.infusions.checkin import CheckinItem
from holdspace.infusions.models import SessionState
from holdspace.infusions.queries import checklist
from holdspace.infusions.tests.conftest import ANSWERS, cid, fresh
from holdspace.measures.actions import (
    Answerer,
    acknowledge_safety_flag,
    start_administration,
    submit_administration,
)
from holdspace.measures.models import Administration, Occasion, SafetyAction, SafetyFlag
from holdspace.therapy.actions import review_support_plan
from holdspace.therapy.models import SupportPlanVersion
from holdspace.therapy.tests.builders import plan_with_versions


def missing(session) -> set[CheckinItem]:
    return {status.item for status in checklist(session).result.missing}


def answer_baseline_phq9(session, nurse, item_9: int = 0) -> Administration:
    row = Administration.objects.get(course=session.order.course, occasion=Occasion.BASELINE)
    by = Answerer(actor=nurse, kiosk=True)
    start_administration(administration=row, by=by)
    answers = {f"phq9-{n}": 1 for n in range(1, 10)} | {"phq9-9": item_9, "phq9-10": 0}
    return submit_administration(administration=row, answers=answers, by=by, client_id=cid())


def test_checking_in_schedules_the_courses_baseline_questionnaire_and_waits_for_it(checked_in):
    row = Administration.objects.get(course=checked_in.order.course, occasion=Occasion.BASELINE)
    assert row.instrument_key == "phq9" and row.status == "due"
    assert CheckinItem.PRE_INFUSION_MEASURES in missing(checked_in)


def test_the_answered_baseline_ticks_the_questionnaire_item(checked_in, nurse_a):
    answer_baseline_phq9(checked_in, nurse_a)
    assert CheckinItem.PRE_INFUSION_MEASURES not in missing(checked_in)


def test_a_plan_reviewed_today_ticks_the_item_and_a_newer_version_needs_a_new_review(
    checked_in, therapist_a
):
    reviewed = plan_with_versions(checked_in.patient, therapist_a)
    assert CheckinItem.SUPPORT_PLAN in missing(checked_in)
    review_support_plan(checked_in, therapist_a)
    assert CheckinItem.SUPPORT_PLAN not in missing(checked_in)
    # A change saved after the review has not been gone through with the patient.
    SupportPlanVersion.objects.create(
        plan=reviewed.plan,
        number=reviewed.number + 1,
        what_helps=["Silence"],
        created_by=therapist_a,
    )
    assert CheckinItem.SUPPORT_PLAN in missing(checked_in)


def test_with_both_done_the_pump_starts_without_an_override(checked_in, nurse_a, therapist_a):
    answer_baseline_phq9(checked_in, nurse_a)
    plan_with_versions(checked_in.patient, therapist_a)
    review_support_plan(checked_in, therapist_a)
    actions.check_in(actor=nurse_a, session=fresh(checked_in), answers=ANSWERS)
    actions.start_infusion(actor=nurse_a, session=fresh(checked_in), client_id=cid())
    assert fresh(checked_in).state == SessionState.RUNNING


def test_a_positive_item_9_blocks_the_start_and_no_override_can_skip_it(
    checked_in, nurse_a, therapist_a, prescriber_a
):
    answer_baseline_phq9(checked_in, nurse_a, item_9=1)
    plan_with_versions(checked_in.patient, therapist_a)
    review_support_plan(checked_in, therapist_a)
    assert missing(checked_in) == {CheckinItem.NO_OPEN_SAFETY_FLAG}
    with pytest.raises(ValidationError, match="cannot be overridden"):
        actions.start_infusion(
            actor=prescriber_a,
            session=fresh(checked_in),
            client_id=cid(),
            override_reason="Patient says they feel fine",
        )
    assert fresh(checked_in).state == SessionState.CHECKED_IN


def test_acknowledging_the_flag_with_the_action_taken_lets_the_infusion_start(
    checked_in, nurse_a, therapist_a
):
    answer_baseline_phq9(checked_in, nurse_a, item_9=1)
    plan_with_versions(checked_in.patient, therapist_a)
    review_support_plan(checked_in, therapist_a)
    flag = SafetyFlag.objects.get(patient=checked_in.patient)
    acknowledge_safety_flag(
        actor=therapist_a,
        flag=flag,
        action=SafetyAction.SAFETY_PLAN_REVIEWED,
        action_taken="Passive thoughts only; safety plan gone through together, prescriber aware.",
    )
    assert missing(checked_in) == set()
    actions.start_infusion(actor=nurse_a, session=fresh(checked_in), client_id=cid())
    assert fresh(checked_in).state == SessionState.RUNNING


def test_the_check_in_page_links_the_open_flag_for_review(checked_in, nurse_a, as_nurse_a):
    answer_baseline_phq9(checked_in, nurse_a, item_9=2)
    flag = SafetyFlag.objects.get(patient=checked_in.patient)
    page = as_nurse_a.get(f"/sessions/{checked_in.public_id}/check-in/").content.decode()
    assert "A questionnaire safety flag is not acknowledged" in page
    assert f"/flags/{flag.public_id}/" in page
