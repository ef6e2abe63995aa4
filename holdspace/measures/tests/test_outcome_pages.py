"""A patient's outcomes page and the booster suggestion on the worklist (CLINICAL.md §5)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.measures.models import AdministrationStatus
from holdspace.measures.outcome_views import (
    SUGGESTION_OPEN_DAYS,
    completed_series,
    patient_outcomes,
)
from holdspace.measures.tests.test_schedule_world import (
    START,
    completed,
    course_for,
    infusion,
    scores,
)
from holdspace.worklist.registry import Urgency, items_for

pytestmark = pytest.mark.django_db


def outcomes_url(patient):
    return reverse("measures:patient_outcomes", kwargs={"patient_id": patient.public_id})


@pytest.fixture
def course(patient_a, nurse_a, prescriber_a):
    return course_for(patient_a, nurse_a, prescriber_a)


def rows_of(patient, key="phq9"):
    (section,) = patient_outcomes(patient)
    (item,) = [i for i in section.instruments if i.series.instrument.key == key]
    return dict(item.rows), item


def test_a_remitter_shows_response_remission_and_reliable_recovery(course):
    scores(course, "phq9", 20, 12, 4)
    rows, item = rows_of(course.patient)
    assert rows["Baseline"] == f"20 on {START:%Y-%m-%d}"
    assert rows["Latest"].startswith("4 on")
    assert rows["Change from baseline"] == "-16 points (-80 %)"
    assert rows["Response (≥ 50 % reduction)"] == "yes"
    assert rows["Remission"] == "yes"
    assert rows["Reliable change"] == "reliable improvement"
    assert rows["Reliable recovery"] == "yes"
    assert rows["Minimal clinically important difference reached"] == "yes"
    assert rows["Loss of response or relapse"] == "none detected"
    assert "remission: &lt; 5" in item.svg or "remission: < 5" in item.svg


def test_entered_in_error_and_incomplete_responses_are_left_out(course):
    scores(course, "phq9", 20, 10)
    completed(
        course, "phq9", START + timedelta(days=20), 2, status=AdministrationStatus.ENTERED_IN_ERROR
    )
    completed(course, "phq9", START + timedelta(days=21), None)
    (series,) = completed_series([course.patient], course.patient.clinic)
    assert [score for _, score in series.scores] == [20.0, 10.0]
    assert series.incomplete == 1


def test_instruments_without_remission_rules_say_not_assessed(course):
    scores(course, "pain_nrs", 8, 5)
    rows, _ = rows_of(course.patient, "pain_nrs")
    assert rows["Remission"] == "not assessed (no rule for this questionnaire)"
    assert rows["Minimal clinically important difference reached"] == "yes"  # 3 ≥ 2 points


def test_the_page_shows_the_chart_and_is_audited_once(as_nurse_a, course):
    infusion(course, 1, START + timedelta(days=1), given=True)
    scores(course, "phq9", 20, 9)
    response = as_nurse_a.get(outcomes_url(course.patient))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<svg" in text and "1 infusion days marked" in text
    assert "Response (≥ 50 % reduction)" in text
    reads = AuditEvent.objects.filter(
        action=Action.READ, patient=course.patient, category="measure_outcomes"
    )
    assert reads.count() == 1


def test_a_clinic_admin_is_refused_and_another_clinic_is_not_found(as_admin_a, as_nurse_b, course):
    assert as_admin_a.get(outcomes_url(course.patient)).status_code == 403
    assert as_nurse_b.get(outcomes_url(course.patient)).status_code == 404


def test_a_relapse_after_response_puts_a_suggestion_on_the_worklist(course, prescriber_a):
    patient = course.patient
    patient.prescriber = prescriber_a
    patient.save(update_fields=["prescriber"])
    recent = timezone.localdate() - timedelta(days=21)
    scores(course, "phq9", 20, 8, 14, 16, start=recent)
    rows, _ = rows_of(patient)
    assert rows["Loss of response or relapse"].startswith("yes")
    items = [
        i
        for i in items_for(patient.clinic, prescriber_a, mine_only=True)
        if i.kind == "booster_suggestion"
    ]
    assert len(items) == 1
    suggestion = items[0]
    assert suggestion.urgency == Urgency.SUGGESTION
    assert "consider a booster or extra therapy" in suggestion.title
    assert "suggest a booster or an extra therapy session" in suggestion.detail
    assert suggestion.url == outcomes_url(patient)


def test_booking_a_booster_clears_the_suggestion(course, prescriber_a):
    recent = timezone.localdate() - timedelta(days=21)
    scores(course, "phq9", 20, 8, 14, 16, start=recent)
    infusion(course, 1, timezone.localdate() + timedelta(days=2))
    kinds = [i.kind for i in items_for(course.patient.clinic, prescriber_a)]
    assert "booster_suggestion" not in kinds


def test_an_old_suggestion_leaves_the_worklist(course, prescriber_a):
    old = timezone.localdate() - timedelta(days=SUGGESTION_OPEN_DAYS + 30)
    scores(course, "phq9", 20, 8, 14, 16, start=old)
    kinds = [i.kind for i in items_for(course.patient.clinic, prescriber_a)]
    assert "booster_suggestion" not in kinds


def test_the_unvalidated_session_feedback_form_is_never_shown_as_an_outcome(course):
    scores(course, "session_feedback", 18, 20)
    scores(course, "phq9", 20, 9)
    (section,) = patient_outcomes(course.patient)
    assert [i.series.instrument.key for i in section.instruments] == ["phq9"]


def test_a_suggestion_followed_by_a_new_response_is_shown_as_earlier(as_nurse_a, course):
    scores(course, "phq9", 20, 8, 14, 16, 7)
    text = as_nurse_a.get(outcomes_url(course.patient)).content.decode()
    assert "Earlier suggestion (a later score met the response criterion again)" in text
    assert "Suggestion for the care team (not an order)" not in text


def test_hostile_text_in_the_record_is_shown_as_text_on_the_page_and_in_the_pdf(
    as_nurse_a, course, prescriber_a
):
    from holdspace.measures.progress import report_html

    patient = course.patient
    patient.preferred_name = '<script>alert("x")</script>'
    patient.save(update_fields=["preferred_name"])
    scores(course, "phq9", 20, 9)
    page = as_nurse_a.get(outcomes_url(patient)).content.decode()
    pdf_html = report_html(patient, prescriber_a)
    for html in (page, pdf_html):
        assert '<script>alert("x")</script>' not in html
        assert "&lt;script&gt;" in html
