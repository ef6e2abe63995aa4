"""The questionnaire scoring engine: answers in, total, severity, subscales, flags and a sentence a
clinician can read out.

Pure Python, no Django. The rules come from the instrument file (see `instruments.py`); this
module only applies them, the same way for every instrument:

- An answer is the weight of the chosen option, exactly as the file gives it (0-3 on the PHQ-9,
  1-7 on the BPRS). Anything else is refused with a message naming the item and its allowed values.
- A missing answer is never counted as 0 (CLINICAL.md §4). A response that does not meet the
  instrument's completeness rule has no total, no severity and no criteria; it says which items are
  missing. Prorating happens only where the instrument file allows it and cites its manual.
- Critical items are checked on every response, complete or not: a PHQ-9 item 9 answer of 1 or
  more raises the safety flag even if other items were skipped, and an unanswered critical item
  raises its own flag where the file says so.
- Flags are listed safety first.

Nothing here decides anything: the result is information for the clinician.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from holdspace.measures.instruments import (
    FLAG_KINDS,
    RULE_MEAN,
    Instrument,
    Item,
)

AnswerKey = str | int
_WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")


class ScoreInputError(ValueError):
    """Answers that cannot be scored as given; the message names the item and what is allowed."""


@dataclass(frozen=True)
class Flag:
    """Something the care team should see. `kind` is safety, screen, discharge or info."""

    kind: str
    code: str
    text: str


@dataclass(frozen=True)
class ScoreResult:
    """The scored response.

    `complete` means the instrument's completeness rule is met, so a total was computed; `missing`
    lists the scored items left unanswered (it may be non-empty for an instrument whose manual
    allows prorating). `total`, `severity` and `criteria_met` are None when not complete; a
    subscale is None unless every one of its items was answered.
    """

    instrument: str
    total: int | float | None
    severity: str | None
    subscales: dict[str, int | float | None]
    flags: tuple[Flag, ...]
    complete: bool
    missing: tuple[str, ...]
    interpretation: str
    prorated: bool = False
    criteria_met: bool | None = None

    @property
    def has_safety_flag(self) -> bool:
        return any(flag.kind == "safety" for flag in self.flags)


# ---------------------------------------------------------------------------------------------
# Answers: from positions or linkIds to checked weights
# ---------------------------------------------------------------------------------------------


def _item_for_key(instrument: Instrument, key: object) -> Item:
    if isinstance(key, int) and not isinstance(key, bool):
        if not 1 <= key <= len(instrument.items):
            raise ScoreInputError(
                f"{instrument.short_name} has items 1 to {len(instrument.items)}; there is no "
                f"item {key}"
            )
        return instrument.items[key - 1]
    if isinstance(key, str):
        try:
            return instrument.item(key)
        except KeyError:
            raise ScoreInputError(
                f"{instrument.short_name} has no item '{key}'; its items are "
                f"{', '.join(item.link_id for item in instrument.items)}"
            ) from None
    raise ScoreInputError(f"answers must be keyed by item linkId or 1-based position (got {key!r})")


def _checked_answer(instrument: Instrument, item: Item, value: object) -> int | None:
    if value is None:
        return None
    if item.type != "choice":
        raise ScoreInputError(
            f"{instrument.short_name} item {item.label()} is not a choice item and cannot take "
            "a numeric answer"
        )
    allowed = ", ".join(str(weight) for weight in item.weights)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ScoreInputError(
            f"{instrument.short_name} item {item.label()}: {value!r} is not a whole number; "
            f"allowed values are {allowed}"
        )
    if value not in item.weights:
        raise ScoreInputError(
            f"{instrument.short_name} item {item.label()}: {value} is not an allowed answer; "
            f"allowed values are {allowed}"
        )
    return value


def normalise_answers(
    instrument: Instrument, answers: Mapping[AnswerKey, int | None]
) -> dict[str, int | None]:
    """Answers keyed by linkId, each checked against its item's allowed weights.

    Keys may be linkIds or 1-based positions in questionnaire order (for the BPRS positive
    subscale, position 1 is BPRS item 4). Naming one item twice is refused.
    """
    checked: dict[str, int | None] = {}
    for key, value in answers.items():
        item = _item_for_key(instrument, key)
        if item.link_id in checked:
            raise ScoreInputError(f"{instrument.short_name} item {item.label()} is answered twice")
        checked[item.link_id] = _checked_answer(instrument, item, value)
    return checked


def parse_answer_list(instrument: Instrument, text: str) -> dict[str, int | None]:
    """Answers typed as "2,2,1,,0": in item order, an empty position meaning not answered.

    Give either one answer per scored item, or one per item including unscored ones (the PHQ-9
    takes 9 answers, or 10 with the difficulty question).
    """
    tokens = [token.strip() for token in text.split(",")]
    scored = instrument.scored_items
    if len(tokens) == len(scored):
        items = scored
    elif len(tokens) == len(instrument.items):
        items = instrument.items
    else:
        counts = f"{len(scored)} answers"
        if len(instrument.items) != len(scored):
            counts += f" (or {len(instrument.items)} with the unscored items)"
        raise ScoreInputError(
            f"{instrument.short_name} takes {counts} in item order, leaving a position "
            f"empty for a missing answer (got {len(tokens)})"
        )
    values: dict[AnswerKey, int | None] = {}
    for position, (item, token) in enumerate(zip(items, tokens, strict=True), start=1):
        if token == "":
            values[item.link_id] = None
        elif _WHOLE_NUMBER.match(token):
            values[item.link_id] = int(token)
        else:
            raise ScoreInputError(
                f"{instrument.short_name} answer {position} (item '{item.link_id}') is "
                f"'{token}', not a whole number; allowed values are "
                f"{', '.join(map(str, item.weights))}"
            )
    return normalise_answers(instrument, values)


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def _round_half_up(value: Fraction) -> int:
    return int(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


def _mean(values: Sequence[int]) -> float:
    return round(sum(values) / len(values), 2)


def _units(instrument: Instrument, answers: Mapping[str, int | None]) -> list[int | None]:
    """One value per scoring unit: an ungrouped scored item, or the highest answer of a group."""
    grouped = {link_id for group in instrument.scoring.groups for link_id in group.items}
    units: list[int | None] = []
    for item in instrument.scored_items:
        if item.link_id not in grouped:
            answer = answers.get(item.link_id)
            units.append(None if answer is None else item.contribution(answer))
    for group in instrument.scoring.groups:
        values = [answers.get(link_id) for link_id in group.items]
        if any(value is None for value in values):
            units.append(None)
        else:
            units.append(
                max(
                    instrument.item(link_id).contribution(value)
                    for link_id, value in zip(group.items, values, strict=True)
                    if value is not None
                )
            )
    return units


def _total(instrument: Instrument, answers: Mapping[str, int | None]) -> tuple[int | float, bool]:
    """The total and whether it was prorated; call only when the completeness rule is met."""
    units = _units(instrument, answers)
    answered = [unit for unit in units if unit is not None]
    if instrument.scoring.rule == RULE_MEAN:
        return _mean(answered), False
    if len(answered) < len(units):
        # Only reachable when the file allows missing items with prorating (validated on load).
        return _round_half_up(Fraction(sum(answered) * len(units), len(answered))), True
    return sum(answered), False


def _subscales(
    instrument: Instrument, answers: Mapping[str, int | None]
) -> dict[str, int | float | None]:
    scores: dict[str, int | float | None] = {}
    for subscale in instrument.subscales:
        values = [answers.get(link_id) for link_id in subscale.items]
        if any(value is None for value in values):
            scores[subscale.code] = None
            continue
        contributions = [
            instrument.item(link_id).contribution(value)
            for link_id, value in zip(subscale.items, values, strict=True)
            if value is not None
        ]
        mean_rule = instrument.scoring.rule == RULE_MEAN
        scores[subscale.code] = _mean(contributions) if mean_rule else sum(contributions)
    return scores


def _critical_flags(instrument: Instrument, answers: Mapping[str, int | None]) -> list[Flag]:
    flags: list[Flag] = []
    for critical in instrument.critical_items:
        values = [answers.get(link_id) for link_id in critical.items]
        if any(value is not None and critical.raised_by(value) for value in values):
            flags.append(Flag(critical.kind, critical.code, critical.text))
        elif critical.missing_text and any(value is None for value in values):
            flags.append(Flag(critical.kind, f"{critical.code}-unanswered", critical.missing_text))
    return flags


def _criteria(
    instrument: Instrument, answers: Mapping[str, int | None]
) -> tuple[bool, list[str], list[str]]:
    """Whether the symptom-count rule is met, with the subscales that meet and miss it."""
    criteria = instrument.criteria
    assert criteria is not None
    subscales = {subscale.code: subscale for subscale in instrument.subscales}
    met: list[str] = []
    not_met: list[str] = []
    for code, needed in criteria.required:
        endorsed = 0
        for link_id in subscales[code].items:
            answer = answers.get(link_id)
            item = instrument.item(link_id)
            if answer is not None and item.contribution(answer) >= criteria.item_at_least:
                endorsed += 1
        (met if endorsed >= needed else not_met).append(code)
    return not not_met, met, not_met


def _show(number: float) -> str:
    return str(number) if isinstance(number, int) else f"{number:g}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def score(instrument: Instrument, answers: Mapping[AnswerKey, int | None]) -> ScoreResult:
    """Score one response. Raises ScoreInputError for an unknown item or a disallowed answer."""
    checked = normalise_answers(instrument, answers)
    missing = tuple(
        item.link_id for item in instrument.scored_items if checked.get(item.link_id) is None
    )
    complete = len(missing) <= instrument.scoring.max_missing
    flags = _critical_flags(instrument, checked)
    total: int | float | None = None
    prorated = False
    criteria_met: bool | None = None
    parts: list[str] = []
    if complete:
        total, prorated = _total(instrument, checked)
        band = instrument.band_for(total)
        head = f"{instrument.short_name} {_show(total)}"
        if band is not None:
            head += f" — {band.description}"
        else:
            head += f" (range {_show(instrument.minimum)}-{_show(instrument.maximum)})"
        if prorated:
            answered = len(instrument.scored_items) - len(missing)
            head += (
                f" (prorated from {answered} of {len(instrument.scored_items)} items, as "
                "the instrument's manual allows)"
            )
        parts.append(head)
        if instrument.criteria is not None:
            criteria_met, met, not_met = _criteria(instrument, checked)
            parts.append(_criteria_sentence(instrument.criteria.name, met, not_met))
            if criteria_met:
                flags.append(Flag("screen", instrument.criteria.code, instrument.criteria.text))
        flags.extend(
            Flag(rule.kind, rule.code, rule.text)
            for rule in instrument.total_flags
            if rule.raised_by(total)
        )
    else:
        parts.append(
            f"{instrument.short_name} not scored: {len(missing)} of "
            f"{len(instrument.scored_items)} scored items unanswered ({', '.join(missing)}); "
            "a missing answer is never counted as 0"
        )
    flags.sort(key=lambda flag: FLAG_KINDS.index(flag.kind))
    criteria_code = instrument.criteria.code if instrument.criteria else None
    parts.extend(_capitalised(flag.text) for flag in flags if flag.code != criteria_code)
    band = instrument.band_for(total) if total is not None else None
    return ScoreResult(
        instrument=instrument.id,
        total=total,
        severity=band.label if band is not None else None,
        subscales=_subscales(instrument, checked),
        flags=tuple(flags),
        complete=complete,
        missing=missing,
        interpretation=". ".join(parts),
        prorated=prorated,
        criteria_met=criteria_met,
    )


def _criteria_sentence(name: str, met: list[str], not_met: list[str]) -> str:
    if not not_met:
        return f"{name}: criteria met ({', '.join(met)})"
    detail = f"not met: {', '.join(not_met)}"
    if met:
        detail = f"met: {', '.join(met)}; {detail}"
    return f"{name}: criteria not met ({detail})"


def result_as_dict(result: ScoreResult) -> dict[str, Any]:
    """The result as plain JSON-ready data (the CLI's --json output)."""
    return {
        "instrument": result.instrument,
        "total": result.total,
        "severity": result.severity,
        "subscales": dict(result.subscales),
        "flags": [
            {"kind": flag.kind, "code": flag.code, "text": flag.text} for flag in result.flags
        ],
        "complete": result.complete,
        "missing": list(result.missing),
        "interpretation": result.interpretation,
    }
