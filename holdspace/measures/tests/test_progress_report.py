"""The progress report PDF for the referring clinician."""

from datetime import timedelta

import pytest
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.measures.progress import RefusedURL, report_html, static_file_for
from holdspace.measures.tests.test_schedule_world import START, course_for, infusion, scores
from holdspace.therapy.models import IntegrationSession

pytestmark = pytest.mark.django_db


def report_url(patient):
    return reverse("measures:progress_report", kwargs={"patient_id": patient.public_id})


@pytest.fixture
def course(patient_a, nurse_a, prescriber_a):
    return course_for(patient_a, nurse_a, prescriber_a)


def test_the_report_is_a_pdf_and_its_download_is_audited_as_an_export(as_prescriber_a, course):
    scores(course, "phq9", 20, 9)
    response = as_prescriber_a.get(report_url(course.patient))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert (
        AuditEvent.objects.filter(
            action=Action.EXPORT, patient=course.patient, category="progress_report"
        ).count()
        == 1
    )


def test_the_report_has_the_outcomes_and_the_same_chart(course, prescriber_a):
    infusion(course, 1, START + timedelta(days=1), given=True)
    scores(course, "phq9", 20, 9)
    html = report_html(course.patient, prescriber_a)
    assert "Response (≥ 50 % reduction)" in html
    assert "<svg" in html and "PHQ-9 scores" in html
    assert course.patient.mrn in html


def test_no_therapy_note_content_reaches_the_report(course, prescriber_a, therapist_a):
    session = infusion(course, 1, START + timedelta(days=1), given=True)
    IntegrationSession.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        infusion=session,
        therapist=therapist_a,
        created_by=therapist_a,
        insights="PRIVATE-INSIGHT-7731",
        experience="PRIVATE-EXPERIENCE-7731",
    )
    scores(course, "phq9", 20, 9)
    html = report_html(course.patient, prescriber_a)
    assert "7731" not in html


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://holdspace.invalid/static/../../settings.py",
        "https://holdspace.invalid/media/x.png",
        "https://holdspace.invalid/static/css/progress-report.css?x=1",
        "https://example.org/static/css/progress-report.css",
        "data:text/plain,hello",
    ],
)
def test_the_pdf_renderer_may_fetch_nothing_but_our_static_files(url):
    with pytest.raises(RefusedURL):
        static_file_for(url)


def test_our_stylesheet_is_allowed():
    path = static_file_for("https://holdspace.invalid/static/css/progress-report.css")
    assert path.name == "progress-report.css"


def test_another_clinic_cannot_download_the_report(as_nurse_b, course):
    assert as_nurse_b.get(report_url(course.patient)).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.EXPORT, patient=course.patient).exists()
