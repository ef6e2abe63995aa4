"""Clinic B cannot act on or follow clinic A's session, a wall board cannot follow any
session, and screens hear of a change only after it is committed (never after a rollback)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from holdspace.clinics.models import Device, Membership
from holdspace.infusions import actions
from holdspace.infusions.models import Alert, VitalSigns
from holdspace.infusions.queries import get_entry_for, get_session_for
from holdspace.infusions.tests.conftest import ANSWERS, cid, vitals
from holdspace.live.brokers import InProcessBroker, set_broker
from holdspace.live.models import LiveEvent
from holdspace.live.topics import authorize_topics


class Rollback(Exception):
    pass


def request_as(clinic, user=None, device=None):
    membership = Membership.objects.filter(user=user, clinic=clinic).first() if user else None
    return SimpleNamespace(clinic=clinic, membership=membership, device=device, user=user)


def test_clinic_b_cannot_act_on_clinic_as_session(running, nurse_b):
    attempts = [
        lambda: vitals(running, nurse_b),
        lambda: actions.pump_action(
            actor=nurse_b, session=running, action="pause", client_id=cid()
        ),
        lambda: actions.check_in(actor=nurse_b, session=running, answers=ANSWERS),
        lambda: actions.abort_session(actor=nurse_b, session=running, reason="Probe"),
        lambda: actions.record_patient_state(
            actor=nurse_b, session=running, client_id=cid(), anxiety=1
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="not working in this patient's clinic"):
            attempt()
    assert VitalSigns.objects.count() == 1


def test_clinic_bs_lookups_do_not_find_clinic_as_session_or_entries(running, clinic_b, nurse_b):
    with pytest.raises(Http404):
        get_session_for(request_as(clinic_b, nurse_b), running.public_id)
    entry = VitalSigns.objects.get()
    own = get_session_for(request_as(running.clinic), running.public_id)
    assert get_entry_for(own, "vitals", entry.public_id) == entry
    with pytest.raises(Http404):
        get_entry_for(own, "pump", entry.public_id)


def test_only_staff_of_the_sessions_clinic_follow_its_live_topic(
    running, nurse_a, therapist_a, clinic_b, nurse_b
):
    topic = running.topic
    assert authorize_topics(request_as(running.clinic, nurse_a), [topic]) == (topic,)
    assert authorize_topics(request_as(running.clinic, therapist_a), [topic]) == (topic,)
    with pytest.raises(Http404):
        authorize_topics(request_as(clinic_b, nurse_b), [topic])
    board = Device(clinic=running.clinic, name="Wall board")
    board.issue_token()
    board.save()
    with pytest.raises(Http404):
        authorize_topics(request_as(running.clinic, device=board), [topic])
    assert authorize_topics(request_as(running.clinic, device=board), ["board"]) == ("board",)


@pytest.fixture
def wakes(monkeypatch):
    broker = InProcessBroker()
    previous = set_broker(broker)
    calls = []
    monkeypatch.setattr(broker, "wake_all", lambda: calls.append(1))
    yield calls
    set_broker(previous)


def test_screens_hear_of_a_vital_and_its_alert_only_after_commit(
    running, nurse_a, wakes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = vitals(running, nurse_a, systolic=184)
        assert wakes == []
    kinds = list(LiveEvent.objects.filter(topic=running.topic).values_list("kind", flat=True))
    assert kinds[-2:] == ["alert.raised", "entry.recorded"]
    recorded = LiveEvent.objects.filter(kind="entry.recorded").last()
    assert recorded.payload["id"] == str(row.public_id) and recorded.payload["systolic"] == 184
    assert LiveEvent.objects.filter(topic="board", kind="alert.raised").exists()
    for callback in callbacks:
        callback()
    assert wakes


def test_a_rolled_back_entry_announces_nothing(
    running, nurse_a, wakes, django_capture_on_commit_callbacks
):
    before = LiveEvent.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        vitals(running, nurse_a, systolic=184)
        raise Rollback
    assert callbacks == [] and wakes == []
    assert LiveEvent.objects.count() == before
    assert not Alert.objects.exists()


def test_board_events_carry_no_names(running, nurse_a):
    vitals(running, nurse_a, systolic=184)
    patient = running.patient
    for event in LiveEvent.objects.filter(topic="board"):
        text = str(event.payload)
        assert patient.legal_family_name not in text and patient.legal_given_name not in text
