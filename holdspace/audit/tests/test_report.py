"""The audit report: this clinic's rows only, filters, whitelisted sorting, pages of 50."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.audit.report import PAGE_SIZE, parse_sort
from holdspace.audit.trail import record
from tests.factories import PatientFactory

URL = reverse("audit:report")


def _event(clinic, summary, *, action=Action.UPDATE, at=None, **fields):
    if at is None:
        return record(action=action, category="test", clinic=clinic, summary=summary, **fields)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return record(action=action, category="test", clinic=clinic, summary=summary, **fields)


def _rows(response):
    return list(response.context["page_obj"].object_list)


def _summaries(response):
    return [row.summary for row in _rows(response) if row.category == "test"]


@pytest.mark.parametrize("client_name", ["as_nurse_a", "as_prescriber_a", "as_therapist_a"])
def test_only_clinic_admins_see_the_report(request, client_name):
    response = request.getfixturevalue(client_name).get(URL)
    assert response.status_code == 403


def test_report_shows_only_this_clinics_rows(as_admin_a, clinic_a, clinic_b):
    _event(clinic_a, "in clinic A")
    _event(clinic_b, "in clinic B")
    _event(None, "in no clinic")
    response = as_admin_a.get(URL)
    assert _summaries(response) == ["in clinic A"]
    # Besides clinic A's rows, only sign-in rows (no clinic) of clinic A's own staff show.
    assert all(
        row.clinic_id == clinic_a.pk or (row.clinic_id is None and row.category == "session")
        for row in _rows(response)
    )
    assert "in clinic B" not in response.content.decode()


def test_viewing_the_report_is_itself_audited(as_admin_a, admin_a, clinic_a):
    as_admin_a.get(URL)
    row = AuditEvent.objects.get(action=Action.READ, category="audit")
    assert (row.actor, row.clinic) == (admin_a, clinic_a)


def test_filter_by_patient_mrn_or_public_id(as_admin_a, clinic_a, patient_a):
    other = PatientFactory(clinic=clinic_a, mrn="A-2002")
    _event(clinic_a, "about patient a", patient=patient_a)
    _event(clinic_a, "about other", patient=other)
    assert _summaries(as_admin_a.get(URL, {"patient": "A-1001"})) == ["about patient a"]
    by_id = as_admin_a.get(URL, {"patient": str(other.public_id)})
    assert _summaries(by_id) == ["about other"]
    assert "A-2002" in by_id.content.decode()


def test_other_clinics_patient_is_not_found(as_admin_a, clinic_b, patient_b):
    _event(clinic_b, "about patient b", patient=patient_b)
    for value in (patient_b.mrn, str(patient_b.public_id)):
        response = as_admin_a.get(URL, {"patient": value})
        assert "No patient with that MRN or id in this clinic" in response.content.decode()
        assert _rows(response) == []


def test_filter_by_staff_member(as_admin_a, clinic_a, nurse_a, therapist_a):
    _event(clinic_a, "by nurse", actor=nurse_a)
    _event(clinic_a, "by therapist", actor=therapist_a)
    response = as_admin_a.get(URL, {"user": str(nurse_a.public_id)})
    assert _summaries(response) == ["by nurse"]


def test_staff_of_another_clinic_is_not_a_choice(as_admin_a, clinic_a, nurse_b):
    _event(clinic_a, "anything")
    response = as_admin_a.get(URL, {"user": str(nurse_b.public_id)})
    assert 'id="id_user_error"' in response.content.decode()
    assert _rows(response) == []
    assert "Nils Nurse" not in response.content.decode()


def test_filter_by_action(as_admin_a, clinic_a):
    _event(clinic_a, "signed", action=Action.SIGN)
    _event(clinic_a, "updated", action=Action.UPDATE)
    assert _summaries(as_admin_a.get(URL, {"action": "sign"})) == ["signed"]
    bad = as_admin_a.get(URL, {"action": "drop_table"})
    assert 'id="id_action_error"' in bad.content.decode()
    assert _rows(bad) == []


def test_dates_are_days_in_the_clinic_time_zone(as_admin_a, clinic_a):
    # 03:00 UTC on 27 November is still the evening of 26 November in New York.
    _event(clinic_a, "late evening", at=datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    _event(clinic_a, "next morning", at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    on_26th = as_admin_a.get(URL, {"date_from": "2026-11-26", "date_to": "2026-11-26"})
    assert _summaries(on_26th) == ["late evening"]
    assert "2026-11-26 22:00:00 EST" in on_26th.content.decode()
    from_27th = as_admin_a.get(URL, {"date_from": "2026-11-27"})
    assert _summaries(from_27th) == ["next morning"]


def test_end_date_before_start_date_is_an_error(as_admin_a):
    response = as_admin_a.get(URL, {"date_from": "2026-11-27", "date_to": "2026-11-01"})
    assert "end date is before the start date" in response.content.decode()


def test_sort_by_actor_and_action_both_ways(as_admin_a, clinic_a, nurse_a, therapist_a):
    _event(clinic_a, "theo signs", actor=therapist_a, action=Action.SIGN)
    _event(clinic_a, "nora creates", actor=nurse_a, action=Action.CREATE)
    by_actor = as_admin_a.get(URL, {"sort": "actor_label", "action": ""})
    labels = [row.actor_label for row in _rows(by_actor)]
    assert labels == sorted(labels)
    assert _summaries(by_actor) == ["nora creates", "theo signs"]
    assert _summaries(as_admin_a.get(URL, {"sort": "-action"})) == ["theo signs", "nora creates"]
    assert _summaries(as_admin_a.get(URL, {"sort": "at"})) == ["theo signs", "nora creates"]


@pytest.mark.parametrize("sort", ["summary", "id); DROP TABLE audit_auditevent; --", "--at", ""])
def test_unknown_sort_falls_back_to_newest_first(as_admin_a, clinic_a, sort):
    _event(clinic_a, "older")
    _event(clinic_a, "newer")
    response = as_admin_a.get(URL, {"sort": sort})
    assert response.status_code == 200
    assert _summaries(response) == ["newer", "older"]
    assert parse_sort(sort) == "-at"


def test_pages_of_fifty(as_admin_a, clinic_a):
    for n in range(PAGE_SIZE + 10):
        _event(clinic_a, f"event {n}")
    first = as_admin_a.get(URL)
    assert len(_rows(first)) == PAGE_SIZE
    second = as_admin_a.get(URL, {"page": 2})
    # Ten test rows, the two "report viewed" rows of these two visits, and the admin's sign-in.
    assert len(_rows(second)) == 13
    assert _summaries(second)[-1] == "event 0"
    assert "Page 2 of 2" in second.content.decode()


def test_row_shows_who_with_role_object_outcome_and_source(as_admin_a, clinic_a, patient_a):
    _event(clinic_a, "refused", actor=None, patient=patient_a, outcome=Outcome.DENIED)
    as_admin_a.get(URL)
    body = as_admin_a.get(URL, {"patient": "A-1001"}).content.decode()
    assert "Ada Admin" in body and "Clinic admin" in body
    assert "A-1001" in body
    assert "Denied" in body
    assert "127.0.0.1" in body


def test_staff_sign_ins_appear_in_their_clinics_report_only(as_admin_a, nurse_a, nurse_b):
    from holdspace.audit.trail import record

    record(action=Action.LOGIN, category="session", actor=nurse_a)
    record(action=Action.LOGIN, category="session", actor=nurse_b)
    response = as_admin_a.get(reverse("audit:report"), {"action": "login"})
    actors = {row.actor for row in _rows(response)}
    assert nurse_a in actors
    assert nurse_b not in actors
