"""What the console and the board read: one merged timeline, the chart's series, the board's
tiles with minimum necessary information; each in a constant number of queries."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.dosing import engine
from holdspace.infusions import actions
from holdspace.infusions.models import Alert
from holdspace.infusions.queries import board_tiles, chart_series, session_clock
from holdspace.infusions.tests.conftest import cid, fresh, pump, vitals
from holdspace.infusions.timeline import timeline
from tests.factories import ChairFactory


def a_busy_quarter_hour(session, nurse, therapist, rounds=1):
    for _ in range(rounds):
        vitals(session, nurse, heart_rate=88)
        actions.record_patient_state(
            actor=therapist, session=session, client_id=cid(), anxiety=4, dissociation=6
        )
        event = actions.record_support_event(
            actor=therapist, session=session, client_id=cid(), kind="grounding"
        )
        actions.record_support_response(
            actor=therapist, support_event=event, client_id=cid(), response="settled"
        )
        actions.record_statement(
            actor=therapist, session=session, client_id=cid(), text="It is like the sea"
        )


def queries(function, *args):
    with CaptureQueriesContext(connection) as captured:
        function(*args)
    return len(captured)


def test_the_timeline_merges_nurse_and_therapist_entries_in_time_order(
    running, nurse_a, therapist_a
):
    a_busy_quarter_hour(running, nurse_a, therapist_a)
    vitals(running, nurse_a, systolic=184)
    items = timeline(fresh(running))
    kinds = [item.kind for item in items]
    assert kinds[0] == "vitals" and "check_in" in kinds and "pump" in kinds
    assert {"state", "support", "support_response", "statement", "alert"} <= set(kinds)
    assert [item.at for item in items] == sorted(item.at for item in items)
    statement = next(item for item in items if item.kind == "statement")
    assert statement.summary == "“It is like the sea”" and statement.by == "Theo Therapist"
    alert = next(item for item in items if item.kind == "alert")
    assert alert.summary.startswith("Alert (hold): Systolic 184 mmHg")


def test_the_timeline_reads_in_a_constant_number_of_queries(running, nurse_a, therapist_a):
    a_busy_quarter_hour(running, nurse_a, therapist_a)
    few = queries(timeline, fresh(running))
    a_busy_quarter_hour(running, nurse_a, therapist_a, rounds=4)
    vitals(running, nurse_a, systolic=184)
    actions.acknowledge_alert(actor=nurse_a, alert=Alert.objects.get(), action_taken="Paused")
    assert queries(timeline, fresh(running)) == few


def test_the_chart_has_vitals_pump_events_and_the_dose_curve_on_one_axis(running, nurse_a):
    vitals(running, nurse_a, minutes_ago=10, systolic=140)
    pump(running, nurse_a, "pause", at=running.started_at + timedelta(minutes=10))
    series = chart_series(fresh(running))
    assert series["vitals"]["systolic"] == [122, 140]
    assert [p["action"] for p in series["pump"]] == ["start", "pause"]
    assert series["pump"][0]["rate_ml_h"] == 151.2
    # 10 minutes at 151.2 mL/h of 40 mg in 100.8 mL: 10 mg, then flat while paused.
    assert series["dose"]["mg"] == [0.0, 10.0, 10.0]
    assert series["planned_mg"] == 40.0


def test_the_header_shows_elapsed_remaining_and_delivered(running):
    clock = session_clock(fresh(running), now=running.started_at + timedelta(minutes=20))
    assert clock.elapsed == timedelta(minutes=20) and clock.remaining == timedelta(minutes=20)
    # The stored concentration has 9 decimals (dosing.models.STORED_CONCENTRATION_STEP).
    assert engine.round_dose_mg(clock.delivered_mg) == Decimal(20) and clock.dose_percent == 50
    assert clock.pump_state == "running" and clock.rate_ml_h == Decimal("151.2")


def test_the_board_shows_every_active_chair_with_initials_only(running, nurse_a, clinic_a):
    ChairFactory(clinic=clinic_a, name="Chair 2")
    vitals(running, nurse_a, systolic=184)
    tiles = board_tiles(clinic_a, now=running.started_at + timedelta(minutes=20))
    assert [tile.chair_name for tile in tiles] == ["Chair 1", "Chair 2"]
    tile, empty = tiles
    assert not empty.occupied
    assert tile.initials == "LR" and tile.phase == "Infusing"
    assert tile.dose_percent == 50 and tile.remaining == timedelta(minutes=20)
    assert tile.last_vitals.systolic == 184
    assert (tile.open_alerts, tile.highest_tier, tile.escalated) == (1, "hold", False)
    assert "Rivera" not in repr(tile) and "Alex" not in repr(tile)


def test_the_board_reads_in_a_constant_number_of_queries(running, nurse_a, therapist_a, clinic_a):
    few = queries(board_tiles, clinic_a)
    a_busy_quarter_hour(running, nurse_a, therapist_a, rounds=3)
    pump(running, nurse_a, "pause")
    pump(running, nurse_a, "resume")
    vitals(running, nurse_a, spo2=88)
    ChairFactory(clinic=clinic_a, name="Chair 2")
    assert queries(board_tiles, clinic_a) == few
