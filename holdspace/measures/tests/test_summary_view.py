"""The clinic outcome summary page: who may read it, the period form, the counts, the audit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.dosing.tests.builders import dosing_world
from holdspace.measures import scoring
from holdspace.measures.models import Administration, AdministrationStatus, Instrument
from holdspace.patients.models import Indication

URL = reverse("measures:outcome_summary")


def phq9(course, total, days_ago, status=AdministrationStatus.COMPLETED, occasion="follow_up"):
    """A completed PHQ-9 of ``course`` scored by the engine; answers built to reach ``total``."""
    version = Instrument.objects.get(key="phq9").current_version()
    answers = {f"phq9-{n}": 0 for n in range(1, 10)}
    for n in range(1, 9):
        answers[f"phq9-{n}"] = min(3, max(0, total - 3 * (n - 1)))
    result = scoring.score(version.parsed(), answers)
    assert result.total == total
    return Administration.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        course=course,
        instrument_version=version,
        occasion=occasion,
        mode="remote",
        status=status,
        answers=answers,
        complete=True,
        total=result.total,
        completed_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def course_a(patient_a, nurse_a, prescriber_a):
    Indication.objects.create(
        patient=patient_a, category="trd", icd10_code="F33.2", is_primary=True
    )
    return dosing_world(patient_a, nurse_a, prescriber_a)["course_id"]


@pytest.mark.django_db
@pytest.mark.parametrize("client", ["as_prescriber_a", "as_therapist_a", "as_admin_a"])
def test_prescribers_therapists_and_admins_read_it_and_each_view_is_audited(client, request):
    response = request.getfixturevalue(client).get(URL)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=Action.READ, category="outcome_summary").count() == 1


@pytest.mark.django_db
def test_a_nurse_is_refused(as_nurse_a):
    assert as_nurse_a.get(URL).status_code == 403


@pytest.mark.django_db
def test_a_response_and_a_remission_are_counted_with_their_interval(as_prescriber_a, course_a):
    phq9(course_a, 20, 35, occasion="baseline")
    phq9(course_a, 4, 5)
    page = as_prescriber_a.get(URL).content.decode()
    assert "Treatment-resistant depression" in page and "F33.2" in page
    assert "100 %</strong> (1 of 1)" in page  # response and remission
    assert "21 % to 100 %" in page  # Wilson 95 % interval for 1 of 1


@pytest.mark.django_db
def test_entered_in_error_scores_are_not_counted(as_prescriber_a, course_a):
    phq9(course_a, 20, 35)
    phq9(course_a, 4, 5, status=AdministrationStatus.ENTERED_IN_ERROR)
    page = as_prescriber_a.get(URL).content.decode()
    assert "0 no baseline<br>1 no follow-up in the period" in page
    assert "No evaluable course" in page


@pytest.mark.django_db
def test_another_clinics_courses_are_not_counted(as_prescriber_a, patient_b, nurse_b):
    course_b = dosing_world(patient_b, nurse_b, nurse_b)["course_id"]
    phq9(course_b, 20, 10)
    phq9(course_b, 4, 5)
    page = as_prescriber_a.get(URL).content.decode()
    assert "No treatment course with a questionnaire ran in this period." in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-10-01", "date_to": "2026-09-01"}, "before the first day"),
        ({"date_from": "yesterday", "date_to": "2026-09-01"}, "Enter the first day as a date"),
        ({"date_from": "", "date_to": "2026-09-01"}, "Enter the first day of the period."),
    ],
)
def test_a_wrong_period_says_what_is_wrong_and_shows_no_figures(as_prescriber_a, query, message):
    response = as_prescriber_a.get(URL, query)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Correct the period above" in page
    assert not AuditEvent.objects.filter(category="outcome_summary").exists()


@pytest.mark.django_db
def test_a_period_ending_after_today_is_refused(as_prescriber_a):
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    page = as_prescriber_a.get(URL, {"date_from": "2026-01-01", "date_to": future}).content
    assert "cannot be after today" in page.decode()


def _infusion_started(course, days_ago):
    """An infusion of ``course`` whose pump started ``days_ago`` days ago."""
    from holdspace.infusions.models import InfusionSession, SessionState
    from tests.factories import ChairFactory

    order = course.orders.first()
    when = timezone.now() - timedelta(days=days_ago)
    return InfusionSession.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        order=order,
        chair=ChairFactory(clinic=course.patient.clinic),
        scheduled_for=when,
        created_by=order.created_by,
        state=SessionState.DISCHARGED,
        started_at=when,
        discharged_at=when,
    )


@pytest.mark.django_db
def test_a_score_taken_after_treatment_started_is_not_the_baseline(as_prescriber_a, course_a):
    """The real baseline (20) was struck; the first score left (12) came after two weeks of
    infusions. Counting from 12 would hide the response; the course is not evaluable."""
    phq9(course_a, 20, 40, status=AdministrationStatus.ENTERED_IN_ERROR, occasion="baseline")
    _infusion_started(course_a, 38)
    phq9(course_a, 12, 25)
    phq9(course_a, 4, 5)
    page = as_prescriber_a.get(URL).content.decode()
    assert "1 no baseline<br>0 no follow-up in the period" in page
    assert "No evaluable course" in page


@pytest.mark.django_db
def test_the_last_score_before_the_first_infusion_is_the_baseline(as_prescriber_a, course_a):
    phq9(course_a, 6, 50)  # an early screen, long before treatment
    phq9(course_a, 20, 40)  # the day before the first infusion: the baseline
    _infusion_started(course_a, 39)
    phq9(course_a, 9, 5)
    page = as_prescriber_a.get(URL).content.decode()
    assert "100 %</strong> (1 of 1)" in page  # 20 → 9 is a response (from 6 it would not be)
