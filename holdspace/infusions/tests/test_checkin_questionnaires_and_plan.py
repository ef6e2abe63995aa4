"""The two check-in items that read other modules: today's pre-infusion questionnaires
(measurement, issue 5) and today's review of the support plan (therapy, issue 6). Once both are
done the pump starts without any override."""

from holdspace.infusions import actions
from holdspace.infusions.checkin import CheckinItem
from holdspace.infusions.models import SessionState
from holdspace.infusions.queries import checklist
from holdspace.infusions.tests.conftest import ANSWERS, cid, fresh
from holdspace.measures.actions import Answerer, start_administration, submit_administration
from holdspace.measures.models import Administration, Occasion
from holdspace.therapy.actions import review_support_plan
from holdspace.therapy.models import SupportPlanVersion
from holdspace.therapy.tests.builders import plan_with_versions


def missing(session) -> set[CheckinItem]:
    return {status.item for status in checklist(session).result.missing}


def answer_baseline_phq9(session, nurse) -> Administration:
    row = Administration.objects.get(course=session.order.course, occasion=Occasion.BASELINE)
    by = Answerer(actor=nurse, kiosk=True)
    start_administration(administration=row, by=by)
    answers = {f"phq9-{n}": 1 for n in range(1, 10)} | {"phq9-9": 0, "phq9-10": 0}
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
