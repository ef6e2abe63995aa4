"""The measure schedule page: everyone reads it, a clinic admin or prescriber changes it."""

import pytest
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.measures.models import Instrument, ScheduleRule
from holdspace.measures.scheduling import ensure_default_rules

pytestmark = pytest.mark.django_db
PAGE = "/measures/schedules/"


def rule(clinic, group="depression", key="phq9"):
    ensure_default_rules(clinic)
    return ScheduleRule.objects.get(clinic=clinic, indication_group=group, instrument__key=key)


def change_url(row):
    return reverse("measures:change_schedule_rule", kwargs={"rule_id": row.public_id})


def form(row, **values):
    prefix = str(row.public_id)
    return {f"{prefix}-{name}": "on" for name, on in values.items() if on}


def test_the_page_shows_the_defaults_by_indication(as_admin_a):
    response = as_admin_a.get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    for words in ("Depression", "PTSD", "Chronic pain", "PCL-5", "Pain NRS (0-10)", "GAD-7"):
        assert words in text
    assert "Add a questionnaire" in text


def test_a_nurse_reads_the_schedule_but_cannot_change_it(as_nurse_a, clinic_a):
    response = as_nurse_a.get(PAGE)
    assert response.status_code == 200
    assert (
        "Only a clinic admin or a prescriber can change the schedule." in response.content.decode()
    )
    row = rule(clinic_a)
    refused = as_nurse_a.post(change_url(row), form(row, at_baseline=True, is_active=True))
    assert refused.status_code == 403
    row.refresh_from_db()
    assert row.before_each_infusion is True


def test_a_prescriber_changes_when_a_questionnaire_is_asked(as_prescriber_a, clinic_a):
    row = rule(clinic_a)
    response = as_prescriber_a.post(
        change_url(row), form(row, at_baseline=True, follow_up=True, is_active=True), follow=True
    )
    assert "Depression · PHQ-9 saved (asked)" in response.content.decode()
    row.refresh_from_db()
    assert (row.at_baseline, row.before_each_infusion, row.at_integration, row.follow_up) == (
        True,
        False,
        False,
        True,
    )
    event = AuditEvent.objects.get(category="measure_schedule", action=Action.UPDATE)
    assert "Depression · PHQ-9" in event.summary


def test_an_active_rule_without_any_occasion_is_refused_and_nothing_changes(
    as_prescriber_a, clinic_a
):
    row = rule(clinic_a)
    response = as_prescriber_a.post(change_url(row), form(row, is_active=True), follow=True)
    assert "Choose at least one occasion" in response.content.decode()
    row.refresh_from_db()
    assert row.at_baseline and row.follow_up


def test_switching_a_rule_off(as_admin_a, clinic_a):
    row = rule(clinic_a)
    as_admin_a.post(change_url(row), form(row, at_baseline=True))
    row.refresh_from_db()
    assert row.is_active is False


def test_adding_a_questionnaire_and_refusing_a_duplicate(as_prescriber_a, clinic_a):
    ensure_default_rules(clinic_a)
    gad7 = Instrument.objects.get(key="gad7")
    data = {"indication_group": "depression", "instrument": gad7.pk, "at_baseline": "on"}
    added = as_prescriber_a.post(reverse("measures:add_schedule_rule"), data, follow=True)
    assert "GAD-7 added for Depression." in added.content.decode()
    assert ScheduleRule.objects.filter(
        clinic=clinic_a, indication_group="depression", instrument=gad7
    ).exists()
    again = as_prescriber_a.post(reverse("measures:add_schedule_rule"), data)
    assert again.status_code == 400
    assert "already in the schedule for Depression" in again.content.decode()


def test_another_clinics_rule_is_not_found(as_admin_a, clinic_b):
    foreign = rule(clinic_b)
    response = as_admin_a.post(change_url(foreign), form(foreign, at_baseline=True))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


# --- Review fixes: reading the page changes nothing; it is reachable from the outcome summary --


def test_opening_the_page_saves_nothing_and_shows_unsaved_defaults(as_admin_a, clinic_a):
    response = as_admin_a.get(PAGE)
    assert response.status_code == 200
    assert not ScheduleRule.objects.filter(clinic=clinic_a).exists()
    assert not AuditEvent.objects.filter(category="measure_schedule").exists()
    text = response.content.decode()
    assert "Default, not yet saved" in text and "PHQ-9" in text
    assert "Save the default schedule" in text


def test_a_prescriber_saves_the_defaults_and_it_is_audited(as_prescriber_a, clinic_a, prescriber_a):
    response = as_prescriber_a.post(reverse("measures:save_schedule_defaults"), follow=True)
    assert "Default schedule saved" in response.content.decode()
    assert ScheduleRule.objects.filter(clinic=clinic_a, indication_group="depression").exists()
    event = AuditEvent.objects.get(category="measure_schedule", action=Action.CREATE)
    assert event.actor == prescriber_a
    assert "Default, not yet saved" not in as_prescriber_a.get(PAGE).content.decode()


def test_a_nurse_cannot_save_the_defaults(as_nurse_a, clinic_a):
    assert "Save the default schedule" not in as_nurse_a.get(PAGE).content.decode()
    response = as_nurse_a.post(reverse("measures:save_schedule_defaults"))
    assert response.status_code == 403
    assert not ScheduleRule.objects.filter(clinic=clinic_a).exists()


def test_adding_to_an_unsaved_group_keeps_its_default(as_prescriber_a, clinic_a):
    gad7 = Instrument.objects.get(key="gad7")
    data = {"indication_group": "depression", "instrument": gad7.pk, "at_baseline": "on"}
    as_prescriber_a.post(reverse("measures:add_schedule_rule"), data)
    keys = set(
        ScheduleRule.objects.filter(clinic=clinic_a, indication_group="depression").values_list(
            "instrument__key", flat=True
        )
    )
    assert keys == {"phq9", "gad7"}


def test_the_outcome_summary_links_to_the_schedule(as_therapist_a):
    page = as_therapist_a.get(reverse("measures:outcome_summary")).content.decode()
    assert f'href="{PAGE}"' in page
