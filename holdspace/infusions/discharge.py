"""Recovery scores and the discharge decision (CLINICAL.md section 3, "Recovery and discharge").

Pure, no Django. Three scores, each criterion 0-2:

- **PADSS** (Chung): vital signs, activity and mental status, pain/nausea/vomiting, bleeding (for
  an infusion: the IV site), intake/output; total 10, ≥ 9 fit for discharge (CLINICAL.md §3).
- **Modified PADSS**: the same without intake/output (CLINICAL.md §3), so its maximum is 8 and the
  ≥ 9 threshold cannot apply; its threshold is a separate clinic setting (default below).
- **Modified Aldrete**: activity, respiration, circulation, consciousness, SpO₂; total 10, ≥ 9
  (CLINICAL.md §3), used for the initial recovery phase.

The vital-sign criteria (PADSS vital signs, Aldrete circulation and SpO₂) are computed here from
the recorded pre-infusion baseline and the current vitals; the nurse supplies the other items.
Percent changes are exact fractions, so a boundary such as exactly 20 % is never lost to rounding.

`assess_discharge` turns a score and the other conditions of CLINICAL.md §3 (escort, no driving,
instructions, follow-up) into fit or not fit with every unmet condition listed. The engine
advises; the nurse discharges.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from holdspace.infusions.alerts import AlertFinding, Tier, VitalSigns, duration_text
from holdspace.infusions.checkin import Override, override_refusal


class DischargeInputError(ValueError):
    """A score or condition that cannot be assessed as given; the message names what is wrong."""


class Scale(StrEnum):
    PADSS = "padss"
    PADSS_MODIFIED = "padss_modified"
    ALDRETE_MODIFIED = "aldrete_modified"

    @property
    def label(self) -> str:
        return _SCALE_LABELS[self]


_SCALE_LABELS = {
    Scale.PADSS: "PADSS",
    Scale.PADSS_MODIFIED: "Modified PADSS",
    Scale.ALDRETE_MODIFIED: "Modified Aldrete",
}

# CLINICAL.md §3: PADSS ≥ 9 and modified Aldrete ≥ 9 (of 10).
# Modified PADSS (max 8): project default, no published source. CLINICAL.md gives no threshold for
# the 8-point form; 7 keeps the PADSS rule "at most one point short of the maximum".
DEFAULT_THRESHOLDS: dict[Scale, int] = {
    Scale.PADSS: 9,
    Scale.PADSS_MODIFIED: 7,
    Scale.ALDRETE_MODIFIED: 9,
}

# CLINICAL.md §3: "Typical recovery is 30-60 minutes after a 40-minute infusion". The lower end is
# the minimum (clinic default, not a guideline; the esketamine REMS asks at least 2 h).
DEFAULT_MINIMUM_RECOVERY = timedelta(minutes=30)


@dataclass(frozen=True)
class CriterionScore:
    """One criterion: its key, label, points (0-2) and the basis, in words, for the record."""

    key: str
    label: str
    points: int
    basis: str


@dataclass(frozen=True)
class DischargeScore:
    """A scored recovery assessment. `total` and `maximum` follow from the criteria."""

    scale: Scale
    criteria: tuple[CriterionScore, ...]

    @property
    def total(self) -> int:
        return sum(criterion.points for criterion in self.criteria)

    @property
    def maximum(self) -> int:
        return 2 * len(self.criteria)

    @property
    def summary(self) -> str:
        """E.g. "PADSS 9/10"."""
        return f"{self.scale.label} {self.total}/{self.maximum}"


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


def _check_points(label: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2:
        raise DischargeInputError(f"{label} must be 0, 1 or 2 (got {value!r}).")
    return value


# Chung's anchors (CLINICAL.md §3 names the criteria; the anchors are the published scale's).
# The bleeding criterion is read as the IV site, the only wound an infusion leaves.
PADSS_ANCHORS: dict[str, dict[int, str]] = {
    "vital_signs": {
        2: "BP and pulse within 20 % of baseline",
        1: "BP and pulse 20-40 % from baseline",
        0: "BP or pulse more than 40 % from baseline",
    },
    "activity_mental_status": {
        2: "Oriented x 3 and steady gait",
        1: "Oriented x 3 or steady gait",
        0: "Neither",
    },
    "pain_nausea_vomiting": {
        2: "Minimal",
        1: "Moderate, treated",
        0: "Severe, needs treatment",
    },
    "iv_site_bleeding": {2: "Minimal", 1: "Moderate", 0: "Severe"},
    "intake_output": {
        2: "Has had oral fluids and voided",
        1: "Oral fluids or voided",
        0: "Neither",
    },
}

ALDRETE_ANCHORS: dict[str, dict[int, str]] = {
    "activity": {2: "Moves 4 limbs", 1: "Moves 2 limbs", 0: "Moves no limbs"},
    "respiration": {
        2: "Breathes deeply and coughs freely",
        1: "Dyspnoea or limited breathing",
        0: "Apnoeic",
    },
    "circulation": {
        2: "BP within 20 % of baseline",
        1: "BP 20-49 % from baseline",
        0: "BP 50 % or more from baseline",
    },
    "consciousness": {2: "Fully awake", 1: "Arousable on calling", 0: "Not responding"},
    "spo2": {
        2: "SpO₂ above 92 % on room air",
        1: "Needs oxygen to keep SpO₂ above 90 %",
        0: "SpO₂ 90 % or less even with oxygen",
    },
}


@dataclass(frozen=True)
class PadssNurseItems:
    """The PADSS items the nurse scores (0-2 each, see `PADSS_ANCHORS`). `intake_output` is
    required for the full PADSS and ignored by the modified PADSS."""

    activity_mental_status: int
    pain_nausea_vomiting: int
    iv_site_bleeding: int
    intake_output: int | None = None


@dataclass(frozen=True)
class AldreteNurseItems:
    """The modified Aldrete items the nurse scores (0-2 each, see `ALDRETE_ANCHORS`), and whether
    the patient was on supplemental oxygen when the SpO₂ was read."""

    activity: int
    respiration: int
    consciousness: int
    on_oxygen: bool


# ---------------------------------------------------------------------------------------------
# Vital-sign criteria
# ---------------------------------------------------------------------------------------------

_VITAL_WORDS = {
    "systolic": ("systolic", "mmHg"),
    "diastolic": ("diastolic", "mmHg"),
    "heart_rate": ("heart rate", "/min"),
}


def percent_change(baseline: int, current: int) -> Fraction:
    """|current - baseline| as an exact percentage of `baseline` (which is above zero)."""
    return Fraction(abs(current - baseline) * 100, baseline)


def _show_percent(value: Fraction) -> str:
    shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{shown} %"


def _require(vitals: VitalSigns, which: str, field: str, scale: str) -> int:
    value = getattr(vitals, field)
    if value is None:
        words = _VITAL_WORDS.get(field, (field.replace("_", " "), ""))[0]
        raise DischargeInputError(
            f"The {which} vitals have no {words}: the {scale} compares it with the pre-infusion "
            "baseline."
        )
    assert isinstance(value, int)
    return value


def _largest_change(
    baseline: VitalSigns, current: VitalSigns, fields: Sequence[str], scale: str
) -> tuple[Fraction, str]:
    """The largest percent change among `fields`, and a sentence naming it."""
    changes = []
    for field in fields:
        before = _require(baseline, "baseline", field, scale)
        after = _require(current, "current", field, scale)
        changes.append((percent_change(before, after), field, before, after))
    # max() keeps the first of equal changes, so the order of `fields` breaks ties.
    change, field, before, after = max(changes, key=lambda c: c[0])
    words, unit = _VITAL_WORDS[field]
    return change, f"largest change {words} {before} → {after} {unit} ({_show_percent(change)})"


def padss_vital_signs(baseline: VitalSigns, current: VitalSigns) -> CriterionScore:
    """PADSS vital signs (Chung; CLINICAL.md §3): the largest change of systolic, diastolic and
    heart rate from the pre-infusion baseline; within 20 % → 2, over 20 up to 40 % → 1, over
    40 % → 0. Exactly 20 % is "within 20 %"; exactly 40 % scores 1.

    Judgement call: "BP" is read as both systolic and diastolic, the stricter reading."""
    change, basis = _largest_change(
        baseline, current, ("systolic", "diastolic", "heart_rate"), "PADSS"
    )
    if change <= 20:
        points = 2
    elif change <= 40:
        points = 1
    else:
        points = 0
    return CriterionScore("vital_signs", "Vital signs", points, basis)


def aldrete_circulation(baseline: VitalSigns, current: VitalSigns) -> CriterionScore:
    """Modified Aldrete circulation: the larger change of systolic and diastolic from baseline;
    within 20 % → 2, over 20 and under 50 % → 1, 50 % or more → 0."""
    change, basis = _largest_change(baseline, current, ("systolic", "diastolic"), "Aldrete")
    if change <= 20:
        points = 2
    elif change < 50:
        points = 1
    else:
        points = 0
    return CriterionScore("circulation", "Circulation", points, basis)


def aldrete_spo2(current: VitalSigns, on_oxygen: bool) -> CriterionScore:
    """Modified Aldrete SpO₂: above 92 % on room air → 2; above 90 % but needing oxygen (or only
    91-92 % on room air) → 1; 90 % or less → 0.

    Judgement calls: the scale's wording leaves gaps. 91-92 % on room air does not meet "> 92 %
    on room air", so it scores 1; exactly 90 % is not "> 90 %", so it scores 0."""
    if not isinstance(on_oxygen, bool):
        raise DischargeInputError(f"on_oxygen must be True or False (got {on_oxygen!r}).")
    spo2 = current.spo2
    if spo2 is None:
        raise DischargeInputError("The current vitals have no SpO₂: the Aldrete scores it.")
    air = "on oxygen" if on_oxygen else "on room air"
    if spo2 > 92 and not on_oxygen:
        points = 2
    elif spo2 > 90:
        points = 1
    else:
        points = 0
    return CriterionScore("spo2", "SpO₂", points, f"SpO₂ {spo2} % {air}")


