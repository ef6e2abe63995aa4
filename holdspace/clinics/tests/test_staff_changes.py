"""Role changes and deactivation: audited as privilege changes, never leaving a clinic without
an admin, and ending access at once."""

from django.test import Client
from django.urls import reverse

from conftest import signed_in
from holdspace.audit.models import Action
from holdspace.clinics.models import Membership, Role
from holdspace.clinics.tests.conftest import audit_rows
from tests.factories import MembershipFactory, UserFactory


def _page(membership):
    return reverse("clinics:staff_member", kwargs={"membership_id": membership.public_id})


def _membership(user, clinic):
    return Membership.objects.get(user=user, clinic=clinic)


def test_staff_list_shows_role_email_status_and_two_factor(as_admin_a, nurse_a, clinic_a):
    former = UserFactory(full_name="Fern Former", email="fern@example.test")
    MembershipFactory(user=former, clinic=clinic_a, is_active=False)
    body = as_admin_a.get(reverse("clinics:staff")).content.decode()
    assert "Nora Nurse" in body and "nora.nurse@example.test" in body
    assert "Infusion nurse" in body
    assert "Fern Former" in body and "Deactivated" in body
    # The admin signed in through 2FA; Fern never enrolled.
    assert "Enrolled" in body and "Not enrolled" in body


def test_role_change_is_saved_and_audited(as_admin_a, nurse_a, clinic_a, admin_a):
    membership = _membership(nurse_a, clinic_a)
    response = as_admin_a.post(_page(membership), {"change": "role", "role": Role.PRESCRIBER})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.PRESCRIBER
    row = audit_rows(action=Action.PRIVILEGE_CHANGE).get()
    assert (row.category, row.summary) == ("staff", "Role nurse → prescriber")
    assert row.object_id == str(membership.public_id)
    assert row.actor == admin_a
    assert row.actor_role == Role.CLINIC_ADMIN


def test_unknown_role_is_refused(as_admin_a, nurse_a, clinic_a):
    membership = _membership(nurse_a, clinic_a)
    response = as_admin_a.post(_page(membership), {"change": "role", "role": "superuser"})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.role == Role.NURSE
    assert not audit_rows(action=Action.PRIVILEGE_CHANGE).exists()


def test_deactivation_is_audited_and_ends_access_at_once(as_admin_a, nurse_a, clinic_a):
    nurse_session = signed_in(nurse_a, clinic_a)
    membership = _membership(nurse_a, clinic_a)
    as_admin_a.post(_page(membership), {"change": "deactivate"})
    membership.refresh_from_db()
    assert not membership.is_active
    assert membership.deactivated_at is not None
    row = audit_rows(action=Action.PRIVILEGE_CHANGE).get()
    assert row.summary == "Deactivated (nurse)"
    # Her open session finds no clinic any more: the patient list sends her to the picker.
    response = nurse_session.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("clinics:switch")
    assert (
        "not active in any clinic" in nurse_session.get(reverse("clinics:switch")).content.decode()
    )


def test_deactivated_member_still_listed_and_can_be_reactivated(as_admin_a, nurse_a, clinic_a):
    membership = _membership(nurse_a, clinic_a)
    as_admin_a.post(_page(membership), {"change": "deactivate"})
    assert "Nora Nurse" in as_admin_a.get(reverse("clinics:staff")).content.decode()
    as_admin_a.post(_page(membership), {"change": "reactivate"})
    membership.refresh_from_db()
    assert membership.is_active and membership.deactivated_at is None
    summaries = list(audit_rows(action=Action.PRIVILEGE_CHANGE).values_list("summary", flat=True))
    assert summaries == ["Deactivated (nurse)", "Reactivated as nurse"]
    assert signed_in(nurse_a, clinic_a).get(reverse("clinics:board")).status_code == 200


def test_last_admin_cannot_deactivate_themself(as_admin_a, admin_a, clinic_a):
    membership = _membership(admin_a, clinic_a)
    response = as_admin_a.post(_page(membership), {"change": "deactivate"}, follow=True)
    assert "last active clinic admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active
    assert not audit_rows(action=Action.PRIVILEGE_CHANGE).exists()


def test_last_admin_cannot_demote_themself(as_admin_a, admin_a, clinic_a):
    membership = _membership(admin_a, clinic_a)
    response = as_admin_a.post(
        _page(membership), {"change": "role", "role": Role.NURSE}, follow=True
    )
    assert "last active clinic admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.CLINIC_ADMIN


def test_deactivated_admin_does_not_count_as_another_admin(as_admin_a, admin_a, clinic_a):
    MembershipFactory(clinic=clinic_a, role=Role.CLINIC_ADMIN, is_active=False)
    membership = _membership(admin_a, clinic_a)
    as_admin_a.post(_page(membership), {"change": "deactivate"})
    membership.refresh_from_db()
    assert membership.is_active


def test_admin_may_step_down_when_another_admin_remains(as_admin_a, admin_a, clinic_a):
    MembershipFactory(clinic=clinic_a, role=Role.CLINIC_ADMIN)
    membership = _membership(admin_a, clinic_a)
    response = as_admin_a.post(_page(membership), {"change": "role", "role": Role.NURSE})
    assert response["Location"] == reverse("clinics:home")
    membership.refresh_from_db()
    assert membership.role == Role.NURSE
    assert as_admin_a.get(reverse("clinics:staff")).status_code == 403


def test_unknown_change_is_refused(as_admin_a, nurse_a, clinic_a):
    membership = _membership(nurse_a, clinic_a)
    response = as_admin_a.post(_page(membership), {"change": "delete"})
    assert response.status_code == 400
    assert Membership.objects.filter(pk=membership.pk, is_active=True).exists()


def test_person_in_two_clinics_sees_only_the_current_clinic_staff(clinic_a, clinic_b, nurse_b):
    both = UserFactory(full_name="Dual Admin", email="dual@example.test")
    MembershipFactory(user=both, clinic=clinic_a, role=Role.CLINIC_ADMIN)
    MembershipFactory(user=both, clinic=clinic_b, role=Role.CLINIC_ADMIN)
    a_colleague = UserFactory(full_name="Only In A", email="only.a@example.test")
    MembershipFactory(user=a_colleague, clinic=clinic_a)
    client = signed_in(both)
    assert client.get(reverse("clinics:staff"))["Location"] == reverse("clinics:switch")

    client.post(reverse("clinics:switch"), {"clinic": str(clinic_a.public_id)})
    in_a = client.get(reverse("clinics:staff")).content.decode()
    assert "Only In A" in in_a and "Nils Nurse" not in in_a

    client.post(reverse("clinics:switch"), {"clinic": str(clinic_b.public_id)})
    in_b = client.get(reverse("clinics:staff")).content.decode()
    assert "Nils Nurse" in in_b and "Only In A" not in in_b
    only_a = _membership(a_colleague, clinic_a)
    assert client.get(_page(only_a)).status_code == 404


def test_switching_to_a_clinic_without_membership_is_ignored(as_admin_b, clinic_a, nurse_a):
    as_admin_b.post(reverse("clinics:switch"), {"clinic": str(clinic_a.public_id)})
    body = as_admin_b.get(reverse("clinics:staff")).content.decode()
    assert "Staff of Clinic B" in body
    assert "Nora Nurse" not in body


def test_anonymous_post_changes_nothing(nurse_a, clinic_a):
    membership = _membership(nurse_a, clinic_a)
    response = Client().post(_page(membership), {"change": "deactivate"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active
