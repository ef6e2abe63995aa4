"""The protocols holdspace ships, as data. Each is a starting point for a clinic's medical
director, not a guideline: every figure names its source (CLINICAL.md, ../shared/docs) or says
that it is a project default with no source.

Clinics add them on demand (the protocol list offers it) and the demo seeds them. Once added,
a protocol belongs to the clinic: editing it there never changes this file, and a change to this
file never changes a clinic's protocols.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

STARTING_POINT = "Starting point for your medical director; not a guideline."

# CLINICAL.md section 2: "Reasonable shipped defaults, marked as clinic defaults rather than
# guidelines" (no consensus numeric thresholds exist in the primary texts).
ALERT_DEFAULTS: dict[str, int] = {
    "vitals_interval_minutes": 15,
    "bp_notify_systolic": 160,
    "bp_notify_diastolic": 100,
    "bp_hold_systolic": 180,
    "bp_hold_diastolic": 110,
    "spo2_notify_below": 94,
    "spo2_critical_below": 90,
    "hr_notify_above": 120,
    "hr_critical_above": 140,
    "hr_critical_below": 45,
    "rr_critical_below": 10,
}

# What the literature says about each kind of setting, shown beside the field when a protocol is
# written or edited. Protocol-agnostic on purpose: a protocol's own figures cite their sources in
# its `sources` text.
FIELD_SOURCES: dict[str, str] = {
    "dose_mode": "CLINICAL.md §1: protocols support mg/kg over N minutes, mg/kg/h for N hours "
    "and fixed mg/h (ASRA/AAPM/ASA 2018).",
    "default_amount": "CLINICAL.md §1: psychiatric 0.5 mg/kg over 40 min (Andrade 2017; Fava "
    "2018); CRPS 0.35 mg/kg/h for 4 h, or 22 mg/h (ASRA/AAPM/ASA 2018).",
    "min_amount": "CLINICAL.md §1: the psychiatric studied range is 0.1-0.75 mg/kg.",
    "max_amount": "CLINICAL.md §1: 1.0 mg/kg was no better than 0.5 mg/kg and less well tolerated.",
    "cap_mg_per_kg": "CLINICAL.md §1: ASKP3's only cap is “sub-anaesthetic”, so caps are clinic "
    "settings with a hard stop and an override that needs a reason.",
    "default_basis": "CLINICAL.md §1: trials dose on actual body weight (2024 comparison "
    "supports it); ideal or adjusted weight in obesity is a practice claim.",
    "preparation_kind": "CLINICAL.md §1: premixed concentration or stock drawn into a bag; "
    "typical infusion concentrations are about 1-2 mg/mL.",
    "induction_infusions": "CLINICAL.md §1: up to 6 three a week (Murrough 2013); PTSD 6 over "
    "2 weeks (Feder 2021); CRPS daily for 10 days.",
    "vitals_interval_minutes": "CLINICAL.md §2: every 10-15 minutes or continuously.",
    "bp_notify_systolic": "CLINICAL.md §2: shipped clinic defaults, not guidelines (no "
    "consensus numeric thresholds in the primary texts).",
    "anxiety_prompt_at": "CLINICAL.md §2 rates anxiety and dissociation 0-10 but gives no "
    "prompt threshold; left empty, the project default (no published source) applies.",
    "dissociation_prompt_at": "CLINICAL.md §2 gives no prompt threshold; left empty, the project "
    "default applies. Dissociation is an expected effect of ketamine: a clinic may set it higher.",
    "escalation_minutes": "No source gives a figure; left empty, the project default (no "
    "published source) applies.",
    "discharge_rule": "CLINICAL.md §3: modified Aldrete ≥ 9 for initial recovery; PADSS ≥ 9.",
    "min_interval_hours": "No source gives an hour figure; shipped values are project defaults.",
    "titration_step": "No source gives a step; the shipped 0.1 mg/kg is a project default.",
    "weight_max_age_days": "CLINICAL.md §1: the weight used must be measured recently (clinic "
    "setting, e.g. within 30 days).",
}

_ALERTS_SOURCE = (
    "Vital signs every 15 min and the two-tier alert thresholds (SBP ≥ 160 / DBP ≥ 100 notify; "
    "SBP ≥ 180 / DBP ≥ 110 hold; SpO₂ < 94 notify, < 90 critical; HR > 120 notify, > 140 or "
    "< 45 critical; RR < 10 critical): CLINICAL.md §2, shipped clinic defaults, not guidelines."
)
_WEIGHT_SOURCE = (
    "Weight measured within 30 days: CLINICAL.md §1 (clinic setting). Dosing on actual body "
    "weight: CLINICAL.md §1 (trials dose on actual weight)."
)
_NO_ABSOLUTE_CAP = (
    "No absolute mg or mL/h cap is shipped: no source gives one (CLINICAL.md §1, caps are "
    "clinic settings). Set them with your medical director."
)


@dataclass(frozen=True)
class ShippedProtocol:
    key: str
    values: dict[str, Any]


DEPRESSION_STANDARD = ShippedProtocol(
    "depression_anxiety_standard",
    {
        "name": "Depression / anxiety — standard",
        "indication_categories": ["trd", "mdd", "gad"],
        "dose_mode": "mg_per_kg_over_minutes",
        "default_amount": Decimal("0.5"),
        "min_amount": Decimal("0.1"),
        "max_amount": Decimal("0.75"),
        "duration_minutes": 40,
        "cap_mg_per_kg": Decimal("0.75"),
        "default_basis": "actual",
        "preparation_kind": "bag",
        "stock_mg_ml": Decimal(50),
        "bag_ml": Decimal(100),
        "induction_infusions": 6,
        "schedule_note": "Up to 6 infusions, three a week over about 12 days",
        "discharge_rule": "modified_aldrete_9",
        "min_interval_hours": 48,
        "titration_start": Decimal("0.5"),
        "titration_step": Decimal("0.1"),
        "titration_max": Decimal("0.75"),
        "weight_max_age_days": 30,
        **ALERT_DEFAULTS,
        "sources": "\n".join(
            [
                STARTING_POINT,
                "0.5 mg/kg IV over 40 minutes: Andrade, J Clin Psychiatry 2017; Fava et al., Mol "
                "Psychiatry 2018 (CLINICAL.md §1). Allowed range and titration maximum "
                "0.1-0.75 mg/kg: the studied range; 1.0 mg/kg was no better and less well "
                "tolerated (CLINICAL.md §1). Cap 0.75 mg/kg: clinic setting at the top of the "
                "studied range.",
                "Induction of up to 6 infusions three a week over 12 days: Murrough, Biol "
                "Psychiatry 2013 (CLINICAL.md §1); 48 h minimum interval is a project default "
                "derived from that schedule.",
                "Titration step 0.1 mg/kg: project default, no source.",
                "Preparation 50 mg/mL stock into 100 mL saline: the worked example in "
                "CLINICAL.md §1 (80 kg → 40 mg → 0.8 mL into 100 mL → 151.2 mL/h).",
                _WEIGHT_SOURCE,
                _ALERTS_SOURCE,
                "Discharge: modified Aldrete ≥ 9 (CLINICAL.md §3).",
                _NO_ABSOLUTE_CAP,
            ]
        ),
    },
)

PTSD_INDUCTION = ShippedProtocol(
    "ptsd_induction",
    {
        "name": "PTSD induction",
        "indication_categories": ["ptsd"],
        "dose_mode": "mg_per_kg_over_minutes",
        "default_amount": Decimal("0.5"),
        "min_amount": Decimal("0.1"),
        "max_amount": Decimal("0.5"),
        "duration_minutes": 40,
        "cap_mg_per_kg": Decimal("0.5"),
        "default_basis": "actual",
        "preparation_kind": "bag",
        "stock_mg_ml": Decimal(50),
        "bag_ml": Decimal(100),
        "induction_infusions": 6,
        "schedule_note": "6 infusions over 2 weeks",
        "discharge_rule": "modified_aldrete_9",
        "min_interval_hours": 48,
        "weight_max_age_days": 30,
        **ALERT_DEFAULTS,
        "sources": "\n".join(
            [
                STARTING_POINT,
                "6 x 0.5 mg/kg over 40 minutes across 2 weeks: Feder et al., Am J Psychiatry "
                "2021 (CLINICAL.md §1). The trial used one fixed dose, so no titration is "
                "shipped and 0.5 mg/kg is both the allowed maximum and the cap.",
                "48 h minimum interval: project default (6 infusions in 2 weeks).",
                "Preparation 50 mg/mL stock into 100 mL saline: CLINICAL.md §1 worked example.",
                _WEIGHT_SOURCE,
                _ALERTS_SOURCE,
                "Discharge: modified Aldrete ≥ 9 (CLINICAL.md §3).",
                _NO_ABSOLUTE_CAP,
            ]
        ),
    },
)

CRPS = ShippedProtocol(
    "crps",
    {
        "name": "CRPS",
        "indication_categories": ["chronic_pain"],
        "dose_mode": "mg_per_kg_per_hour",
        "default_amount": Decimal("0.35"),
        "min_amount": Decimal("0.1"),
        "max_amount": Decimal("0.35"),
        "duration_minutes": 240,
        "cap_mg_per_kg_per_hour": Decimal("0.35"),
        "default_basis": "actual",
        "preparation_kind": "premixed",
        "premixed_concentration_mg_ml": Decimal(1),
        "induction_infusions": 10,
        "schedule_note": "4 hours daily for 10 days",
        "discharge_rule": "modified_aldrete_9",
        "min_interval_hours": 20,
        "weight_max_age_days": 30,
        **ALERT_DEFAULTS,
        "sources": "\n".join(
            [
                STARTING_POINT,
                "0.35 mg/kg/h for 4 h daily x 10 days: ASRA/AAPM/ASA 2018 consensus guideline "
                "on IV ketamine for chronic pain, CRPS (CLINICAL.md §1). 0.35 mg/kg/h is the "
                "allowed maximum and the cap; the 0.1 mg/kg/h minimum is a project default.",
                "20 h minimum interval: project default allowing a daily schedule.",
                "Premixed 1 mg/mL: typical infusion concentrations are about 1-2 mg/mL "
                "(CLINICAL.md §1).",
                _WEIGHT_SOURCE,
                _ALERTS_SOURCE,
                "Discharge: modified Aldrete ≥ 9 (CLINICAL.md §3).",
                _NO_ABSOLUTE_CAP,
            ]
        ),
    },
)

SHIPPED: tuple[ShippedProtocol, ...] = (DEPRESSION_STANDARD, PTSD_INDUCTION, CRPS)
