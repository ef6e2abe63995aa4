"""Small, valid instrument files built in code, for tests that need a rule the shipped files do
not use (prorating, reverse items, a mean) or a deliberately broken file."""

import copy
import json
from typing import Any

from holdspace.measures.instruments import ITEM_WEIGHT_URL, ORDINAL_VALUE_URL, shipped_path


def shipped_data(instrument_id: str) -> dict[str, Any]:
    """A fresh copy of a shipped file's JSON, safe to modify."""
    return json.loads(shipped_path(instrument_id).read_text(encoding="utf-8"))


def option(weight: int, url: str = ORDINAL_VALUE_URL, on_coding: bool = True) -> dict[str, Any]:
    extension = [{"url": url, "valueDecimal": weight}]
    coding: dict[str, Any] = {"code": str(weight), "display": f"answer {weight}"}
    if on_coding:
        return {"valueCoding": {**coding, "extension": extension}}
    return {"valueCoding": coding, "extension": extension}


def item(link_id: str, weights: range = range(4), **option_kwargs: Any) -> dict[str, Any]:
    return {
        "linkId": link_id,
        "text": f"Question {link_id}",
        "type": "choice",
        "required": True,
        "answerOption": [option(w, **option_kwargs) for w in weights],
    }


def instrument_data(
    key: str = "clinic_scale",
    items: int = 4,
    weights: range = range(4),
    **scoring: Any,
) -> dict[str, Any]:
    """A valid file: `items` items answered 0-3 (or `weights`), summed, all required."""
    return {
        "holdspace": 1,
        "id": key,
        "short_name": "Clinic scale",
        "respondent": "clinician",
        "recall_period": "the past week",
        "source": "Synthetic instrument for tests",
        "licence": {"name": "Test licence", "ship_text": True, "source": "tests"},
        "resource": {
            "resourceType": "Questionnaire",
            "url": f"urn:holdspace:test:{key}",
            "version": "1",
            "name": "ClinicScale",
            "title": "Clinic scale (synthetic)",
            "status": "active",
            "item": [item(f"q{n}", weights) for n in range(1, items + 1)],
        },
        "scoring": {"rule": "sum", "completeness": {"max_missing": 0}, **scoring},
    }


def without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    """A deep copy of `data` with the key at `path` removed."""
    copied = copy.deepcopy(data)
    holder = copied
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return copied


__all__ = ["ITEM_WEIGHT_URL", "instrument_data", "item", "option", "shipped_data", "without"]
