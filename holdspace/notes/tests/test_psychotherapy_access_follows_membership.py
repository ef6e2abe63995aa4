"""Reading psychotherapy notes follows the person's place in the clinic today (CLINICAL.md §7):
a named supervisor moved out of a supervising role, or whose membership was deactivated, no
longer reads the author's notes, and an author who left the clinic no longer reads their own."""

import pytest

from holdspace.clinics.models import Membership, Role
from holdspace.notes import actions
from holdspace.notes.models import PsychotherapyNote
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Countertransference: felt the urge to rescue"


@pytest.fixture
def note(therapist_a, patient_a):
    return actions.create_psychotherapy_note(actor=therapist_a, patient=patient_a, text=SECRET)


@pytest.fixture
def supervisor(clinic_a, therapist_a):
    user = UserFactory(full_name="Sam Supervisor")
    MembershipFactory(user=user, clinic=clinic_a, role=Role.THERAPIST)
    actions.name_supervisor(actor=therapist_a, clinic=clinic_a, supervisor=user)
    return user


def _sees(user, clinic, note) -> bool:
    return PsychotherapyNote.private.visible_to(user, clinic).filter(pk=note.pk).exists()


def _membership(user, clinic):
    return Membership.objects.filter(user=user, clinic=clinic)


def test_a_named_supervisor_reads_while_in_a_supervising_role(note, supervisor, clinic_a):
    assert _sees(supervisor, clinic_a, note)
    _membership(supervisor, clinic_a).update(role=Role.PRESCRIBER)  # also a supervising role
    assert _sees(supervisor, clinic_a, note)


@pytest.mark.parametrize("new_role", [Role.NURSE, Role.CLINIC_ADMIN])
def test_a_supervisor_moved_to_another_role_no_longer_reads(note, supervisor, clinic_a, new_role):
    # The nomination is still active: only the role changed.
    _membership(supervisor, clinic_a).update(role=new_role)
    assert not _sees(supervisor, clinic_a, note)


def test_a_supervisor_who_left_the_clinic_no_longer_reads(note, supervisor, clinic_a):
    _membership(supervisor, clinic_a).update(is_active=False)
    assert not _sees(supervisor, clinic_a, note)


def test_a_supervisor_in_another_clinic_reads_nothing_there(note, supervisor, clinic_a, clinic_b):
    # A membership elsewhere does not carry the nomination: it belongs to clinic A.
    MembershipFactory(user=supervisor, clinic=clinic_b, role=Role.THERAPIST)
    _membership(supervisor, clinic_a).update(is_active=False)
    assert not PsychotherapyNote.private.visible_to(supervisor, clinic_b).exists()
    assert not _sees(supervisor, clinic_a, note)


def test_an_author_whose_membership_ended_no_longer_reads_their_notes(note, therapist_a, clinic_a):
    assert _sees(therapist_a, clinic_a, note)
    _membership(therapist_a, clinic_a).update(is_active=False)
    assert not _sees(therapist_a, clinic_a, note)


def test_an_author_moved_to_another_role_still_reads_their_own(note, therapist_a, clinic_a):
    _membership(therapist_a, clinic_a).update(role=Role.NURSE)
    assert _sees(therapist_a, clinic_a, note)
