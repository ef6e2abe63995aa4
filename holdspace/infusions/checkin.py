"""The check-in checklist that gates the pump start (issue 4, "Session lifecycle").

Pure, no Django. Three kinds of item:

- **answered** by the nurse at check-in (identity, fasting, escort, medication changes, intention
  in the patient's words, today's touch consent, IV site);
- **verified** by the system from the record (current eligible screening and consent, the order's
  double check, baseline vitals within the protocol's range, today's pre-infusion questionnaires
  completed, no questionnaire safety flag left unacknowledged, the support plan reviewed with the
  patient today); the caller passes the result.

`evaluate_checklist` reports what is missing and why; `can_start` decides whether the pump may
start, applying a prescriber's override with a reason where the item allows one. The rule for an
override (prescriber role, reason not blank) is shared with discharge through `override_refusal`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from holdspace.infusions.alerts import (
    DEFAULT_THRESHOLDS,
    AlertThresholds,
    Tier,
    VitalSigns,
    evaluate_vitals,
)

# The role value of a prescriber, as stored on a clinic membership
# (`holdspace.clinics.models.Role.PRESCRIBER`); repeated here because this module may not import
# Django models.
PRESCRIBER_ROLE = "prescriber"


class CheckinItem(StrEnum):
    """The checklist, in the order issue 4 lists it (and the console shows it)."""

    IDENTITY = "identity"
    SCREENING_AND_CONSENT = "screening_and_consent"
    ORDER_DOUBLE_CHECKED = "order_double_checked"
    FASTING = "fasting"
    ESCORT = "escort"
    MEDICATION_CHANGES = "medication_changes"
    BASELINE_VITALS = "baseline_vitals"
    PRE_INFUSION_MEASURES = "pre_infusion_measures"
    NO_OPEN_SAFETY_FLAG = "no_open_safety_flag"
    INTENTION = "intention"
    SUPPORT_PLAN = "support_plan"
    TOUCH_CONSENT = "touch_consent"
    IV_SITE = "iv_site"


class ItemKind(StrEnum):
    ANSWERED = "answered"
    VERIFIED = "verified"


class TouchConsent(StrEnum):
    """Today's consent to touch (CLINICAL.md section 6: asked in preparation, re-confirmed on the
    day). Every answer completes the item; "no" is a valid answer, not a missing one."""

    YES = "yes"
    NO = "no"
    ASK_EACH_TIME = "ask_each_time"


@dataclass(frozen=True)
class ItemSpec:
    item: CheckinItem
    label: str
    kind: ItemKind
    # Why the item is not complete, shown when it is missing.
    missing_text: str

    @property
    def overridable(self) -> bool:
        return self.item not in NOT_OVERRIDABLE


# Judgement call (project rule, no source): an override cannot stand in for these. Each has a
# quick legitimate remedy (confirm the identity, sign the screening or take consent, have the
# order double-checked), and starting ketamine on the wrong patient, without consent or on an
# unchecked dose cannot be made right by a reason written afterwards.
#
# The same holds for an unacknowledged questionnaire safety flag (PHQ-9 item 9, CLINICAL.md §4):
# any clinician clears it in a minute by reviewing it with the patient and recording the action,
# and a dissociative drug must not start over a suicide-risk answer nobody has looked at.
NOT_OVERRIDABLE = frozenset(
    {
        CheckinItem.IDENTITY,
        CheckinItem.SCREENING_AND_CONSENT,
        CheckinItem.ORDER_DOUBLE_CHECKED,
        CheckinItem.NO_OPEN_SAFETY_FLAG,
    }
)

_SPECS: tuple[ItemSpec, ...] = (
    ItemSpec(
        CheckinItem.IDENTITY,
        "Identity confirmed",
        ItemKind.ANSWERED,
        "Identity not confirmed: check two identifiers against the record",
    ),
    ItemSpec(
        CheckinItem.SCREENING_AND_CONSENT,
        "Current eligible screening and consent",
        ItemKind.VERIFIED,
        "No current eligible screening and treatment consent on the record",
    ),
    ItemSpec(
        CheckinItem.ORDER_DOUBLE_CHECKED,
        "Order double-checked",
        ItemKind.VERIFIED,
        "Today's order has not been double-checked",
    ),
    ItemSpec(
        CheckinItem.FASTING,
        "Fasting as instructed",
        ItemKind.ANSWERED,
        "Fasting as instructed not confirmed",
    ),
    ItemSpec(
        CheckinItem.ESCORT,
        "Escort confirmed",
        ItemKind.ANSWERED,
        "No escort confirmed: a responsible adult must take the patient home",
    ),
    ItemSpec(
        CheckinItem.MEDICATION_CHANGES,
        "Medication changes reviewed",
        ItemKind.ANSWERED,
        "Medication changes since the last visit not reviewed",
    ),
    ItemSpec(
        CheckinItem.BASELINE_VITALS,
        "Baseline vitals within the protocol's range",
        ItemKind.VERIFIED,
        "Baseline vitals missing, incomplete, or at the hold or critical tier",
    ),
    ItemSpec(
        CheckinItem.PRE_INFUSION_MEASURES,
        "Today's pre-infusion measures",
        ItemKind.VERIFIED,
        "Today's pre-infusion questionnaires are not all completed: hand the patient the clinic "
        "tablet from their Questionnaires page",
    ),
    ItemSpec(
        CheckinItem.NO_OPEN_SAFETY_FLAG,
        "No unacknowledged safety flag",
        ItemKind.VERIFIED,
        "A questionnaire safety flag is not acknowledged: review it with the patient and record "
        "the action taken before the infusion",
    ),
    ItemSpec(
        CheckinItem.INTENTION,
        "Intention for today in the patient's words",
        ItemKind.ANSWERED,
        "Today's intention not recorded in the patient's words",
    ),
    ItemSpec(
        CheckinItem.SUPPORT_PLAN,
        "Support plan reviewed",
        ItemKind.VERIFIED,
        "Support plan not reviewed with the patient today (or the patient has none): open it "
        "from the console and mark it reviewed",
    ),
    ItemSpec(
        CheckinItem.TOUCH_CONSENT,
        "Consent to touch re-confirmed for today",
        ItemKind.ANSWERED,
        "Today's consent to touch not asked (yes, no or ask each time)",
    ),
    ItemSpec(
        CheckinItem.IV_SITE,
        "IV site",
        ItemKind.ANSWERED,
        "IV site not recorded",
    ),
)

CHECKLIST: dict[CheckinItem, ItemSpec] = {spec.item: spec for spec in _SPECS}

VERIFIED_ITEMS = frozenset(i for i, s in CHECKLIST.items() if s.kind is ItemKind.VERIFIED)


@dataclass(frozen=True)
class CheckinAnswers:
    """What the nurse records at check-in. Defaults mean "not done yet".

    `intention` is in the patient's own words and `iv_site` describes the cannula (e.g. "left
    antecubital, 22 G"); blank text does not count. `touch_consent` None means not asked today.
    """

    identity_confirmed: bool = False
    fasting_as_instructed: bool = False
    escort_confirmed: bool = False
    medication_changes_reviewed: bool = False
    intention: str = ""
    touch_consent: TouchConsent | None = None
    iv_site: str = ""


@dataclass(frozen=True)
class ItemStatus:
    """One line of the checklist as the console shows it."""

    item: CheckinItem
    label: str
    done: bool
    reason: str  # why it is not done; empty when done
    verified: bool  # checked by the system from the record, not answered by the nurse
    overridable: bool


@dataclass(frozen=True)
class ChecklistResult:
    """`items` is every line in checklist order; `missing` those not done, same order."""

    items: tuple[ItemStatus, ...]

    @property
    def missing(self) -> tuple[ItemStatus, ...]:
        return tuple(status for status in self.items if not status.done)

    @property
    def complete(self) -> bool:
        return not self.missing


def _answered(item: CheckinItem, answers: CheckinAnswers) -> bool:
    match item:
        case CheckinItem.IDENTITY:
            return answers.identity_confirmed
        case CheckinItem.FASTING:
            return answers.fasting_as_instructed
        case CheckinItem.ESCORT:
            return answers.escort_confirmed
        case CheckinItem.MEDICATION_CHANGES:
            return answers.medication_changes_reviewed
        case CheckinItem.INTENTION:
            return bool(answers.intention.strip())
        case CheckinItem.TOUCH_CONSENT:
            return isinstance(answers.touch_consent, TouchConsent)
        case CheckinItem.IV_SITE:
            return bool(answers.iv_site.strip())
        case _:
            raise ValueError(f"{item} is not answered by the nurse.")


def _done(spec: ItemSpec, answers: CheckinAnswers, verified: Mapping[CheckinItem, bool]) -> bool:
    match spec.kind:
        case ItemKind.ANSWERED:
            return _answered(spec.item, answers)
        case ItemKind.VERIFIED:
            # Only True itself counts; a missing key or any other value is "not verified".
            return verified.get(spec.item) is True


def evaluate_checklist(
    answers: CheckinAnswers, verified: Mapping[CheckinItem, bool]
) -> ChecklistResult:
    """The checklist with each item done or missing, and why.

    `verified` holds the system's checks for `VERIFIED_ITEMS`; an absent key counts as not
    verified. Other keys in `verified` are refused, so a caller cannot tick a nurse's item by
    mistake.
    """
    stray = set(verified) - VERIFIED_ITEMS
    if stray:
        names = ", ".join(sorted(str(i) for i in stray))
        raise ValueError(f"Only system-verified items can be passed as verified (got {names}).")
    items = []
    for spec in CHECKLIST.values():
        done = _done(spec, answers, verified)
        items.append(
            ItemStatus(
                item=spec.item,
                label=spec.label,
                done=done,
                reason="" if done else spec.missing_text,
                verified=spec.kind is ItemKind.VERIFIED,
                overridable=spec.overridable,
            )
        )
    return ChecklistResult(tuple(items))


# Baseline vitals need every routine sign: CLINICAL.md section 2 lists BP, HR, SpO₂ and RR "at
# baseline", and recovery scores are computed against this baseline (discharge.py).
BASELINE_FIELDS = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate")


def baseline_vitals_within_range(
    vitals: VitalSigns | None, thresholds: AlertThresholds = DEFAULT_THRESHOLDS
) -> bool:
    """True when baseline vitals were taken with every field of `BASELINE_FIELDS` and no finding
    reaches the HOLD tier (issue 4: "within the protocol's range"). A notify-tier baseline (say a
    systolic of 165) is within range: it is recorded and alerted, but does not block the start."""
    if vitals is None or any(getattr(vitals, name) is None for name in BASELINE_FIELDS):
        return False
    return all(finding.tier < Tier.HOLD for finding in evaluate_vitals(vitals, thresholds))


# ---------------------------------------------------------------------------------------------
# Overrides (shared with discharge)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A clinician's request to proceed although a rule is not met. `role` is the actor's role in
    this clinic; the actions record who, when and the reason."""

    role: str
    reason: str


