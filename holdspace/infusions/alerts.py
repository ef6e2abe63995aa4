"""Alert rules for the live infusion: vital signs, overdue vitals, the patient's state, an infusion
running past its planned end, and escalation of unacknowledged alerts.

Pure functions and frozen dataclasses, no Django. The rules and their shipped defaults come from
CLINICAL.md section 2 ("Monitoring, alerts and rescue", in ../shared/docs), which says plainly that
no consensus numeric stop thresholds exist: every vital-sign threshold below is a **clinic default,
not a guideline**, and a clinic may change it in its protocol. Thresholds that CLINICAL.md does not
give at all are marked as project defaults with no source.

Contracts that hold for every function here:

- Vital signs are whole numbers (`int`) except temperature, which is an exact `Decimal`; floats
  and booleans are refused, so a stored value has one type and one printed form.
- A value outside the fast keypad's plausible range is refused with `VitalsInputError` naming the
  field, so a mistyped 400 never becomes an alert nor a chart point.
- Every time is time-zone aware (ARCHITECTURE.md, "Data rules").
- Findings are information for clinicians; the engine never acts. Tiers are ordered
  NOTIFY < HOLD < CRITICAL and lists of findings come highest tier first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import IntEnum, StrEnum

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class AlertInputError(ValueError):
    """Input the alert rules cannot evaluate; the message is written for a clinician."""


class VitalsInputError(AlertInputError):
    """A vital sign that cannot be right (wrong type, implausible, diastolic not below systolic).
    The message names the field."""


class ThresholdConfigError(ValueError):
    """A protocol's alert thresholds that contradict each other or cannot be measured."""


def _require_aware(label: str, moment: datetime) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise AlertInputError(f"{label} must be a time with a time zone (got {moment!r}).")


# ---------------------------------------------------------------------------------------------
# Tiers, audiences and rule identifiers
# ---------------------------------------------------------------------------------------------


class Tier(IntEnum):
    """How urgent a finding is. CLINICAL.md section 2 defines two tiers (recheck and notify; hold
    or stop and call the prescriber) and names some breaches critical; CRITICAL ranks above HOLD
    so that a critical finding is never shown below a hold."""

    NOTIFY = 1
    HOLD = 2
    CRITICAL = 3

    @property
    def code(self) -> str:
        """The lower-case name, for storage and CSS classes ("notify", "hold", "critical")."""
        return self.name.lower()


class Audience(StrEnum):
    """Who the finding is for: the nurse (vitals, pump) or the therapist (the patient's state)."""

    NURSE = "nurse"
    THERAPIST = "therapist"


class Rule(StrEnum):
    """Stable identifiers of the rules. Declaration order is the order of findings within a tier:
    airway and breathing first, then circulation, then the rest."""

    SPO2_CRITICAL = "spo2_critical"
    RESP_RATE_CRITICAL = "resp_rate_critical"
    HEART_RATE_HIGH_CRITICAL = "heart_rate_high_critical"
    HEART_RATE_LOW_CRITICAL = "heart_rate_low_critical"
    SYSTOLIC_HOLD = "systolic_hold"
    DIASTOLIC_HOLD = "diastolic_hold"
    SPO2_NOTIFY = "spo2_notify"
    HEART_RATE_NOTIFY = "heart_rate_notify"
    SYSTOLIC_NOTIFY = "systolic_notify"
    DIASTOLIC_NOTIFY = "diastolic_notify"
    VITALS_OVERDUE = "vitals_overdue"
    PAST_PLANNED_END = "past_planned_end"
    ANXIETY_HIGH = "anxiety_high"
    DISSOCIATION_HIGH = "dissociation_high"


_RULE_ORDER = {rule: position for position, rule in enumerate(Rule)}


@dataclass(frozen=True)
class AlertFinding:
    """One breached rule. `message` names the value and the threshold in clinical words and says
    what to do; `source` says where the threshold comes from."""

    rule: Rule
    tier: Tier
    message: str
    source: str
    audience: Audience = Audience.NURSE


def ordered(findings: Sequence[AlertFinding]) -> tuple[AlertFinding, ...]:
    """`findings` highest tier first; within a tier, in the fixed order of `Rule`."""
    return tuple(sorted(findings, key=lambda f: (-f.tier, _RULE_ORDER[f.rule])))


