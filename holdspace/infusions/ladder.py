"""The psychological-then-medical distress ladder (CLINICAL.md section 2).

    1. psychological support by the therapist (grounding, breathing, reassurance, orientation,
       music change)
    2. reassess in a few minutes
    3. if distress persists, or vitals breach the hold tier: the nurse slows or pauses the pump and
       the prescriber is called
    4. rescue medication per the clinic's protocol, ordered by the prescriber

**Advice only.** `next_step` reads the timeline of one distress episode and says which rung the
episode is on, what to do now and why. It orders nothing, changes no pump and replaces no
clinician's judgement; the console shows the ladder and the actions record what people did.

Pure, no Django. Every time must be time-zone aware; times in messages are shown as HH:MM in the
time zone of the datetimes passed in (pass clinic-local times for display).

How the timeline is read:

- A support event's `response` (settled, unchanged, escalated) is the therapist's reassessment of
  that event, recorded with a second tap. The latest recorded response decides.
- "Escalated" moves up the ladder at once; "unchanged" does so once the reassessment interval
  has passed since the rung began (the first support event, or the moment step 3 was complete).
- "Settled" ends the episode unless the latest anxiety is still at or above the protocol's
  threshold or the vitals are at the hold tier: then the numbers win and distress counts as
  persisting (the safe direction: an extra call to the prescriber, never a missed one).
- High dissociation alone does not climb the ladder: dissociation is the expected effect of
  ketamine, not distress. It is named in the advice so the therapist stays close.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from holdspace.infusions.alerts import DEFAULT_THRESHOLDS, AlertThresholds, Tier


class LadderInputError(ValueError):
    """A timeline that cannot have happened; the message says what is wrong."""


class SupportKind(StrEnum):
    """The therapist's support events (issue 4). Any of them counts as psychological support."""

    GROUNDING = "grounding"
    BREATHING = "breathing"
    REASSURANCE = "reassurance"
    ORIENTATION = "orientation"
    MUSIC_CHANGE = "music_change"
    HOLDING_SILENCE = "holding_silence"
    VERBAL_CHECK_IN = "verbal_check_in"
    TOUCH_OFFERED = "touch_offered"
    TOUCH_ACCEPTED = "touch_accepted"
    TOUCH_DECLINED = "touch_declined"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class SupportResponse(StrEnum):
    SETTLED = "settled"
    UNCHANGED = "unchanged"
    ESCALATED = "escalated"


class LadderStep(IntEnum):
    """The rungs, in order. SETTLED (0) means no rung is needed now."""

    SETTLED = 0
    PSYCHOLOGICAL_SUPPORT = 1
    REASSESS = 2
    SLOW_OR_PAUSE_AND_CALL_PRESCRIBER = 3
    RESCUE_MEDICATION = 4


@dataclass(frozen=True)
class SupportEvent:
    at: datetime
    kind: SupportKind
    response: SupportResponse | None = None


@dataclass(frozen=True)
class DistressEpisode:
    """The timeline so far of one distress episode.

    `anxiety` and `dissociation` are the latest ratings (0-10, None if not rated); `latest_tier`
    is the highest tier among the open alert findings on the latest vitals (None if none).
    The three times record what was done on rungs 3 and 4; None means not yet done.
    """

    started_at: datetime
    support: tuple[SupportEvent, ...] = ()
    anxiety: int | None = None
    dissociation: int | None = None
    latest_tier: Tier | None = None
    pump_slowed_or_paused_at: datetime | None = None
    prescriber_called_at: datetime | None = None
    rescue_given_at: datetime | None = None


@dataclass(frozen=True)
class LadderSettings:
    # Project default, no published source: CLINICAL.md §2 says "reassess in a few minutes".
    reassess_minutes: int = 3

    def __post_init__(self) -> None:
        value = self.reassess_minutes
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise LadderInputError(f"reassess_minutes must be a whole number above 0 ({value!r}).")

    @property
    def reassess_after(self) -> timedelta:
        return timedelta(minutes=self.reassess_minutes)


DEFAULT_LADDER = LadderSettings()


@dataclass(frozen=True)
class LadderAdvice:
    """The rung the episode is on, what to do now, and why. `reassess_at` is set while waiting
    to reassess (it may be in the past when the reassessment is overdue)."""

    step: LadderStep
    action: str
    why: str
    reassess_at: datetime | None = None


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _check_time(label: str, moment: datetime, start: datetime, now: datetime) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise LadderInputError(f"{label} must be a time with a time zone (got {moment!r}).")
    if moment < start or moment > now:
        raise LadderInputError(
            f"{label} ({moment:%H:%M}) must lie between the episode start and now."
        )


