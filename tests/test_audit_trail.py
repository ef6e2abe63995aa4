"""The audit trail is append-only and tamper-evident (QUALITY.md: nothing clinical is lost)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from holdspace.audit.models import Action, AuditEvent
from holdspace.audit.trail import record, verify_chain
from holdspace.lib.hashchain import GENESIS


@pytest.fixture
def three_events(patient_a, nurse_a):
    return [
        record(action=Action.READ, category="patient_chart", actor=nurse_a, patient=patient_a),
        record(action=Action.CREATE, category="observation", actor=nurse_a, patient=patient_a),
        record(action=Action.READ, category="patient_chart", actor=nurse_a, patient=patient_a),
    ]


def _drop_protection() -> None:
    """What an attacker with database access would do first: remove the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are deferred; settle them so the table may be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")


def _verify_command_failure() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    return str(failure.value)


def test_each_row_links_to_the_one_before(three_events):
    first, second, third = three_events
    assert second.previous_hash == first.own_hash
    assert third.previous_hash == second.own_hash
    assert verify_chain() is None


def test_first_row_starts_from_genesis(db, nurse_a):
    event = record(action=Action.LOGIN, category="session", actor=nurse_a)
    assert AuditEvent.objects.order_by("id").first() == event
    assert event.previous_hash == GENESIS


def test_rows_cannot_be_updated_through_the_orm(three_events):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=three_events[0].pk).update(action=Action.UPDATE)


def test_rows_cannot_be_deleted_even_with_raw_sql(three_events):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [three_events[1].pk])
    assert AuditEvent.objects.count() == 3


def test_verify_names_an_altered_row(three_events):
    _drop_protection()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s",
            [three_events[1].pk],
        )
    message = _verify_command_failure()
    assert f"row {three_events[1].pk}" in message
    assert "altered" in message


def test_verify_names_the_row_after_a_deleted_one(three_events):
    _drop_protection()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [three_events[1].pk])
    message = _verify_command_failure()
    assert f"row {three_events[2].pk}" in message
    assert "removed" in message


def test_verify_detects_a_reordered_chain(three_events):
    first, second, _ = three_events
    _drop_protection()
    # Swap two rows' contents and hashes wholesale, as if someone re-sequenced the trail.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [first.pk])
        cursor.execute("UPDATE audit_auditevent SET id = %s WHERE id = %s", [first.pk, second.pk])
        cursor.execute("UPDATE audit_auditevent SET id = %s WHERE id = -1", [second.pk])
    broken = verify_chain()
    assert broken is not None
    assert broken.row_id == first.pk


def test_verify_passes_an_intact_trail_and_says_how_many_rows(three_events, capsys):
    call_command("verify_audit")
    assert "3 rows verified" in capsys.readouterr().out


def test_summary_never_grows_beyond_its_column(db, nurse_a):
    event = record(action=Action.UPDATE, category="patient", actor=nurse_a, summary="x" * 1000)
    assert len(event.summary) == 300
    assert verify_chain() is None
