"""Review fixes to the schedule: a struck questionnaire is asked again, an unfinished baseline is
closed once treatment has started, and the check-in counts only a complete, scored answer."""

import smtplib
import uuid
from datetime import timedelta

import pytest
from django.core.mail.backends.locmem import EmailBackend

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


class RefusesOneAddress(EmailBackend):
    """A mail backend (the process boundary) whose server refuses one recipient."""

    def send_messages(self, messages):
        if any(REFUSED in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"no such mailbox")})
        return super().send_messages(messages)


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

    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusesOneAddress"}}
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


# --- Questionnaires at integration sessions ----------------------------------------------------


def _integration(course, therapist, discharged_day, opened_day, status="draft"):
    from holdspace.therapy.models import IntegrationSession

    given = infusion(course, 1, discharged_day, given=True)
    given.discharged_at = noon(discharged_day)
    given.save(update_fields=["discharged_at"])
    return IntegrationSession.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        infusion=given,
        therapist=therapist,
        created_by=therapist,
        status=status,
        created_at=noon(opened_day),
        held_at=noon(opened_day) if status == "signed" else None,
    )


def _integration_rows(course, status=AdministrationStatus.DUE):
    return Administration.objects.filter(
        course=course, occasion=Occasion.INTEGRATION, status=status
    )


def test_an_integration_questionnaire_stays_due_after_the_note_is_signed(course, therapist_a):
    day = START + timedelta(days=1)
    note = _integration(course, therapist_a, START, day)
    scheduling.sync_due_administrations(course, today=day)
    assert _integration_rows(course).count() == 1
    note.status, note.held_at = "signed", noon(day)
    note.save(update_fields=["status", "held_at"])
    # Signed the same day, the questionnaire not yet answered: still there the next day.
    scheduling.sync_due_administrations(course, today=day + timedelta(days=1))
    assert _integration_rows(course).count() == 1


def test_a_note_opened_late_in_the_day_is_picked_up_by_the_next_days_run(course, therapist_a):
    opened = START + timedelta(days=1)
    _integration(course, therapist_a, START, opened)
    scheduling.sync_due_administrations(course, today=opened + timedelta(days=1))
    (row,) = _integration_rows(course)
    assert row.due_on == opened


def test_it_is_cancelled_once_the_integration_window_has_closed(course, therapist_a):
    day = START + timedelta(days=1)
    _integration(course, therapist_a, START, day)
    scheduling.sync_due_administrations(course, today=day)
    # The window closes 72 hours after discharge (START + 3 days, CLINICAL.md §6).
    scheduling.sync_due_administrations(course, today=START + timedelta(days=4))
    (row,) = _integration_rows(course, AdministrationStatus.CANCELLED)
    assert row.status_reason == "the integration window closed before it was answered"


def test_the_patients_questionnaire_page_brings_the_schedule_up_to_date(
    as_nurse_a, course, therapist_a
):
    from django.urls import reverse
    from django.utils import timezone

    today = timezone.localdate()
    _integration(course, therapist_a, today - timedelta(days=1), today)
    url = reverse("measures:patient_measures", kwargs={"patient_id": course.patient.public_id})
    response = as_nurse_a.get(url)
    assert response.status_code == 200
    assert _integration_rows(course).exists()
