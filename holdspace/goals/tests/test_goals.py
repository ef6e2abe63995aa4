"""SMART goals: set, checked in on (by the therapist and, through the portal, by the patient),
achieved / revised / dropped with a reason, progress drawn, and the worklist reminder."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent
from holdspace.goals import actions
from holdspace.goals.models import Goal, GoalCheckIn, GoalStatus
from holdspace.goals.worklist import CHECKIN_DUE_AFTER, goals_without_recent_checkin

pytestmark = pytest.mark.django_db


def fields(**overrides):
    return {
        "statement": "Get outside every other day",
        "target_behaviour": "A 20-minute walk",
        "frequency_count": 3,
        "frequency_period": "week",
        "measure": "Walking log on the fridge",
        "target_date": timezone.localdate() + timedelta(days=60),
        **overrides,
    }


@pytest.fixture
def goal(therapist_a, patient_a):
    return actions.set_goal(actor=therapist_a, patient=patient_a, fields=fields())


class _Link:
    """What the portal passes: its verified single-use link (only these attributes are read)."""

    def __init__(self, patient):
        self.public_id = uuid.uuid4()
        self.patient_id = patient.pk


def test_a_goal_needs_every_smart_part_and_says_which_is_missing(therapist_a, patient_a):
    with pytest.raises(ValidationError) as error:
        actions.set_goal(
            actor=therapist_a,
            patient=patient_a,
            fields=fields(measure=" ", target_date=timezone.localdate() - timedelta(days=1)),
        )
    assert set(error.value.message_dict) == {"measure", "target_date"}
    assert not Goal.objects.exists()


def test_a_nurse_cannot_set_goals(nurse_a, patient_a):
    with pytest.raises(PermissionDenied):
        actions.set_goal(actor=nurse_a, patient=patient_a, fields=fields())


def test_the_therapist_and_the_patient_check_in(goal, therapist_a, patient_a):
    actions.record_goal_checkin(goal, times_done=2, actor=therapist_a)
    link = _Link(patient_a)
    by_patient = actions.record_goal_checkin(goal, times_done=3, by_patient=True, via_link=link)
    assert by_patient.by_patient and by_patient.recorded_by is None
    assert by_patient.via_link == str(link.public_id)
    assert [c.times_done for c in goal.checkins.all()] == [2, 3]
    summaries = AuditEvent.objects.filter(category="goal", action=Action.CREATE).values_list(
        "summary", flat=True
    )
    assert "Goal check-in recorded by the patient (portal link)" in summaries


def test_a_link_of_another_patient_cannot_check_in(goal, patient_b):
    with pytest.raises(PermissionDenied):
        actions.record_goal_checkin(goal, times_done=1, by_patient=True, via_link=_Link(patient_b))
    with pytest.raises(PermissionDenied):
        actions.record_goal_checkin(goal, times_done=1, by_patient=True, via_link=None)


def test_a_resubmitted_checkin_is_stored_once(goal, therapist_a):
    client_id = uuid.uuid4()
    for _ in range(3):
        actions.record_goal_checkin(goal, times_done=2, actor=therapist_a, client_id=client_id)
    assert goal.checkins.count() == 1


def test_checkins_are_append_only(goal, therapist_a):
    checkin = actions.record_goal_checkin(goal, times_done=2, actor=therapist_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        GoalCheckIn.objects.filter(pk=checkin.pk).update(times_done=9)


def test_revising_keeps_the_old_version_with_its_reason(goal, therapist_a):
    actions.record_goal_checkin(goal, times_done=1, actor=therapist_a)
    revised = actions.revise_goal(
        actor=therapist_a,
        goal=goal,
        fields=fields(frequency_count=2, statement="Get outside twice a week"),
        reason="Three was too many while the knee heals",
    )
    old = Goal.objects.get(pk=goal.pk)
    assert old.status == GoalStatus.REVISED
    assert old.status_reason == "Three was too many while the knee heals"
    assert old.frequency_count == 3 and old.checkins.count() == 1
    assert revised.revises == old and revised.frequency_count == 2


def test_a_goals_wording_cannot_be_rewritten_in_the_database(goal):
    with pytest.raises(DatabaseError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(statement="something else")


def test_achieved_and_dropped_need_a_reason_and_end_checkins(goal, therapist_a):
    with pytest.raises(ValidationError, match="Say why"):
        actions.close_goal(actor=therapist_a, goal=goal, status="achieved", reason=" ")
    actions.close_goal(actor=therapist_a, goal=goal, status="achieved", reason="Walking daily")
    with pytest.raises(ValidationError, match="achieved"):
        actions.record_goal_checkin(goal, times_done=3, actor=therapist_a)


def test_the_goal_page_draws_progress_and_links_the_outcomes(goal, therapist_a, as_therapist_a):
    actions.record_goal_checkin(goal, times_done=3, actor=therapist_a)
    url = reverse(
        "goals:detail", kwargs={"patient_id": goal.patient.public_id, "goal_id": goal.public_id}
    )
    page = as_therapist_a.get(url).content.decode()
    assert "<svg" in page and "3 of 3 times" in page
    assert f"/patients/{goal.patient.public_id}/outcomes/" in page
    assert AuditEvent.objects.filter(category="goal", action=Action.READ).count() == 1


def test_a_checkin_through_the_page(goal, as_therapist_a):
    url = reverse(
        "goals:checkin", kwargs={"patient_id": goal.patient.public_id, "goal_id": goal.public_id}
    )
    response = as_therapist_a.post(url, {"times_done": "2", "client_id": str(uuid.uuid4())})
    assert response.status_code == 302 and goal.checkins.get().times_done == 2
    bad = as_therapist_a.post(url, {"times_done": "-1", "client_id": str(uuid.uuid4())})
    assert "Nothing was saved" in bad.content.decode()


def test_setting_a_goal_through_the_page(as_therapist_a, patient_a):
    url = reverse("goals:new", kwargs={"patient_id": patient_a.public_id})
    data = {**fields(), "target_date": fields()["target_date"].isoformat()}
    assert as_therapist_a.post(url, data).status_code == 302
    assert Goal.objects.get().patient == patient_a


def test_clinic_admins_do_not_see_goals(goal, as_admin_a):
    url = reverse("goals:list", kwargs={"patient_id": goal.patient.public_id})
    assert as_admin_a.get(url).status_code == 403


def test_worklist_names_goals_without_a_checkin_in_14_days(goal, therapist_a, clinic_a):
    # A goal set today is not due its first check-in yet.
    assert not list(goals_without_recent_checkin(clinic_a, therapist_a))
    old = timezone.now() - CHECKIN_DUE_AFTER - timedelta(days=1)
    stale = Goal.objects.create(
        clinic=clinic_a,
        patient=goal.patient,
        created_by=therapist_a,
        created_at=old,
        **fields(statement="Call my sister weekly"),
    )
    items = list(goals_without_recent_checkin(clinic_a, therapist_a))
    assert [i.detail for i in items] == ["Call my sister weekly"]
    assert items[0].action == "Record a check-in"
    actions.record_goal_checkin(stale, times_done=1, actor=therapist_a)
    assert not list(goals_without_recent_checkin(clinic_a, therapist_a))


def test_the_worklist_page_shows_the_goal_item(therapist_a, patient_a, clinic_a, as_therapist_a):
    old = timezone.now() - timedelta(days=20)
    Goal.objects.create(
        clinic=clinic_a, patient=patient_a, created_by=therapist_a, created_at=old, **fields()
    )
    page = as_therapist_a.get(reverse("worklist:worklist") + "?show=everyone").content.decode()
    assert "No goal check-in for 20 days" in page


def _infusion(patient, nurse, prescriber):
    from holdspace.dosing.tests.builders import dosing_world
    from holdspace.infusions.models import InfusionSession
    from tests.factories import ChairFactory

    order = dosing_world(patient, nurse, prescriber)["order_id"]
    return InfusionSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        order=order,
        chair=ChairFactory(clinic=patient.clinic),
        scheduled_for=timezone.now() - timedelta(days=2),
        created_by=nurse,
    )


def test_a_goal_from_an_infusions_integration_links_it(
    patient_a, nurse_a, prescriber_a, as_therapist_a
):
    infusion = _infusion(patient_a, nurse_a, prescriber_a)
    url = reverse("goals:new", kwargs={"patient_id": patient_a.public_id})
    data = {**fields(), "target_date": fields()["target_date"].isoformat()}
    assert as_therapist_a.post(url, {**data, "session": infusion.public_id}).status_code == 302
    goal = Goal.objects.get()
    assert goal.session == infusion
    page = as_therapist_a.get(
        reverse(
            "goals:detail", kwargs={"patient_id": patient_a.public_id, "goal_id": goal.public_id}
        )
    )
    assert page.status_code == 200


def test_another_patients_infusion_in_the_form_is_refused(
    patient_a, clinic_a, nurse_a, prescriber_a, as_therapist_a
):
    from tests.factories import PatientFactory

    other = _infusion(PatientFactory(clinic=clinic_a), nurse_a, prescriber_a)
    url = reverse("goals:new", kwargs={"patient_id": patient_a.public_id})
    data = {**fields(), "target_date": fields()["target_date"].isoformat()}
    response = as_therapist_a.post(url, {**data, "session": other.public_id})
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    assert not Goal.objects.exists()
