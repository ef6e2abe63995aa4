"""The alliance: the session-feedback trend beside the outcomes, and a gentle worklist flag for a
low form that clears when the therapist records a review."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from holdspace.audit.models import AuditEvent
from holdspace.goals import actions, alliance
from holdspace.goals.models import AllianceReview, ReviewAction
from holdspace.goals.worklist import low_alliance_feedback
from holdspace.measures import actions as measures
from holdspace.measures.models import Instrument, Occasion

pytestmark = pytest.mark.django_db

GOOD = {f"feedback-{n}": 4 for n in range(1, 6)}
ONE_LOW = {**GOOD, "feedback-3": 1}  # "A little" on "The approach suited me"


def feedback(patient, clinician, answers):
    administration = measures.create_administration(
        actor=clinician,
        patient=patient,
        instrument=Instrument.objects.get(key="session_feedback"),
        occasion=Occasion.INTEGRATION,
    )
    return measures.enter_clinician_rating(
        actor=clinician, administration=administration, answers=answers
    )


def test_the_low_rule_comes_from_the_forms_own_scoring_key():
    version = Instrument.objects.get(key="session_feedback").current_version()
    rule = alliance.low_rule(version.content)
    assert rule.at_most == 1
    assert rule.items == frozenset(f"feedback-{n}" for n in range(1, 6))


def test_one_low_answer_flags_the_form_and_all_good_answers_do_not(therapist_a, patient_a):
    assert not alliance.is_low(feedback(patient_a, therapist_a, GOOD))
    low = feedback(patient_a, therapist_a, ONE_LOW)
    assert low.total == 17  # a high total does not hide one low answer
    assert alliance.is_low(low)


def test_the_flag_is_on_the_worklist_until_a_review_is_recorded(therapist_a, patient_a, clinic_a):
    low = feedback(patient_a, therapist_a, ONE_LOW)
    items = list(low_alliance_feedback(clinic_a, therapist_a))
    assert [i.kind for i in items] == ["low_alliance"]
    assert items[0].action == "Review the feedback"
    actions.review_feedback(
        actor=therapist_a,
        administration=low,
        action_taken=ReviewAction.DISCUSSED,
        note="We slowed down the pace.",
    )
    assert not list(low_alliance_feedback(clinic_a, therapist_a))
    with pytest.raises(ValidationError, match="already reviewed"):
        actions.review_feedback(
            actor=therapist_a, administration=low, action_taken=ReviewAction.NO_ACTION
        )


def test_reviews_are_append_only(therapist_a, patient_a):
    low = feedback(patient_a, therapist_a, ONE_LOW)
    review = actions.review_feedback(
        actor=therapist_a, administration=low, action_taken=ReviewAction.SUPERVISION
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AllianceReview.objects.filter(pk=review.pk).update(action_taken="no_action")


def test_reviewing_through_the_page(therapist_a, patient_a, as_therapist_a):
    low = feedback(patient_a, therapist_a, ONE_LOW)
    url = reverse(
        "goals:review_feedback",
        kwargs={"patient_id": patient_a.public_id, "feedback_id": low.public_id},
    )
    assert "“Not at all” or “A little”" in as_therapist_a.get(url).content.decode()
    response = as_therapist_a.post(url, {"action_taken": "adjusted", "note": "Less talk"})
    assert response.status_code == 302
    assert AllianceReview.objects.get().action_taken == "adjusted"
    assert AuditEvent.objects.filter(category="alliance", summary="Session feedback reviewed")


def test_the_trend_is_drawn_beside_a_link_to_the_outcomes(therapist_a, patient_a, as_therapist_a):
    feedback(patient_a, therapist_a, GOOD)
    feedback(patient_a, therapist_a, ONE_LOW)
    page = as_therapist_a.get(
        reverse("goals:list", kwargs={"patient_id": patient_a.public_id})
    ).content.decode()
    assert page.count('class="point') == 2
    assert 'class="point flagged"' in page
    assert "not validated" in page
    assert f"/patients/{patient_a.public_id}/outcomes/" in page


def test_a_phq9_cannot_be_reviewed_as_session_feedback(therapist_a, patient_a):
    administration = measures.create_administration(
        actor=therapist_a, patient=patient_a, instrument=Instrument.objects.get(key="phq9")
    )
    with pytest.raises(ValidationError, match="session-feedback"):
        actions.review_feedback(
            actor=therapist_a, administration=administration, action_taken="discussed"
        )
