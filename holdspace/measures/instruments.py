"""Instruments as data: loading and validating questionnaire files into frozen dataclasses.

Pure Python, no Django. An instrument file is JSON with a FHIR R4 ``Questionnaire`` under
``resource`` and the holdspace scoring key beside it:

    {
      "holdspace": 1,                      file format version
      "id": "phq9",                        the key used everywhere (CLI, database, outcomes)
      "short_name": "PHQ-9",
      "respondent": "self" | "clinician",
      "recall_period": "the last 2 weeks",
      "source": "citation of the instrument",
      "licence": {"name": …, "ship_text": true | false, "source": …},
      "notes": ["…"],
      "resource": { FHIR R4 Questionnaire },
      "scoring": {
        "rule": "sum" | "mean" | "max-within-groups-then-sum",
        "groups": [{"name": …, "items": [linkId, …]}],      only with max-within-groups-then-sum
        "unscored_items": [linkId, …],                      answered but never added up
        "reverse_items": [linkId, …],                       contribute lowest + highest - weight
        "completeness": {"max_missing": 0, "prorate": false, "source": …},
        "total_code": {"system": "http://loinc.org", "code": …, "display": …},
        "bands": [{"min": 0, "max": 4, "label": …, "description": …}], "bands_source": …,
        "subscales": [{"code": "B", "name": …, "items": [linkId, …]}],
        "critical_items": [{"code", "items", "at_least" | "at_most", "kind", "text",
                            "missing_text"?, "source"}],
        "total_flags": [{"code", "at_least" | "at_most", "kind", "text", "source"}],
        "criteria": {"code", "name", "item_at_least", "subscales": {"B": 1, …}, "text", "source"}
      }
    }

Answer weights are read from each answer option's ``ordinalValue`` extension (FHIR R4 core) or
``itemWeight`` extension (SDC 4.0), on the option itself or on its ``valueCoding``
(CLINICAL.md §4, "FHIR R4 pattern"). Weights must be whole numbers and distinct within an item,
because an answer is given to the scoring engine as its weight.

`validate_instrument` returns every problem it finds, in words, so that a clinic importing a
licensed questionnaire learns everything that is wrong at once. Warnings (for instance a missing
LOINC code, which is allowed) start with "warning: " and do not stop a file from loading.
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
ORDINAL_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT_URL = "http://hl7.org/fhir/StructureDefinition/itemWeight"
WEIGHT_URLS = (ORDINAL_VALUE_URL, ITEM_WEIGHT_URL)
LOINC_SYSTEM = "http://loinc.org"
SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
SHIPPED_IDS = (
    "phq9",
    "gad7",
    "pcl5",
    "hamd17",
    "bprs_positive",
    "qids_sr16",
    "padss",
    "aldrete",
    "session_feedback",
    "pain_nrs",
)

RULE_SUM = "sum"
RULE_MEAN = "mean"
RULE_GROUP_MAX = "max-within-groups-then-sum"
RULES = (RULE_SUM, RULE_MEAN, RULE_GROUP_MAX)
RESPONDENTS = ("self", "clinician")
# Flag kinds, in the order a clinician must see them: a safety flag always comes first.
FLAG_KINDS = ("safety", "screen", "discharge", "info")
FHIR_STATUSES = ("draft", "active", "retired", "unknown")
WARNING_PREFIX = "warning: "
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_NOT_ANSWERABLE = ("group", "display")


class InstrumentError(ValueError):
    """An instrument file that cannot be used; `problems` lists every reason in words."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


# ---------------------------------------------------------------------------------------------
# The instrument, as frozen dataclasses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str = ""


@dataclass(frozen=True)
class AnswerOption:
    code: str
    display: str
    weight: int
    system: str = ""


@dataclass(frozen=True)
class Item:
    """One question. `position` is 1-based in questionnaire order (the CLI's answer order)."""

    link_id: str
    position: int
    text: str
    type: str
    required: bool
    scored: bool
    reverse: bool
    options: tuple[AnswerOption, ...]
    codes: tuple[Coding, ...] = ()

    @property
    def weights(self) -> tuple[int, ...]:
        return tuple(sorted(option.weight for option in self.options))

    @property
    def lowest(self) -> int:
        return min(self.weights)

    @property
    def highest(self) -> int:
        return max(self.weights)

    def contribution(self, weight: int) -> int:
        """What an answer adds to the total: its weight, or mirrored for a reverse-scored item."""
        return self.lowest + self.highest - weight if self.reverse else weight

    def label(self) -> str:
        """How messages name the item: its linkId and the start of its text."""
        text = self.text if len(self.text) <= 60 else self.text[:57].rstrip() + "…"
        return f"'{self.link_id}' ({text})" if text else f"'{self.link_id}'"