def _nurse(
    key: str, label: str, value: object, anchors: dict[str, dict[int, str]]
) -> CriterionScore:
    points = _check_points(label, value)
    return CriterionScore(key, label, points, f"nurse: {anchors[key][points]}")


# ---------------------------------------------------------------------------------------------
# The three scores
# ---------------------------------------------------------------------------------------------


def _padss_nurse_criteria(items: PadssNurseItems) -> tuple[CriterionScore, ...]:
    return (
        _nurse(
            "activity_mental_status",
            "Activity and mental status",
            items.activity_mental_status,
            PADSS_ANCHORS,
        ),
        _nurse(
            "pain_nausea_vomiting",
            "Pain, nausea, vomiting",
            items.pain_nausea_vomiting,
            PADSS_ANCHORS,
        ),
        _nurse("iv_site_bleeding", "Bleeding (IV site)", items.iv_site_bleeding, PADSS_ANCHORS),
    )


def score_padss(
    baseline: VitalSigns, current: VitalSigns, items: PadssNurseItems
) -> DischargeScore:
    """PADSS, 5 criteria, maximum 10. `items.intake_output` is required."""
    if items.intake_output is None:
        raise DischargeInputError(
            "The PADSS needs intake and output; use the modified PADSS to leave it out."
        )
    intake = _nurse("intake_output", "Intake and output", items.intake_output, PADSS_ANCHORS)
    vital = padss_vital_signs(baseline, current)
    return DischargeScore(Scale.PADSS, (vital, *_padss_nurse_criteria(items), intake))


