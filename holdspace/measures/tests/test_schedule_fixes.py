"""Review fixes to the schedule: a struck questionnaire is asked again, an unfinished baseline is
closed once treatment has started, and the check-in counts only a complete, scored answer."""

import uuid
from datetime import timedelta

import pytest

from holdspace.measures import actions, scheduling
from holdspace.measures.models import Administration, AdministrationStatus, Occasion
from holdspace.measures.queries import pre_infusion_measures_missing
from holdspace.measures.tests.test_admin_world import phq9
from holdspace.measures.tests.test_schedule_world import START, course_for, infusion, noon

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_to_the_dummy_backend(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }


@pytest.fixture
def course(patient_a, nurse_a, prescriber_a):
    return course_for(patient_a, nurse_a, prescriber_a)


def _baselines(course, status):
    return Administration.objects.filter(course=course, occasion=Occasion.BASELINE, status=status)


def test_a_baseline_entered_in_error_is_asked_again(course, nurse_a):
    infusion(course, 1, START + timedelta(days=2))
    scheduling.sync_due_administrations(course, today=START)
    baseline = _baselines(course, AdministrationStatus.DUE).get()
    actions.enter_clinician_rating(
        actor=nurse_a, administration=baseline, answers=phq9((1,) * 9), client_id=uuid.uuid4()
    )
    actions.mark_entered_in_error(actor=nurse_a, administration=baseline, reason="Wrong patient")
    result = scheduling.sync_due_administrations(course, today=START)
    again = _baselines(course, AdministrationStatus.DUE).get()
    assert again in result.created and again.pk != baseline.pk


def test_a_cancelled_pre_infusion_questionnaire_does_not_fill_its_slot(course):
    session = infusion(course, 1, START + timedelta(days=1))
    scheduling.sync_due_administrations(course, today=START)
    pre = Administration.objects.get(course=course, occasion=Occasion.PRE_INFUSION)
    pre.status, pre.status_reason = AdministrationStatus.CANCELLED, "asked by mistake"
    pre.save(update_fields=["status", "status_reason"])
    scheduling.sync_due_administrations(course, today=START)
    assert Administration.objects.filter(
        session=session, occasion=Occasion.PRE_INFUSION, status=AdministrationStatus.DUE
    ).exists()


def test_a_half_answered_baseline_is_closed_once_an_infusion_was_given(course):
    first = infusion(course, 1, START + timedelta(days=1))
    scheduling.sync_due_administrations(course, today=START)
    baseline = _baselines(course, AdministrationStatus.DUE).get()
    actions.start_administration(
        administration=baseline, by=actions.Answerer(actor=course.author, kiosk=True)
    )
    actions.save_progress(
        administration=baseline, answers={"phq9-1": 2}, by=actions.Answerer(kiosk=True)
    )
    first.state, first.started_at = "discharged", noon(START + timedelta(days=1))
    first.save(update_fields=["state", "started_at"])
    scheduling.sync_due_administrations(course, today=START + timedelta(days=2))
    baseline.refresh_from_db()
    assert baseline.status == AdministrationStatus.CANCELLED
    assert baseline.status_reason.startswith("no longer a baseline")
    assert baseline.answers == {"phq9-1": 2}  # what the patient said stays on the record


def test_a_form_submitted_with_nothing_answered_does_not_tick_the_check_in(course, nurse_a):
    session = infusion(course, 1, START)
    scheduling.sync_due_administrations(course, today=START)
    baseline = _baselines(course, AdministrationStatus.DUE).get()
    actions.enter_clinician_rating(
        actor=nurse_a, administration=baseline, answers={}, client_id=uuid.uuid4()
    )
    baseline.refresh_from_db()
    assert baseline.status == AdministrationStatus.COMPLETED and baseline.total is None
    assert pre_infusion_measures_missing(session) == ["PHQ-9"]


def test_the_baseline_is_required_before_the_first_infusion_only(course, nurse_a):
    first = infusion(course, 1, START, given=True)
    second = infusion(course, 2, START + timedelta(days=3))
    Administration.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        course=course,
        instrument_version=_baseline_version(),
        occasion=Occasion.BASELINE,
        status=AdministrationStatus.DUE,
        due_on=START,
    )
    assert "PHQ-9" in pre_infusion_measures_missing(first)
    assert pre_infusion_measures_missing(second) == []


def _baseline_version():
    return scheduling.ensure_instrument("phq9").current_version()


# --- One failure does not stop the hourly job ---------------------------------------------------

REFUSED = "refused@example.org"


class RefusesOneAddress:
    """A mail backend (the process boundary) whose server refuses one recipient."""

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        import smtplib

        if any(REFUSED in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"no such mailbox")})
        return self.inner.send_messages(messages)


def _course_with_email(patient, email, nurse, prescriber):
    patient.email = email
    patient.save(update_fields=["email"])
    course = course_for(patient, nurse, prescriber)
    scheduling.sync_due_administrations(course, today=START)
    return course


def test_a_refused_reminder_does_not_stop_the_other_patients(
    settings, clinic_a, nurse_a, prescriber_a
):
    from django.core import mail

    from holdspace.audit.models import AuditEvent
    from tests.factories import PatientFactory

    settings.EMAIL_BACKEND = f"{__name__}.RefusesOneAddress"
    refused = PatientFactory(clinic=clinic_a)
    reached = PatientFactory(clinic=clinic_a)
    _course_with_email(refused, REFUSED, nurse_a, prescriber_a)
    _course_with_email(reached, "reached@example.org", nurse_a, prescriber_a)
    assert scheduling.send_reminders(clinic_a, today=START) == 1
    assert [message.to for message in mail.outbox] == [["reached@example.org"]]
    # The refused patient has no "reminder emailed" audit row, so the next run tries again.
    assert not AuditEvent.objects.filter(category="measure_reminder", patient=refused).exists()
    assert AuditEvent.objects.filter(category="measure_reminder", patient=reached).exists()


def test_the_hourly_job_queues_its_next_run_even_when_a_clinic_fails(
    monkeypatch, clinic_a, clinic_b
):
    from django.tasks import default_task_backend

    from holdspace.measures import tasks

    ran = []

    def sync_clinic(clinic, today=None):
        if clinic == clinic_a:
            raise RuntimeError("database hiccup")
        ran.append(clinic)
        return scheduling.SyncResult([], [])

    monkeypatch.setattr(scheduling, "sync_clinic", sync_clinic)
    message = tasks.run_measure_schedule.call()
    assert clinic_b in ran
    assert "1 clinics failed" in message
    assert [r.task.name for r in default_task_backend.results] == ["run_measure_schedule"]