def override_refusal(override: Override, what: str) -> str | None:
    """Why `override` cannot be accepted for `what` ("the check-in checklist"), or None if it can.
    Only a prescriber may override, and only with a reason that is not blank."""
    if override.role != PRESCRIBER_ROLE:
        return f"Only a prescriber can override {what}."
    if not override.reason.strip():
        return f"An override of {what} needs a reason."
    return None


@dataclass(frozen=True)
class StartDecision:
    """Whether the pump may start. `overridden` lists the items a valid override waived, for the
    record; `message` explains a refusal or summarises the override."""

    allowed: bool
    message: str
    overridden: tuple[CheckinItem, ...] = ()


def _names(statuses: tuple[ItemStatus, ...]) -> str:
    return "; ".join(status.reason for status in statuses)


def can_start(result: ChecklistResult, override: Override | None = None) -> StartDecision:
    """Whether the pump may start.

    Complete checklist: allowed. Otherwise refused, unless a prescriber overrides with a reason
    and every missing item is overridable (identity, screening and consent, and the order's
    double check never are). A refused override says why; the missing items are listed in the
    message either way.
    """
    missing = result.missing
    if not missing:
        return StartDecision(True, "The check-in checklist is complete.")
    refusal = f"Cannot start the pump: the check-in checklist is not complete ({_names(missing)})."
    hard = tuple(status for status in missing if not status.overridable)
    if hard:
        return StartDecision(False, f"{refusal} These cannot be overridden: {_labels(hard)}.")
    if override is None:
        return StartDecision(False, refusal)
    why_not = override_refusal(override, "the check-in checklist")
    if why_not is not None:
        return StartDecision(False, f"{refusal} {why_not}")
    waived = tuple(status.item for status in missing)
    return StartDecision(
        True,
        f"Started on a prescriber's override ({override.reason.strip()}); not complete: "
        f"{_labels(missing)}.",
        waived,
    )


def _labels(statuses: tuple[ItemStatus, ...]) -> str:
    return ", ".join(status.label for status in statuses)
