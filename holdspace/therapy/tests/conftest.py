"""The therapy cast: the project's base cast (conftest.py), a running infusion of patient A from
the infusion tests' fixtures, and a discharged one with what the therapist captured."""

import pytest

from holdspace.dosing.tests.conftest import (  # noqa: F401 - fixtures
    course,
    protocols_a,
    ready_patient,
    signed_order,
    standard,
    weight_80,
)
from holdspace.infusions.tests.conftest import (  # noqa: F401 - fixtures
    _tasks_to_the_dummy_backend,
    chair_a,
    checked_in,
    ready_order,
    running,
    scheduled,
)
from holdspace.therapy.tests.builders import discharged_infusion


@pytest.fixture
def discharged(patient_a, nurse_a, prescriber_a):
    """Patient A's infusion discharged 30 hours ago (inside the 24-72 h window)."""
    return discharged_infusion(patient_a, nurse_a, prescriber_a, hours_ago=30)


@pytest.fixture
def plan_a(patient_a, therapist_a):
    """Patient A's support plan, version 1, written by the therapist."""
    from holdspace.therapy import actions

    version, _created = actions.save_support_plan(
        actor=therapist_a,
        patient=patient_a,
        content={
            "what_helps": ["Slow breathing together", "Hearing my name", "Changing the music"],
            "grounding_techniques": ["Feet on the floor"],
            "words_that_help": "You are safe, this will pass",
            "words_that_harm": "Calm down",
            "session_style": "quiet",
            "touch_consent": "ask_each_time",
            "touch_kinds": "Hand on the shoulder",
        },
        based_on=None,
    )
    return version
