"""A monitor feed writes vital signs only into the infusion in its own chair, whoever calls the
action; a reading gets its phase from the pump's effective times; and however often a monitor
posts, one overdue-vitals check per session keeps the schedule."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.tasks import TaskResultStatus
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from holdspace.clinics.models import Device, DeviceKind
from holdspace.infusions import actions, tasks
from holdspace.infusions.actions.entries import NoMonitoredInfusion, record_device_vitals
from holdspace.infusions.models import Alert, PumpEvent, VitalSigns
from holdspace.infusions.queries import pump_history, pump_started_and_stopped
from holdspace.infusions.tests.conftest import NORMAL_VITALS, ago, cid
from tests.factories import ChairFactory


def feed(clinic, chair, *, kind=DeviceKind.FEED, active=True) -> Device:
    device = Device(clinic=clinic, name=f"{chair.name if chair else 'No'} monitor", kind=kind)
    device.chair, device.is_active = chair, active
    device.issue_token()
    device.save()
    return device


def from_device(device, session=None, **values):
    given = {**NORMAL_VITALS, **values}
    if session is None:
        return record_device_vitals(device=device, client_id=cid(), **given)
    return actions.record_vitals(device=device, session=session, client_id=cid(), **given)


# --- Only its own chair ----------------------------------------------------------------------


def test_the_device_kinds_that_may_post_vitals_are_the_monitor_feed_alone():
    assert {DeviceKind.FEED} == actions.VITALS_DEVICE_KINDS


def test_a_feed_of_the_same_clinic_bound_to_another_chair_is_refused(running, clinic_a):
    next_chair = feed(clinic_a, ChairFactory(clinic=clinic_a, name="Chair 2"))
    with pytest.raises(PermissionDenied, match="another chair"):
        from_device(next_chair, running)
    assert not VitalSigns.objects.filter(recorded_by_device=next_chair).exists()


def test_a_feed_bound_to_no_chair_is_refused(running, clinic_a):
    unbound = feed(clinic_a, None)
    with pytest.raises(PermissionDenied):
        from_device(unbound, running)
    with pytest.raises(PermissionDenied):
        from_device(unbound)
    assert not VitalSigns.objects.filter(recorded_by_device=unbound).exists()


def test_a_feed_of_another_clinic_is_refused_even_naming_the_session(running, clinic_b):
    elsewhere = feed(clinic_b, ChairFactory(clinic=clinic_b, name="Chair 1"))
    with pytest.raises(PermissionDenied):
        from_device(elsewhere, running)
    # Without a session it finds its own chair, where nobody is infusing.
    with pytest.raises(NoMonitoredInfusion):
        from_device(elsewhere)
    assert not VitalSigns.objects.filter(recorded_by_device=elsewhere).exists()


def test_the_chairs_own_feed_records_into_its_infusion(running, chair_a, clinic_a):
    own = feed(clinic_a, chair_a)
    named = from_device(own, running)
    found = from_device(own)
    assert named.session_id == found.session_id == running.pk
    assert found.recorded_by_device == own and found.recorded_by is None
    assert found.phase == "intra"


@pytest.mark.parametrize("kind, active", [(DeviceKind.BOARD, True), (DeviceKind.FEED, False)])
def test_a_board_or_a_deactivated_feed_records_nothing(running, chair_a, clinic_a, kind, active):
    device = feed(clinic_a, chair_a, kind=kind, active=active)
    with pytest.raises(PermissionDenied):
        from_device(device)
    assert not VitalSigns.objects.filter(recorded_by_device=device).exists()


def test_a_feed_writes_nothing_before_the_pump_starts(checked_in, chair_a, clinic_a):
    with pytest.raises(NoMonitoredInfusion):
        from_device(feed(clinic_a, chair_a))


def test_a_reading_from_before_this_patient_was_checked_in_is_refused(running, chair_a, clinic_a):
    own = feed(clinic_a, chair_a)
    with pytest.raises(ValidationError) as refused:
        from_device(own, occurred_at=running.checked_in_at - timedelta(minutes=1))
    assert "before the patient now in Chair 1 was checked in" in str(refused.value)


def test_a_resubmitted_reading_is_stored_once_and_returned(running, chair_a, clinic_a):
    own = feed(clinic_a, chair_a)
    client_id = cid()
    first = record_device_vitals(device=own, client_id=client_id, **NORMAL_VITALS)
    again = record_device_vitals(device=own, client_id=client_id, **{**NORMAL_VITALS, "spo2": 90})
    assert again.replayed and again.pk == first.pk and again.spo2 == first.spo2
    assert VitalSigns.objects.filter(session=running, client_id=client_id).count() == 1


def test_a_resubmission_after_signing_returns_the_stored_reading(running, chair_a, clinic_a):
    own = feed(clinic_a, chair_a)
    client_id = cid()
    first = record_device_vitals(device=own, client_id=client_id, **NORMAL_VITALS)
    running.__class__.objects.filter(pk=running.pk).update(signed_at=timezone.now())
    again = record_device_vitals(device=own, client_id=client_id, **NORMAL_VITALS)
    assert again.replayed and again.pk == first.pk
    with pytest.raises(ValidationError, match="signed"):
        record_device_vitals(device=own, client_id=cid(), **NORMAL_VITALS)


def test_a_reading_comes_back_with_the_alerts_it_raised_or_extended(running, chair_a, clinic_a):
    own = feed(clinic_a, chair_a)
    first = from_device(own, systolic=184)
    second = from_device(own, systolic=186)
    alert = Alert.objects.get(session=running)
    assert first.alert_links == [(alert, True)]
    assert second.alert_links == [(alert, False)]
    assert from_device(own).alert_links == []


def test_a_readings_cost_does_not_grow_with_the_infusions_history(running, chair_a, clinic_a):
    own = feed(clinic_a, chair_a)
    from_device(own)
    with CaptureQueriesContext(connection) as early:
        from_device(own)
    for _ in range(25):
        from_device(own)
    with CaptureQueriesContext(connection) as late:
        from_device(own)
    assert len(late) == len(early)


def test_a_reading_reads_its_session_and_protocol_once(running, chair_a, clinic_a):
    """The session is read narrowly (the columns a reading needs); a column left out and then
    used would cost one more query per reading, unseen."""
    own = feed(clinic_a, chair_a)
    from_device(own, systolic=184)  # an alert too: its escalation needs the thresholds
    for record in (lambda: from_device(own, systolic=190), lambda: from_device(own, running)):
        with CaptureQueriesContext(connection) as seen:
            record()
        sql = [query["sql"] for query in seen.captured_queries]
        assert sum('FROM "infusions_infusionsession"' in q for q in sql) == 1
        for table in ("dosing_protocol", "dosing_infusionorder", "patients_patient"):
            assert not any(f'FROM "{table}"' in q for q in sql), table


# --- The phase from the pump's effective times ----------------------------------------------


def test_a_corrected_start_time_moves_the_phase_of_a_reading(running, nurse_a):
    start = PumpEvent.objects.get(session=running, action="start")
    actions.correct_entry_time(
        actor=nurse_a, entry=start, new_time=ago(5), reason="Pump clock was wrong", client_id=cid()
    )

    def taken(minutes):
        return actions.record_vitals(
            actor=nurse_a, session=running, client_id=cid(), occurred_at=ago(minutes), spo2=97
        )

    assert taken(10).phase == "baseline"
    assert taken(2).phase == "intra"


def test_the_start_and_stop_are_those_of_the_pump_history(ended, nurse_a):
    stop = PumpEvent.objects.get(session=ended, action="stop")
    stopped_at = ago(0.5)
    actions.correct_entry_time(
        actor=nurse_a, entry=stop, new_time=stopped_at, reason="Stopped later", client_id=cid()
    )
    history = pump_history(ended)
    expected = (
        next(e.at for e in history if e.row.action == "start"),
        next(e.at for e in history if e.row.action == "stop"),
    )
    assert pump_started_and_stopped(ended) == expected
    assert expected[1] == stopped_at


# --- One overdue check per session ----------------------------------------------------------


@pytest.fixture
def database_tasks(settings):
    """The task backend holdspace runs (rows in the database), instead of the dummy one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting_checks(session):
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=tasks.check_vitals_overdue.module_path,
        args_kwargs__args__0=str(session.public_id),
    )


