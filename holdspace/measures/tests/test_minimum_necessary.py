"""Minimum necessary outside the record: the questionnaire link email does not name the clinic
(clinic names often name the treatment), a link whose email failed is cancelled on the audit
trail, and the progress report's file name carries no MRN."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from holdspace.audit.models import AuditEvent
from holdspace.measures.tests.test_admin_world import due
from holdspace.portal.models import PatientLink

pytestmark = pytest.mark.django_db


class MailServerDown(EmailBackend):
    """The mail server (the process boundary) refuses every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection closed")


def _send(client, patient, nurse):
    patient.email = "alex@example.test"
    patient.save()
    row = due(patient, "phq9", nurse)
    url = reverse("measures:send_link", kwargs={"patient_id": patient.public_id})
    return client.post(url, {"administrations": [str(row.public_id)]})


def test_the_link_email_does_not_name_the_clinic(as_nurse_a, patient_a, nurse_a, clinic_a):
    clinic_a.name = "Riverside Ketamine Clinic"
    clinic_a.save(update_fields=["name"])
    assert _send(as_nurse_a, patient_a, nurse_a).status_code == 302
    (message,) = mail.outbox
    text = (message.subject + message.body).lower()
    assert "riverside" not in text and "ketamine" not in text
    assert "care team" in message.subject.lower()
    assert "/p/" in message.body  # the link itself is there


def test_a_link_cancelled_because_the_email_failed_is_on_the_audit_trail(
    settings, as_nurse_a, patient_a, nurse_a
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.MailServerDown"}}
    _send(as_nurse_a, patient_a, nurse_a)
    link = PatientLink.objects.get()
    assert link.revoked_at is not None and link.sent_at is None
    cancelled = AuditEvent.objects.filter(
        category="patient_link", object_id=str(link.public_id), summary__contains="cancelled"
    )
    assert cancelled.count() == 1
    assert "email could not be sent" in cancelled.get().summary


def test_the_progress_report_file_name_has_no_mrn(as_prescriber_a, patient_a):
    url = reverse("measures:progress_report", kwargs={"patient_id": patient_a.public_id})
    response = as_prescriber_a.get(url)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert patient_a.mrn not in disposition
    assert str(patient_a.public_id) in disposition
