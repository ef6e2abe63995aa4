"""The psychological-then-medical distress ladder of CLINICAL.md section 2, step by step."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.infusions.alerts import Tier
from holdspace.infusions.ladder import (
    DistressEpisode,
    LadderInputError,
    LadderSettings,
    LadderStep,
    SupportEvent,
    SupportKind,
    SupportResponse,
    next_step,
)

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
Step = LadderStep
K = SupportKind
R = SupportResponse


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def episode(*support: SupportEvent, **fields: object) -> DistressEpisode:
    return DistressEpisode(T0, tuple(support), **fields)  # type: ignore[arg-type]


def support(minute: float, response: SupportResponse | None = None) -> SupportEvent:
    return SupportEvent(at(minute), K.BREATHING, response)


# --- rung 1 and 2 -----------------------------------------------------------------------------


def test_the_first_response_is_psychological() -> None:
    advice = next_step(episode(anxiety=8), at(0))
    assert advice.step is Step.PSYCHOLOGICAL_SUPPORT
    assert "grounding, breathing, reassurance, orientation, music change" in advice.action
    assert "the first response is psychological" in advice.why


def test_after_support_reassess_in_three_minutes() -> None:
    advice = next_step(episode(support(1), anxiety=8), at(2))
    assert advice.step is Step.REASSESS
    assert advice.reassess_at == at(4)
    assert advice.action == "Reassess at 10:04 and record the patient's response."
    assert advice.why == "Psychological support began at 10:01; reassess after 3 minutes."


def test_a_reassessment_becomes_due_and_says_now() -> None:
    advice = next_step(episode(support(1), anxiety=8), at(4))
    assert advice.step is Step.REASSESS
    assert advice.action.startswith("Reassess now")


def test_the_clinic_sets_the_reassessment_interval() -> None:
    advice = next_step(episode(support(1)), at(2), settings=LadderSettings(reassess_minutes=5))
    assert advice.reassess_at == at(6)


def test_settled_with_calm_numbers_ends_the_ladder() -> None:
    advice = next_step(episode(support(1, R.SETTLED), anxiety=3), at(2))
    assert advice.step is Step.SETTLED
    assert advice.why == "Settled: patient settled after breathing at 10:01."


def test_unchanged_waits_for_the_reassessment_time() -> None:
    timeline = episode(support(1, R.UNCHANGED), anxiety=8)
    assert next_step(timeline, at(3)).step is Step.REASSESS


# --- rung 3 -----------------------------------------------------------------------------------


def test_distress_persisting_after_reassessment_slows_the_pump_and_calls_the_prescriber() -> None:
    advice = next_step(episode(support(1, R.UNCHANGED), anxiety=8), at(4))
    assert advice.step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER
    assert advice.action == (
        "Nurse: slow or pause the pump. Call the prescriber. Therapist: continue psychological "
        "support."
    )
    assert advice.why == (
        "After psychological support, distress persists: unchanged after breathing at 10:01."
    )


def test_escalation_climbs_at_once_without_waiting() -> None:
    advice = next_step(episode(support(1, R.ESCALATED)), at(1.5))
    assert advice.step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER
    assert "escalated" in advice.why


def test_a_settled_response_with_high_anxiety_counts_as_persisting() -> None:
    timeline = episode(support(1, R.SETTLED), anxiety=8)
    assert next_step(timeline, at(2)).step is Step.REASSESS
    advice = next_step(timeline, at(4))
    assert advice.step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER
    assert "recorded as settled after breathing at 10:01 but anxiety still 8/10" in advice.why


@pytest.mark.parametrize("tier", [Tier.HOLD, Tier.CRITICAL])
def test_vitals_at_the_hold_tier_go_straight_to_rung_three(tier: Tier) -> None:
    advice = next_step(episode(latest_tier=tier), at(0))
    assert advice.step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER
    assert advice.why == f"Vitals breach the hold tier (latest alert: {tier.code})."
    # Even when the patient has settled psychologically.
    settled = episode(support(1, R.SETTLED), anxiety=2, latest_tier=tier)
    assert next_step(settled, at(2)).step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER


def test_a_notify_tier_alert_does_not_skip_psychological_support() -> None:
    assert next_step(episode(latest_tier=Tier.NOTIFY), at(0)).step is Step.PSYCHOLOGICAL_SUPPORT


def test_rung_three_lists_what_is_still_to_do() -> None:
    paused = episode(support(1, R.UNCHANGED), anxiety=8, pump_slowed_or_paused_at=at(4))
    advice = next_step(paused, at(4.5))
    assert advice.step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER
    assert advice.action.startswith("Pump slowed or paused at 10:04. Call the prescriber.")
    called = episode(support(1, R.UNCHANGED), anxiety=8, prescriber_called_at=at(4))
    assert next_step(called, at(4.5)).action.startswith(
        "Nurse: slow or pause the pump. Prescriber called at 10:04."
    )


# --- after rung 3 is done ---------------------------------------------------------------------


def medical_done(*later: SupportEvent, **fields: object) -> DistressEpisode:
    base: dict[str, object] = {
        "anxiety": 8,
        "pump_slowed_or_paused_at": at(4),
        "prescriber_called_at": at(5),
    }
    base.update(fields)
    return episode(support(1, R.UNCHANGED), *later, **base)


def test_after_rung_three_wait_and_reassess() -> None:
    advice = next_step(medical_done(), at(6))
    assert advice.step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER
    assert advice.reassess_at == at(8)
    assert advice.action.startswith("Reassess at 10:08")
    assert next_step(medical_done(), at(8)).action.startswith("Reassess now")


def test_responses_before_rung_three_do_not_count_after_it() -> None:
    # The 10:01 "unchanged" led to rung 3; rung 4 needs a new reassessment after 10:05.
    assert next_step(medical_done(), at(20)).step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER


def test_persisting_distress_after_rung_three_leads_to_rescue_medication() -> None:
    advice = next_step(medical_done(support(6, R.UNCHANGED)), at(8))
    assert advice.step is Step.RESCUE_MEDICATION
    assert advice.action.startswith(
        "Prescriber: consider rescue medication per the clinic protocol"
    )
    assert "record drug, dose, route, time, who gave it and who ordered it" in advice.action


def test_escalation_after_rung_three_leads_to_rescue_at_once() -> None:
    advice = next_step(medical_done(support(6, R.ESCALATED)), at(6.5))
    assert advice.step is Step.RESCUE_MEDICATION


def test_settling_after_rung_three_leaves_the_pump_to_the_prescriber() -> None:
    advice = next_step(medical_done(support(6, R.SETTLED), anxiety=3), at(7))
    assert advice.step is Step.SETTLED
    assert "resume only as the prescriber directs" in advice.action


def test_after_rescue_medication_follow_the_prescriber() -> None:
    advice = next_step(medical_done(support(6, R.UNCHANGED), rescue_given_at=at(9)), at(10))
    assert advice.step is Step.RESCUE_MEDICATION
    assert advice.action == "Stay with the patient, reassess and follow the prescriber's orders."
    assert advice.why == "Rescue medication given at 10:09."


# --- dissociation -----------------------------------------------------------------------------


def test_high_dissociation_alone_does_not_climb_but_is_named() -> None:
    advice = next_step(episode(support(1, R.SETTLED), anxiety=2, dissociation=9), at(2))
    assert advice.step is Step.SETTLED
    assert advice.why.endswith("Dissociation 9/10 is high: the therapist stays with the patient.")


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeline", "now"),
    [
        (episode(support(5)), at(4)),  # support after now
        (DistressEpisode(T0, (SupportEvent(at(-1), K.GROUNDING),)), at(1)),  # before the episode
        (episode(anxiety=11), at(1)),
        (episode(dissociation=True), at(1)),
        (episode(rescue_given_at=at(3)), at(2)),
        (episode(), T0.replace(tzinfo=None)),
        (DistressEpisode(at(2)), at(1)),
    ],
)
def test_a_timeline_that_cannot_have_happened_is_refused(
    timeline: DistressEpisode, now: datetime
) -> None:
    with pytest.raises(LadderInputError):
        next_step(timeline, now)


def test_events_are_read_in_time_order_whatever_order_they_come_in() -> None:
    timeline = episode(support(3, R.SETTLED), support(1, R.UNCHANGED), anxiety=2)
    assert next_step(timeline, at(4)).step is Step.SETTLED
    reversed_order = episode(support(3, R.UNCHANGED), support(1, R.SETTLED), anxiety=8)
    assert next_step(reversed_order, at(4)).step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER


# --- the ladder is climbed in order -----------------------------------------------------------

FAST = settings(max_examples=150, deadline=None, database=None)


@FAST
@given(
    st.lists(st.integers(20, 240), min_size=60, max_size=60),
    st.lists(st.sampled_from([R.UNCHANGED, R.ESCALATED]), min_size=60, max_size=60),
)
def test_persisting_distress_climbs_the_rungs_in_order(
    gaps: list[int], responses: list[SupportResponse]
) -> None:
    """Follow the advice at every turn while distress never settles: the rungs never go down,
    and all four are reached in order."""
    timeline = episode(anxiety=8)
    now = T0
    seen: list[LadderStep] = []
    for gap, response in zip(gaps, responses, strict=True):
        advice = next_step(timeline, now)
        seen.append(advice.step)
        if timeline.rescue_given_at is not None:
            break
        now += timedelta(seconds=gap)
        timeline = _follow(timeline, advice.step, now, response)
    assert seen == sorted(seen)
    assert sorted(set(seen)) == [1, 2, 3, 4]


def _follow(
    timeline: DistressEpisode, step: LadderStep, now: datetime, response: SupportResponse
) -> DistressEpisode:
    """What the team does on each rung."""
    events = timeline.support
    if step is Step.PSYCHOLOGICAL_SUPPORT:
        return replace(timeline, support=(SupportEvent(now, K.GROUNDING),))
    if step is Step.REASSESS:
        last = events[-1]
        return replace(timeline, support=(*events[:-1], replace(last, response=response)))
    if step is Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER:
        if timeline.pump_slowed_or_paused_at is None:
            return replace(timeline, pump_slowed_or_paused_at=now)
        if timeline.prescriber_called_at is None:
            return replace(timeline, prescriber_called_at=now)
        return replace(timeline, support=(*events, SupportEvent(now, K.REASSURANCE, response)))
    return replace(timeline, rescue_given_at=now)


@FAST
@given(
    st.sampled_from([Tier.HOLD, Tier.CRITICAL]),
    st.lists(st.sampled_from(list(SupportResponse)), max_size=4),
    st.integers(0, 30),
)
def test_hold_tier_vitals_always_reach_at_least_rung_three(
    tier: Tier, responses: list[SupportResponse], minutes: int
) -> None:
    events = tuple(SupportEvent(at(i), K.ORIENTATION, r) for i, r in enumerate(responses))
    timeline = DistressEpisode(T0, events, latest_tier=tier)
    advice = next_step(timeline, at(max(minutes, len(responses))))
    assert advice.step >= Step.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER
