"""Closing a session: an abort with a reason stops the pump; the nurse signs after discharge or
an abort with every alert acknowledged; a signed record is frozen (addenda only), even against
direct SQL."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from holdspace.infusions import actions
from holdspace.infusions.models import Alert, PumpEvent, SessionAddendum, SessionState
from holdspace.infusions.queries import delivered_dose
from holdspace.infusions.tests.conftest import cid, fresh, vitals
from holdspace.infusions.timeline import timeline


@pytest.fixture
def aborted(running, nurse_a):
    return actions.abort_session(actor=nurse_a, session=running, reason="Severe nausea, stopped")


def test_aborting_needs_a_reason(running, nurse_a):
    with pytest.raises(ValidationError, match="needs a reason"):
        actions.abort_session(actor=nurse_a, session=running, reason="  ")


def test_aborting_a_running_infusion_stops_the_pump(aborted):
    session = fresh(aborted)
    assert (
        session.state == SessionState.ABORTED and session.abort_reason == "Severe nausea, stopped"
    )
    stop = PumpEvent.objects.get(action="stop")
    assert stop.reason == "Session aborted: Severe nausea, stopped"
    assert delivered_dose(session).state.value == "stopped"


def test_a_session_is_signed_only_once_closed(running, nurse_a):
    with pytest.raises(ValidationError, match="after discharge or an abort"):
        actions.sign_session(actor=nurse_a, session=running)


def test_open_alerts_must_be_acknowledged_before_signing(running, nurse_a):
    vitals(running, nurse_a, systolic=184)
    actions.abort_session(actor=nurse_a, session=running, reason="Hypertension")
    with pytest.raises(ValidationError, match="1 alert not acknowledged"):
        actions.sign_session(actor=nurse_a, session=running)
    actions.acknowledge_alert(
        actor=nurse_a, alert=Alert.objects.get(), action_taken="Stopped, prescriber assessed"
    )
    assert actions.sign_session(actor=nurse_a, session=running).signed_by == nurse_a


def test_only_a_nurse_signs(aborted, prescriber_a):
    with pytest.raises(PermissionDenied, match="Only a nurse can sign"):
        actions.sign_session(actor=prescriber_a, session=aborted)


def test_a_signed_session_refuses_new_entries_and_accepts_addenda(aborted, nurse_a, therapist_a):
    actions.sign_session(actor=nurse_a, session=aborted)
    with pytest.raises(ValidationError, match="signed"):
        vitals(aborted, nurse_a)
    with pytest.raises(ValidationError, match="signed"):
        actions.record_support_event(
            actor=therapist_a, session=aborted, client_id=cid(), kind="grounding"
        )
    entry = PumpEvent.objects.first()
    with pytest.raises(ValidationError, match="signed"):
        actions.mark_entry_entered_in_error(actor=nurse_a, entry=entry, reason="x")
    addendum = actions.add_addendum(
        actor=therapist_a,
        session=aborted,
        client_id=cid(),
        text="Patient called next day: nausea resolved overnight.",
    )
    assert SessionAddendum.objects.get() == addendum
    assert timeline(fresh(aborted))[-1].kind == "addendum"


def test_an_addendum_waits_for_the_signature(running, nurse_a):
    with pytest.raises(ValidationError, match="not signed yet"):
        actions.add_addendum(actor=nurse_a, session=running, client_id=cid(), text="Later")


def _refused(statement, params):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


_INSERT_STATE = (
    "INSERT INTO infusions_patientstate (public_id, session_id, client_id, occurred_at, "
    "recorded_at, status, error_reason, sensitivity, anxiety) "
    "VALUES (%s, %s, %s, %s, %s, 'final', '', 'normal', 3)"
)


def _insert_state(cursor, session):
    when = session.aborted_at
    cursor.execute(_INSERT_STATE, [cid().hex, session.pk, cid().hex, when, when])


def test_direct_sql_cannot_change_a_signed_session_or_what_belongs_to_it(aborted, nurse_a):
    with connection.cursor() as cursor:
        _insert_state(cursor, fresh(aborted))  # before the signature the same insert works
    actions.sign_session(actor=nurse_a, session=aborted)
    session = fresh(aborted)
    _refused("UPDATE infusions_infusionsession SET abort_reason = 'x' WHERE id = %s", [session.pk])
    _refused("UPDATE infusions_infusionsession SET signed_at = NULL WHERE id = %s", [session.pk])
    _refused("DELETE FROM infusions_infusionsession WHERE id = %s", [session.pk])
    entry = PumpEvent.objects.first()
    _refused("UPDATE infusions_pumpevent SET status = 'entered_in_error' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        _insert_state(cursor, session)
    assert fresh(session).abort_reason == "Severe nausea, stopped"
