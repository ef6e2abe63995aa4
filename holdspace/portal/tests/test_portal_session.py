"""The patient's portal sign-in (QUALITY.md security gate 3 and 5): a portal link emailed from
the chart with no clinical detail, a date-of-birth check that locks after five misses, the
link used up on sign-in, a session that ends after 30 idle minutes or 12 hours, a sign-out,
and nothing outside /p/home/ reachable with a portal session."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.portal import links, portal_session
from holdspace.portal.models import LinkPurpose, PatientLink

pytestmark = pytest.mark.django_db

DOB = "1985-04-12"  # tests.factories.PatientFactory


# --- Shared with test_home.py ---------------------------------------------------------------


@pytest.fixture
def portal_link(nurse_a, patient_a):
    """(link, token): a portal link for patient A issued by a nurse."""
    return links.issue_link(actor=nurse_a, patient=patient_a, purpose=LinkPurpose.PORTAL)


def _main(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def start_url(token: str) -> str:
    return reverse("portal:home_start", kwargs={"token": token})


def signed_in_patient(token: str) -> Client:
    client = Client()
    response = client.post(start_url(token), {"date_of_birth": DOB})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    return client


@pytest.fixture
def patient_client(portal_link):
    return signed_in_patient(portal_link[1])


def age_session(client: Client, **seconds_ago: float) -> None:
    """Move the portal session's clocks into the past (verified_at / last_seen)."""
    session = client.session
    data = dict(session[portal_session.SESSION_KEY])
    for name, ago in seconds_ago.items():
        data[name] = timezone.now().timestamp() - ago
    session[portal_session.SESSION_KEY] = data
    session.save()


# --- Sending the link from the chart --------------------------------------------------------


def test_a_clinician_emails_a_portal_link_with_no_clinical_detail(as_therapist_a, patient_a):
    patient_a.email = "lex@example.test"
    patient_a.save()
    url = reverse("journal:send_portal_link", kwargs={"patient_id": patient_a.public_id})
    response = as_therapist_a.post(url)
    assert response.status_code == 302
    link = PatientLink.objects.get(patient=patient_a)
    assert link.purpose == LinkPurpose.PORTAL and link.sent_at is not None
    message = mail.outbox[0]
    assert message.to == ["lex@example.test"]
    body = (message.subject + message.body).lower()
    for clinical in ("ketamine", "infusion", "depress", "journal", "score", "therap"):
        assert clinical not in body
    token = re.search(r"/p/home/start/([A-Za-z0-9_-]+)/", message.body).group(1)
    assert signed_in_patient(token).get(reverse("portal:home")).status_code == 200


def test_no_email_address_is_a_clear_message_and_no_link(as_nurse_a, patient_a):
    url = reverse("journal:send_portal_link", kwargs={"patient_id": patient_a.public_id})
    response = as_nurse_a.post(url, follow=True)
    assert "has no email address" in response.content.decode()
    assert not PatientLink.objects.exists() and not mail.outbox


def test_an_admin_cannot_send_a_portal_link(as_admin_a, patient_a):
    patient_a.email = "lex@example.test"
    patient_a.save()
    url = reverse("journal:send_portal_link", kwargs={"patient_id": patient_a.public_id})
    assert as_admin_a.post(url).status_code == 403
    assert not PatientLink.objects.exists()


def test_another_clinics_patient_is_not_found(as_nurse_b, patient_a):
    patient_a.email = "lex@example.test"
    patient_a.save()
    url = reverse("journal:send_portal_link", kwargs={"patient_id": patient_a.public_id})
    assert as_nurse_b.post(url).status_code == 404
    assert not PatientLink.objects.exists()


# --- Signing in -----------------------------------------------------------------------------


def test_the_right_date_of_birth_signs_in_and_uses_the_link(portal_link):
    link, token = portal_link
    client = Client()
    page = client.get(start_url(token))
    assert page.status_code == 200 and "date of birth" in page.content.decode()
    assert "Lex" not in page.content.decode()  # nothing about the patient before the check
    assert client.get(reverse("portal:home")).status_code == 403
    client.post(start_url(token), {"date_of_birth": DOB})
    link.refresh_from_db()
    assert link.used_at is not None and link.verified_at is not None
    stored = client.session[portal_session.SESSION_KEY]
    assert set(stored) == {"link", "verified_at", "last_seen"}
    assert stored["link"] == str(link.public_id)
    assert client.get(reverse("portal:home")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN, object_id=str(link.public_id)).exists()


def test_a_used_link_cannot_sign_in_again(portal_link):
    _link, token = portal_link
    signed_in_patient(token)
    again = Client().post(start_url(token), {"date_of_birth": DOB})
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert AuditEvent.objects.filter(summary="Patient link refused: used").exists()


