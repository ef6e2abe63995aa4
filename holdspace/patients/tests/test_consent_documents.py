"""Consent documents: per clinic, versioned, never edited; written by admins and prescribers."""

import pytest

from holdspace.audit.models import Action, AuditEvent
from holdspace.patients.models import ConsentDocument
from holdspace.patients.tests.conftest import make_document
from holdspace.patients.tests.helpers import url


def write(client, kind="treatment", title="Consent to IV ketamine", body="Synthetic text."):
    return client.post(url("new_consent_document"), {"kind": kind, "title": title, "body": body})


@pytest.mark.parametrize("client_name", ["as_admin_a", "as_prescriber_a"])
def test_admins_and_prescribers_write_version_one(request, client_name, clinic_a):
    response = write(request.getfixturevalue(client_name))
    document = ConsentDocument.objects.get()
    assert response.status_code == 302
    assert (document.clinic, document.kind, document.version) == (clinic_a, "treatment", 1)


def test_a_new_wording_is_the_next_version_and_the_old_text_stays(as_admin_a, clinic_a):
    write(as_admin_a, body="First wording.")
    write(as_admin_a, body="Second wording.")
    versions = dict(ConsentDocument.objects.values_list("version", "body"))
    assert versions == {1: "First wording.", 2: "Second wording."}


def test_versions_count_per_kind_and_per_clinic(as_admin_a, clinic_b):
    make_document(clinic_b, "treatment", 1)
    make_document(clinic_b, "treatment", 2)
    write(as_admin_a, kind="treatment")
    write(as_admin_a, kind="touch", title="Consent to touch")
    mine = ConsentDocument.objects.exclude(clinic=clinic_b)
    assert sorted(mine.values_list("kind", "version")) == [("touch", 1), ("treatment", 1)]


@pytest.mark.parametrize("client_name", ["as_nurse_a", "as_therapist_a"])
def test_nurses_and_therapists_cannot_write_documents(request, client_name):
    response = write(request.getfixturevalue(client_name))
    assert response.status_code == 403
    assert "Only a clinic admin or a prescriber" in response.content.decode()
    assert not ConsentDocument.objects.exists()


def test_writing_a_document_is_audited(as_admin_a, clinic_a):
    write(as_admin_a)
    event = AuditEvent.objects.get(action=Action.CREATE, category="consent_document")
    assert event.clinic == clinic_a and event.patient is None


def test_title_and_text_are_required(as_admin_a):
    response = write(as_admin_a, title="", body="")
    assert set(response.context["form"].errors) == {"title", "body"}
    assert not ConsentDocument.objects.exists()


def test_the_list_marks_current_and_superseded_versions(as_nurse_a, clinic_a, clinic_b):
    make_document(clinic_a, "treatment", 1)
    make_document(clinic_a, "treatment", 2)
    foreign = make_document(clinic_b, "touch", 1)
    page = as_nurse_a.get(url("consent_documents")).content.decode()
    assert 'version 2</a>\n      <span class="badge ok">Current</span>' in page
    assert "Superseded" in page
    assert str(foreign.public_id) not in page


def test_a_new_version_can_start_from_the_previous_text(as_admin_a, clinic_a):
    old = make_document(clinic_a, "touch", 1)
    response = as_admin_a.get(url("new_consent_document"), {"from": str(old.public_id)})
    assert response.context["form"].initial["body"] == old.body


def test_another_clinics_document_cannot_seed_a_new_version(as_admin_a, clinic_b):
    foreign = make_document(clinic_b, "touch", 1)
    response = as_admin_a.get(url("new_consent_document"), {"from": str(foreign.public_id)})
    assert response.context["form"].initial == {}


def test_a_document_page_shows_its_text(as_nurse_a, clinic_a):
    document = make_document(clinic_a, "off_label", 1)
    page = as_nurse_a.get(url("consent_document", document_id=document.public_id))
    assert "Synthetic off_label consent text, version 1." in page.content.decode()


def test_another_clinics_document_is_not_found(as_nurse_a, clinic_b):
    foreign = make_document(clinic_b, "touch", 1)
    assert as_nurse_a.get(url("consent_document", document_id=foreign.public_id)).status_code == 404
