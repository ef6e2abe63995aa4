"""Administering questionnaires: scoring on submission, incomplete answers, idempotency,
entered in error, roles, immutability, and the pre-infusion check."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.infusions.models import SessionState
from holdspace.measures import actions
from holdspace.measures.models import Administration, AdministrationStatus, Mode, Occasion
from holdspace.measures.queries import pre_infusion_measures, pre_infusion_measures_missing
from holdspace.measures.tests.test_admin_world import PHQ9_MODERATE, due, phq9, session_for

pytestmark = pytest.mark.django_db


def test_a_submitted_phq9_is_scored_with_the_published_vector(patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    stored = actions.enter_clinician_rating(
        actor=nurse_a, administration=row, answers=phq9(PHQ9_MODERATE), client_id=uuid.uuid4()
    )
    stored.refresh_from_db()
    assert stored.status == AdministrationStatus.COMPLETED
    assert stored.complete and stored.total == 12 and stored.severity == "moderate"
    assert stored.mode == Mode.CLINICIAN and stored.entered_by == nurse_a
    assert stored.completed_at is not None and stored.missing_items == []
    created = AuditEvent.objects.filter(
        object_id=str(row.public_id), action=Action.CREATE, patient=patient_a
    )
    assert created.count() == 2  # asked, then submitted
    assert "12" not in created.last().summary  # the trail never copies scores


def test_missing_answers_are_never_scored_as_zero(patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    stored = actions.enter_clinician_rating(
        actor=nurse_a,
        administration=row,
        answers=phq9((2, 2, None, 2, 1, 1, 2, 0, 0)),
        client_id=uuid.uuid4(),
    )
    stored.refresh_from_db()
    assert stored.status == AdministrationStatus.COMPLETED
    assert not stored.complete
    assert stored.total is None and stored.severity == ""
    assert stored.missing_items == ["phq9-3"]
    assert "never counted as 0" in stored.interpretation


def test_a_resubmitted_answer_sheet_is_stored_once(patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    sheet = uuid.uuid4()
    first = actions.enter_clinician_rating(
        actor=nurse_a, administration=row, answers=phq9(PHQ9_MODERATE), client_id=sheet
    )
    again = actions.enter_clinician_rating(
        actor=nurse_a, administration=row, answers=phq9(PHQ9_MODERATE), client_id=sheet
    )
    assert again.pk == first.pk and again.replayed
    submissions = AuditEvent.objects.filter(
        object_id=str(row.public_id), summary__contains="submitted"
    )
    assert submissions.count() == 1


def test_a_second_different_submission_is_refused(patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    actions.enter_clinician_rating(
        actor=nurse_a, administration=row, answers=phq9(PHQ9_MODERATE), client_id=uuid.uuid4()
    )
    with pytest.raises(ValidationError, match="already submitted"):
        actions.enter_clinician_rating(
            actor=nurse_a, administration=row, answers=phq9((3,) * 9), client_id=uuid.uuid4()
        )
    row.refresh_from_db()
    assert row.total == 12


def test_a_disallowed_answer_is_refused_with_the_item_and_nothing_is_saved(patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    with pytest.raises(ValidationError, match=r"phq9-2.*allowed values are 0, 1, 2, 3"):
        actions.enter_clinician_rating(
            actor=nurse_a, administration=row, answers=phq9((1, 7)), client_id=uuid.uuid4()
        )
    row.refresh_from_db()
    assert row.status == AdministrationStatus.DUE and row.answers == {}


def test_a_clinician_enters_hamd17_and_bprs(patient_a, prescriber_a):
    hamd = due(patient_a, "hamd17", prescriber_a)
    answers = {f"hamd17-{n}": 1 for n in range(1, 18)}
    stored = actions.enter_clinician_rating(
        actor=prescriber_a, administration=hamd, answers=answers, client_id=uuid.uuid4()
    )
    assert stored.complete and stored.total == 17
    # Item 3 (suicide) rated 1 raises the safety flag, as PHQ-9 item 9 does.
    assert stored.safety_flags
    bprs = due(patient_a, "bprs_positive", prescriber_a)
    parsed = bprs.instrument_version.parsed()
    ones = {item.link_id: item.lowest for item in parsed.items}
    stored = actions.enter_clinician_rating(
        actor=prescriber_a, administration=bprs, answers=ones, client_id=uuid.uuid4()
    )
    assert stored.complete and stored.total == parsed.minimum


def test_a_clinic_admin_cannot_ask_or_enter_questionnaires(patient_a, nurse_a, admin_a):
    with pytest.raises(PermissionDenied):
        due(patient_a, "phq9", admin_a)
    row = due(patient_a, "phq9", nurse_a)
    with pytest.raises(PermissionDenied):
        actions.enter_clinician_rating(
            actor=admin_a, administration=row, answers=phq9(PHQ9_MODERATE)
        )


def test_another_clinics_clinician_cannot_enter_answers(patient_a, nurse_a, nurse_b):
    row = due(patient_a, "phq9", nurse_a)
    with pytest.raises(PermissionDenied):
        actions.enter_clinician_rating(
            actor=nurse_b, administration=row, answers=phq9(PHQ9_MODERATE)
        )


def test_progress_is_kept_and_merged_until_submission(patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    actions.start_administration(administration=row, by=actions.Answerer(actor=nurse_a, kiosk=True))
    kiosk = actions.Answerer(kiosk=True)
    actions.save_progress(administration=row, answers={"phq9-1": 2}, by=kiosk)
    actions.save_progress(administration=row, answers={"phq9-2": 1}, by=kiosk)
    row.refresh_from_db()
    assert row.answers == {"phq9-1": 2, "phq9-2": 1}
    assert row.status == AdministrationStatus.IN_PROGRESS and row.mode == Mode.KIOSK
    assert row.total is None


def test_a_patient_at_the_kiosk_cannot_answer_a_clinician_rated_scale(patient_a, nurse_a):
    row = due(patient_a, "hamd17", nurse_a)
    with pytest.raises(ValidationError, match="clinician-rated"):
        actions.start_administration(
            administration=row, by=actions.Answerer(actor=nurse_a, kiosk=True)
        )
    with pytest.raises(PermissionDenied):
        actions.save_progress(
            administration=row, answers={"hamd17-1": 1}, by=actions.Answerer(kiosk=True)
        )


def test_an_instrument_without_shipped_text_cannot_go_to_the_patient(patient_a, nurse_a):
    row = due(patient_a, "qids_sr16", nurse_a)
    with pytest.raises(ValidationError, match="licence"):
        actions.start_administration(
            administration=row, by=actions.Answerer(actor=nurse_a, kiosk=True)
        )


def test_a_completed_administration_cannot_be_changed_even_with_direct_sql(patient_a, nurse_a):
    row = actions.enter_clinician_rating(
        actor=nurse_a,
        administration=due(patient_a, "phq9", nurse_a),
        answers=phq9(PHQ9_MODERATE),
        client_id=uuid.uuid4(),
    )
    for change in ({"total": 3}, {"answers": {"phq9-1": 0}}, {"severity": "mild"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Administration.objects.filter(pk=row.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        Administration.objects.filter(pk=row.pk).delete()
    row.refresh_from_db()
    assert row.total == 12


def test_entered_in_error_keeps_the_answers_with_the_reason(patient_a, nurse_a):
    row = actions.enter_clinician_rating(
        actor=nurse_a,
        administration=due(patient_a, "phq9", nurse_a),
        answers=phq9(PHQ9_MODERATE),
        client_id=uuid.uuid4(),
    )
    with pytest.raises(ValidationError):
        actions.mark_entered_in_error(actor=nurse_a, administration=row, reason="  ")
    actions.mark_entered_in_error(actor=nurse_a, administration=row, reason="Wrong patient")
    row.refresh_from_db()
    assert row.status == AdministrationStatus.ENTERED_IN_ERROR
    assert row.status_reason == "Wrong patient" and row.total == 12
    assert AuditEvent.objects.filter(
        action=Action.ENTERED_IN_ERROR, object_id=str(row.public_id)
    ).exists()


def test_pre_infusion_measures_name_what_is_not_done_on_the_infusion_day(
    patient_a, nurse_a, prescriber_a
):
    session = session_for(patient_a, nurse_a, prescriber_a, state=SessionState.SCHEDULED)
    pre = Occasion.PRE_INFUSION
    phq = due(patient_a, "phq9", nurse_a, occasion=pre, session=session)
    gad = due(patient_a, "gad7", nurse_a, occasion=pre, session=session)
    assert {row.pk for row in pre_infusion_measures(session)} == {phq.pk, gad.pk}
    assert pre_infusion_measures_missing(session) == ["GAD-7", "PHQ-9"]
    actions.enter_clinician_rating(
        actor=nurse_a, administration=phq, answers=phq9(PHQ9_MODERATE), client_id=uuid.uuid4()
    )
    assert pre_infusion_measures_missing(session) == ["GAD-7"]
    # A GAD-7 entered in error does not count: it must be asked again.
    gad_answers = {f"gad7-{n}": 0 for n in range(1, 8)}
    actions.enter_clinician_rating(
        actor=nurse_a, administration=gad, answers=gad_answers, client_id=uuid.uuid4()
    )
    assert pre_infusion_measures_missing(session) == []
    actions.mark_entered_in_error(actor=nurse_a, administration=gad, reason="Other patient's")
    assert pre_infusion_measures_missing(session) == ["GAD-7"]


def test_a_pre_infusion_measure_completed_the_day_before_is_still_missing(
    patient_a, nurse_a, prescriber_a
):
    session = session_for(patient_a, nurse_a, prescriber_a, state=SessionState.SCHEDULED)
    session.scheduled_for = timezone.now() + timedelta(days=1)
    session.save(update_fields=["scheduled_for"])
    phq = due(patient_a, "phq9", nurse_a, occasion=Occasion.PRE_INFUSION, session=session)
    actions.enter_clinician_rating(
        actor=nurse_a, administration=phq, answers=phq9(PHQ9_MODERATE), client_id=uuid.uuid4()
    )
    assert pre_infusion_measures_missing(session) == ["PHQ-9"]
