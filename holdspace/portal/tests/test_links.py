"""Single-use patient links (QUALITY.md security gate 3): only a hash is stored; the email
carries no clinical detail; a date-of-birth check comes first and locks after five misses;
progress is kept; it submits once; tampered, unknown, expired, used and locked links get a
clear page and no data; another clinic's patient is never reachable."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.measures.models import AdministrationStatus, Mode, SafetyFlag
from holdspace.measures.tests.test_admin_world import PHQ9_MODERATE, due
from holdspace.portal import links
from holdspace.portal.models import LinkPurpose, PatientLink

pytestmark = pytest.mark.django_db

DOB = "1985-04-12"  # tests.factories.PatientFactory


@pytest.fixture
def emailed(as_nurse_a, patient_a, nurse_a):
    """A PHQ-9 and a GAD-7 sent to patient A by link; returns (link, token, rows)."""
    patient_a.email = "alex@example.test"
    patient_a.save()
    rows = [due(patient_a, "phq9", nurse_a), due(patient_a, "gad7", nurse_a)]
    url = reverse("measures:send_link", kwargs={"patient_id": patient_a.public_id})
    response = as_nurse_a.post(url, {"administrations": [str(row.public_id) for row in rows]})
    assert response.status_code == 302
    token = re.search(r"/p/([A-Za-z0-9_-]+)/", mail.outbox[0].body).group(1)
    return PatientLink.objects.get(), token, rows


def _main(response):
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def _url(token, name="link"):
    return reverse(f"portal:{name}", kwargs={"token": token})


def _verified(token):
    client = Client()
    assert client.post(_url(token), {"date_of_birth": DOB}).status_code == 302
    return client


def _answers(rows, phq=PHQ9_MODERATE, gad=(0,) * 7):
    phq_row, gad_row = rows
    data = {
        f"{phq_row.public_id.hex}-phq9-{n}": str(v) for n, v in enumerate(phq, 1) if v is not None
    }
    data.update({f"{gad_row.public_id.hex}-gad7-{n}": str(v) for n, v in enumerate(gad, 1)})
    return data


def test_only_the_tokens_hash_is_stored_and_the_email_has_no_clinical_detail(emailed, patient_a):
    link, token, _rows = emailed
    assert len(token) >= 43  # 32 random bytes
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PatientLink.objects.values_list().get())
    message = mail.outbox[0]
    assert message.to == ["alex@example.test"]
    body = (message.subject + message.body).lower()
    for clinical in ("phq", "gad", "depress", "anxi", "ketamine", "score", "questionnaire"):
        assert clinical not in body
    assert link.expires_at - link.created_at == timedelta(days=7)
    assert {row.mode for row in link.administrations.all()} == {Mode.REMOTE}
    assert link.purpose == LinkPurpose.QUESTIONNAIRES and link.sent_at is not None


def test_the_date_of_birth_comes_before_any_data(emailed, patient_a):
    _link, token, _rows = emailed
    page = Client().get(_url(token)).content.decode()
    assert "date of birth" in page
    assert "Little interest" not in page and patient_a.legal_family_name not in page


def test_answers_are_kept_when_the_page_is_closed_and_reopened(emailed):
    _link, token, rows = emailed
    client = _verified(token)
    saved = client.post(_url(token, "save"), {f"{rows[0].public_id.hex}-phq9-1": "3"})
    assert saved.status_code == 200 and b"Saved" in saved.content
    rows[0].refresh_from_db()
    assert rows[0].answers == {"phq9-1": 3} and rows[0].status == AdministrationStatus.IN_PROGRESS
    # A new browser (the page was closed): check again, and the answer is still chosen.
    page = _verified(token).get(_url(token)).content.decode()
    assert re.search(r'value="3"[^>]*checked|checked[^>]*value="3"', page)


def test_submitting_scores_everything_once_and_closes_the_link(emailed):
    link, token, rows = emailed
    client = _verified(token)
    done = client.post(_url(token, "submit"), _answers(rows))
    assert done.status_code == 302 and done["Location"] == reverse("portal:done")
    assert "988" in client.get(done["Location"]).content.decode()
    for row in rows:
        row.refresh_from_db()
        assert row.status == AdministrationStatus.COMPLETED and row.mode == Mode.REMOTE
    assert rows[0].total == 12
    link.refresh_from_db()
    assert link.used_at is not None
    again = client.post(_url(token, "submit"), _answers(rows))
    assert again.status_code == 410 and b"already been used" in again.content


def test_unanswered_items_are_named_before_an_incomplete_submission(emailed):
    link, token, rows = emailed
    client = _verified(token)
    answers = _answers(rows, phq=(2, 2, None, 2, 1, 1, 2, 0, 0))
    first = client.post(_url(token, "submit"), answers)
    assert first.status_code == 200 and b"1 question not answered" in first.content
    link.refresh_from_db()
    assert link.used_at is None
    client.post(_url(token, "submit"), {**answers, "confirm_incomplete": "yes"})
    rows[0].refresh_from_db()
    assert not rows[0].complete and rows[0].total is None and rows[0].missing_items == ["phq9-3"]


def test_a_remote_safety_flag_is_raised(emailed):
    _link, token, rows = emailed
    _verified(token).post(_url(token, "submit"), _answers(rows, phq=(1,) * 9))
    assert SafetyFlag.objects.filter(administration=rows[0]).exists()


def test_tampered_and_unknown_links_get_the_same_page_and_no_data(emailed, patient_a):
    _link, token, _rows = emailed
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    pages = [Client().get(_url(t)) for t in (tampered, "x" * 43)]
    assert {page.status_code for page in pages} == {404}
    # The same page, apart from the per-response CSP nonce and CSRF token.
    assert _main(pages[0]) == _main(pages[1])
    assert "not valid" in _main(pages[0]) and patient_a.clinic.name not in _main(pages[0])
    assert AuditEvent.objects.filter(category="patient_link", outcome=Outcome.DENIED).count() == 2


def test_an_expired_link_is_refused(emailed):
    link, token, _rows = emailed
    PatientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = Client().get(_url(token))
    assert page.status_code == 410 and b"expired" in page.content
    assert b"date of birth" not in page.content


def test_five_wrong_dates_of_birth_lock_the_link(emailed, patient_a):
    link, token, _rows = emailed
    client = Client()
    for attempt in range(1, 5):
        page = client.post(_url(token), {"date_of_birth": "1990-01-01"})
        assert f"{5 - attempt} tr".encode() in page.content
    fifth = client.post(_url(token), {"date_of_birth": "1990-01-01"})
    assert fifth.status_code == 403 and b"locked" in fifth.content
    # Even the right date no longer opens it.
    right = Client().post(_url(token), {"date_of_birth": DOB})
    assert right.status_code == 403 and b"Little interest" not in right.content
    link.refresh_from_db()
    assert link.dob_failures == 5 and link.locked_at is not None
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, object_id=str(link.public_id)).exists()


def test_saving_without_the_date_of_birth_check_is_refused(emailed):
    _link, token, rows = emailed
    response = Client().post(_url(token, "save"), {f"{rows[0].public_id.hex}-phq9-1": "3"})
    assert response.status_code == 403
    rows[0].refresh_from_db()
    assert rows[0].answers == {}


def test_a_link_opens_only_its_own_questionnaires(emailed, patient_a, nurse_a):
    _link, token, _rows = emailed
    other = due(patient_a, "phq9", nurse_a)  # not on the link
    client = _verified(token)
    client.post(_url(token, "save"), {f"{other.public_id.hex}-phq9-1": "3"})
    other.refresh_from_db()
    assert other.answers == {}


def test_another_clinics_patient_is_never_reachable(as_nurse_a, patient_b, nurse_b):
    patient_b.email = "bea@example.test"
    patient_b.save()
    row_b = due(patient_b, "phq9", nurse_b)
    url = reverse("measures:send_link", kwargs={"patient_id": patient_b.public_id})
    assert as_nurse_a.post(url, {"administrations": [str(row_b.public_id)]}).status_code == 404
    assert not mail.outbox and not PatientLink.objects.exists()


def test_a_foreign_administration_cannot_be_put_on_a_link(
    as_nurse_a, patient_a, nurse_b, patient_b
):
    patient_a.email = "alex@example.test"
    patient_a.save()
    row_b = due(patient_b, "phq9", nurse_b)
    url = reverse("measures:send_link", kwargs={"patient_id": patient_a.public_id})
    response = as_nurse_a.post(url, {"administrations": [str(row_b.public_id)]})
    assert response.status_code == 302
    assert not mail.outbox and not PatientLink.objects.exists()


def test_a_patient_without_email_gets_a_clear_message(as_nurse_a, patient_a, nurse_a):
    row = due(patient_a, "phq9", nurse_a)
    url = reverse("measures:send_link", kwargs={"patient_id": patient_a.public_id})
    response = as_nurse_a.post(url, {"administrations": [str(row.public_id)]}, follow=True)
    assert "no email address" in response.content.decode()
    assert not PatientLink.objects.exists()


def test_open_link_reasons(patient_a, nurse_a):
    link, token = links.issue_link(actor=nurse_a, patient=patient_a, purpose="questionnaires")
    assert links.open_link(token) == link
    assert links.open_link("nonsense").reason == links.UNKNOWN
    links.mark_used(link)
    assert links.open_link(token).reason == links.USED


def test_staff_can_cancel_an_unused_link(emailed, as_nurse_a, patient_a):
    link, token, _rows = emailed
    url = reverse(
        "measures:revoke_link",
        kwargs={"patient_id": patient_a.public_id, "link_id": link.public_id},
    )
    assert as_nurse_a.post(url).status_code == 302
    page = Client().get(_url(token))
    assert page.status_code == 410 and b"cancelled" in page.content
    assert AuditEvent.objects.filter(
        object_id=str(link.public_id), summary__contains="cancelled"
    ).exists()