def _check_scale(label: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise LadderInputError(f"{label} must be a whole number from 0 to 10 (got {value!r}).")


def _validate(episode: DistressEpisode, now: datetime) -> None:
    for label, moment in (("now", now), ("started_at", episode.started_at)):
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise LadderInputError(f"{label} must be a time with a time zone (got {moment!r}).")
    if episode.started_at > now:
        raise LadderInputError("The episode cannot start later than now.")
    for event in episode.support:
        _check_time(f"The {event.kind.label} support event", event.at, episode.started_at, now)
    optional = (
        ("The pump slow or pause", episode.pump_slowed_or_paused_at),
        ("The call to the prescriber", episode.prescriber_called_at),
        ("The rescue medication", episode.rescue_given_at),
    )
    for label, maybe in optional:
        if maybe is not None:
            _check_time(label, maybe, episode.started_at, now)
    _check_scale("Anxiety", episode.anxiety)
    _check_scale("Dissociation", episode.dissociation)


# ---------------------------------------------------------------------------------------------
# Reading one rung's outcome
# ---------------------------------------------------------------------------------------------


class _Outcome(StrEnum):
    SETTLED = "settled"
    PERSISTS = "persists"
    WAITING = "waiting"
    DUE = "due"


@dataclass(frozen=True)
class _Reading:
    outcome: _Outcome
    why: str
    due: datetime


def _still_distressed(episode: DistressEpisode, thresholds: AlertThresholds) -> str | None:
    """Why the numbers say distress persists despite a settled response, or None."""
    if episode.latest_tier is not None and episode.latest_tier >= Tier.HOLD:
        return f"vitals at the {episode.latest_tier.code} tier"
    if episode.anxiety is not None and episode.anxiety >= thresholds.anxiety_prompt_at:
        return f"anxiety still {episode.anxiety}/10 (≥ {thresholds.anxiety_prompt_at})"
    return None


def _read_rung(
    events: Sequence[SupportEvent],
    began: datetime,
    now: datetime,
    episode: DistressEpisode,
    thresholds: AlertThresholds,
    settings: LadderSettings,
) -> _Reading:
    """The outcome of the rung that began at `began`, from the support events since then."""
    due = began + settings.reassess_after
    responded = [event for event in events if event.response is not None]
    last = responded[-1] if responded else None
    if last is not None:
        what = f"{last.response} after {last.kind.label} at {last.at:%H:%M}"
        if last.response is SupportResponse.ESCALATED:
            return _Reading(_Outcome.PERSISTS, f"distress {what}", due)
        contrary = _still_distressed(episode, thresholds)
        if last.response is SupportResponse.SETTLED and contrary is None:
            return _Reading(_Outcome.SETTLED, f"patient {what}", due)
        if last.response is SupportResponse.SETTLED:
            what = f"recorded as {what} but {contrary}"
    if now < due:
        return _Reading(_Outcome.WAITING, "", due)
    if last is None:
        return _Reading(_Outcome.DUE, "no response recorded yet", due)
    return _Reading(_Outcome.PERSISTS, f"distress persists: {what}", due)


# ---------------------------------------------------------------------------------------------
# The advice
# ---------------------------------------------------------------------------------------------

_SUPPORT_WORDS = "grounding, breathing, reassurance, orientation, music change"


def _dissociation_note(episode: DistressEpisode, thresholds: AlertThresholds) -> str:
    value = episode.dissociation
    if value is None or value < thresholds.dissociation_prompt_at:
        return ""
    return f" Dissociation {value}/10 is high: the therapist stays with the patient."


def _rung_three(episode: DistressEpisode, why: str) -> LadderAdvice:
    paused, called = episode.pump_slowed_or_paused_at, episode.prescriber_called_at
    to_do = []
    if paused is None:
        to_do.append("Nurse: slow or pause the pump.")
    else:
        to_do.append(f"Pump slowed or paused at {paused:%H:%M}.")
    if called is None:
        to_do.append("Call the prescriber.")
    else:
        to_do.append(f"Prescriber called at {called:%H:%M}.")
    to_do.append("Therapist: continue psychological support.")
    return LadderAdvice(LadderStep.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER, " ".join(to_do), why)


def _settled(episode: DistressEpisode, why: str) -> LadderAdvice:
    action = "Continue usual monitoring and support."
    if episode.pump_slowed_or_paused_at is not None:
        action += " The pump was slowed or paused: resume only as the prescriber directs."
    return LadderAdvice(LadderStep.SETTLED, action, f"Settled: {why}.")


def _before_medical(
    episode: DistressEpisode,
    events: Sequence[SupportEvent],
    now: datetime,
    thresholds: AlertThresholds,
    settings: LadderSettings,
) -> LadderAdvice:
    """Rungs 1-3, while the pump has not been both slowed or paused and the prescriber called."""
    if episode.latest_tier is not None and episode.latest_tier >= Tier.HOLD:
        why = f"Vitals breach the hold tier (latest alert: {episode.latest_tier.code})."
        return _rung_three(episode, why)
    if not events:
        return LadderAdvice(
            LadderStep.PSYCHOLOGICAL_SUPPORT,
            f"Therapist: offer psychological support ({_SUPPORT_WORDS}).",
            f"Distress noted at {episode.started_at:%H:%M}; the first response is psychological.",
        )
    reading = _read_rung(events, events[0].at, now, episode, thresholds, settings)
    match reading.outcome:
        case _Outcome.SETTLED:
            return _settled(episode, reading.why)
        case _Outcome.PERSISTS:
            return _rung_three(episode, f"After psychological support, {reading.why}.")
        case _Outcome.WAITING | _Outcome.DUE:
            when = "now" if reading.outcome is _Outcome.DUE else f"at {reading.due:%H:%M}"
            return LadderAdvice(
                LadderStep.REASSESS,
                f"Reassess {when} and record the patient's response.",
                f"Psychological support began at {events[0].at:%H:%M}; reassess after "
                f"{settings.reassess_minutes} minutes.",
                reading.due,
            )


def _after_medical(
    episode: DistressEpisode,
    events: Sequence[SupportEvent],
    done_at: datetime,
    now: datetime,
    thresholds: AlertThresholds,
    settings: LadderSettings,
) -> LadderAdvice:
    """Rungs 3-4, once the pump was slowed or paused and the prescriber called (at `done_at`)."""
    since = [event for event in events if event.at >= done_at]
    reading = _read_rung(since, done_at, now, episode, thresholds, settings)
    match reading.outcome:
        case _Outcome.SETTLED:
            return _settled(episode, reading.why)
        case _Outcome.PERSISTS:
            return LadderAdvice(
                LadderStep.RESCUE_MEDICATION,
                "Prescriber: consider rescue medication per the clinic protocol; record drug, "
                "dose, route, time, who gave it and who ordered it.",
                f"The pump was slowed or paused and the prescriber called by {done_at:%H:%M}, "
                f"and {reading.why}.",
            )
        case _Outcome.WAITING | _Outcome.DUE:
            when = "now" if reading.outcome is _Outcome.DUE else f"at {reading.due:%H:%M}"
            return LadderAdvice(
                LadderStep.SLOW_OR_PAUSE_AND_CALL_PRESCRIBER,
                f"Reassess {when} and record the patient's response. Therapist: continue "
                "psychological support.",
                f"Pump slowed or paused and prescriber called by {done_at:%H:%M}; reassess after "
                f"{settings.reassess_minutes} minutes.",
                reading.due,
            )


def next_step(
    episode: DistressEpisode,
    now: datetime,
    thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
    settings: LadderSettings = DEFAULT_LADDER,
) -> LadderAdvice:
    """The next recommended step of the distress ladder, and why. Advice only: see the module
    docstring for how the timeline is read. `thresholds` supplies the anxiety and dissociation
    thresholds; `settings` the reassessment interval.

    Raises `LadderInputError` for a timeline that cannot have happened (events before the
    episode or after `now`, naive times, ratings outside 0-10).
    """
    _validate(episode, now)
    events = sorted(episode.support, key=lambda event: event.at)
    note = _dissociation_note(episode, thresholds)
    advice = _advise(episode, events, now, thresholds, settings)
    if note:
        return LadderAdvice(advice.step, advice.action, advice.why + note, advice.reassess_at)
    return advice


def _advise(
    episode: DistressEpisode,
    events: Sequence[SupportEvent],
    now: datetime,
    thresholds: AlertThresholds,
    settings: LadderSettings,
) -> LadderAdvice:
    if episode.rescue_given_at is not None:
        return LadderAdvice(
            LadderStep.RESCUE_MEDICATION,
            "Stay with the patient, reassess and follow the prescriber's orders.",
            f"Rescue medication given at {episode.rescue_given_at:%H:%M}.",
        )
    paused, called = episode.pump_slowed_or_paused_at, episode.prescriber_called_at
    if paused is None or called is None:
        return _before_medical(episode, events, now, thresholds, settings)
    return _after_medical(episode, events, max(paused, called), now, thresholds, settings)
