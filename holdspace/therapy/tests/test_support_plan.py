"""The support plan: every save is a version, old ones are kept; reviews are dated; the
patient's suggestions are accepted into a version or declined with a reason, once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from holdspace.audit.models import AuditEvent
from holdspace.therapy import actions, queries
from holdspace.therapy.models import SupportPlanSuggestion, SupportPlanVersion


def save(actor, patient, based_on, **content):
    return actions.save_support_plan(
        actor=actor, patient=patient, content=content, based_on=based_on
    )


def test_every_change_is_a_new_version_and_old_ones_are_kept(therapist_a, patient_a, plan_a):
    second, created = save(therapist_a, patient_a, 1, what_helps=["Silence", "Music"])
    assert created and second.number == 2
    assert queries.current_support_plan(patient_a) == second
    assert SupportPlanVersion.objects.get(pk=plan_a.pk).what_helps[0] == "Slow breathing together"


def test_saving_the_same_plan_again_adds_no_version(therapist_a, patient_a, plan_a):
    same, created = actions.save_support_plan(
        actor=therapist_a, patient=patient_a, content=plan_a.content(), based_on=1
    )
    assert not created and same == plan_a


def test_a_save_from_an_older_version_is_a_conflict(therapist_a, patient_a, plan_a):
    save(therapist_a, patient_a, 1, what_helps=["Silence"])
    with pytest.raises(actions.EditConflict) as conflict:
        save(therapist_a, patient_a, 1, what_helps=["Music"])
    assert conflict.value.current.number == 2
    assert SupportPlanVersion.objects.filter(plan__patient=patient_a).count() == 2


def test_only_the_therapist_writes_the_plan(nurse_a, patient_a):
    with pytest.raises(PermissionDenied):
        save(nurse_a, patient_a, None, what_helps=["Music"])


def test_a_version_cannot_be_edited_or_removed_with_sql(plan_a):
    for statement in (
        "UPDATE therapy_supportplanversion SET words_that_harm = '' WHERE id = %s",
        "DELETE FROM therapy_supportplanversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [plan_a.pk])


def test_reviewed_today_is_dated_and_a_later_change_needs_a_new_review(
    therapist_a, nurse_a, patient_a, plan_a
):
    review = actions.review_support_plan(patient_a, nurse_a)
    assert queries.support_plan_reviewed_today(patient_a, review.reviewed_on)
    save(therapist_a, patient_a, 1, what_helps=["Silence"])
    assert not queries.support_plan_reviewed_today(patient_a, review.reviewed_on)


def test_reviewing_from_the_infusion_session_keeps_the_session(nurse_a, running, plan_a):
    review = actions.review_support_plan(running, nurse_a)
    assert review.session == running and review.version == plan_a


def test_a_plan_that_does_not_exist_cannot_be_reviewed(nurse_a, patient_a):
    with pytest.raises(ValidationError, match="no support plan"):
        actions.review_support_plan(patient_a, nurse_a)


def test_a_patients_suggestion_is_accepted_into_a_new_version(therapist_a, patient_a, plan_a):
    suggestion = actions.suggest_support_plan_change(patient_a, "Please no talking at first")
    version, created = actions.save_support_plan(
        actor=therapist_a,
        patient=patient_a,
        content={**plan_a.content(), "session_style": "quiet", "words_that_help": "(none)"},
        based_on=1,
        suggestion=suggestion,
    )
    suggestion.refresh_from_db()
    assert created and suggestion.status == "accepted" and suggestion.accepted_into == version
    assert version.from_suggestion == suggestion
    # The portal's call is audited without a staff actor and without the patient's words.
    event = AuditEvent.objects.get(category="support_plan_suggestion", action="create")
    assert event.actor is None and "no talking" not in event.summary


def test_a_declined_suggestion_keeps_its_reason_and_is_decided_once(therapist_a, patient_a):
    suggestion = actions.suggest_support_plan_change(patient_a, "Hold my hand the whole time")
    with pytest.raises(ValidationError, match="Say why"):
        actions.decline_suggestion(actor=therapist_a, suggestion=suggestion, reason=" ")
    actions.decline_suggestion(
        actor=therapist_a, suggestion=suggestion, reason="Touch stays as agreed: ask each time"
    )
    with pytest.raises(ValidationError, match="already declined"):
        actions.decline_suggestion(actor=therapist_a, suggestion=suggestion, reason="Again")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE therapy_supportplansuggestion SET status = 'open' WHERE id = %s",
            [suggestion.pk],
        )
    assert SupportPlanSuggestion.objects.get(pk=suggestion.pk).decline_reason.startswith("Touch")


def test_an_empty_suggestion_is_refused_with_a_message(patient_a):
    with pytest.raises(ValidationError, match="Write the change"):
        actions.suggest_support_plan_change(patient_a, "   ")