def score_modified_padss(
    baseline: VitalSigns, current: VitalSigns, items: PadssNurseItems
) -> DischargeScore:
    """Modified PADSS: the PADSS without intake and output, 4 criteria, maximum 8.
    `items.intake_output` is ignored."""
    vital = padss_vital_signs(baseline, current)
    return DischargeScore(Scale.PADSS_MODIFIED, (vital, *_padss_nurse_criteria(items)))


def score_modified_aldrete(
    baseline: VitalSigns, current: VitalSigns, items: AldreteNurseItems
) -> DischargeScore:
    """Modified Aldrete, 5 criteria, maximum 10: activity, respiration, circulation,
    consciousness, SpO₂ (in the scale's usual order)."""
    criteria = (
        _nurse("activity", "Activity", items.activity, ALDRETE_ANCHORS),
        _nurse("respiration", "Respiration", items.respiration, ALDRETE_ANCHORS),
        aldrete_circulation(baseline, current),
        _nurse("consciousness", "Consciousness", items.consciousness, ALDRETE_ANCHORS),
        aldrete_spo2(current, items.on_oxygen),
    )
    return DischargeScore(Scale.ALDRETE_MODIFIED, criteria)


# ---------------------------------------------------------------------------------------------
# The discharge decision
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DischargeAssessment:
    """Fit for discharge or not.

    `reasons` lists every unmet condition that still blocks discharge (empty when fit).
    `overridden` lists conditions a valid prescriber override waived, for the record.
    `threshold` is the score threshold that was applied (≥)."""

    fit: bool
    reasons: tuple[str, ...]
    threshold: int
    overridden: tuple[str, ...] = ()