@dataclass(frozen=True)
class ItemGroup:
    """Items of which only the highest answer counts (e.g. the four QIDS sleep items)."""

    name: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    """A severity band; `minimum` and `maximum` are inclusive."""

    minimum: int
    maximum: int
    label: str
    description: str

    def contains(self, total: float) -> bool:
        return self.minimum <= total <= self.maximum


@dataclass(frozen=True)
class Subscale:
    code: str
    name: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class CriticalItem:
    """An answer that raises a flag on its own, whatever the total (PHQ-9 item 9 ≥ 1).

    Evaluated even when the response is incomplete; with `missing_text`, an unanswered critical
    item raises a flag too, because an unasked safety question is itself something to act on.
    """

    code: str
    items: tuple[str, ...]
    at_least: int | None
    at_most: int | None
    kind: str
    text: str
    missing_text: str | None
    source: str

    def raised_by(self, weight: int) -> bool:
        if self.at_least is not None and weight < self.at_least:
            return False
        return not (self.at_most is not None and weight > self.at_most)


@dataclass(frozen=True)
class TotalFlag:
    """A flag raised by the total (PCL-5 ≥ 33; PADSS ≥ 9 fit for discharge)."""

    code: str
    at_least: float | None
    at_most: float | None
    kind: str
    text: str
    source: str

    def raised_by(self, total: float) -> bool:
        if self.at_least is not None and total < self.at_least:
            return False
        return not (self.at_most is not None and total > self.at_most)


@dataclass(frozen=True)
class Criteria:
    """A symptom-count rule over subscales (the PCL-5 provisional PTSD rule).

    An item counts as endorsed when its answer is at least `item_at_least`; the rule is met when
    every named subscale has at least its required number of endorsed items.
    """

    code: str
    name: str
    item_at_least: int
    required: tuple[tuple[str, int], ...]
    text: str
    source: str


@dataclass(frozen=True)
class ScoringRule:
    rule: str
    groups: tuple[ItemGroup, ...]
    max_missing: int
    prorate: bool
    completeness_source: str
    total_code: Coding | None
    # How the answers are anchored, e.g. "1-7" for the BPRS (CLINICAL.md §4: "store which
    # convention"); when given, every scored item must use exactly these weights.
    anchor_convention: str = ""


@dataclass(frozen=True)
class Licence:
    name: str
    ship_text: bool
    source: str


@dataclass(frozen=True)
class Instrument:
    id: str
    short_name: str
    title: str
    version: str
    url: str
    status: str
    respondent: str
    recall_period: str
    source: str
    codes: tuple[Coding, ...]
    items: tuple[Item, ...]
    scoring: ScoringRule
    bands: tuple[Band, ...]
    bands_source: str
    subscales: tuple[Subscale, ...]
    critical_items: tuple[CriticalItem, ...]
    total_flags: tuple[TotalFlag, ...]
    criteria: Criteria | None
    licence: Licence
    notes: tuple[str, ...]
    minimum: float
    maximum: float
    sha256: str = field(default="", compare=False)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    def item(self, link_id: str) -> Item:
        for item in self.items:
            if item.link_id == link_id:
                return item
        raise KeyError(link_id)

    def band_for(self, total: float) -> Band | None:
        return next((band for band in self.bands if band.contains(total)), None)


