"""Psychotherapy notes (CLINICAL.md §7): a separate store, encrypted at rest, visible only to the
author and the supervisors the author names, every access audited without content, never on
the chart, in the audit report or in generic queries."""

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.clinics.models import Role
from holdspace.notes import actions, crypto
from holdspace.notes.models import PsychotherapyNote
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Dreamt of the locked attic again; countertransference: I felt protective"


def member(clinic, role, name):
    user = UserFactory(full_name=name)
    MembershipFactory(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def note(therapist_a, patient_a):
    return actions.create_psychotherapy_note(actor=therapist_a, patient=patient_a, text=SECRET)


@pytest.fixture
def colleague(clinic_a):
    return member(clinic_a, Role.THERAPIST, "Olga Other")


def _url(name, note):
    kwargs = {"patient_id": note.patient.public_id, "psychotherapy_note_id": note.public_id}
    return reverse(f"notes:{name}", kwargs=kwargs)


def _raw_ciphertext(note) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext FROM notes_psychotherapynote WHERE id = %s", [note.pk])
        return cursor.fetchone()[0]


def test_the_database_holds_ciphertext_only(note):
    stored = _raw_ciphertext(note)
    assert SECRET not in stored
    for word in ("attic", "countertransference", "protective"):
        assert word not in stored
    assert PsychotherapyNote.private.get(pk=note.pk).text == SECRET


def test_a_wrong_key_fails_loudly(note, settings):
    settings.PSYCHOTHERAPY_NOTE_KEY = Fernet.generate_key().decode()
    with pytest.raises(crypto.NoteKeyError, match="HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY"):
        PsychotherapyNote.private.get(pk=note.pk).text  # noqa: B018


def test_a_wrong_key_shows_an_error_page_not_a_blank_note(note, as_therapist_a, settings):
    settings.PSYCHOTHERAPY_NOTE_KEY = Fernet.generate_key().decode()
    response = as_therapist_a.get(_url("private_detail", note))
    assert response.status_code == 500
    assert "could not be decrypted" in response.content.decode()


@pytest.mark.parametrize("bad", ["short", "not base64 at all!!", ""])
def test_a_malformed_key_stops_start_up_naming_the_variable(bad, settings):
    settings.PSYCHOTHERAPY_NOTE_KEY = bad
    with pytest.raises(ImproperlyConfigured, match="HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY"):
        crypto.check_configured_key()


def test_production_refuses_to_start_without_a_key(tmp_path):
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOLDSPACE_PRODUCTION": "1",
        "HOLDSPACE_SECRET_KEY": "x" * 60,
        "HOLDSPACE_ALLOWED_HOSTS": "clinic.example.org",
        "HOLDSPACE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "holdspace.cli", "check"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY" in result.stderr


def test_the_default_manager_lists_nothing_so_generic_code_cannot_leak_them(note, capsys):
    assert PsychotherapyNote.objects.count() == 0
    call_command("dumpdata", "notes", stdout=sys.stdout)
    dumped = capsys.readouterr().out
    assert str(note.public_id) not in dumped


def test_the_patient_has_no_path_to_them(note, patient_a):
    # No reverse relation: nothing that walks the patient's relations can reach them.
    related = {rel.get_accessor_name() for rel in patient_a._meta.related_objects}
    assert not any("psychotherapy" in (name or "") for name in related)


def test_visible_to_the_author_and_named_supervisors_only(
    note, therapist_a, colleague, prescriber_a, admin_a, nurse_a, clinic_a
):
    def sees(user):
        return PsychotherapyNote.private.visible_to(user, clinic_a).filter(pk=note.pk).exists()

    assert sees(therapist_a)
    assert not any(sees(u) for u in (colleague, prescriber_a, admin_a, nurse_a))
    nomination = actions.name_supervisor(actor=therapist_a, clinic=clinic_a, supervisor=colleague)
    assert sees(colleague) and not sees(prescriber_a)
    actions.end_supervision(actor=therapist_a, clinic=clinic_a, nomination=nomination)
    assert not sees(colleague)


def test_supervisor_changes_are_audited(therapist_a, colleague, clinic_a):
    actions.name_supervisor(actor=therapist_a, clinic=clinic_a, supervisor=colleague)
    event = AuditEvent.objects.get(category="psychotherapy_note", action=Action.PRIVILEGE_CHANGE)
    assert "Olga Other" in event.summary


def test_a_clinic_admin_cannot_be_named_supervisor(therapist_a, admin_a, clinic_a):
    with pytest.raises(ValidationError, match="therapist or prescriber"):
        actions.name_supervisor(actor=therapist_a, clinic=clinic_a, supervisor=admin_a)


def test_a_supervisor_reads_but_cannot_change(note, colleague, clinic_a, therapist_a, patient_a):
    actions.name_supervisor(actor=therapist_a, clinic=clinic_a, supervisor=colleague)
    with pytest.raises(PermissionDenied):
        actions.save_psychotherapy_draft(
            actor=colleague, note=note, patient=patient_a, text="x", expected_version=1
        )


def test_a_signed_note_cannot_change_even_with_direct_sql(note, therapist_a, patient_a):
    actions.sign_psychotherapy_note(actor=therapist_a, note=note, patient=patient_a)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notes_psychotherapynote SET ciphertext = 'x' WHERE id = %s", [note.pk]
        )
    assert PsychotherapyNote.private.get(pk=note.pk).text == SECRET


