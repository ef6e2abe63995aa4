"""Time-based alerts: vitals overdue, an infusion past its planned end, escalation of unacknowledged
alerts, and the therapist's prompts from the patient's state."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from holdspace.infusions.alerts import (
    AlertInputError,
    AlertThresholds,
    Audience,
    Rule,
    Tier,
    escalation_due_at,
    needs_escalation,
    overdue_vitals,
    past_planned_end,
    state_findings,
)

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
TICK = timedelta(microseconds=1)
FIFTEEN = timedelta(minutes=15)


# --- vitals overdue ---------------------------------------------------------------------------


def test_vitals_are_overdue_exactly_at_the_interval() -> None:
    last = T0 + 2 * MIN
    assert overdue_vitals(last, last + FIFTEEN - TICK, T0, FIFTEEN) is None
    finding = overdue_vitals(last, last + FIFTEEN, T0, FIFTEEN)
    assert finding is not None
    assert finding.rule is Rule.VITALS_OVERDUE
    assert finding.tier is Tier.NOTIFY
    assert finding.message == (
        "No blood pressure for 15 min (protocol interval 15 min): take vitals now"
    )


def test_the_clock_starts_with_monitoring_when_no_bp_was_taken() -> None:
    assert overdue_vitals(None, T0 + 14 * MIN, T0, FIFTEEN) is None
    finding = overdue_vitals(None, T0 + 16 * MIN + timedelta(seconds=30), T0, FIFTEEN)
    assert finding is not None
    assert finding.message.startswith("No blood pressure since monitoring began 16 min 30 s ago")


def test_a_baseline_taken_before_the_start_gives_one_interval_of_grace() -> None:
    # Baseline at check-in, 40 minutes before the pump started: not overdue at the start.
    baseline = T0 - 40 * MIN
    assert overdue_vitals(baseline, T0, T0, FIFTEEN) is None
    assert overdue_vitals(baseline, T0 + FIFTEEN, T0, FIFTEEN) is not None


def test_the_recovery_interval_is_the_callers() -> None:
    thirty = timedelta(minutes=30)
    assert overdue_vitals(T0, T0 + 20 * MIN, T0, thirty) is None
    assert overdue_vitals(T0, T0 + 30 * MIN, T0, thirty) is not None


@pytest.mark.parametrize(
    ("last", "now", "since", "interval"),
    [
        (T0 + 5 * MIN, T0, T0, FIFTEEN),  # last BP in the future
        (None, T0, T0 + MIN, FIFTEEN),  # monitoring starts in the future
        (None, T0, T0, timedelta(0)),  # no interval
        (None, T0.replace(tzinfo=None), T0, FIFTEEN),  # naive time
    ],
)
def test_impossible_overdue_inputs_are_refused(
    last: datetime | None, now: datetime, since: datetime, interval: timedelta
) -> None:
    with pytest.raises(AlertInputError):
        overdue_vitals(last, now, since, interval)


# --- past the planned end ---------------------------------------------------------------------


def test_not_past_the_end_exactly_at_the_planned_minute() -> None:
    assert past_planned_end(T0, 40, [], T0 + 40 * MIN) is None
    finding = past_planned_end(T0, 40, [], T0 + 40 * MIN + TICK)
    assert finding is not None
    assert finding.rule is Rule.PAST_PLANNED_END
    assert finding.tier is Tier.NOTIFY


def test_pauses_are_excluded_from_the_running_time() -> None:
    pauses = [timedelta(minutes=6), timedelta(minutes=4)]
    # 50 minutes on the clock, 10 of them paused: exactly 40 running.
    assert past_planned_end(T0, 40, pauses, T0 + 50 * MIN) is None
    finding = past_planned_end(T0, 40, pauses, T0 + 51 * MIN)
    assert finding is not None
    assert finding.message == (
        "The infusion has run 41 min (pauses excluded) against 40 min planned: check the pump "
        "and the delivered dose"
    )


def test_decimal_planned_minutes_are_exact() -> None:
    planned = Decimal("40.5")
    assert past_planned_end(T0, planned, [], T0 + timedelta(minutes=40, seconds=30)) is None
    late = past_planned_end(T0, planned, [], T0 + timedelta(minutes=40, seconds=30) + TICK)
    assert late is not None
    assert "against 40.5 min planned" in late.message


@pytest.mark.parametrize(
    ("planned", "pauses", "now"),
    [
        (0, [], T0 + MIN),
        (Decimal("-1"), [], T0 + MIN),
        (40.0, [], T0 + MIN),
        (40, [timedelta(minutes=-1)], T0 + MIN),
        (40, [timedelta(minutes=5)], T0 + MIN),  # paused longer than it has existed
        (40, [], T0 - MIN),
    ],
)
def test_impossible_planned_end_inputs_are_refused(
    planned: object, pauses: list[timedelta], now: datetime
) -> None:
    with pytest.raises(AlertInputError):
        past_planned_end(T0, planned, pauses, now)  # type: ignore[arg-type]


# --- escalation -------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", [Tier.HOLD, Tier.CRITICAL])
def test_an_unacknowledged_alert_escalates_at_five_minutes(tier: Tier) -> None:
    assert not needs_escalation(T0, None, tier, T0 + 5 * MIN - TICK)
    assert needs_escalation(T0, None, tier, T0 + 5 * MIN)
    assert needs_escalation(T0, None, tier, T0 + 60 * MIN)
    assert escalation_due_at(T0, tier) == T0 + 5 * MIN


def test_a_notify_alert_never_escalates() -> None:
    assert not needs_escalation(T0, None, Tier.NOTIFY, T0 + 120 * MIN)
    assert escalation_due_at(T0, Tier.NOTIFY) is None


def test_an_acknowledged_alert_does_not_escalate() -> None:
    assert not needs_escalation(T0, T0 + 3 * MIN, Tier.CRITICAL, T0 + 10 * MIN)
    # Acknowledged exactly when it would have escalated: acknowledged wins.
    assert not needs_escalation(T0, T0 + 5 * MIN, Tier.CRITICAL, T0 + 5 * MIN)


def test_an_acknowledgement_later_than_now_does_not_count_yet() -> None:
    assert needs_escalation(T0, T0 + 7 * MIN, Tier.CRITICAL, T0 + 6 * MIN)


def test_the_protocol_sets_minutes_and_the_tier_that_escalates() -> None:
    strict = AlertThresholds(escalation_minutes=2, escalate_from_tier=Tier.CRITICAL)
    assert needs_escalation(T0, None, Tier.CRITICAL, T0 + 2 * MIN, strict)
    assert not needs_escalation(T0, None, Tier.HOLD, T0 + 60 * MIN, strict)


@pytest.mark.parametrize(
    ("raised", "acknowledged", "now"),
    [
        (T0, T0 - MIN, T0 + MIN),  # acknowledged before raised
        (T0 + MIN, None, T0),  # raised after now
        (T0.replace(tzinfo=None), None, T0),
    ],
)
def test_impossible_escalation_inputs_are_refused(
    raised: datetime, acknowledged: datetime | None, now: datetime
) -> None:
    with pytest.raises(AlertInputError):
        needs_escalation(raised, acknowledged, Tier.CRITICAL, now)


# --- the patient's state prompts the therapist ------------------------------------------------


def test_anxiety_at_the_threshold_prompts_the_therapist() -> None:
    assert state_findings(6, None) == ()
    (finding,) = state_findings(7, None)
    assert finding.rule is Rule.ANXIETY_HIGH
    assert finding.audience is Audience.THERAPIST
    assert finding.tier is Tier.NOTIFY
    assert finding.message.startswith("Anxiety 7/10 ≥ 7: check in with the patient")
    assert finding.source == "Project default, no published source"


def test_dissociation_at_the_threshold_prompts_the_therapist() -> None:
    assert state_findings(None, 6) == ()
    (finding,) = state_findings(None, 9)
    assert finding.rule is Rule.DISSOCIATION_HIGH
    assert finding.audience is Audience.THERAPIST


def test_both_prompts_anxiety_first_and_not_rated_is_silent() -> None:
    assert [f.rule for f in state_findings(9, 9)] == [Rule.ANXIETY_HIGH, Rule.DISSOCIATION_HIGH]
    assert state_findings(None, None) == ()


def test_the_protocol_sets_the_state_thresholds() -> None:
    calm_clinic = AlertThresholds(anxiety_prompt_at=5, dissociation_prompt_at=9)
    assert [f.rule for f in state_findings(5, 8, calm_clinic)] == [Rule.ANXIETY_HIGH]