# ---------------------------------------------------------------------------------------------
# Canonical content and hashing (used to tell whether a file changed)
# ---------------------------------------------------------------------------------------------


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """The file's content in one byte form: sorted keys, no insignificant whitespace."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def content_sha256(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


# ---------------------------------------------------------------------------------------------
# Validation and parsing (one pass collects every problem)
# ---------------------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object) -> int | None:
    """`value` as an int if it is a whole number (2 or 2.0), else None."""
    if _is_int(value):
        return int(str(value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _strings(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(entry, str) for entry in value):
        return [str(entry) for entry in value]
    return None


class _Reader:
    """Reads one instrument file, collecting errors and warnings as it goes."""

    def __init__(self, data: object) -> None:
        self.data = data
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.items: list[Item] = []
        self.link_ids_seen: set[str] = set()

    def error(self, message: str) -> None:
        self.errors.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def text(self, mapping: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
        value = mapping.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if required or value is not None:
            self.error(f"{where} needs '{key}' as non-empty text")
        return ""

    def mapping(self, mapping: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = mapping.get(key)
        if isinstance(value, Mapping):
            return value
        self.error(f"{where} needs '{key}' as an object")
        return {}

    # -- the whole file ---------------------------------------------------------------------

    def read(self) -> Instrument | None:
        if not isinstance(self.data, Mapping):
            self.error("the file must contain a JSON object")
            return None
        data: Mapping[str, Any] = self.data
        if data.get("resourceType") == "Questionnaire":
            self.error(
                'this is a bare FHIR Questionnaire: wrap it as {"resource": …} and add the '
                "holdspace keys 'id', 'short_name', 'respondent', 'source', 'licence' and 'scoring'"
            )
            return None
        if data.get("holdspace") != FORMAT_VERSION:
            self.error(f"'holdspace' must be {FORMAT_VERSION} (the instrument file format version)")
        key = self.text(data, "id", "the file")
        if key and not _ID_PATTERN.match(key):
            self.error(
                f"id '{key}' must be 2-40 characters: lower-case letters, digits and '_', "
                "starting with a letter"
            )
        short_name = self.text(data, "short_name", "the file")
        respondent = self.text(data, "respondent", "the file")
        if respondent and respondent not in RESPONDENTS:
            self.error(f"respondent must be one of {', '.join(RESPONDENTS)} (got '{respondent}')")
        recall_period = self.text(data, "recall_period", "the file", required=False)
        source = self.text(data, "source", "the file")
        notes = data.get("notes", [])
        if _strings(notes) is None:
            self.error("'notes' must be a list of text")
            notes = []
        licence = self.read_licence(self.mapping(data, "licence", "the file"))
        resource = self.mapping(data, "resource", "the file")
        header = self.read_resource(resource)
        scoring_data = self.mapping(data, "scoring", "the file")
        if not resource or not scoring_data:
            return None
        return self.read_scoring(
            scoring_data,
            header,
            key,
            short_name,
            respondent,
            recall_period,
            source,
            licence,
            tuple(notes),
        )

    def read_licence(self, licence: Mapping[str, Any]) -> Licence:
        if not licence:
            return Licence("", False, "")
        name = self.text(licence, "name", "licence")
        source = self.text(licence, "source", "licence")
        ship_text = licence.get("ship_text")
        if not isinstance(ship_text, bool):
            self.error("licence needs 'ship_text' as true or false")
            ship_text = False
        return Licence(name, ship_text, source)

    # -- the FHIR Questionnaire -------------------------------------------------------------

    def read_resource(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        if not resource:
            return {}
        if resource.get("resourceType") != "Questionnaire":
            self.error("resource.resourceType must be 'Questionnaire'")
        url = self.text(resource, "url", "the Questionnaire")
        if url and ":" not in url:
            self.error(f"the Questionnaire url '{url}' must be an absolute URI")
        version = self.text(resource, "version", "the Questionnaire")
        self.text(resource, "name", "the Questionnaire")
        title = self.text(resource, "title", "the Questionnaire")
        status = self.text(resource, "status", "the Questionnaire")
        if status and status not in FHIR_STATUSES:
            self.error(f"the Questionnaire status must be one of {', '.join(FHIR_STATUSES)}")
        codes = self.read_codes(resource.get("code"), "the Questionnaire")
        if not any(code.system == LOINC_SYSTEM for code in codes):
            self.warn(
                f"{WARNING_PREFIX}no LOINC code for the Questionnaire (allowed; add one "
                "if LOINC has the instrument, so exchanged results are coded)"
            )
        raw_items = resource.get("item")
        if not isinstance(raw_items, list) or not raw_items:
            self.error("the Questionnaire has no items")
        else:
            self.read_items(raw_items)
        return {"url": url, "version": version, "title": title, "status": status, "codes": codes}

    def read_codes(self, raw: object, where: str) -> tuple[Coding, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.error(f"{where}: 'code' must be a list of codings")
            return ()
        codes = []
        for entry in raw:
            coding = self.read_coding(entry, where)
            if coding is not None:
                codes.append(coding)
        return tuple(codes)

    def read_coding(self, raw: object, where: str) -> Coding | None:
        if not isinstance(raw, Mapping) or not raw.get("code") or not raw.get("system"):
            self.error(f"{where}: each coding needs 'system' and 'code'")
            return None
        return Coding(str(raw["system"]), str(raw["code"]), str(raw.get("display", "")))

    def read_items(self, raw_items: list[Any]) -> None:
        """Flatten the item tree: groups contribute their children, display items nothing."""
        for raw in raw_items:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("linkId"), str):
                self.error("every item needs a 'linkId'")
                continue
            link_id = str(raw["linkId"])
            if link_id in self.link_ids_seen:
                self.error(f"linkId '{link_id}' is used twice")
            self.link_ids_seen.add(link_id)
            kind = raw.get("type")
            if kind in _NOT_ANSWERABLE:
                children = raw.get("item")
                if kind == "group" and isinstance(children, list):
                    self.read_items(children)
                continue
            self.items.append(self.read_item(raw, link_id, len(self.items) + 1))

    def read_item(self, raw: Mapping[str, Any], link_id: str, position: int) -> Item:
        kind = str(raw.get("type", ""))
        text = raw.get("text", "")
        if not isinstance(text, str):
            self.error(f"item '{link_id}' text must be text")
            text = ""
        options: list[AnswerOption] = []
        if kind != "choice":
            # Scoring decides later whether a non-choice item matters (only unscored ones may be).
            return Item(link_id, position, text, kind, bool(raw.get("required")), True, False, ())
        raw_options = raw.get("answerOption")
        if not isinstance(raw_options, list) or not raw_options:
            self.error(f"item '{link_id}' has no answer options")
            raw_options = []
        for number, raw_option in enumerate(raw_options, start=1):
            option = self.read_option(raw_option, link_id, number)
            if option is not None:
                options.append(option)
        weights = [option.weight for option in options]
        duplicates = sorted({w for w in weights if weights.count(w) > 1})
        if duplicates:
            self.error(
                f"item '{link_id}' has two answer options with weight "
                f"{', '.join(map(str, duplicates))}; weights must differ within an item"
            )
        codes = self.read_codes(raw.get("code"), f"item '{link_id}'")
        required = raw.get("required", False)
        return Item(
            link_id, position, text, kind, bool(required), True, False, tuple(options), codes
        )

    def read_option(self, raw: object, link_id: str, number: int) -> AnswerOption | None:
        where = f"item '{link_id}' answer option {number}"
        if not isinstance(raw, Mapping):
            self.error(f"{where} must be an object")
            return None
        coding = raw.get("valueCoding")
        if not isinstance(coding, Mapping) or not coding.get("code"):
            self.error(f"{where} needs a valueCoding with a code")
            return None
        weights = self.option_weights(raw) + self.option_weights(coding)
        if not weights:
            self.error(f"{where} has no weight (ordinalValue or itemWeight)")
            return None
        whole = [_whole(value) for value in weights]
        if any(value is None for value in whole):
            self.error(
                f"{where} has a weight that is not a whole number ({weights[0]!r}); "
                "holdspace scores whole-number weights only"
            )
            return None
        if len(set(whole)) > 1:
            self.error(
                f"{where} has conflicting weights {sorted({w for w in whole if w is not None})}"
            )
            return None
        weight = whole[0]
        assert weight is not None
        return AnswerOption(
            str(coding["code"]),
            str(coding.get("display", "")),
            weight,
            str(coding.get("system", "")),
        )

    @staticmethod
    def option_weights(holder: Mapping[str, Any]) -> list[object]:
        extensions = holder.get("extension")
        if not isinstance(extensions, list):
            return []
        values: list[object] = []
        for extension in extensions:
            if isinstance(extension, Mapping) and extension.get("url") in WEIGHT_URLS:
                values.append(extension.get("valueDecimal", extension.get("valueInteger")))
        return values

    # -- the scoring key --------------------------------------------------------------------

    def link_ids(self, raw: object, where: str, scored_only: bool = True) -> tuple[str, ...]:
        ids = _strings(raw)
        if ids is None:
            self.error(f"{where} must be a list of item linkIds")
            return ()
        known = {item.link_id: item for item in self.items}
        for link_id in ids:
            if link_id not in known:
                self.error(f"{where} names unknown item '{link_id}'")
            elif scored_only and not known[link_id].scored:
                self.error(f"{where} names item '{link_id}', which is not scored")
        return tuple(ids)

    def read_scoring(
        self,
        scoring: Mapping[str, Any],
        header: dict[str, Any],
        key: str,
        short_name: str,
        respondent: str,
        recall_period: str,
        source: str,
        licence: Licence,
        notes: tuple[str, ...],
    ) -> Instrument | None:
        unscored = set(self.link_ids(scoring.get("unscored_items", []), "unscored_items"))
        reverse = set(self.link_ids(scoring.get("reverse_items", []), "reverse_items"))
        self.items = [
            replace(i, scored=i.link_id not in unscored, reverse=i.link_id in reverse)
            for i in self.items
        ]
        reverse_unscored = sorted(reverse & unscored)
        if reverse_unscored:
            self.error(f"reverse_items names unscored item '{reverse_unscored[0]}'")
        for item in self.items:
            if item.scored and item.type != "choice":
                self.error(
                    f"item '{item.link_id}' is scored but is not a choice item "
                    f"(type '{item.type}'); list it in unscored_items or make it a choice"
                )
        if not any(item.scored for item in self.items):
            self.error("the instrument has no scored items")
        rule = self.read_rule(scoring)
        groups = self.read_groups(scoring, rule)
        max_missing, prorate, completeness_source = self.read_completeness(scoring, rule, groups)
        total_code = None
        if scoring.get("total_code") is not None:
            total_code = self.read_coding(scoring["total_code"], "scoring.total_code")
        convention = self.read_anchor_convention(scoring.get("anchor_convention"))
        minimum, maximum = _range(self.items, rule, groups)
        bands = self.read_bands(scoring.get("bands", []), rule, minimum, maximum)
        bands_source = str(scoring.get("bands_source", ""))
        if bands and not bands_source:
            self.error("scoring.bands_source must cite where the severity bands come from")
        subscales = self.read_subscales(scoring.get("subscales", []))
        critical = self.read_critical_items(scoring.get("critical_items", []))
        total_flags = self.read_total_flags(scoring.get("total_flags", []), minimum, maximum)
        criteria = self.read_criteria(scoring.get("criteria"), subscales)
        if self.errors:
            return None
        return Instrument(
            id=key,
            short_name=short_name,
            title=header["title"],
            version=header["version"],
            url=header["url"],
            status=header["status"],
            respondent=respondent,
            recall_period=recall_period,
            source=source,
            codes=header["codes"],
            items=tuple(self.items),
            scoring=ScoringRule(
                rule, groups, max_missing, prorate, completeness_source, total_code, convention
            ),
            bands=bands,
            bands_source=bands_source,
            subscales=subscales,
            critical_items=critical,
            total_flags=total_flags,
            criteria=criteria,
            licence=licence,
            notes=notes,
            minimum=minimum,
            maximum=maximum,
        )

    def read_anchor_convention(self, raw: object) -> str:
        if raw is None:
            return ""
        match = re.fullmatch(r"(\d+)-(\d+)", raw) if isinstance(raw, str) else None
        if match is None:
            self.error(f"scoring.anchor_convention must look like '1-7' (got {raw!r})")
            return ""
        expected = tuple(range(int(match[1]), int(match[2]) + 1))
        for item in self.items:
            if item.scored and item.options and item.weights != expected:
                self.error(
                    f"item '{item.link_id}' weights {list(item.weights)} do not follow the "
                    f"anchor convention '{raw}'"
                )
        return str(raw)

    def read_rule(self, scoring: Mapping[str, Any]) -> str:
        rule = scoring.get("rule")
        if rule not in RULES:
            self.error(f"scoring.rule must be one of {', '.join(RULES)} (got {rule!r})")
            return RULE_SUM
        return str(rule)

    def read_groups(self, scoring: Mapping[str, Any], rule: str) -> tuple[ItemGroup, ...]:
        raw = scoring.get("groups", [])
        if rule != RULE_GROUP_MAX:
            if raw:
                self.error(f"scoring.groups are used only with rule '{RULE_GROUP_MAX}'")
            return ()
        if not isinstance(raw, list) or not raw:
            self.error(f"rule '{RULE_GROUP_MAX}' needs scoring.groups")
            return ()
        groups: list[ItemGroup] = []
        grouped: set[str] = set()
        for entry in raw:
            if not isinstance(entry, Mapping):
                self.error("each scoring group must be an object")
                continue
            name = self.text(entry, "name", "a scoring group")
            items = self.link_ids(entry.get("items"), f"group '{name}'")
            for link_id in set(items) & grouped:
                self.error(f"item '{link_id}' is in more than one group")
            grouped.update(items)
            if len(items) < 2:
                self.error(f"group '{name}' needs at least two items")
            groups.append(ItemGroup(name, items))
        return tuple(groups)

    def read_completeness(
        self, scoring: Mapping[str, Any], rule: str, groups: tuple[ItemGroup, ...]
    ) -> tuple[int, bool, str]:
        raw = scoring.get("completeness")
        if not isinstance(raw, Mapping):
            self.error('scoring.completeness is required, e.g. {"max_missing": 0}')
            return 0, False, ""
        max_missing = raw.get("max_missing")
        prorate = raw.get("prorate", False)
        source = str(raw.get("source", ""))
        scored = sum(1 for item in self.items if item.scored)
        if not _is_int(max_missing) or not 0 <= int(str(max_missing)) < max(scored, 1):
            self.error(
                "completeness.max_missing must be a whole number from 0 to one less than "
                "the number of scored items"
            )
            return 0, False, source
        missing_allowed = int(str(max_missing))
        if not isinstance(prorate, bool):
            self.error("completeness.prorate must be true or false")
            prorate = False
        if missing_allowed and not source:
            self.error(
                "completeness allows missing items, so it must cite the instrument's "
                "manual in completeness.source (if unsure, require every item)"
            )
        if missing_allowed and rule == RULE_SUM and not prorate:
            self.error(
                "completeness allows missing items for a summed score without prorating, "
                "which would count a missing answer as 0; set prorate or max_missing 0"
            )
        if missing_allowed and groups:
            self.error(
                "missing items cannot be allowed with item groups (holdspace does not "
                "prorate a maximum-within-groups score)"
            )
        if prorate and rule != RULE_SUM:
            self.error("completeness.prorate applies only to rule 'sum'")
        return missing_allowed, bool(prorate) and missing_allowed > 0, source

    def read_bands(
        self, raw: object, rule: str, minimum: float, maximum: float
    ) -> tuple[Band, ...]:
        if not isinstance(raw, list):
            self.error("scoring.bands must be a list")
            return ()
        if raw and rule == RULE_MEAN:
            self.error("severity bands are supported only for whole-number totals, not a mean")
            return ()
        bands: list[Band] = []
        for entry in raw:
            low = entry.get("min") if isinstance(entry, Mapping) else None
            high = entry.get("max") if isinstance(entry, Mapping) else None
            if not isinstance(entry, Mapping) or not _is_int(low) or not _is_int(high):
                self.error("each severity band needs whole-number 'min' and 'max'")
                continue
            label = self.text(entry, "label", "a severity band")
            description = entry.get("description") or label
            bands.append(Band(int(str(low)), int(str(high)), label, str(description)))
        self.check_bands(bands, int(minimum), int(maximum))
        return tuple(sorted(bands, key=lambda band: band.minimum))

    def check_bands(self, bands: list[Band], minimum: int, maximum: int) -> None:
        if not bands:
            return
        for band in bands:
            if band.minimum > band.maximum:
                self.error(
                    f"severity band '{band.label}' runs backwards ({band.minimum} to "
                    f"{band.maximum})"
                )
            if band.minimum < minimum or band.maximum > maximum:
                self.error(
                    f"severity band '{band.label}' ({band.minimum}-{band.maximum}) lies "
                    f"outside the possible scores {minimum}-{maximum}"
                )
        for score in range(minimum, maximum + 1):
            holders = [band for band in bands if band.contains(score)]
            if len(holders) > 1:
                self.error(f"severity bands overlap at {score}")
                return
            if not holders:
                self.error(
                    f"severity bands leave {score} uncovered (bands must cover {minimum}-{maximum})"
                )
                return

    def read_subscales(self, raw: object) -> tuple[Subscale, ...]:
        if not isinstance(raw, list):
            self.error("scoring.subscales must be a list")
            return ()
        subscales: list[Subscale] = []
        for entry in raw:
            if not isinstance(entry, Mapping):
                self.error("each subscale must be an object")
                continue
            code = self.text(entry, "code", "a subscale")
            if any(existing.code == code for existing in subscales):
                self.error(f"subscale code '{code}' is used twice")
            name = self.text(entry, "name", f"subscale '{code}'")
            items = self.link_ids(entry.get("items"), f"subscale '{code}'")
            if not items:
                self.error(f"subscale '{code}' has no items")
            subscales.append(Subscale(code, name, items))
        return tuple(subscales)

    def read_threshold(
        self, entry: Mapping[str, Any], where: str
    ) -> tuple[float | None, float | None]:
        at_least, at_most = entry.get("at_least"), entry.get("at_most")
        if at_least is None and at_most is None:
            self.error(f"{where} needs 'at_least' or 'at_most'")
        for value in (at_least, at_most):
            if value is not None and not _is_number(value):
                self.error(f"{where}: thresholds must be numbers")
                return None, None
        return (
            None if at_least is None else float(at_least),
            None if at_most is None else float(at_most),
        )

    def read_flag_text(self, entry: Mapping[str, Any], where: str) -> tuple[str, str, str, str]:
        code = self.text(entry, "code", where)
        kind = self.text(entry, "kind", where)
        if kind and kind not in FLAG_KINDS:
            self.error(f"{where}: kind must be one of {', '.join(FLAG_KINDS)}")
        text = self.text(entry, "text", where)
        source = self.text(entry, "source", where)
        return code, kind, text, source

    def read_critical_items(self, raw: object) -> tuple[CriticalItem, ...]:
        if not isinstance(raw, list):
            self.error("scoring.critical_items must be a list")
            return ()
        critical: list[CriticalItem] = []
        for entry in raw:
            if not isinstance(entry, Mapping):
                self.error("each critical item must be an object")
                continue
            where = f"critical item '{entry.get('code', '?')}'"
            code, kind, text, source = self.read_flag_text(entry, where)
            items = self.link_ids(entry.get("items"), where, scored_only=False)
            at_least, at_most = self.read_threshold(entry, where)
            for value in (at_least, at_most):
                if value is not None and not float(value).is_integer():
                    self.error(f"{where}: an answer threshold must be a whole number")
            self.check_reachable(where, items, at_least, at_most)
            missing_text = entry.get("missing_text")
            critical.append(
                CriticalItem(
                    code,
                    items,
                    None if at_least is None else int(at_least),
                    None if at_most is None else int(at_most),
                    kind,
                    text,
                    str(missing_text) if missing_text else None,
                    source,
                )
            )
        return tuple(critical)

    def check_reachable(
        self, where: str, items: tuple[str, ...], at_least: float | None, at_most: float | None
    ) -> None:
        """A threshold that no answer can meet (or that every answer meets) is a typo."""
        for link_id in items:
            item = next((i for i in self.items if i.link_id == link_id), None)
            if item is None or not item.options:
                continue
            raised = [
                w
                for w in item.weights
                if (at_least is None or w >= at_least) and (at_most is None or w <= at_most)
            ]
            if not raised:
                self.error(f"{where}: no answer to item '{link_id}' can raise it")
            elif len(raised) == len(item.weights):
                self.error(f"{where}: every answer to item '{link_id}' would raise it")

    def read_total_flags(
        self, raw: object, minimum: float, maximum: float
    ) -> tuple[TotalFlag, ...]:
        if not isinstance(raw, list):
            self.error("scoring.total_flags must be a list")
            return ()
        flags: list[TotalFlag] = []
        for entry in raw:
            if not isinstance(entry, Mapping):
                self.error("each total flag must be an object")
                continue
            where = f"total flag '{entry.get('code', '?')}'"
            code, kind, text, source = self.read_flag_text(entry, where)
            at_least, at_most = self.read_threshold(entry, where)
            for value in (at_least, at_most):
                if value is not None and not minimum <= value <= maximum:
                    self.error(
                        f"{where}: threshold {value:g} lies outside the possible scores "
                        f"{minimum:g}-{maximum:g}"
                    )
            flags.append(TotalFlag(code, at_least, at_most, kind, text, source))
        return tuple(flags)

    def read_criteria(self, raw: object, subscales: tuple[Subscale, ...]) -> Criteria | None:
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            self.error("scoring.criteria must be an object")
            return None
        code, _kind, text, source = self.read_flag_text({"kind": "screen", **raw}, "criteria")
        name = self.text(raw, "name", "criteria")
        threshold = raw.get("item_at_least")
        if not _is_int(threshold):
            self.error("criteria.item_at_least must be a whole number")
            threshold = 0
        required = raw.get("subscales")
        if not isinstance(required, Mapping) or not required:
            self.error("criteria.subscales must map subscale codes to required counts")
            return None
        known = {subscale.code: subscale for subscale in subscales}
        pairs: list[tuple[str, int]] = []
        for subscale_code, count in required.items():
            if subscale_code not in known:
                self.error(f"criteria names unknown subscale '{subscale_code}'")
            elif not _is_int(count) or not 1 <= count <= len(known[subscale_code].items):
                self.error(
                    f"criteria: subscale '{subscale_code}' needs a count from 1 to "
                    f"{len(known[subscale_code].items)}"
                )
            else:
                pairs.append((str(subscale_code), int(count)))
        return Criteria(code, name, int(str(threshold)), tuple(pairs), text, source)


def _range(items: Sequence[Item], rule: str, groups: tuple[ItemGroup, ...]) -> tuple[float, float]:
    """Lowest and highest possible total."""
    scored = [item for item in items if item.scored and item.options]
    if not scored:
        return 0, 0
    by_id = {item.link_id: item for item in scored}
    grouped = {link_id for group in groups for link_id in group.items}
    lows = [item.lowest for item in scored if item.link_id not in grouped]
    highs = [item.highest for item in scored if item.link_id not in grouped]
    for group in groups:
        members = [by_id[link_id] for link_id in group.items if link_id in by_id]
        if not members:
            continue
        # The group counts its highest answer: at least the highest of the members' lowest.
        lows.append(max(item.lowest for item in members))
        highs.append(max(item.highest for item in members))
    if rule == RULE_MEAN:
        return round(sum(lows) / len(lows), 2), round(sum(highs) / len(highs), 2)
    return sum(lows), sum(highs)


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def _read_data(path_or_dict: str | Path | Mapping[str, Any]) -> object:
    if isinstance(path_or_dict, Mapping):
        return path_or_dict
    path = Path(path_or_dict)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InstrumentError([f"cannot read {path}: {error.strerror or error}"]) from error
    except json.JSONDecodeError as error:
        raise InstrumentError(
            [f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"]
        ) from error


def check_instrument(data: object) -> tuple[Instrument | None, list[str], list[str]]:
    """The instrument (None if unusable), its errors and its warnings."""
    reader = _Reader(data)
    instrument = reader.read()
    if reader.errors:
        return None, reader.errors, reader.warnings
    return instrument, [], reader.warnings


def validate_instrument(data: object) -> list[str]:
    """Every problem with an instrument file, in words; warnings start with "warning: "."""
    _instrument, errors, warnings = check_instrument(data)
    return errors + warnings


def is_warning(problem: str) -> bool:
    return problem.startswith(WARNING_PREFIX)


def load_instrument(path_or_dict: str | Path | Mapping[str, Any]) -> Instrument:
    """Read and validate an instrument file (or its parsed JSON); raise InstrumentError if the
    file has any error. Warnings do not stop it loading."""
    data = _read_data(path_or_dict)
    instrument, errors, _warnings = check_instrument(data)
    if instrument is None:
        raise InstrumentError(errors or ["the file could not be read as an instrument"])
    assert isinstance(data, Mapping)
    return replace(instrument, sha256=content_sha256(data))


def shipped_path(instrument_id: str) -> Path:
    return SHIPPED_DIR / f"{instrument_id}.json"


@cache
def _shipped() -> tuple[Instrument, ...]:
    return tuple(load_instrument(shipped_path(key)) for key in SHIPPED_IDS)


def shipped_instruments() -> dict[str, Instrument]:
    """The instruments that come with holdspace, by id (read once per process)."""
    return {instrument.id: instrument for instrument in _shipped()}


def shipped_instrument(instrument_id: str) -> Instrument:
    """One shipped instrument; KeyError with the known ids if there is no such instrument."""
    instruments = shipped_instruments()
    if instrument_id not in instruments:
        raise KeyError(
            f"unknown instrument '{instrument_id}'; shipped instruments are "
            f"{', '.join(SHIPPED_IDS)}"
        )
    return instruments[instrument_id]