def test_every_access_is_audited_without_content(note, as_therapist_a, therapist_a, patient_a):
    as_therapist_a.get(_url("private_detail", note))
    as_therapist_a.post(_url("private_edit", note), {"text": SECRET + " (more)", "version": 1})
    as_therapist_a.post(_url("private_sign", note))
    events = AuditEvent.objects.filter(category="psychotherapy_note", patient=patient_a)
    actions_seen = set(events.values_list("action", flat=True))
    assert {Action.CREATE, Action.READ, Action.UPDATE, Action.SIGN} <= actions_seen
    for summary in AuditEvent.objects.values_list("summary", flat=True):
        assert "attic" not in summary


def test_a_refused_access_is_audited_as_denied_and_is_a_404(note, as_prescriber_a, patient_a):
    assert as_prescriber_a.get(_url("private_detail", note)).status_code == 404
    denied = AuditEvent.objects.get(category="psychotherapy_note", outcome=Outcome.DENIED)
    assert denied.patient == patient_a and denied.object_id == ""


def test_the_page_says_which_kind_of_note_this_is(note, as_therapist_a, patient_a):
    page = as_therapist_a.get(_url("private_detail", note)).content.decode()
    assert "private to you and your named supervisors; not part of the medical record" in page
    new = as_therapist_a.get(
        reverse("notes:private_new", kwargs={"patient_id": patient_a.public_id})
    )
    assert "Psychotherapy note</strong> — private" in new.content.decode()


def test_the_chart_the_notes_list_and_the_audit_report_never_show_the_text(
    note, as_therapist_a, as_admin_a, patient_a
):
    as_therapist_a.get(_url("private_detail", note))
    chart = as_therapist_a.get(
        reverse("patients:chart", kwargs={"patient_id": patient_a.public_id})
    )
    notes = as_therapist_a.get(reverse("notes:list", kwargs={"patient_id": patient_a.public_id}))
    report = as_admin_a.get(reverse("audit:report") + "?category=psychotherapy_note")
    for response in (chart, notes, report):
        assert response.status_code == 200
        assert "attic" not in response.content.decode()


def test_other_clinicians_do_not_see_that_a_note_exists_in_the_list(
    note, as_prescriber_a, patient_a
):
    page = as_prescriber_a.get(reverse("notes:list", kwargs={"patient_id": patient_a.public_id}))
    assert str(note.public_id) not in page.content.decode()
    assert "Your psychotherapy notes" not in page.content.decode()


def test_the_author_names_and_removes_a_supervisor_on_the_page(
    note, as_therapist_a, colleague, clinic_a
):
    url = reverse("notes:supervisors")
    page = as_therapist_a.get(url).content.decode()
    assert "Olga Other" in page and "Ada Admin" not in page  # only clinicians can be named
    assert as_therapist_a.post(url, {"supervisor": colleague.pk}).status_code == 302
    assert PsychotherapyNote.private.visible_to(colleague, clinic_a).filter(pk=note.pk).exists()
    nomination = note_supervisors(clinic_a).get()
    assert as_therapist_a.post(url, {"end": str(nomination.public_id)}).status_code == 302
    assert not PsychotherapyNote.private.visible_to(colleague, clinic_a).exists()
    nomination.refresh_from_db()
    assert not nomination.is_active and nomination.ended_at is not None  # history kept


def note_supervisors(clinic):
    from holdspace.notes.models import NamedSupervisor

    return NamedSupervisor.objects.filter(clinic=clinic)


def test_a_stale_private_draft_save_keeps_both_texts(note, as_therapist_a):
    url = _url("private_edit", note)
    assert as_therapist_a.post(url, {"text": "First tab's words", "version": 1}).status_code == 302
    second = as_therapist_a.post(url, {"text": "Second tab's words", "version": 1})
    assert second.status_code == 409
    page = second.content.decode()
    assert "First tab&#x27;s words" in page and "Second tab&#x27;s words" in page
    assert PsychotherapyNote.private.get(pk=note.pk).text == "First tab's words"
