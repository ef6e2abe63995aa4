"""A goal set from an integration session starts linked to that session's infusion."""

import pytest

from holdspace.therapy.tests.builders import discharged_infusion
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_the_new_goal_form_arrives_with_the_integrations_infusion_chosen(
    as_therapist_a, patient_a, therapist_a, prescriber_a
):
    infusion = discharged_infusion(patient_a, therapist_a, prescriber_a)
    page = as_therapist_a.get(
        f"/patients/{patient_a.public_id}/goals/new/?session={infusion.public_id}"
    ).content.decode()
    assert f'value="{infusion.public_id}" selected' in page


def test_an_infusion_of_another_patient_is_not_chosen(
    as_therapist_a, patient_a, clinic_a, therapist_a, prescriber_a
):
    someone_elses = discharged_infusion(PatientFactory(clinic=clinic_a), therapist_a, prescriber_a)
    page = as_therapist_a.get(
        f"/patients/{patient_a.public_id}/goals/new/?session={someone_elses.public_id}"
    ).content.decode()
    assert f'value="{someone_elses.public_id}"' not in page
    assert '<option value="" selected>No particular infusion</option>' in page
