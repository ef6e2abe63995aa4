"""FHIR R4 `QuestionnaireResponse` for one questionnaire administration (ARCHITECTURE: FHIR is a
boundary — this maps at the edge and never becomes the storage model).

What goes out, and why:

- `questionnaire`: the instrument file's canonical URL with its version (`url|version`), so the
  receiver knows exactly which wording and weights were used.
- `subject`: `Patient/<public id>` only. No name, MRN or date of birth: the receiver matches the
  patient through its own channel (CLINICAL.md §7, minimum necessary).
- `status`: completed → "completed", in progress → "in-progress", cancelled after it was started
  → "stopped", entered in error → "entered-in-error" (R4 QuestionnaireResponse status codes).
- `authored`: when it was completed (for one not completed: when it was last changed).
- `author`: the clinician who entered a clinician-rated scale, or the patient for self-report;
  `source` is the patient when the patient answered.
- One item per answered question, with the answer as a `valueCoding` copied from the file's
  answer option (system, code and display: LOINC answer codes such as LA6568-5 where the file has
  them) carrying its weight in the `ordinalValue` extension (CLINICAL.md §4, FHIR R4 pattern).
  Unanswered questions are left out; a missing answer is never sent as 0.
- The total, when the response was complete, as one more item: its linkId is the total's LOINC
  code where the file has one (e.g. PHQ-9 total 44261-6 — LOINC's own Questionnaires use LOINC
  codes as linkIds), otherwise `<instrument>-total`, answered with `valueInteger` (or
  `valueDecimal` for an instrument scored as a mean). Subscales follow as `<instrument>-
  subscale-<code>` items. R4 QuestionnaireResponse items cannot carry a `code` element, so the
  linkId is where the code travels.
- Item text only when the licence lets holdspace show it (QIDS-SR16 ships without text).

`build_resource` is pure (an instrument and plain values in, a JSON-ready dict out);
`administration_resource` reads an `Administration`; `validated` checks the dict against the
`fhir.resources` R4B model and returns it as the model would serialise it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from holdspace.measures.instruments import (
    LOINC_SYSTEM,
    ORDINAL_VALUE_URL,
    RULE_MEAN,
    Instrument,
    Item,
)

if TYPE_CHECKING:
    from holdspace.measures.models import Administration

FHIR_JSON = "application/fhir+json"
IDENTIFIER_SYSTEM = "urn:holdspace:administration"

# Administration status → R4 QuestionnaireResponse.status (hl7.org/fhir/R4/valueset-
# questionnaire-answers-status.html). A due administration has no answers yet: nothing to send.
STATUS_CODES = {
    "completed": "completed",
    "in_progress": "in-progress",
    "cancelled": "stopped",
    "entered_in_error": "entered-in-error",
}


class NotExportable(ValueError):
    """An administration that has no QuestionnaireResponse yet; the message says why."""


@dataclass(frozen=True)
class Author:
    """Who wrote the answers down: `Patient/<id>` or `Practitioner/<id>`, never a name."""

    resource_type: str
    public_id: str

    @property
    def reference(self) -> dict[str, str]:
        return {"reference": f"{self.resource_type}/{self.public_id}"}


def _number(value: float | Decimal | int) -> int | float:
    """A whole number as an int (valueInteger), anything else as a float (valueDecimal)."""
    if isinstance(value, int):
        return value
    if float(value).is_integer():
        return int(value)
    return float(value)


def _value(value: float | Decimal | int) -> dict[str, int | float]:
    number = _number(value)
    return {"valueInteger": number} if isinstance(number, int) else {"valueDecimal": number}


def _answer_coding(item: Item, weight: int) -> dict[str, Any]:
    option = next((option for option in item.options if option.weight == weight), None)
    if option is None:
        raise NotExportable(
            f"item {item.label()} has a stored answer {weight} that is not one of its options"
        )
    coding: dict[str, Any] = {"code": option.code}
    if option.system:
        coding["system"] = option.system
    if option.display:
        coding["display"] = option.display
    coding["extension"] = [{"url": ORDINAL_VALUE_URL, "valueDecimal": weight}]
    return coding


def _answer_items(
    instrument: Instrument, answers: Mapping[str, int | None]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for item in instrument.items:
        weight = answers.get(item.link_id)
        if weight is None or item.type != "choice":
            continue
        entry: dict[str, Any] = {"linkId": item.link_id}
        if instrument.licence.ship_text and item.text:
            entry["text"] = item.text
        entry["answer"] = [{"valueCoding": _answer_coding(item, weight)}]
        items.append(entry)
    return items


def total_link_id(instrument: Instrument) -> str:
    """The total item's linkId: its LOINC code where the file has one (see the module notes)."""
    code = instrument.scoring.total_code
    taken = {item.link_id for item in instrument.items}
    if code is not None and code.system == LOINC_SYSTEM and code.code not in taken:
        return code.code
    return f"{instrument.id}-total"


