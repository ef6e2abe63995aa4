"""The schedule in the database: default rules, due questionnaires (never twice), stale ones
cancelled with a reason, the overdue worklist and the reminders."""

from datetime import timedelta

import pytest
from django.core import mail

from holdspace.audit.models import AuditEvent
from holdspace.dosing.models import CoursePhase, CoursePhaseChange
from holdspace.measures import scheduling, tasks
from holdspace.measures.models import (
    Administration,
    AdministrationStatus,
    Occasion,
    ScheduleRule,
)
from holdspace.measures.tests.test_schedule_world import (
    START,
    completed,
    course_for,
    infusion,
    noon,
)
from holdspace.worklist.registry import Urgency, items_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_to_the_dummy_backend(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }


def due_rows(course):
    return sorted(
        (r.instrument_key, r.occasion, r.due_on, r.session_id)
        for r in Administration.objects.filter(course=course, status=AdministrationStatus.DUE)
    )


@pytest.fixture
def course(patient_a, nurse_a, prescriber_a):
    return course_for(patient_a, nurse_a, prescriber_a)


def test_a_new_depression_course_asks_phq9_at_baseline_and_before_the_infusion(course):
    session = infusion(course, 1, START + timedelta(days=2))
    result = scheduling.sync_due_administrations(course, today=START)
    assert due_rows(course) == [
        ("phq9", Occasion.BASELINE, START, None),
        ("phq9", Occasion.PRE_INFUSION, START + timedelta(days=2), session.pk),
    ]
    assert len(result.created) == 2
    audit = AuditEvent.objects.filter(category="measure_schedule", patient=course.patient)
    assert audit.count() == 1
    assert "2 due" in audit.get().summary


def test_running_the_schedule_again_never_duplicates_a_questionnaire(course):
    infusion(course, 1, START + timedelta(days=2))
    scheduling.sync_due_administrations(course, today=START)
    again = scheduling.sync_due_administrations(course, today=START)
    assert again.created == [] and again.cancelled == []
    assert Administration.objects.filter(course=course).count() == 2


def test_a_completed_baseline_fills_its_slot(course):
    completed(course, "phq9", START, 18, Occasion.BASELINE)
    scheduling.sync_due_administrations(course, today=START)
    assert Administration.objects.filter(course=course, occasion=Occasion.BASELINE).count() == 1


def test_the_clinic_gets_the_default_rules_once_and_keeps_its_own_changes(course, clinic_a):
    scheduling.ensure_default_rules(clinic_a)
    rules = {
        (r.indication_group, r.instrument.key) for r in ScheduleRule.objects.filter(clinic=clinic_a)
    }
    assert rules == {
        ("depression", "phq9"),
        ("anxiety", "gad7"),
        ("ptsd", "pcl5"),
        ("ptsd", "phq9"),
        ("chronic_pain", "pain_nrs"),
        ("chronic_pain", "phq9"),
    }
    ScheduleRule.objects.filter(clinic=clinic_a, indication_group="depression").update(
        is_active=False
    )
    assert scheduling.ensure_default_rules(clinic_a) == []
    scheduling.sync_due_administrations(course, today=START)
    assert due_rows(course) == []


@pytest.mark.parametrize(
    ("category", "code", "instruments"),
    [
        ("ptsd", "F43.10", {"pcl5", "phq9"}),
        ("chronic_pain", "G90.512", {"pain_nrs", "phq9"}),
        ("gad", "F41.1", {"gad7"}),
    ],
)
def test_each_indication_gets_its_measures(
    patient_a, nurse_a, prescriber_a, category, code, instruments
):
    course = course_for(patient_a, nurse_a, prescriber_a, category=category, icd10=code)
    scheduling.sync_due_administrations(course, today=START)
    assert {row[0] for row in due_rows(course)} == instruments


def test_a_baseline_not_answered_before_the_first_infusion_is_cancelled_with_the_reason(course):
    first = infusion(course, 1, START + timedelta(days=1))
    scheduling.sync_due_administrations(course, today=START)
    first.state, first.started_at = "discharged", noon(START + timedelta(days=1))
    first.save(update_fields=["state", "started_at"])
    result = scheduling.sync_due_administrations(course, today=START + timedelta(days=2))
    reasons = {r.occasion: r.status_reason for r in result.cancelled}
    assert reasons == {
        Occasion.BASELINE: "no longer a baseline: an infusion was given before it was answered",
        Occasion.PRE_INFUSION: (
            "the infusion has started, was cancelled or its day has passed before it was answered"
        ),
    }
    assert due_rows(course) == []
    assert Administration.objects.filter(course=course).count() == 2  # kept, not deleted


