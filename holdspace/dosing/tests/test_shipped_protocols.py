"""The shipped protocols: data with sources, added per clinic on demand, each marked as a
starting point for the clinic's medical director."""

from decimal import Decimal

import pytest

from holdspace.dosing import actions, engine
from holdspace.dosing.models import Protocol
from holdspace.dosing.protocols import SHIPPED, STARTING_POINT
from holdspace.dosing.tests.conftest import url


def test_three_protocols_ship_with_the_figures_of_clinical_md(protocols_a):
    standard = protocols_a["depression_anxiety_standard"]
    assert standard.name == "Depression / anxiety — standard"
    assert (standard.default_amount, standard.duration_minutes) == (Decimal("0.5"), 40)
    assert standard.dose_mode == engine.DoseMode.MG_PER_KG_OVER_MINUTES
    ptsd = protocols_a["ptsd_induction"]
    assert (ptsd.default_amount, ptsd.duration_minutes, ptsd.induction_infusions) == (
        Decimal("0.5"),
        40,
        6,
    )
    crps = protocols_a["crps"]
    assert crps.dose_mode == engine.DoseMode.MG_PER_KG_PER_HOUR
    assert (crps.default_amount, crps.duration_minutes) == (Decimal("0.35"), 240)


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.key)
def test_every_shipped_protocol_cites_its_sources_and_says_it_is_a_starting_point(shipped):
    sources = shipped.values["sources"]
    assert sources.startswith(STARTING_POINT)
    assert "CLINICAL.md" in sources
    assert STARTING_POINT == "Starting point for your medical director; not a guideline."


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.key)
def test_shipped_defaults_follow_clinical_md_section_2(shipped):
    values = shipped.values
    assert values["vitals_interval_minutes"] == 15
    assert (values["bp_notify_systolic"], values["bp_notify_diastolic"]) == (160, 100)
    assert (values["bp_hold_systolic"], values["bp_hold_diastolic"]) == (180, 110)
    assert (values["spo2_notify_below"], values["spo2_critical_below"]) == (94, 90)
    assert (values["hr_notify_above"], values["hr_critical_above"]) == (120, 140)
    assert values["hr_critical_below"] == 45 and values["rr_critical_below"] == 10
    assert values["weight_max_age_days"] == 30


def test_the_crps_plan_is_the_consensus_dose(protocols_a):
    crps = protocols_a["crps"]
    weight = engine.dosing_weight(Decimal(70), None, None, engine.WeightBasis.ACTUAL)
    plan = engine.plan_infusion(
        weight, crps.dose_order(crps.default_amount), engine.Premixed(Decimal(1)), crps.caps()
    )
    assert plan.dose_mg == Decimal(98) and plan.rate_ml_h == Decimal("24.5")
    assert plan.hard_stops == ()


def test_adding_them_is_idempotent(clinic_a, admin_a):
    first = actions.add_shipped_protocols(actor=admin_a, clinic=clinic_a)
    again = actions.add_shipped_protocols(actor=admin_a, clinic=clinic_a)
    assert len(first) == 3 and again == []
    assert Protocol.objects.filter(clinic=clinic_a).count() == 3


def test_the_list_offers_them_to_a_prescriber_and_adds_them(as_prescriber_a, clinic_a):
    page = as_prescriber_a.get(url("protocols")).content.decode()
    assert "Add them to this clinic" in page and STARTING_POINT in page
    as_prescriber_a.post(url("add_shipped_protocols"))
    page = as_prescriber_a.get(url("protocols")).content.decode()
    assert "PTSD induction" in page and "CRPS" in page and "Add them to this clinic" not in page


def test_a_nurse_sees_the_list_but_cannot_add(as_nurse_a, protocols_a):
    page = as_nurse_a.get(url("protocols")).content.decode()
    assert "Depression / anxiety — standard" in page and "Write a protocol" not in page
    assert as_nurse_a.post(url("add_shipped_protocols")).status_code == 403


def test_the_detail_page_shows_the_starting_point_wording_and_sources(as_therapist_a, standard):
    page = as_therapist_a.get(url("protocol", protocol_id=standard.public_id)).content.decode()
    assert STARTING_POINT in page
    assert "Murrough, Biol Psychiatry 2013" in page
    assert "SBP ≥ 180 or DBP ≥ 110: hold the infusion" in page
    assert "Modified Aldrete score ≥ 9" in page


def test_an_admin_writes_a_new_protocol(as_admin_a, clinic_a):
    data = {
        "name": "Esketamine-style slow",
        "indication_categories": ["trd"],
        "dose_mode": "mg_per_kg_over_minutes",
        "default_amount": "0.4",
        "min_amount": "0.1",
        "max_amount": "0.5",
        "duration_minutes": "60",
        "default_basis": "actual",
        "preparation_kind": "premixed",
        "premixed_concentration_mg_ml": "1",
        "vitals_interval_minutes": "15",
        "bp_notify_systolic": "160",
        "bp_notify_diastolic": "100",
        "bp_hold_systolic": "180",
        "bp_hold_diastolic": "110",
        "spo2_notify_below": "94",
        "spo2_critical_below": "90",
        "hr_notify_above": "120",
        "hr_critical_above": "140",
        "hr_critical_below": "45",
        "rr_critical_below": "10",
        "discharge_rule": "padss_9",
        "min_interval_hours": "72",
        "weight_max_age_days": "14",
        "sources": "Our medical director, 2026-11.",
    }
    response = as_admin_a.post(url("new_protocol"), data)
    protocol = Protocol.objects.get(name="Esketamine-style slow")
    assert response["Location"] == url("protocol", protocol_id=protocol.public_id)
    assert protocol.version == 1 and protocol.weight_max_age_days == 14
    assert protocol.titration_policy() is None