def _threshold(score: DischargeScore, threshold: int | None) -> int:
    value = DEFAULT_THRESHOLDS[score.scale] if threshold is None else threshold
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= score.maximum:
        raise DischargeInputError(
            f"The {score.scale.label} threshold must be a whole number from 1 to "
            f"{score.maximum} (got {value!r})."
        )
    return value


def _logistics(
    escort_confirmed: bool,
    instructions_given: bool,
    follow_up_booked: bool,
    driving_advice_given: bool,
) -> list[str]:
    """CLINICAL.md §3, "also required before leaving". No override waives these."""
    unmet = [
        (escort_confirmed, "Escort not confirmed: a responsible adult must take the patient home"),
        (
            instructions_given,
            "Instructions not given: no alcohol or sedatives and no important decisions for "
            "24 hours",
        ),
        (follow_up_booked, "Follow-up not booked"),
        (driving_advice_given, "Driving advice not given: no driving until the next day"),
    ]
    for flag, _ in unmet:
        if not isinstance(flag, bool):
            raise DischargeInputError(f"Discharge conditions must be True or False ({flag!r}).")
    return [text for met, text in unmet if not met]


def _recovery_time(ended_at: datetime, now: datetime, minimum: timedelta) -> list[str]:
    for label, moment in (("infusion_ended_at", ended_at), ("now", now)):
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise DischargeInputError(f"{label} must be a time with a time zone.")
    if now < ended_at:
        raise DischargeInputError("The infusion cannot end later than now.")
    if minimum < timedelta(0):
        raise DischargeInputError("The minimum recovery time cannot be negative.")
    waited = now - ended_at
    if waited >= minimum:
        return []
    return [
        f"Recovery {duration_text(waited)} since the infusion ended; the clinic minimum is "
        f"{duration_text(minimum)}"
    ]


def assess_discharge(
    score: DischargeScore,
    *,
    threshold: int | None = None,
    escort_confirmed: bool,
    instructions_given: bool,
    follow_up_booked: bool,
    driving_advice_given: bool,
    infusion_ended_at: datetime,
    now: datetime,
    minimum_recovery: timedelta = DEFAULT_MINIMUM_RECOVERY,
    latest_findings: Sequence[AlertFinding] = (),
    override: Override | None = None,
) -> DischargeAssessment:
    """Whether the patient is fit for discharge now, with every unmet condition listed.

    Conditions: the score at or above `threshold` (None → the scale's default, see
    `DEFAULT_THRESHOLDS`); escort, instructions, follow-up and driving advice (CLINICAL.md §3);
    at least `minimum_recovery` since the infusion ended; and no finding at the HOLD tier or
    above in `latest_findings` (the alert findings on the latest vitals).

    A prescriber's override with a reason (see `checkin.override_refusal`) waives the score and
    the hold-tier findings, which are clinical judgements; it never waives the escort,
    instructions, follow-up, driving advice or the minimum time. An override that is not valid
    adds its refusal to the reasons. Keyword-only so that four booleans cannot be swapped.
    """
    applied = _threshold(score, threshold)
    judgement: list[str] = []
    if score.total < applied:
        judgement.append(
            f"{score.summary} is below the clinic threshold of {applied} (≥ {applied} needed)"
        )
    judgement.extend(
        f"Latest vitals at the {finding.tier.code} tier: {finding.message}"
        for finding in latest_findings
        if finding.tier >= Tier.HOLD
    )
    fixed = _logistics(escort_confirmed, instructions_given, follow_up_booked, driving_advice_given)
    fixed += _recovery_time(infusion_ended_at, now, minimum_recovery)
    waived: tuple[str, ...] = ()
    if judgement and override is not None:
        refusal = override_refusal(override, "a discharge below the threshold")
        if refusal is None:
            waived = tuple(f"{text} (override: {override.reason.strip()})" for text in judgement)
            judgement = []
        else:
            judgement.append(refusal)
    reasons = tuple(judgement + fixed)
    return DischargeAssessment(not reasons, reasons, applied, waived)
