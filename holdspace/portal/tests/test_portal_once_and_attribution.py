"""Fixes from review of the patient's portal:

- a double tap (or a resent page) of a portal form stores one row: journal entry, goal
  check-in, support-plan suggestion (each form carries a client id issued when it is shown);
- everything the patient does through the portal is audited as "patient by link <id>", never
  as "system" or "anonymous";
- "My plan" shows intentions from signed preparation notes only, never a draft;
- the sign-in link email names no clinic (the name often names the treatment), and a link
  cancelled because the email failed leaves an audit row.
"""

# The shared fixtures are imported from test_portal_session; pytest passes them by name.
# ruff: noqa: F811

import re
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.goals.models import GoalCheckIn
from holdspace.journal.models import JournalEntry
from holdspace.notes.tests.builders import notes_goals_world
from holdspace.portal.models import LinkPurpose, PatientLink
from holdspace.portal.tests.test_portal_session import (  # noqa: F401 - fixtures
    patient_client,
    portal_link,
)
from holdspace.therapy import actions as therapy_actions
from holdspace.therapy.models import Readiness, SupportPlanSuggestion

pytestmark = pytest.mark.django_db


def _client_id(page: str, field_id: str = "id_client_id") -> str:
    """The hidden client id of the form whose field has ``field_id``."""
    found = re.search(
        rf'<input[^>]*name="client_id"[^>]*value="([0-9a-f-]{{36}})"[^>]*id="{field_id}"', page
    )
    assert found, f"the form carries no client id ({field_id})"
    return found.group(1)


def _label(link) -> str:
    return f"patient by link {link.public_id}"


# --- One row per form, however often it is sent ------------------------------------------------


def test_a_journal_entry_sent_twice_is_stored_once(patient_client, portal_link):
    url = reverse("portal:journal")
    client_id = _client_id(patient_client.get(url).content.decode())
    data = {"text": "Slept well", "prompt_kind": "free", "share": "on", "client_id": client_id}
    first = patient_client.post(url, data)
    second = patient_client.post(url, data)
    assert first.status_code == second.status_code == 302
    entry = JournalEntry.objects.get()
    assert entry.text == "Slept well" and entry.client_id is not None
    # One creation and one sharing row: the resend wrote nothing.
    assert (
        AuditEvent.objects.filter(category="journal", object_id=str(entry.public_id)).count() == 2
    )


def test_each_journal_page_issues_a_fresh_client_id(patient_client, portal_link):
    url = reverse("portal:journal")
    first = _client_id(patient_client.get(url).content.decode())
    patient_client.post(url, {"text": "One", "prompt_kind": "free", "client_id": first})
    second = _client_id(patient_client.get(url).content.decode())
    patient_client.post(url, {"text": "Two", "prompt_kind": "free", "client_id": second})
    assert first != second
    assert sorted(JournalEntry.objects.values_list("text", flat=True)) == ["One", "Two"]


def test_a_goal_check_in_sent_twice_is_stored_once(
    patient_client, portal_link, patient_a, therapist_a
):
    goal = notes_goals_world(patient_a, therapist_a, therapist_a)["goal_id"]
    home = patient_client.get(reverse("portal:home")).content.decode()
    client_id = _client_id(home, f"goal-{goal.public_id.hex}-client_id")
    data = {"goal": str(goal.public_id), "times_done": "2", "client_id": client_id}
    for _ in range(2):
        assert patient_client.post(reverse("portal:goal_checkin"), data).status_code == 302
    checkin = GoalCheckIn.objects.get(goal=goal)
    assert checkin.times_done == 2 and str(checkin.client_id) == client_id


def test_a_support_plan_suggestion_sent_twice_is_stored_once(patient_client, portal_link):
    url = reverse("portal:plan")
    client_id = _client_id(patient_client.get(url).content.decode())
    data = {"text": "Please no music this time", "client_id": client_id}
    for _ in range(2):
        assert patient_client.post(url, data).status_code == 302
    suggestion = SupportPlanSuggestion.objects.get()
    assert str(suggestion.client_id) == client_id


def test_the_same_client_id_in_another_patients_journal_is_another_entry(
    portal_link, nurse_a, patient_a, patient_b, nurse_b
):
    # The client id is unique per patient: another patient's resend never returns this entry.
    from holdspace.journal import actions as journal_actions
    from holdspace.portal import links

    link_b, _token = links.issue_link(actor=nurse_b, patient=patient_b, purpose=LinkPurpose.PORTAL)
    shared_id = "6f1c8a2e-8f53-4d55-9b5e-0a4b5e3c2d11"
    mine = journal_actions.write_entry(link=portal_link[0], text="Mine", client_id=shared_id)
    theirs = journal_actions.write_entry(link=link_b, text="Theirs", client_id=shared_id)
    assert mine.pk != theirs.pk and theirs.patient == patient_b and theirs.text == "Theirs"