def test_many_readings_leave_one_overdue_check_waiting(database_tasks, running, chair_a, clinic_a):
    own = feed(clinic_a, chair_a)
    for _ in range(5):
        from_device(own)
    assert waiting_checks(running).count() == 1


def test_a_check_that_finds_vitals_on_time_queues_itself_for_the_next_due_moment(
    database_tasks, running, nurse_a
):
    row = actions.record_vitals(
        actor=nurse_a, session=running, client_id=cid(), occurred_at=ago(3), **NORMAL_VITALS
    )
    DBTaskResult.objects.all().delete()
    assert actions.raise_overdue_if_due(str(running.public_id)) is None
    waiting = waiting_checks(running).get()
    assert waiting.run_after == row.occurred_at + timedelta(minutes=15)
    # Run at that moment with no newer blood pressure: overdue, and no further check queued.
    alert = actions.raise_overdue_if_due(str(running.public_id), now=waiting.run_after)
    assert alert is not None and alert.rule == "vitals_overdue"


def test_a_later_due_check_does_not_cover_an_earlier_reading(database_tasks, running, nurse_a):
    # A check waiting for after this reading's due moment (an acknowledgement queues one an
    # interval after it) would run too late for it.
    tasks.check_vitals_overdue.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(
        str(running.public_id)
    )
    actions.record_vitals(actor=nurse_a, session=running, client_id=cid(), **NORMAL_VITALS)
    assert waiting_checks(running).count() == 2