def test_follow_ups_start_a_week_after_induction_and_a_missed_one_is_superseded(
    course, prescriber_a
):
    for number in (1, 2, 3):
        infusion(course, number, START + timedelta(days=2 * number), given=True)
    end = START + timedelta(days=6)
    week1 = scheduling.sync_due_administrations(course, today=end + timedelta(days=7))
    assert [(r.occasion, r.due_on) for r in week1.created] == [
        (Occasion.FOLLOW_UP, end + timedelta(days=7))
    ]
    later = scheduling.sync_due_administrations(course, today=end + timedelta(days=15))
    assert [r.due_on for r in later.created] == [end + timedelta(days=14)]
    assert [r.status_reason for r in later.cancelled] == ["superseded by the next follow-up"]


def test_leaving_induction_early_starts_the_follow_ups(course, prescriber_a):
    infusion(course, 1, START, given=True)
    CoursePhaseChange.objects.create(
        course=course,
        from_phase=CoursePhase.INDUCTION,
        to_phase=CoursePhase.MAINTENANCE,
        changed_by=prescriber_a,
        changed_at=noon(START + timedelta(days=1)),
    )
    result = scheduling.sync_due_administrations(course, today=START + timedelta(days=8))
    assert [r.due_on for r in result.created] == [START + timedelta(days=8)]


def test_overdue_questionnaires_are_on_the_care_teams_worklist(
    course, clinic_a, prescriber_a, nurse_b, clinic_b
):
    patient = course.patient
    patient.prescriber = prescriber_a
    patient.save(update_fields=["prescriber"])
    scheduling.sync_due_administrations(course, today=START)
    items = [
        i for i in items_for(clinic_a, prescriber_a, mine_only=True) if i.kind == "measure_overdue"
    ]
    assert len(items) == 1
    item = items[0]
    assert item.patient == patient and item.urgency == Urgency.DUE
    assert item.title == "Overdue: PHQ-9"
    assert f"PHQ-9 due {START:%Y-%m-%d} (course baseline)" in item.detail
    assert str(patient.public_id) in item.url
    assert not [i for i in items_for(clinic_b, nurse_b) if i.kind == "measure_overdue"]


def test_reminders_are_emailed_once_a_day_without_clinical_detail(course, clinic_a):
    course.patient.email = "alex@example.org"
    course.patient.save(update_fields=["email"])
    PatientFactory(clinic=clinic_a, email="")  # no address: nobody to remind
    scheduling.sync_due_administrations(course, today=START)
    assert scheduling.send_reminders(clinic_a, today=START) == 1
    assert scheduling.send_reminders(clinic_a, today=START) == 0
    (message,) = mail.outbox
    assert message.to == ["alex@example.org"]
    body = (message.subject + message.body).lower()
    for clinical in ("phq", "depress", "ketamine", "infusion", "score", "mood"):
        assert clinical not in body
    # A clinic's name often names its treatment ("… Ketamine Clinic"): it is left out too.
    assert clinic_a.name.lower() not in body
    assert AuditEvent.objects.filter(category="measure_reminder", patient=course.patient).exists()


def test_no_reminder_the_day_after_the_due_date(course, clinic_a):
    course.patient.email = "alex@example.org"
    course.patient.save(update_fields=["email"])
    scheduling.sync_due_administrations(course, today=START)
    assert scheduling.send_reminders(clinic_a, today=START + timedelta(days=1)) == 0
    assert scheduling.send_reminders(clinic_a, today=START + timedelta(days=2)) == 1


def test_the_course_task_creates_the_due_questionnaires(course):
    message = tasks.sync_course_measures.call(str(course.public_id))
    assert message.endswith("no longer asked")
    assert Administration.objects.filter(course=course).exists()
    assert tasks.sync_course_measures.call("00000000-0000-0000-0000-000000000000") == (
        "no such course"
    )


def test_the_hourly_task_queues_its_next_run():
    from django.tasks import default_task_backend

    tasks.run_measure_schedule.call()
    queued = [r.task.name for r in default_task_backend.results]
    assert queued == ["run_measure_schedule"]


def test_next_run_is_the_start_of_the_next_hour():
    from datetime import UTC, datetime

    assert tasks.next_run(datetime(2026, 3, 2, 5, 59, tzinfo=UTC)) == datetime(
        2026, 3, 2, 6, tzinfo=UTC
    )
    assert tasks.next_run(datetime(2026, 3, 2, 23, 0, tzinfo=UTC)) == datetime(
        2026, 3, 3, 0, tzinfo=UTC
    )


def test_reminders_go_out_only_in_the_clinics_daytime(clinic_a):
    from datetime import UTC, datetime

    # clinic_a is in America/New_York: 14:00 UTC is 09:00 there in winter, 03:00 UTC is 22:00.
    assert scheduling.within_reminder_hours(clinic_a, datetime(2026, 1, 5, 14, tzinfo=UTC))
    assert not scheduling.within_reminder_hours(clinic_a, datetime(2026, 1, 5, 3, tzinfo=UTC))