# --- Every portal action names the patient by their link ---------------------------------------


def test_journal_writing_and_sharing_are_attributed_to_the_link(
    patient_client, portal_link, nurse_a, patient_a
):
    from holdspace.journal import actions as journal_actions
    from holdspace.portal import links

    link = portal_link[0]
    patient_client.post(reverse("portal:journal"), {"text": "Private", "prompt_kind": "free"})
    entry = JournalEntry.objects.get()
    rows = AuditEvent.objects.filter(category="journal", object_id=str(entry.public_id))
    assert [row.actor_label for row in rows] == [_label(link)]
    # Shared in a later portal session: the row names the link of that session.
    later, _token = links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)
    journal_actions.share_entry(link=later, entry=entry)
    assert rows.order_by("-id").first().actor_label == _label(later)


def test_a_goal_check_in_is_attributed_to_the_link(
    patient_client, portal_link, patient_a, therapist_a
):
    goal = notes_goals_world(patient_a, therapist_a, therapist_a)["goal_id"]
    patient_client.post(
        reverse("portal:goal_checkin"), {"goal": str(goal.public_id), "times_done": "1"}
    )
    row = AuditEvent.objects.filter(category="goal", summary__contains="check-in").get()
    assert row.actor_id is None and row.actor_label == _label(portal_link[0])
    assert row.source_ip == "127.0.0.1"  # the portal's request reached the audit row


def test_a_support_plan_suggestion_is_attributed_to_the_link(patient_client, portal_link):
    patient_client.post(reverse("portal:plan"), {"text": "Dim the lights"})
    suggestion = SupportPlanSuggestion.objects.get()
    row = AuditEvent.objects.get(
        category="support_plan_suggestion", object_id=str(suggestion.public_id)
    )
    assert row.actor_id is None and row.actor_label == _label(portal_link[0])
    assert row.source_ip == "127.0.0.1"


# --- "My plan": signed preparation notes only --------------------------------------------------


def _preparation(therapist, patient, intentions, *, sign, hours_ago):
    return therapy_actions.create_preparation(
        actor=therapist,
        patient=patient,
        data={
            "held_at": timezone.now() - timedelta(hours=hours_ago),
            "intentions": intentions,
            "readiness": Readiness.NOT_YET,
            "readiness_note": "Another session first",
        },
        sign=sign,
    )


def test_my_plan_shows_signed_intentions_and_never_a_draft(patient_client, patient_a, therapist_a):
    _preparation(therapist_a, patient_a, "To rest in the body", sign=True, hours_ago=48)
    _preparation(therapist_a, patient_a, "DRAFT wording still unclear", sign=False, hours_ago=1)
    body = patient_client.get(reverse("portal:plan")).content.decode()
    assert "To rest in the body" in body
    assert "DRAFT wording still unclear" not in body


def test_my_plan_shows_no_intention_from_a_draft_alone(patient_client, patient_a, therapist_a):
    _preparation(therapist_a, patient_a, "DRAFT wording still unclear", sign=False, hours_ago=1)
    body = patient_client.get(reverse("portal:plan")).content.decode()
    assert "DRAFT wording still unclear" not in body


# --- The sign-in link email ---------------------------------------------------------------------


def _send(client, patient):
    url = reverse("journal:send_portal_link", kwargs={"patient_id": patient.public_id})
    return client.post(url, follow=True)


def test_the_sign_in_email_does_not_name_the_clinic(as_therapist_a, patient_a, clinic_a):
    clinic_a.name = "Ketamine Depression Centre"
    clinic_a.save()
    patient_a.email = "lex@example.test"
    patient_a.save()
    _send(as_therapist_a, patient_a)
    message = mail.outbox[0]
    text = message.subject + "\n" + message.body
    assert "Ketamine" not in text and "Depression" not in text
    assert "care team" in message.subject and "/p/home/start/" in message.body


def test_a_failed_email_cancels_the_link_and_is_audited(as_therapist_a, patient_a, monkeypatch):
    patient_a.email = "lex@example.test"
    patient_a.save()

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"lex@example.test": (550, b"No such user")})

    monkeypatch.setattr("holdspace.portal.links.send_mail", refuse)
    page = _send(as_therapist_a, patient_a).content.decode()
    assert "the link was cancelled" in page
    link = PatientLink.objects.get(patient=patient_a)
    assert link.revoked_at is not None and link.sent_at is None
    row = AuditEvent.objects.filter(object_id=str(link.public_id)).order_by("-id").first()
    assert row.summary == "Patient link cancelled: the email could not be sent"
    assert row.actor_label.startswith("Theo Therapist")
