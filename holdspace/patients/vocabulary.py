"""Coded vocabularies for the patient record: indications (ICD-10-CM) and the screening checklist.

Pure Python so the checklist and code lists can be read and tested without a database.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_ICD_FILE = Path(__file__).parent / "data" / "icd10cm.json"


@dataclass(frozen=True)
class IndicationCategory:
    key: str
    label: str
    codes: tuple[str, ...]


@cache
def _icd_data() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads(_ICD_FILE.read_text())
    return data


def indication_categories() -> tuple[IndicationCategory, ...]:
    entries = _icd_data()["indications"]
    return tuple(
        IndicationCategory(key, str(entry["label"]), tuple(entry["codes"]))  # type: ignore[index,call-overload]
        for key, entry in entries.items()
    )


def icd10_description(code: str) -> str | None:
    descriptions = _icd_data()["descriptions"]
    value = descriptions.get(code.strip().upper())
    return str(value) if value is not None else None


def category_allows(category_key: str, code: str) -> bool:
    for category in indication_categories():
        if category.key == category_key:
            return code.strip().upper() in category.codes
    return False


@dataclass(frozen=True)
class ScreeningItem:
    key: str
    question: str
    # Why it matters for ketamine, shown beside the question to the prescriber.
    why: str
    # Absolute items make "eligible" impossible when present; the rest need written conditions.
    absolute: bool = False


# Contraindications and cautions for IV ketamine in psychiatric practice. Sources: APA Council of
# Research consensus statement (Sanacora et al., JAMA Psychiatry 2017) and the ASKP3 guideline;
# see docs/CLINICAL.md §2. Clinics adapt the list with their medical director.
SCREENING_ITEMS: tuple[ScreeningItem, ...] = (
    ScreeningItem(
        "psychosis",
        "Current or past psychotic disorder or psychotic symptoms",
        "Ketamine can worsen psychosis (APA consensus 2017).",
        absolute=True,
    ),
    ScreeningItem(
        "mania",
        "History of mania or hypomania",
        "Risk of switching to mania; bipolar depression needs a mood stabiliser plan.",
    ),
    ScreeningItem(
        "hypertension",
        "Uncontrolled hypertension (above 160/100 on repeat readings)",
        "Ketamine raises blood pressure, peaking around 40 minutes.",
        absolute=True,
    ),
    ScreeningItem(
        "cardiovascular",
        "Unstable angina, recent myocardial infarction, heart failure or significant arrhythmia",
        "Sympathomimetic effect raises cardiac demand.",
        absolute=True,
    ),
    ScreeningItem(
        "intracranial_pressure",
        "Raised intracranial pressure, recent head injury, intracranial mass or aneurysm",
        "Ketamine may raise intracranial pressure.",
        absolute=True,
    ),
    ScreeningItem(
        "intraocular_pressure",
        "Raised intraocular pressure or open globe injury",
        "Ketamine may raise intraocular pressure.",
    ),
    ScreeningItem(
        "pregnancy",
        "Pregnant, possibly pregnant or breastfeeding",
        "Safety in pregnancy and lactation is not established.",
        absolute=True,
    ),
    ScreeningItem(
        "substance_use",
        "Active substance use disorder (including past ketamine misuse)",
        "Risk of misuse; needs an addiction-informed plan.",
    ),
    ScreeningItem(
        "interacting_medication",
        "Interacting medication (benzodiazepines, lamotrigine, MAOIs, stimulants, opioids)",
        "May blunt the effect or add sedation or BP rise.",
    ),
    ScreeningItem(
        "cystitis",
        "History of ketamine-associated or interstitial cystitis",
        "Ketamine is toxic to the bladder with repeated exposure.",
    ),
    ScreeningItem(
        "sleep_apnoea",
        "Positive sleep apnoea screen (e.g. STOP-BANG 3 or more)",
        "Higher risk of airway problems under sedation.",
    ),
    ScreeningItem(
        "hepatic",
        "Significant liver disease",
        "Ketamine is metabolised by the liver; repeated dosing has been linked to liver injury.",
    ),
    ScreeningItem(
        "allergy",
        "Previous allergy or severe reaction to ketamine",
        "A prior severe reaction rules out re-exposure.",
        absolute=True,
    ),
)

SCREENING_KEYS = tuple(item.key for item in SCREENING_ITEMS)
