"""The worklist gathers providers' items, most urgent first, and only for the clinician's clinic."""

from datetime import timedelta

import pytest
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.worklist import registry
from holdspace.worklist.registry import Urgency, WorklistItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_kinds_of_work(patient_a, therapist_a):
    now = timezone.now()

    def provider(clinic, user):
        if clinic != patient_a.clinic:
            return []
        return [
            WorklistItem(
                kind="integration_due",
                label="Integration due",
                patient=patient_a,
                title="Integration session due",
                detail="",
                url="/somewhere/",
                action="Book it",
                urgency=Urgency.DUE,
                since=now - timedelta(days=2),
                responsible_ids=frozenset({therapist_a.pk}),
            ),
            WorklistItem(
                kind="safety_flag",
                label="Safety flag",
                patient=patient_a,
                title="PHQ-9 item 9 answered 2",
                detail="",
                url="/flag/",
                action="Acknowledge with action",
                urgency=Urgency.SAFETY,
                since=now,
            ),
        ]

    saved = registry.registered()
    registry._providers.clear()
    registry.register("test", provider)
    yield
    registry._providers.clear()
    registry._providers.update(saved)


def test_a_safety_flag_comes_before_older_routine_work(as_therapist_a, two_kinds_of_work):
    page = as_therapist_a.get("/worklist/").content.decode()
    assert page.index("PHQ-9 item 9 answered 2") < page.index("Integration session due")


def test_mine_hides_work_assigned_to_someone_else_but_everyone_shows_it(
    as_nurse_a, two_kinds_of_work
):
    mine = as_nurse_a.get("/worklist/").content.decode()
    everyone = as_nurse_a.get("/worklist/?show=everyone").content.decode()
    assert "Integration session due" not in mine
    assert "PHQ-9 item 9 answered 2" in mine
    assert "Integration session due" in everyone


def test_another_clinic_sees_none_of_it(as_nurse_b, two_kinds_of_work):
    page = as_nurse_b.get("/worklist/?show=everyone").content.decode()
    assert "PHQ-9" not in page and "Nothing needs doing" in page


def test_viewing_the_worklist_is_an_audited_read(as_therapist_a, two_kinds_of_work):
    before = AuditEvent.objects.filter(category="worklist").count()
    as_therapist_a.get("/worklist/")
    assert AuditEvent.objects.filter(category="worklist", action="read").count() == before + 1
