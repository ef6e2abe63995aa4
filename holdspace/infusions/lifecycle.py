"""The infusion session's state machine (issue 4, "Session lifecycle").

    scheduled → checked_in → running ⇄ paused → infusion_ended → recovering → discharged
    any state that is not terminal → aborted (a reason is required)

Pure, no Django. This module knows only which moves are legal. Whether a legal move may happen now
(the check-in checklist is complete, the order is signed, the actor may act) is decided elsewhere:
`checkin.can_start` and the actions. Terminal states are `discharged` and `aborted`; nothing
leaves them, because a closed session is signed and later changes are addenda.

Pump actions use the dose engine's vocabulary (`holdspace.dosing.engine.PumpAction`), so a pump
event and the session state can never disagree about what "resume" means.
"""

from enum import StrEnum
from typing import assert_never

from holdspace.dosing.engine import PumpAction


class TransitionError(ValueError):
    """A move the session cannot make; the message is written for a clinician."""


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    RUNNING = "running"
    PAUSED = "paused"
    INFUSION_ENDED = "infusion_ended"
    RECOVERING = "recovering"
    DISCHARGED = "discharged"
    ABORTED = "aborted"

    @property
    def label(self) -> str:
        """The state in clinical words ("checked in", "infusion ended")."""
        return self.value.replace("_", " ")


TERMINAL_STATES = frozenset({SessionState.DISCHARGED, SessionState.ABORTED})

# The forward path (issue 4). Aborting is added below for every non-terminal state. A pump may be
# stopped while paused: stopping is how an infusion ends early after a pause.
_FORWARD: dict[SessionState, frozenset[SessionState]] = {
    SessionState.SCHEDULED: frozenset({SessionState.CHECKED_IN}),
    SessionState.CHECKED_IN: frozenset({SessionState.RUNNING}),
    SessionState.RUNNING: frozenset({SessionState.PAUSED, SessionState.INFUSION_ENDED}),
    SessionState.PAUSED: frozenset({SessionState.RUNNING, SessionState.INFUSION_ENDED}),
    SessionState.INFUSION_ENDED: frozenset({SessionState.RECOVERING}),
    SessionState.RECOVERING: frozenset({SessionState.DISCHARGED}),
    SessionState.DISCHARGED: frozenset(),
    SessionState.ABORTED: frozenset(),
}


def is_terminal(state: SessionState) -> bool:
    return state in TERMINAL_STATES


def allowed_transitions(state: SessionState) -> frozenset[SessionState]:
    """Every state `state` may move to; empty for a terminal state."""
    if is_terminal(state):
        return frozenset()
    return _FORWARD[state] | {SessionState.ABORTED}


# States in which the pump has already run: moving such a session to running is a resume.
_HAS_RUN = frozenset(
    {
        SessionState.PAUSED,
        SessionState.INFUSION_ENDED,
        SessionState.RECOVERING,
        SessionState.DISCHARGED,
        SessionState.ABORTED,
    }
)


def _verb(current: SessionState, target: SessionState) -> str:
    """What moving to `target` is called, as in "cannot be ___"."""
    match target:
        case SessionState.SCHEDULED:
            return "moved back to scheduled"
        case SessionState.CHECKED_IN:
            return "checked in"
        case SessionState.RUNNING:
            return "resumed" if current in _HAS_RUN else "started"
        case SessionState.PAUSED:
            return "paused"
        case SessionState.INFUSION_ENDED:
            return "stopped"
        case SessionState.RECOVERING:
            return "moved to recovery"
        case SessionState.DISCHARGED:
            return "discharged"
        case SessionState.ABORTED:
            return "aborted"
        case _:
            assert_never(target)


def _article(state: SessionState) -> str:
    return "An" if state.label[0] in "aeiou" else "A"


# Where the session stands, as the end of a sentence ("... : the infusion is paused").
_WHERE = {
    SessionState.SCHEDULED: "the patient is not checked in yet",
    SessionState.CHECKED_IN: "the patient is checked in and the pump has not started",
    SessionState.RUNNING: "the infusion is running",
    SessionState.PAUSED: "the infusion is paused",
    SessionState.INFUSION_ENDED: "the infusion has ended",
    SessionState.RECOVERING: "the patient is in recovery",
    SessionState.DISCHARGED: "the patient has been discharged",
    SessionState.ABORTED: "the session was aborted",
}


def _refusal(current: SessionState, target: SessionState) -> str:
    if is_terminal(current):
        return (
            f"{_article(current)} {current.label} session cannot be {_verb(current, target)}: "
            "it is closed."
        )
    if current is target:
        return f"Nothing to change: {_WHERE[current]}."
    if target is SessionState.RUNNING and current is SessionState.SCHEDULED:
        return "The pump cannot be started before the patient is checked in."
    allowed = ", ".join(sorted(s.label for s in allowed_transitions(current)))
    return (
        f"The session cannot be {_verb(current, target)}: {_WHERE[current]} "
        f"(next allowed: {allowed})."
    )


def transition(
    current: SessionState, target: SessionState, *, reason: str | None = None
) -> SessionState:
    """Return `target` if the session may move there from `current`; otherwise raise
    `TransitionError` with a message for the clinician.

    Aborting needs a reason that is not blank. Other moves accept an optional reason, which the
    caller records; this function does not keep it.
    """
    if target not in allowed_transitions(current):
        raise TransitionError(_refusal(current, target))
    if target is SessionState.ABORTED and not (reason or "").strip():
        raise TransitionError("Aborting a session needs a reason.")
    return target


# Which session state each pump action needs and leads to. A rate change keeps the session
# running; like the dose engine, it is refused while paused (resume at the new rate instead).
_PUMP: dict[PumpAction, tuple[frozenset[SessionState], SessionState]] = {
    PumpAction.START: (frozenset({SessionState.CHECKED_IN}), SessionState.RUNNING),
    PumpAction.RATE: (frozenset({SessionState.RUNNING}), SessionState.RUNNING),
    PumpAction.PAUSE: (frozenset({SessionState.RUNNING}), SessionState.PAUSED),
    PumpAction.RESUME: (frozenset({SessionState.PAUSED}), SessionState.RUNNING),
    PumpAction.STOP: (
        frozenset({SessionState.RUNNING, SessionState.PAUSED}),
        SessionState.INFUSION_ENDED,
    ),
}

_PUMP_WORDS = {
    PumpAction.START: "started",
    PumpAction.RATE: "given a new rate",
    PumpAction.PAUSE: "paused",
    PumpAction.RESUME: "resumed",
    PumpAction.STOP: "stopped",
}


def state_after_pump_action(
    current: SessionState, action: PumpAction, *, reason: str | None = None
) -> SessionState:
    """The session state after the pump `action`, or `TransitionError` if the pump cannot do it
    in `current`: start only from checked in, pause and rate change only while running, resume
    only while paused, stop while running or paused. The reason is optional (issue 4)."""
    needed, target = _PUMP[action]
    if current in needed:
        return target if target is current else transition(current, target, reason=reason)
    if is_terminal(current):
        raise TransitionError(
            f"{_article(current)} {current.label} session is closed: the pump cannot be "
            f"{_PUMP_WORDS[action]}."
        )
    if action is PumpAction.START and current is SessionState.SCHEDULED:
        raise TransitionError("The pump cannot be started before the patient is checked in.")
    raise TransitionError(f"The pump cannot be {_PUMP_WORDS[action]}: {_WHERE[current]}.")
