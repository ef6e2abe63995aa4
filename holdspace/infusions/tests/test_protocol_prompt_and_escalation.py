"""A clinic's own therapist prompts and escalation minutes, set in its protocol, drive the live
alerts; a protocol that leaves them empty keeps the engine's project defaults (7/10, 7/10,
5 minutes; holdspace/infusions/alerts.py, no published source)."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdspace.dosing import actions as dosing_actions
from holdspace.dosing.models import Protocol
from holdspace.infusions import actions, alerts
from holdspace.infusions.models import Alert, alert_thresholds
from holdspace.infusions.tests.conftest import cid, queued, vitals

CLINIC_SOURCE = "Clinic protocol “Depression / anxiety — standard” version 1"


def set_protocol(protocol, prescriber, **settings):
    """The clinic's settings, written through the protocol action before any order uses it."""
    return dosing_actions.edit_protocol(
        actor=prescriber, protocol=protocol, values=settings, expected_revision=protocol.revision
    )


@pytest.fixture
def standard(protocols_a, prescriber_a):
    """The shipped standard protocol with the clinic's own prompt at anxiety 5 and escalation
    after 2 minutes (dissociation left empty). Overrides the dosing cast's fixture, so the
    order and the running session below use this version."""
    return set_protocol(
        protocols_a["depression_anxiety_standard"],
        prescriber_a,
        anxiety_prompt_at=5,
        escalation_minutes=2,
    )


def rate(session, therapist, **scores):
    return actions.record_patient_state(actor=therapist, session=session, client_id=cid(), **scores)


def test_anxiety_at_the_protocols_prompt_prompts_the_therapist(running, therapist_a):
    rate(running, therapist_a, anxiety=5)
    prompt = Alert.objects.get()
    assert (prompt.rule, prompt.audience, prompt.tier) == ("anxiety_high", "therapist", "notify")
    assert "Anxiety 5/10 ≥ 5" in prompt.message
    assert prompt.source.startswith("Anxiety: " + CLINIC_SOURCE)


def test_anxiety_below_the_protocols_prompt_does_not(running, therapist_a):
    rate(running, therapist_a, anxiety=4)
    assert not Alert.objects.exists()


def test_an_empty_dissociation_setting_keeps_the_project_default(running, therapist_a):
    rate(running, therapist_a, dissociation=6)
    assert not Alert.objects.exists()
    rate(running, therapist_a, dissociation=7)
    prompt = Alert.objects.get()
    assert prompt.rule == "dissociation_high" and "≥ 7" in prompt.message
    assert "dissociation: " + alerts.PROJECT_DEFAULT_SOURCE in prompt.source


def test_an_unacknowledged_hold_alert_escalates_after_the_protocols_minutes(running, nurse_a):
    vitals(running, nurse_a, systolic=184)
    hold = Alert.objects.get(rule="systolic_hold")
    assert queued("check_escalation")[-1][1] == hold.raised_at + timedelta(minutes=2)
    alert_id = str(hold.public_id)
    assert actions.escalate_if_due(alert_id, now=hold.raised_at + timedelta(seconds=119)) is None
    assert actions.escalate_if_due(alert_id, now=hold.raised_at + timedelta(minutes=2))
    assert Alert.objects.get().escalated_at == hold.raised_at + timedelta(minutes=2)


def test_the_thresholds_say_which_settings_are_the_clinics(standard):
    thresholds = alert_thresholds(standard)
    assert (thresholds.anxiety_prompt_at, thresholds.dissociation_prompt_at) == (5, 7)
    assert thresholds.escalation_minutes == 2
    assert thresholds.escalation_source == CLINIC_SOURCE
    # The vital-sign thresholds are still the shipped ones, and say so.
    assert thresholds.vitals_source == alerts.CLINICAL_DEFAULT_SOURCE


def test_a_protocol_that_sets_nothing_keeps_every_project_default(protocols_a):
    thresholds = alert_thresholds(protocols_a["depression_anxiety_standard"])
    assert thresholds == alerts.DEFAULT_THRESHOLDS


def test_both_prompts_set_name_the_protocol_alone(standard, prescriber_a):
    both = set_protocol(standard, prescriber_a, dissociation_prompt_at=9)
    thresholds = alert_thresholds(both)
    assert thresholds.dissociation_prompt_at == 9
    assert thresholds.state_source == CLINIC_SOURCE


def _unsaved_protocol(**settings):
    """A protocol in memory (no database) with the model's default vital-sign thresholds."""
    return Protocol(name="Probe", version=3, **settings)


_SETTING = st.one_of(st.none(), st.integers(1, 10))


@given(anxiety=_SETTING, dissociation=_SETTING, minutes=st.one_of(st.none(), st.integers(1, 60)))
def test_any_allowed_setting_is_used_and_empty_is_the_project_default(
    anxiety, dissociation, minutes
):
    protocol = _unsaved_protocol(
        anxiety_prompt_at=anxiety, dissociation_prompt_at=dissociation, escalation_minutes=minutes
    )
    thresholds = alert_thresholds(protocol)
    default = alerts.DEFAULT_THRESHOLDS
    expected_anxiety = default.anxiety_prompt_at if anxiety is None else anxiety
    assert thresholds.anxiety_prompt_at == expected_anxiety
    assert thresholds.dissociation_prompt_at == (
        default.dissociation_prompt_at if dissociation is None else dissociation
    )
    assert thresholds.escalation_minutes == (
        default.escalation_minutes if minutes is None else minutes
    )
    # Exactly the ratings at or above the prompt in force prompt the therapist.
    for rating in range(11):
        prompted = alerts.state_findings(rating, None, thresholds) != ()
        assert prompted == (rating >= expected_anxiety)
    if anxiety is None and dissociation is None:
        assert thresholds.state_source == alerts.PROJECT_DEFAULT_SOURCE
    else:
        assert "Clinic protocol “Probe” version 3" in thresholds.state_source