def test_five_wrong_dates_of_birth_lock_the_link(portal_link):
    link, token = portal_link
    client = Client()
    for attempt in range(1, 5):
        page = client.post(start_url(token), {"date_of_birth": "1990-01-01"})
        assert page.status_code == 200
        assert f"{5 - attempt} tr" in page.content.decode()
    locked = client.post(start_url(token), {"date_of_birth": "1990-01-01"})
    assert locked.status_code == 403 and "locked" in locked.content.decode()
    # Even the right date no longer opens it.
    assert client.post(start_url(token), {"date_of_birth": DOB}).status_code == 403
    link.refresh_from_db()
    assert link.locked_at is not None and link.used_at is None
    assert client.get(reverse("portal:home")).status_code == 403
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, outcome=Outcome.DENIED).exists()


def test_an_expired_link_is_refused(portal_link):
    link, token = portal_link
    PatientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(start_url(token), {"date_of_birth": DOB})
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_tampered_link_gets_the_same_page_as_an_unknown_one(portal_link):
    _link, token = portal_link
    tampered = Client().get(start_url(token[:-1] + ("A" if token[-1] != "A" else "B")))
    unknown = Client().get(start_url("nothing-like-a-token"))
    assert tampered.status_code == unknown.status_code == 404
    assert _main(tampered) == _main(unknown)
    refusals = AuditEvent.objects.filter(summary="Patient link refused: unknown or tampered")
    assert refusals.count() == 2


def test_a_questionnaire_link_does_not_open_the_portal(nurse_a, patient_a):
    _link, token = links.issue_link(
        actor=nurse_a, patient=patient_a, purpose=LinkPurpose.QUESTIONNAIRES
    )
    response = Client().post(start_url(token), {"date_of_birth": DOB})
    assert response.status_code == 404
    assert portal_session.SESSION_KEY not in Client().session


def test_a_portal_link_does_not_open_the_questionnaire_pages(portal_link):
    _link, token = portal_link
    response = Client().get(reverse("portal:link", kwargs={"token": token}))
    assert response.status_code == 404


# --- The session ----------------------------------------------------------------------------


def test_thirty_idle_minutes_end_the_session(patient_client, portal_link):
    age_session(patient_client, last_seen=29 * 60)
    assert patient_client.get(reverse("portal:home")).status_code == 200
    age_session(patient_client, last_seen=31 * 60)
    response = patient_client.get(reverse("portal:home"))
    assert response.status_code == 403 and "30 minutes" in response.content.decode()
    assert patient_client.get(reverse("portal:home")).status_code == 403
    assert AuditEvent.objects.filter(
        action=Action.LOGOUT, object_id=str(portal_link[0].public_id)
    ).exists()


def test_the_session_ends_after_twelve_hours_even_when_active(patient_client):
    age_session(patient_client, verified_at=12 * 3600 + 60, last_seen=10)
    response = patient_client.get(reverse("portal:journal"))
    assert response.status_code == 403 and "12 hours" in response.content.decode()


def test_cancelling_the_link_ends_the_session(patient_client, portal_link):
    PatientLink.objects.filter(pk=portal_link[0].pk).update(revoked_at=timezone.now())
    assert patient_client.get(reverse("portal:home")).status_code == 403


def test_sign_out_ends_the_session(patient_client, portal_link):
    response = patient_client.post(reverse("portal:sign_out"))
    assert response.status_code == 200 and "signed out" in response.content.decode()
    assert patient_client.get(reverse("portal:home")).status_code == 403
    assert AuditEvent.objects.filter(summary="Patient signed out of the portal").exists()


def test_sign_out_needs_a_post(patient_client):
    assert patient_client.get(reverse("portal:sign_out")).status_code == 405
    assert patient_client.get(reverse("portal:home")).status_code == 200


STAFF_PAGES = [
    "/patients/",
    "/worklist/",
    "/audit/",
    "/board/",
    "/",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_portal_session_reaches_no_staff_page(patient_client, path):
    response = patient_client.get(path)
    # Staff pages send anyone without a staff sign-in to the login page (or 404): never a 200.
    assert response.status_code in {302, 404}, path
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def test_a_portal_session_cannot_open_the_patients_chart(patient_client, patient_a):
    chart = reverse("patients:chart", kwargs={"patient_id": patient_a.public_id})
    journal = reverse("journal:shared", kwargs={"patient_id": patient_a.public_id})
    for path in (chart, journal):
        response = patient_client.get(path)
        assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_signing_in_to_the_portal_signs_a_staff_member_out_of_that_browser(as_nurse_a, portal_link):
    assert as_nurse_a.get("/patients/").status_code == 200
    as_nurse_a.post(start_url(portal_link[1]), {"date_of_birth": DOB})
    assert as_nurse_a.get("/patients/").status_code == 302
    assert as_nurse_a.get(reverse("portal:home")).status_code == 200


def test_staff_sign_in_is_unaffected(as_nurse_a, patient_client):
    assert as_nurse_a.get("/patients/").status_code == 200
    assert as_nurse_a.get(reverse("portal:home")).status_code == 403
