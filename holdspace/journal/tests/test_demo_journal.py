"""The demo journal: entries for therapists' patients, reflections tied to a discharged
infusion, some shared and some private, each written through a used portal link."""

import pytest

from holdspace.clinics.models import Role
from holdspace.journal.demo import seed_journal
from holdspace.journal.models import JournalEntry
from holdspace.portal.models import LinkPurpose, PatientLink
from holdspace.therapy.tests.builders import discharged_infusion

pytestmark = pytest.mark.django_db


def test_seed_journal_writes_shared_and_private_entries(
    clinic_a, patient_a, therapist_a, nurse_a, prescriber_a
):
    patient_a.therapist = therapist_a
    patient_a.save()
    infusion = discharged_infusion(patient_a, nurse_a, prescriber_a, hours_ago=24 * 8)
    seed_journal(clinic_a, {Role.THERAPIST: [therapist_a]})
    entries = JournalEntry.objects.filter(patient=patient_a)
    assert entries.count() == 3
    assert entries.filter(shared_with_therapist=True).count() == 2
    assert entries.filter(session=infusion).count() == 2
    link = PatientLink.objects.get(patient=patient_a)
    assert link.purpose == LinkPurpose.PORTAL and link.used_at is not None
    assert {entry.via_link for entry in entries} == {link.public_id}
