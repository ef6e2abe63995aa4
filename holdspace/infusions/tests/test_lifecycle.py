"""The session state machine: every legal and illegal move, pump actions, and properties over
random sequences of moves."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.dosing.engine import PumpAction
from holdspace.infusions.lifecycle import (
    TERMINAL_STATES,
    SessionState,
    TransitionError,
    allowed_transitions,
    is_terminal,
    state_after_pump_action,
    transition,
)

S = SessionState

# Written out by hand from issue 4, independently of the module's table.
LEGAL = {
    (S.SCHEDULED, S.CHECKED_IN),
    (S.CHECKED_IN, S.RUNNING),
    (S.RUNNING, S.PAUSED),
    (S.RUNNING, S.INFUSION_ENDED),
    (S.PAUSED, S.RUNNING),
    (S.PAUSED, S.INFUSION_ENDED),
    (S.INFUSION_ENDED, S.RECOVERING),
    (S.RECOVERING, S.DISCHARGED),
} | {
    (state, S.ABORTED)
    for state in (S.SCHEDULED, S.CHECKED_IN, S.RUNNING, S.PAUSED, S.INFUSION_ENDED, S.RECOVERING)
}

ALL_PAIRS = list(itertools.product(SessionState, SessionState))


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_every_legal_move_is_allowed(current: SessionState, target: SessionState) -> None:
    assert transition(current, target, reason="clinical reason") is target
    assert target in allowed_transitions(current)


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in LEGAL])
def test_every_illegal_move_is_refused(current: SessionState, target: SessionState) -> None:
    with pytest.raises(TransitionError):
        transition(current, target, reason="clinical reason")
    assert target not in allowed_transitions(current)


def test_terminal_states_are_discharged_and_aborted() -> None:
    assert frozenset({S.DISCHARGED, S.ABORTED}) == TERMINAL_STATES
    for state in SessionState:
        assert is_terminal(state) == (allowed_transitions(state) == frozenset())


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_aborting_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(TransitionError, match="Aborting a session needs a reason"):
        transition(S.RUNNING, S.ABORTED, reason=reason)


def test_other_moves_need_no_reason() -> None:
    assert transition(S.RUNNING, S.PAUSED) is S.PAUSED


# --- the words --------------------------------------------------------------------------------


def test_a_discharged_session_cannot_be_resumed() -> None:
    with pytest.raises(TransitionError) as refused:
        transition(S.DISCHARGED, S.RUNNING)
    assert str(refused.value) == "A discharged session cannot be resumed: it is closed."


def test_an_aborted_session_cannot_be_discharged() -> None:
    with pytest.raises(TransitionError, match="An aborted session cannot be discharged"):
        transition(S.ABORTED, S.DISCHARGED)


def test_the_pump_cannot_start_before_check_in() -> None:
    with pytest.raises(TransitionError, match="before the patient is checked in"):
        transition(S.SCHEDULED, S.RUNNING)


def test_a_refusal_says_where_the_session_stands_and_what_is_next() -> None:
    with pytest.raises(TransitionError) as refused:
        transition(S.RUNNING, S.RECOVERING)
    assert str(refused.value) == (
        "The session cannot be moved to recovery: the infusion is running "
        "(next allowed: aborted, infusion ended, paused)."
    )


def test_a_move_to_the_same_state_says_nothing_changes() -> None:
    with pytest.raises(TransitionError, match="Nothing to change: the infusion is paused"):
        transition(S.PAUSED, S.PAUSED)


# --- pump actions -----------------------------------------------------------------------------

PUMP_LEGAL = {
    (S.CHECKED_IN, PumpAction.START): S.RUNNING,
    (S.RUNNING, PumpAction.RATE): S.RUNNING,
    (S.RUNNING, PumpAction.PAUSE): S.PAUSED,
    (S.PAUSED, PumpAction.RESUME): S.RUNNING,
    (S.RUNNING, PumpAction.STOP): S.INFUSION_ENDED,
    (S.PAUSED, PumpAction.STOP): S.INFUSION_ENDED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(SessionState, PumpAction)))
def test_pump_actions_map_onto_the_session(state: SessionState, action: PumpAction) -> None:
    expected = PUMP_LEGAL.get((state, action))
    if expected is None:
        with pytest.raises(TransitionError):
            state_after_pump_action(state, action)
    else:
        assert state_after_pump_action(state, action) is expected


def test_pump_refusals_say_why() -> None:
    with pytest.raises(TransitionError, match="cannot be resumed: the infusion is running"):
        state_after_pump_action(S.RUNNING, PumpAction.RESUME)
    with pytest.raises(TransitionError, match="given a new rate: the infusion is paused"):
        state_after_pump_action(S.PAUSED, PumpAction.RATE)
    with pytest.raises(TransitionError, match="discharged session is closed"):
        state_after_pump_action(S.DISCHARGED, PumpAction.START)
    with pytest.raises(TransitionError, match="before the patient is checked in"):
        state_after_pump_action(S.SCHEDULED, PumpAction.START)


# --- properties over random sequences ---------------------------------------------------------

FAST = settings(max_examples=200, deadline=None, database=None)
moves = st.lists(
    st.tuples(st.sampled_from(list(SessionState)), st.sampled_from([None, "", "reason"])),
    max_size=30,
)


def _walk(attempts: list[tuple[SessionState, str | None]]) -> list[SessionState]:
    """The states a session passes through when every attempt is tried and refusals skipped."""
    history = [S.SCHEDULED]
    for target, reason in attempts:
        try:
            history.append(transition(history[-1], target, reason=reason))
        except TransitionError:
            continue
    return history


@FAST
@given(moves)
def test_the_machine_never_leaves_a_terminal_state(
    attempts: list[tuple[SessionState, str | None]],
) -> None:
    history = _walk(attempts)
    for position, state in enumerate(history):
        if is_terminal(state):
            assert history[position:] == [state]


@FAST
@given(moves)
def test_running_is_never_reached_without_check_in_first(
    attempts: list[tuple[SessionState, str | None]],
) -> None:
    history = _walk(attempts)
    if S.RUNNING in history:
        assert S.CHECKED_IN in history[: history.index(S.RUNNING)]


@FAST
@given(moves)
def test_every_step_taken_is_legal_and_every_abort_has_a_reason(
    attempts: list[tuple[SessionState, str | None]],
) -> None:
    state = S.SCHEDULED
    for target, reason in attempts:
        try:
            after = transition(state, target, reason=reason)
        except TransitionError:
            continue
        assert (state, after) in LEGAL
        if after is S.ABORTED:
            assert reason == "reason"
        state = after


@FAST
@given(st.lists(st.sampled_from(list(PumpAction)), max_size=20))
def test_pump_actions_only_move_between_pump_states(actions: list[PumpAction]) -> None:
    state = S.CHECKED_IN
    for action in actions:
        try:
            state = state_after_pump_action(state, action)
        except TransitionError:
            continue
        assert state in (S.RUNNING, S.PAUSED, S.INFUSION_ENDED)
    if S.INFUSION_ENDED is state:
        for action in PumpAction:
            with pytest.raises(TransitionError):
                state_after_pump_action(state, action)