def highest_tier(findings: Sequence[AlertFinding]) -> Tier | None:
    """The most urgent tier among `findings`, or None when there are none."""
    return max((f.tier for f in findings), default=None)


# ---------------------------------------------------------------------------------------------
# Vital signs and the fast keypad's validation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plausible:
    label: str
    unit: str
    low: int
    high: int


# Project defaults, no published source: the ranges the fast keypad accepts. They are wide on
# purpose (they catch typing errors such as 400 or 1200, not illness): a real but extreme reading
# inside them must reach the alert rules, and one outside them asks the nurse to look again at the
# monitor and the patient rather than silently storing it.
PLAUSIBLE_RANGES: dict[str, _Plausible] = {
    "systolic": _Plausible("Systolic", "mmHg", 40, 300),
    "diastolic": _Plausible("Diastolic", "mmHg", 20, 200),
    "heart_rate": _Plausible("Heart rate", "/min", 20, 250),
    "spo2": _Plausible("SpO₂", "%", 50, 100),
    "resp_rate": _Plausible("Respiratory rate", "/min", 2, 60),
    "temperature_c": _Plausible("Temperature", "°C", 30, 43),
}


def _out_of_range(field: str, value: object) -> VitalsInputError:
    spec = PLAUSIBLE_RANGES[field]
    return VitalsInputError(
        f"{spec.label} {value} {spec.unit} is outside the range the keypad accepts "
        f"({spec.low}-{spec.high} {spec.unit}). Check the monitor and the patient, then enter it "
        "again."
    )


def _check_whole(field: str, value: object) -> None:
    spec = PLAUSIBLE_RANGES[field]
    # bool is a subclass of int; True must not be stored as a heart rate of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise VitalsInputError(f"{spec.label} must be a whole number (got {value!r}).")
    if not spec.low <= value <= spec.high:
        raise _out_of_range(field, value)


