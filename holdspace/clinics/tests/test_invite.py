"""Inviting staff: one account, one membership, one audit row, and a link that works once."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.clinics.models import Membership, Role
from holdspace.clinics.tests.conftest import audit_rows
from tests.factories import MembershipFactory, UserFactory

NEW_PASSWORD = "quiet-harbour-lantern-42"
INVITE = {
    "email": "Sam.Newhire@Example.test",
    "full_name": "Sam Newhire",
    "credentials": "RN",
    "role": Role.NURSE,
}


def _invite(client, **changes):
    return client.post(reverse("clinics:invite_staff"), {**INVITE, **changes})


def _link_in(text):
    return re.search(r"https?://\S+/accounts/invite/\S+/\S+/", text).group(0)


def test_invite_creates_account_membership_audit_row_and_email(as_admin_a, clinic_a, admin_a):
    response = _invite(as_admin_a)
    assert response.status_code == 200
    user = User.objects.get(email="sam.newhire@example.test")
    assert not user.has_usable_password()
    assert user.credentials == "RN"
    membership = Membership.objects.get(user=user)
    assert (membership.clinic, membership.role, membership.is_active) == (clinic_a, "nurse", True)
    rows = audit_rows(action=Action.CREATE, category="staff")
    assert rows.count() == 1
    assert rows[0].object_id == str(membership.public_id)
    assert rows[0].actor == admin_a
    assert rows[0].clinic == clinic_a
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam.newhire@example.test"]
    # The same link is on screen, for an admin who hands it over in person.
    assert _link_in(mail.outbox[0].body) in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_invitation_link_sets_password_then_sign_in_leads_to_two_factor(as_admin_a, settings):
    settings.REQUIRE_TWO_FACTOR = True
    _invite(as_admin_a)
    link = _link_in(mail.outbox[0].body)
    newcomer = Client()
    page = newcomer.get(link)
    assert page.status_code == 200
    assert "Sam Newhire" in page.content.decode()
    done = newcomer.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:login")
    signed = newcomer.post(
        reverse("accounts:login"), {"username": INVITE["email"], "password": NEW_PASSWORD}
    )
    assert signed["Location"] == reverse("accounts:two_factor")
    assert newcomer.get(reverse("clinics:home"))["Location"] == reverse("accounts:two_factor")


def test_invitation_link_works_only_once(as_admin_a):
    _invite(as_admin_a)
    link = _link_in(mail.outbox[0].body)
    newcomer = Client()
    newcomer.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(link)
    assert again.status_code == 404
    assert "does not work" in again.content.decode()


def test_tampered_invitation_link_is_refused_and_audited(as_admin_a):
    _invite(as_admin_a)
    link = _link_in(mail.outbox[0].body)
    response = Client().get(link[:-3] + "zz/")
    assert response.status_code == 404
    assert audit_rows(action=Action.PASSWORD_CHANGE, outcome="denied").count() == 1


def test_weak_password_is_refused_with_the_reason(as_admin_a):
    _invite(as_admin_a)
    link = _link_in(mail.outbox[0].body)
    response = Client().post(link, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.get(email="sam.newhire@example.test").has_usable_password()


def test_existing_account_is_added_without_a_new_password(as_admin_a, nurse_b, clinic_a):
    response = _invite(as_admin_a, email=nurse_b.email.upper(), role=Role.THERAPIST)
    membership = Membership.objects.get(user=nurse_b, clinic=clinic_a)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "clinics:staff_member", kwargs={"membership_id": membership.public_id}
    )
    assert membership.role == "therapist"
    assert User.objects.filter(email=nurse_b.email).count() == 1
    assert nurse_b.memberships.count() == 2
    assert mail.outbox == []


def test_inviting_a_current_member_is_refused_with_a_clear_message(as_admin_a, nurse_a):
    response = _invite(as_admin_a, email=nurse_a.email)
    assert response.status_code == 200
    assert "already on this clinic" in response.content.decode()
    assert nurse_a.memberships.count() == 1
    assert not audit_rows(action=Action.CREATE, category="staff").exists()


def test_inviting_a_deactivated_member_points_to_reactivation(as_admin_a, clinic_a):
    former = UserFactory(email="former@example.test")
    MembershipFactory(user=former, clinic=clinic_a, is_active=False)
    response = _invite(as_admin_a, email="former@example.test")
    assert "reactivate" in response.content.decode()
    assert former.memberships.count() == 1


def test_invalid_form_shows_errors_next_to_fields(as_admin_a):
    response = _invite(as_admin_a, email="not-an-email", role="surgeon")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in body
    assert 'id="id_role_error"' in body
    assert not User.objects.filter(full_name="Sam Newhire").exists()


def test_link_for_someone_pending_elsewhere_is_emailed_not_shown(as_admin_a, clinic_b):
    # Invited by clinic B, never accepted: an admin of A must not get a link to set their
    # password, or they could sign in to clinic B as that person.
    pending = UserFactory(email="pending@example.test")
    pending.set_unusable_password()
    pending.save()
    MembershipFactory(user=pending, clinic=clinic_b)
    response = _invite(as_admin_a, email="pending@example.test")
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert _link_in(mail.outbox[0].body) not in response.content.decode()
    assert "/accounts/invite/" not in response.content.decode()


def test_admin_can_issue_a_fresh_link_for_a_pending_invitation(as_admin_a):
    _invite(as_admin_a)
    membership = Membership.objects.get(user__email="sam.newhire@example.test")
    url = reverse("clinics:staff_member", kwargs={"membership_id": membership.public_id})
    response = as_admin_a.post(url, {"change": "invitation"})
    assert response.status_code == 200
    assert len(mail.outbox) == 2
    assert _link_in(mail.outbox[1].body) in response.content.decode()
    assert audit_rows(action=Action.UPDATE, category="staff").count() == 1


@pytest.mark.parametrize("client_name", ["as_nurse_a", "as_prescriber_a", "as_therapist_a"])
def test_clinicians_cannot_invite(request, client_name):
    response = _invite(request.getfixturevalue(client_name))
    assert response.status_code == 403
    assert not User.objects.filter(email="sam.newhire@example.test").exists()


def test_no_fresh_link_for_a_deactivated_member(as_admin_a, clinic_a):
    _invite(as_admin_a)
    membership = Membership.objects.get(user__email="sam.newhire@example.test")
    url = reverse("clinics:staff_member", kwargs={"membership_id": membership.public_id})
    as_admin_a.post(url, {"change": "deactivate"})
    response = as_admin_a.post(url, {"change": "invitation"}, follow=True)
    assert "Reactivate them first" in response.content.decode()
    assert len(mail.outbox) == 1