def _score_items(
    instrument: Instrument,
    total: float | Decimal | int | None,
    subscales: Mapping[str, float | int | None],
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if total is not None:
        code = instrument.scoring.total_code
        text = code.display if code is not None and code.display else None
        entry: dict[str, Any] = {"linkId": total_link_id(instrument)}
        entry["text"] = text or f"{instrument.short_name} total score"
        value = _value(total)
        if instrument.scoring.rule == RULE_MEAN and "valueInteger" in value:
            value = {"valueDecimal": float(value["valueInteger"])}
        entry["answer"] = [value]
        items.append(entry)
    for subscale in instrument.subscales:
        score = subscales.get(subscale.code)
        if score is None:
            continue
        items.append(
            {
                "linkId": f"{instrument.id}-subscale-{subscale.code}",
                "text": f"{instrument.short_name} {subscale.name}",
                "answer": [_value(score)],
            }
        )
    return items


def build_resource(
    instrument: Instrument,
    answers: Mapping[str, int | None],
    *,
    resource_id: str,
    status: str,
    subject_id: str,
    authored: datetime | None,
    author: Author | None,
    patient_answered: bool,
    total: float | Decimal | int | None = None,
    subscales: Mapping[str, float | int | None] | None = None,
) -> dict[str, Any]:
    """The QuestionnaireResponse as a JSON-ready dict (not yet validated).

    `status` is the Administration status ("completed", "in_progress", …); `answers` maps linkId
    to the chosen option's weight; `total` and `subscales` are what the scoring engine recorded.
    """
    if status not in STATUS_CODES:
        raise NotExportable(
            "this questionnaire has not been started, so there are no answers to export"
        )
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id,
        "identifier": {"system": IDENTIFIER_SYSTEM, "value": resource_id},
        "questionnaire": f"{instrument.url}|{instrument.version}",
        "status": STATUS_CODES[status],
        "subject": {"reference": f"Patient/{subject_id}"},
    }
    if authored is not None:
        resource["authored"] = authored.isoformat()
    if author is not None:
        resource["author"] = author.reference
    if patient_answered:
        resource["source"] = {"reference": f"Patient/{subject_id}"}
    items = _answer_items(instrument, answers) + _score_items(instrument, total, subscales or {})
    if items:
        resource["item"] = items
    return resource


def validated(resource: Mapping[str, Any]) -> dict[str, Any]:
    """Check `resource` against the fhir.resources R4B model; raise pydantic's ValidationError
    if it is not a valid QuestionnaireResponse. Returns the model's own JSON form."""
    model = QuestionnaireResponse.model_validate(dict(resource))
    data: dict[str, Any] = model.model_dump(mode="json", exclude_none=True, by_alias=True)
    return data


# ---------------------------------------------------------------------------------------------
# From the database
# ---------------------------------------------------------------------------------------------


def _author(administration: Administration) -> tuple[Author | None, bool]:
    """The author reference and whether the patient answered (self-report on a tablet or link)."""
    patient_id = str(administration.patient.public_id)
    patient_answered = administration.mode in ("kiosk", "remote")
    if patient_answered:
        return Author("Patient", patient_id), True
    if administration.entered_by is not None:
        return Author("Practitioner", str(administration.entered_by.public_id)), False
    return None, False


def administration_resource(administration: Administration) -> dict[str, Any]:
    """The validated QuestionnaireResponse for one administration (NotExportable if due)."""
    instrument = administration.instrument_version.parsed()
    author, patient_answered = _author(administration)
    scored = administration.complete and administration.total is not None
    subscales = administration.subscales if scored and administration.subscales else {}
    answers = {
        str(link_id): weight
        for link_id, weight in (administration.answers or {}).items()
        if isinstance(weight, int) and not isinstance(weight, bool)
    }
    resource = build_resource(
        instrument,
        answers,
        resource_id=str(administration.public_id),
        status=administration.status,
        subject_id=str(administration.patient.public_id),
        authored=administration.completed_at or administration.updated_at,
        author=author,
        patient_answered=patient_answered,
        total=administration.total if scored else None,
        subscales=subscales,
    )
    return validated(resource)