def _check_temperature(value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise VitalsInputError(f"Temperature must be an exact decimal number (got {value!r}).")
    spec = PLAUSIBLE_RANGES["temperature_c"]
    if not spec.low <= value <= spec.high:
        raise _out_of_range("temperature_c", value)


@dataclass(frozen=True)
class VitalSigns:
    """One set of vital signs as entered on the keypad or posted by a monitor.

    Every field is optional but at least one must be present. Blood pressure in mmHg, heart rate
    and respiratory rate per minute, SpO₂ in %, temperature in °C. Construction validates: a
    value outside `PLAUSIBLE_RANGES`, a wrong type, or a diastolic not below the systolic raises
    `VitalsInputError` naming the field.
    """

    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    resp_rate: int | None = None
    temperature_c: Decimal | None = None

    def __post_init__(self) -> None:
        whole = {
            "systolic": self.systolic,
            "diastolic": self.diastolic,
            "heart_rate": self.heart_rate,
            "spo2": self.spo2,
            "resp_rate": self.resp_rate,
        }
        present = {name: value for name, value in whole.items() if value is not None}
        if not present and self.temperature_c is None:
            raise VitalsInputError("Enter at least one vital sign.")
        for name, value in present.items():
            _check_whole(name, value)
        if self.temperature_c is not None:
            _check_temperature(self.temperature_c)
        self._check_pulse_pressure()

    def _check_pulse_pressure(self) -> None:
        if self.systolic is None or self.diastolic is None:
            return
        if self.diastolic >= self.systolic:
            raise VitalsInputError(
                f"Diastolic {self.diastolic} mmHg is not below systolic {self.systolic} mmHg: "
                "check the reading and enter it again."
            )


# ---------------------------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------------------------

# Where the shipped vital-sign thresholds come from. A clinic that changes a value in its protocol
# records its own source here instead.
CLINICAL_DEFAULT_SOURCE = (
    "CLINICAL.md §2 shipped default (clinic default, not a guideline: no consensus numeric "
    "thresholds were found in the primary texts)"
)
PROJECT_DEFAULT_SOURCE = "Project default, no published source"


@dataclass(frozen=True)
class AlertThresholds:
    """A protocol's alert thresholds. The defaults are the shipped ones.

    Comparisons: blood pressure "at or above" (≥), SpO₂ and the low heart-rate and respiratory
    limits "below" (<), the high heart-rate limits "above" (>), as CLINICAL.md section 2 words
    them. Anxiety and dissociation prompt the therapist at or above (≥) their value.
    Construction refuses thresholds that contradict each other (`ThresholdConfigError`).
    """

    # CLINICAL.md §2 (clinic default, not a guideline): SBP ≥ 160 or DBP ≥ 100 → recheck in
    # 5 min and notify; SBP ≥ 180 or DBP ≥ 110 → hold the infusion and call the prescriber.
    systolic_notify_at: int = 160
    diastolic_notify_at: int = 100
    systolic_hold_at: int = 180
    diastolic_hold_at: int = 110
    bp_recheck_minutes: int = 5
    # CLINICAL.md §2 (clinic default, not a guideline): SpO₂ < 94 → notify, < 90 → critical.
    spo2_notify_below: int = 94
    spo2_critical_below: int = 90
    # CLINICAL.md §2 (clinic default, not a guideline): HR > 120 → notify, > 140 or < 45 →
    # critical.
    heart_rate_notify_above: int = 120
    heart_rate_critical_above: int = 140
    heart_rate_critical_below: int = 45
    # CLINICAL.md §2 (clinic default, not a guideline): RR < 10 → critical.
    resp_rate_critical_below: int = 10
    # CLINICAL.md §2: vitals "every 10-15 minutes or continuously"; no BP for longer than the
    # protocol interval → overdue. 15 is the upper end of that range (clinic default, not a
    # guideline).
    vitals_interval_minutes: int = 15
    # Project defaults, no published source: CLINICAL.md §2 lists anxiety and dissociation 0-10
    # but gives no threshold. Dissociation is an expected effect of ketamine, so a clinic may well
    # set it higher; the prompt is a check-in, not an alarm.
    anxiety_prompt_at: int = 7
    dissociation_prompt_at: int = 7
    # Project defaults, no published source: issue 4 says an unacknowledged critical alert
    # escalates to the prescriber after "the protocol's minutes" without giving a number. HOLD
    # escalates too: its action is itself "call the prescriber", so an unacknowledged hold-tier
    # alert may mean nobody has called.
    escalation_minutes: int = 5
    escalate_from_tier: Tier = Tier.HOLD
    vitals_source: str = CLINICAL_DEFAULT_SOURCE
    state_source: str = PROJECT_DEFAULT_SOURCE
    escalation_source: str = PROJECT_DEFAULT_SOURCE

    def __post_init__(self) -> None:
        for name, value in self._whole_fields().items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ThresholdConfigError(
                    f"{name} must be a whole number above 0 (got {value!r})."
                )
        if not isinstance(self.escalate_from_tier, Tier):
            raise ThresholdConfigError("escalate_from_tier must be a Tier.")
        self._check_order()

    def _whole_fields(self) -> dict[str, object]:
        return {
            "systolic_notify_at": self.systolic_notify_at,
            "diastolic_notify_at": self.diastolic_notify_at,
            "systolic_hold_at": self.systolic_hold_at,
            "diastolic_hold_at": self.diastolic_hold_at,
            "bp_recheck_minutes": self.bp_recheck_minutes,
            "spo2_notify_below": self.spo2_notify_below,
            "spo2_critical_below": self.spo2_critical_below,
            "heart_rate_notify_above": self.heart_rate_notify_above,
            "heart_rate_critical_above": self.heart_rate_critical_above,
            "heart_rate_critical_below": self.heart_rate_critical_below,
            "resp_rate_critical_below": self.resp_rate_critical_below,
            "vitals_interval_minutes": self.vitals_interval_minutes,
            "anxiety_prompt_at": self.anxiety_prompt_at,
            "dissociation_prompt_at": self.dissociation_prompt_at,
            "escalation_minutes": self.escalation_minutes,
        }

    def _check_order(self) -> None:
        # Each pair must leave room for the lower tier; otherwise it could never fire.
        checks = [
            (self.systolic_notify_at < self.systolic_hold_at, "systolic notify below hold"),
            (self.diastolic_notify_at < self.diastolic_hold_at, "diastolic notify below hold"),
            (self.spo2_critical_below < self.spo2_notify_below <= 100, "SpO₂ critical < notify"),
            (
                self.heart_rate_critical_below
                < self.heart_rate_notify_above
                < self.heart_rate_critical_above,
                "heart rate low critical < notify < high critical",
            ),
            (self.anxiety_prompt_at <= 10, "anxiety prompt within 1-10"),
            (self.dissociation_prompt_at <= 10, "dissociation prompt within 1-10"),
        ]
        for holds, rule in checks:
            if not holds:
                raise ThresholdConfigError(f"Alert thresholds contradict each other: need {rule}.")

    @property
    def vitals_interval(self) -> timedelta:
        return timedelta(minutes=self.vitals_interval_minutes)

    @property
    def escalation_after(self) -> timedelta:
        return timedelta(minutes=self.escalation_minutes)


DEFAULT_THRESHOLDS = AlertThresholds()


# ---------------------------------------------------------------------------------------------
# Vital-sign rules
# ---------------------------------------------------------------------------------------------

# A critical finding ranks above the hold tier, so its advice includes the hold tier's action
# (hold the infusion, call the prescriber) as well as attending to the patient at once.
_CRITICAL_AIRWAY = "hold the infusion, check airway and breathing and call the prescriber now"
_CRITICAL_CIRCULATION = "hold the infusion, assess the patient and call the prescriber now"
_HOLD = "hold the infusion and call the prescriber"
_NOTIFY = "recheck and notify the prescriber"


def _vital(rule: Rule, tier: Tier, message: str, t: AlertThresholds) -> AlertFinding:
    return AlertFinding(rule, tier, message, t.vitals_source)


def _systolic(value: int, t: AlertThresholds) -> AlertFinding | None:
    if value >= t.systolic_hold_at:
        text = f"Systolic {value} mmHg ≥ {t.systolic_hold_at}: {_HOLD}"
        return _vital(Rule.SYSTOLIC_HOLD, Tier.HOLD, text, t)
    if value >= t.systolic_notify_at:
        text = (
            f"Systolic {value} mmHg ≥ {t.systolic_notify_at}: recheck in "
            f"{t.bp_recheck_minutes} minutes and notify the prescriber"
        )
        return _vital(Rule.SYSTOLIC_NOTIFY, Tier.NOTIFY, text, t)
    return None


def _diastolic(value: int, t: AlertThresholds) -> AlertFinding | None:
    if value >= t.diastolic_hold_at:
        text = f"Diastolic {value} mmHg ≥ {t.diastolic_hold_at}: {_HOLD}"
        return _vital(Rule.DIASTOLIC_HOLD, Tier.HOLD, text, t)
    if value >= t.diastolic_notify_at:
        text = (
            f"Diastolic {value} mmHg ≥ {t.diastolic_notify_at}: recheck in "
            f"{t.bp_recheck_minutes} minutes and notify the prescriber"
        )
        return _vital(Rule.DIASTOLIC_NOTIFY, Tier.NOTIFY, text, t)
    return None


def _spo2(value: int, t: AlertThresholds) -> AlertFinding | None:
    if value < t.spo2_critical_below:
        text = f"SpO₂ {value} % < {t.spo2_critical_below}: {_CRITICAL_AIRWAY}"
        return _vital(Rule.SPO2_CRITICAL, Tier.CRITICAL, text, t)
    if value < t.spo2_notify_below:
        text = f"SpO₂ {value} % < {t.spo2_notify_below}: {_NOTIFY}"
        return _vital(Rule.SPO2_NOTIFY, Tier.NOTIFY, text, t)
    return None


def _heart_rate(value: int, t: AlertThresholds) -> AlertFinding | None:
    if value > t.heart_rate_critical_above:
        text = f"Heart rate {value} /min > {t.heart_rate_critical_above}: {_CRITICAL_CIRCULATION}"
        return _vital(Rule.HEART_RATE_HIGH_CRITICAL, Tier.CRITICAL, text, t)
    if value < t.heart_rate_critical_below:
        text = f"Heart rate {value} /min < {t.heart_rate_critical_below}: {_CRITICAL_CIRCULATION}"
        return _vital(Rule.HEART_RATE_LOW_CRITICAL, Tier.CRITICAL, text, t)
    if value > t.heart_rate_notify_above:
        text = f"Heart rate {value} /min > {t.heart_rate_notify_above}: {_NOTIFY}"
        return _vital(Rule.HEART_RATE_NOTIFY, Tier.NOTIFY, text, t)
    return None


def _resp_rate(value: int, t: AlertThresholds) -> AlertFinding | None:
    if value < t.resp_rate_critical_below:
        text = f"Respiratory rate {value} /min < {t.resp_rate_critical_below}: {_CRITICAL_AIRWAY}"
        return _vital(Rule.RESP_RATE_CRITICAL, Tier.CRITICAL, text, t)
    return None


def evaluate_vitals(
    vitals: VitalSigns, thresholds: AlertThresholds = DEFAULT_THRESHOLDS
) -> tuple[AlertFinding, ...]:
    """Every rule `vitals` breaches, highest tier first (see `ordered`).

    Each measured value yields at most one finding, at its highest tier: a systolic of 184 gives
    the hold finding only, not the notify finding as well. Absent values are not judged.
    Temperature is validated but has no alert rule: CLINICAL.md section 2 gives none.
    """
    checks = (
        (vitals.systolic, _systolic),
        (vitals.diastolic, _diastolic),
        (vitals.spo2, _spo2),
        (vitals.heart_rate, _heart_rate),
        (vitals.resp_rate, _resp_rate),
    )
    findings = [rule(value, thresholds) for value, rule in checks if value is not None]
    return ordered([f for f in findings if f is not None])


# ---------------------------------------------------------------------------------------------
# Time-based rules
# ---------------------------------------------------------------------------------------------


def duration_text(span: timedelta) -> str:
    """A duration as a clinician says it: "15 min", "15 min 30 s", "45 s"."""
    seconds = int(span.total_seconds())
    minutes, rest = divmod(seconds, 60)
    if minutes and rest:
        return f"{minutes} min {rest} s"
    return f"{minutes} min" if minutes else f"{rest} s"


def overdue_vitals(
    last_bp_at: datetime | None,
    now: datetime,
    running_since: datetime,
    interval: timedelta,
    thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
) -> AlertFinding | None:
    """The overdue finding when no blood pressure has been taken for `interval` or longer.

    `running_since` is when monitoring on this schedule began (the pump start, or the start of
    recovery with its own interval). The clock runs from the later of the last BP and
    `running_since`, so a baseline taken at check-in does not make the first check overdue the
    moment the pump starts; one interval of grace is given. Overdue exactly at the interval: a
    check due every 15 minutes is late at 15:00. A pause does not stop the clock: the patient
    still has ketamine on board. `thresholds` supplies only the source note.
    """
    for label, moment in (("now", now), ("running_since", running_since)):
        _require_aware(label, moment)
    if last_bp_at is not None:
        _require_aware("last_bp_at", last_bp_at)
        if last_bp_at > now:
            raise AlertInputError("The last blood pressure cannot be later than now.")
    if now < running_since:
        raise AlertInputError("Monitoring cannot start later than now.")
    if interval <= timedelta(0):
        raise AlertInputError(f"The vitals interval must be above zero (got {interval}).")
    since = running_since if last_bp_at is None else max(last_bp_at, running_since)
    waited = now - since
    if waited < interval:
        return None
    interval_text = f"(protocol interval {duration_text(interval)}): take vitals now"
    if last_bp_at is None or last_bp_at < running_since:
        text = (
            f"No blood pressure since monitoring began {duration_text(waited)} ago {interval_text}"
        )
    else:
        text = f"No blood pressure for {duration_text(waited)} {interval_text}"
    return AlertFinding(Rule.VITALS_OVERDUE, Tier.NOTIFY, text, thresholds.vitals_source)


def _microseconds(span: timedelta) -> int:
    """A timedelta as whole microseconds: exact, unlike `total_seconds()`."""
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


# Issue 4 ("Alerts"): an infusion running past its planned end is an alert. The planned duration
# comes from the prescriber's order; the rule itself is the project's, so it cites the issue.
PAST_END_SOURCE = "Issue 4 alert rule; the planned duration is the order's"


def past_planned_end(
    started_at: datetime,
    planned_minutes: int | Decimal,
    paused_durations: Sequence[timedelta],
    now: datetime,
) -> AlertFinding | None:
    """The finding when the pump has been running for longer than the order's planned minutes.

    Running time is `now - started_at` minus every pause. Strictly past: at exactly the planned
    minute the infusion is at its end, not past it. Call while the pump is running; a paused pump
    is not "running past" anything. Exact: times are compared in whole microseconds against the
    planned minutes as a Decimal.
    """
    _require_aware("started_at", started_at)
    _require_aware("now", now)
    if isinstance(planned_minutes, bool) or not isinstance(planned_minutes, int | Decimal):
        raise AlertInputError(
            f"Planned minutes must be a whole or decimal number ({planned_minutes!r})."
        )
    planned = Decimal(planned_minutes)
    if not planned.is_finite() or planned <= 0:
        raise AlertInputError(f"Planned minutes must be above zero (got {planned_minutes}).")
    if now < started_at:
        raise AlertInputError("The infusion cannot start later than now.")
    if any(pause < timedelta(0) for pause in paused_durations):
        raise AlertInputError("A pause cannot last less than no time.")
    paused = sum(paused_durations, timedelta(0))
    running = now - started_at - paused
    if running < timedelta(0):
        raise AlertInputError("The pauses add up to more than the time since the start.")
    if Decimal(_microseconds(running)) <= planned * 60 * 1_000_000:
        return None
    text = (
        f"The infusion has run {duration_text(running)} (pauses excluded) against "
        f"{planned.normalize():f} min planned: check the pump and the delivered dose"
    )
    return AlertFinding(Rule.PAST_PLANNED_END, Tier.NOTIFY, text, PAST_END_SOURCE)


def escalation_due_at(
    alert_raised_at: datetime, tier: Tier, thresholds: AlertThresholds = DEFAULT_THRESHOLDS
) -> datetime | None:
    """When an alert of `tier` raised at `alert_raised_at` escalates to the prescriber if still
    unacknowledged, or None for tiers that never escalate."""
    _require_aware("alert_raised_at", alert_raised_at)
    if tier < thresholds.escalate_from_tier:
        return None
    return alert_raised_at + thresholds.escalation_after


def needs_escalation(
    alert_raised_at: datetime,
    acknowledged_at: datetime | None,
    tier: Tier,
    now: datetime,
    thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
) -> bool:
    """True when the alert must escalate to the prescriber on the board now.

    An alert at `thresholds.escalate_from_tier` or above (HOLD by default) escalates once
    `escalation_minutes` have passed since it was raised, exactly at that minute included, unless
    it was acknowledged at or before `now`. An acknowledgement time later than `now` (replaying
    history) does not count yet.
    """
    _require_aware("now", now)
    due = escalation_due_at(alert_raised_at, tier, thresholds)
    if now < alert_raised_at:
        raise AlertInputError("An alert cannot be raised later than now.")
    if acknowledged_at is not None:
        _require_aware("acknowledged_at", acknowledged_at)
        if acknowledged_at < alert_raised_at:
            raise AlertInputError("An alert cannot be acknowledged before it was raised.")
        if acknowledged_at <= now:
            return False
    return due is not None and now >= due


# ---------------------------------------------------------------------------------------------
# The patient's state (prompts the therapist)
# ---------------------------------------------------------------------------------------------


def _check_scale(label: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise AlertInputError(f"{label} must be a whole number from 0 to 10 (got {value!r}).")


def state_findings(
    anxiety: int | None,
    dissociation: int | None,
    thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
) -> tuple[AlertFinding, ...]:
    """Prompts for the therapist when anxiety or dissociation (0-10) is at or above the protocol's
    threshold. Tier NOTIFY, audience THERAPIST; anxiety first. None means "not rated"."""
    findings: list[AlertFinding] = []
    if anxiety is not None:
        _check_scale("Anxiety", anxiety)
        if anxiety >= thresholds.anxiety_prompt_at:
            text = (
                f"Anxiety {anxiety}/10 ≥ {thresholds.anxiety_prompt_at}: check in with the patient "
                "and offer support (grounding, breathing, reassurance, orientation, music)"
            )
            findings.append(_state(Rule.ANXIETY_HIGH, text, thresholds))
    if dissociation is not None:
        _check_scale("Dissociation", dissociation)
        if dissociation >= thresholds.dissociation_prompt_at:
            text = (
                f"Dissociation {dissociation}/10 ≥ {thresholds.dissociation_prompt_at}: check in "
                "with the patient; offer orientation and reassurance if they are distressed"
            )
            findings.append(_state(Rule.DISSOCIATION_HIGH, text, thresholds))
    return tuple(findings)


def _state(rule: Rule, text: str, t: AlertThresholds) -> AlertFinding:
    return AlertFinding(rule, Tier.NOTIFY, text, t.state_source, Audience.THERAPIST)
