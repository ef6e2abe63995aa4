"""Correcting the record: a wrong time is corrected with a reason and the first time kept; a
wrong entry is marked entered in error and stays, struck through. Nothing is deleted or
silently rewritten, not even with direct SQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from holdspace.infusions import actions
from holdspace.infusions.models import PumpEvent, SupportEvent, TimeCorrection, VitalSigns
from holdspace.infusions.queries import delivered_dose
from holdspace.infusions.tests.conftest import cid, fresh, pump, vitals
from holdspace.infusions.timeline import timeline


def test_entered_in_error_keeps_the_row_and_shows_it_struck_in_the_timeline(running, nurse_a):
    row = vitals(running, nurse_a, systolic=150)
    actions.mark_entry_entered_in_error(actor=nurse_a, entry=row, reason="Cuff on the wrong arm")
    stored = VitalSigns.objects.get(pk=row.pk)
    assert stored.status == "entered_in_error" and stored.error_reason == "Cuff on the wrong arm"
    assert stored.systolic == 150
    item = next(i for i in timeline(fresh(running)) if i.id == row.public_id)
    assert item.entered_in_error and item.error_reason == "Cuff on the wrong arm"


def test_entered_in_error_needs_a_reason_and_twice_is_once(running, nurse_a):
    row = vitals(running, nurse_a)
    with pytest.raises(ValidationError, match="reason"):
        actions.mark_entry_entered_in_error(actor=nurse_a, entry=row, reason=" ")
    actions.mark_entry_entered_in_error(actor=nurse_a, entry=row, reason="Duplicate")
    again = actions.mark_entry_entered_in_error(actor=nurse_a, entry=row, reason="Other")
    assert again.error_reason == "Duplicate"


def test_a_time_correction_keeps_the_original(running, nurse_a):
    row = vitals(running, nurse_a)
    new_time = row.occurred_at - timedelta(minutes=3)
    correction = actions.correct_entry_time(
        actor=nurse_a, entry=row, new_time=new_time, reason="Entered late", client_id=cid()
    )
    assert VitalSigns.objects.get(pk=row.pk).occurred_at == row.occurred_at
    assert (correction.old_time, correction.new_time) == (row.occurred_at, new_time)
    item = next(i for i in timeline(fresh(running)) if i.id == row.public_id)
    assert item.at == new_time and item.original_at == row.occurred_at
    assert item.corrections[0].reason == "Entered late"


def test_a_second_correction_starts_from_the_corrected_time(running, nurse_a):
    row = vitals(running, nurse_a)
    first = row.occurred_at - timedelta(minutes=3)
    second = row.occurred_at - timedelta(minutes=2)
    for when in (first, second):
        actions.correct_entry_time(
            actor=nurse_a, entry=row, new_time=when, reason="Clock check", client_id=cid()
        )
    last = TimeCorrection.objects.order_by("id").last()
    assert (last.old_time, last.new_time) == (first, second)


def test_correcting_a_pump_time_into_an_impossible_order_is_refused(running, nurse_a):
    pause = pump(running, nurse_a, "pause")
    with pytest.raises(ValidationError, match="pump record would not make sense"):
        actions.correct_entry_time(
            actor=nurse_a,
            entry=pause,
            new_time=running.started_at - timedelta(minutes=1),
            reason="Typo",
            client_id=cid(),
        )


def test_a_corrected_pump_time_changes_the_delivered_dose(running, nurse_a):
    stop = pump(running, nurse_a, "stop", at=running.started_at + timedelta(minutes=20))
    before = delivered_dose(fresh(running)).delivered_ml
    actions.correct_entry_time(
        actor=nurse_a,
        entry=stop,
        new_time=running.started_at + timedelta(minutes=10),
        reason="The pump was stopped at the first alarm",
        client_id=cid(),
    )
    assert before == Decimal("50.4")
    assert delivered_dose(fresh(running)).delivered_ml == Decimal("25.2")


def test_the_pump_event_that_sets_the_current_state_cannot_be_struck(running, nurse_a):
    pause = pump(running, nurse_a, "pause")
    with pytest.raises(ValidationError, match="record a new pump action"):
        actions.mark_entry_entered_in_error(actor=nurse_a, entry=pause, reason="Pressed by mistake")
    assert PumpEvent.objects.get(pk=pause.pk).is_final


def test_a_struck_rate_change_no_longer_counts_for_the_dose(running, nurse_a):
    change = pump(
        running,
        nurse_a,
        "rate",
        at=running.started_at + timedelta(minutes=10),
        rate_ml_h=Decimal("100"),
    )
    pump(running, nurse_a, "stop", at=running.started_at + timedelta(minutes=20))
    actions.mark_entry_entered_in_error(actor=nurse_a, entry=change, reason="Never programmed")
    assert delivered_dose(fresh(running)).delivered_ml == Decimal("50.4")


def test_a_therapist_corrects_only_their_own_entries(running, nurse_a, therapist_a):
    mine = actions.record_support_event(
        actor=therapist_a, session=running, client_id=cid(), kind="breathing"
    )
    actions.mark_entry_entered_in_error(actor=therapist_a, entry=mine, reason="Wrong patient")
    theirs = vitals(running, nurse_a)
    with pytest.raises(PermissionDenied, match="only entries they recorded"):
        actions.mark_entry_entered_in_error(actor=therapist_a, entry=theirs, reason="?")
    assert SupportEvent.objects.get(pk=mine.pk).status == "entered_in_error"


def _sql(statement, params):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_direct_sql_cannot_change_an_entry_delete_it_or_unstrike_it(running, nurse_a):
    row = vitals(running, nurse_a, systolic=150)
    _sql("UPDATE infusions_vitalsigns SET systolic = 120 WHERE id = %s", [row.pk])
    _sql("DELETE FROM infusions_vitalsigns WHERE id = %s", [row.pk])
    actions.mark_entry_entered_in_error(actor=nurse_a, entry=row, reason="Wrong arm")
    _sql("UPDATE infusions_vitalsigns SET status = 'final' WHERE id = %s", [row.pk])
    assert VitalSigns.objects.get(pk=row.pk).systolic == 150


def test_direct_sql_cannot_rewrite_a_time_correction(running, nurse_a):
    row = vitals(running, nurse_a)
    correction = actions.correct_entry_time(
        actor=nurse_a,
        entry=row,
        new_time=row.occurred_at - timedelta(minutes=1),
        reason="Late",
        client_id=cid(),
    )
    _sql("UPDATE infusions_timecorrection SET reason = 'x' WHERE id = %s", [correction.pk])
    _sql("DELETE FROM infusions_timecorrection WHERE id = %s", [correction.pk])
