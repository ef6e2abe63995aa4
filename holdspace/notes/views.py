"""Notes pages: fetch-and-authorize → act (actions.py) → respond.

Therapy notes are part of the record: clinicians read them, therapists and prescribers write
them, clinic admins are refused (403; minimum necessary). Psychotherapy notes answer 404 to
everyone who is neither the author nor a supervisor the author named — clinic admins, nurses,
prescribers and other therapists alike — exactly as for a note that does not exist, and the
refusal is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.audit.models import Action, Outcome
from holdspace.clinics.access import clinic_member_required
from holdspace.notes import actions, crypto
from holdspace.notes.forms import (
    AddendumForm,
    PsychotherapyNoteForm,
    SupervisorForm,
    TherapyNoteForm,
)
from holdspace.notes.models import NamedSupervisor, PsychotherapyNote, TherapyNote
from holdspace.patients.models import Patient
from holdspace.patients.views import audit_read, child_of, get_patient_for, require

GET_POST = ["GET", "POST"]


# --- Fetch and authorize ---------------------------------------------------------------------


def get_note_for(request: HttpRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> TherapyNote:
    patient = get_patient_for(request, patient_id)
    notes = TherapyNote.objects.select_related("author", "signed_by", "last_edited_by", "session")
    return child_of(patient, notes, note_id)


def get_private_note_for(
    request: HttpRequest, patient_id: uuid.UUID, psychotherapy_note_id: uuid.UUID
) -> PsychotherapyNote:
    """The note, only for its author or a supervisor the author named; everyone else 404."""
    patient = get_patient_for(request, patient_id)
    note = (
        PsychotherapyNote.private.visible_to(request.user, request.clinic)
        .select_related("author")
        .filter(patient=patient, public_id=psychotherapy_note_id)
        .first()
    )
    if note is None:
        # The same refusal for a note that exists and one that does not, so it says nothing.
        actions.audit_private(Action.READ, None, patient, request, outcome=Outcome.DENIED)
        raise Http404("No such note.")
    note.patient = patient
    return note


def _readers(request: HttpRequest) -> None:
    require(request, actions.READERS, "Therapy notes are read by the clinicians of the clinic.")


def _writers(request: HttpRequest) -> None:
    require(request, actions.WRITERS, actions.WRITERS_ONLY)


def notes_url(patient: Patient) -> str:
    return reverse("notes:list", kwargs={"patient_id": patient.public_id})


def note_url(note: TherapyNote) -> str:
    return reverse(
        "notes:detail", kwargs={"patient_id": note.patient.public_id, "note_id": note.public_id}
    )


def private_url(note: PsychotherapyNote) -> str:
    kwargs = {"patient_id": note.patient.public_id, "psychotherapy_note_id": note.public_id}
    return reverse("notes:private_detail", kwargs=kwargs)


def _audit_read(request: HttpRequest, patient: Patient, obj: Any, summary: str) -> None:
    audit_read(request, actions.THERAPY_NOTE, patient, obj, summary)


# --- Therapy notes ---------------------------------------------------------------------------


@require_http_methods(["GET"])
@clinic_member_required()
def notes_list(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _readers(request)
    notes = list(
        TherapyNote.objects.filter(patient=patient)
        .select_related("author", "signed_by")
        .order_by("-created_at", "-id")
    )
    # Only the person's own (or supervised) private notes; dates only, never text.
    private = list(
        PsychotherapyNote.private.visible_to(request.user, request.clinic)
        .filter(patient=patient)
        .select_related("author")
    )
    _audit_read(request, patient, patient, f"Therapy notes opened ({len(notes)})")
    can_write = request.membership.role in actions.WRITERS
    context = {"patient": patient, "notes": notes, "private_notes": private, "can_write": can_write}
    return render(request, "notes/list.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def new_note(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    _writers(request)
    data = request.POST if request.method == "POST" else None
    form = TherapyNoteForm(data, patient=patient, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            note = actions.create_therapy_note(
                actor=request.user,
                patient=patient,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                session=form.cleaned_data["session"],
                sign="sign" in request.POST,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Note signed." if note.is_signed else "Draft saved.")
            return redirect(note_url(note))
    return render(request, "notes/note_form.html", {"patient": patient, "form": form})


@require_http_methods(["GET"])
@clinic_member_required()
def note_detail(request: HttpRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    note = get_note_for(request, patient_id, note_id)
    _readers(request)
    role = request.membership.role
    addenda = list(note.addenda.select_related("written_by"))
    _audit_read(request, note.patient, note, "Therapy note opened")
    context = {
        "patient": note.patient,
        "note": note,
        "addenda": addenda,
        "signature_ok": note.signature_checks_out(),
        "can_edit": role in actions.WRITERS and not note.is_signed,
        "can_sign": note.author_id == request.user.pk and not note.is_signed,
        "can_add": role in actions.WRITERS and note.is_signed,
        "addendum_form": AddendumForm(),
    }
    return render(request, "notes/note_detail.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def edit_note(request: HttpRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    note = get_note_for(request, patient_id, note_id)
    _writers(request)
    if note.is_signed:
        messages.error(request, actions.ALREADY_SIGNED)
        return redirect(note_url(note))
    if request.method == "GET":
        initial = {"kind": note.kind, "session": note.session, "text": note.text}
        form = TherapyNoteForm(initial={**initial, "version": note.version}, patient=note.patient)
        _audit_read(request, note.patient, note, "Therapy note draft opened for editing")
        return render(
            request, "notes/note_form.html", {"patient": note.patient, "form": form, "note": note}
        )
    form = TherapyNoteForm(request.POST, patient=note.patient)
    if form.is_valid():
        try:
            saved = actions.save_therapy_draft(
                actor=request.user,
                note=note,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                session=form.cleaned_data["session"],
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except actions.DraftConflict as conflict:
            return _draft_conflict(request, note.patient, conflict)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Draft saved.")
            return redirect(note_url(saved))
    return render(
        request, "notes/note_form.html", {"patient": note.patient, "form": form, "note": note}
    )


def _draft_conflict(
    request: HttpRequest, patient: Patient, conflict: actions.DraftConflict
) -> HttpResponse:
    """The first save stays; the second person's text comes back beside it, in the form, now
    carrying the current version, so saving again is a deliberate merge."""
    current = conflict.current
    data = request.POST.copy()
    data["text"] = conflict.proposed
    data["version"] = str(current.version)
    form = TherapyNoteForm(data, patient=patient)
    form.is_valid()
    context = {
        "patient": patient,
        "form": form,
        "note": current,
        "conflict": actions.CONFLICT,
        "current": current,
    }
    return render(request, "notes/note_form.html", context, status=409)


@require_POST
@clinic_member_required()
def sign_note(request: HttpRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    note = get_note_for(request, patient_id, note_id)
    _writers(request)
    version = request.POST.get("version", "")
    try:
        actions.sign_therapy_note(
            actor=request.user,
            note=note,
            expected_version=int(version) if version.isdigit() else None,
            request=request,
        )
    except actions.DraftConflict:
        messages.error(
            request,
            "The draft changed since you opened it; nothing was signed. Read it again, then sign.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Note signed. It can no longer change; corrections are addenda.")
    return redirect(note_url(note))


@require_POST
@clinic_member_required()
def add_addendum(request: HttpRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    note = get_note_for(request, patient_id, note_id)
    _writers(request)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            actions.add_addendum(
                actor=request.user,
                note=note,
                text=form.cleaned_data["text"],
                client_id=form.cleaned_data["client_id"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(
            request,
            "Nothing was added: "
            + " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
    return redirect(note_url(note))


# --- Psychotherapy notes ---------------------------------------------------------------------


def _key_failure(
    request: HttpRequest, patient: Patient, error: crypto.NoteKeyError
) -> HttpResponse:
    # Loud, and with nothing shown: the right key must be restored by the administrator.
    return render(
        request, "notes/key_error.html", {"patient": patient, "error": str(error)}, status=500
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def new_private_note(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    require(request, actions.WRITERS, actions.PRIVATE_AUTHORS)
    form = PsychotherapyNoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            note = actions.create_psychotherapy_note(
                actor=request.user,
                patient=patient,
                text=form.cleaned_data["text"],
                sign="sign" in request.POST,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            note.patient = patient
            messages.success(request, "Psychotherapy note saved (private).")
            return redirect(private_url(note))
    return render(request, "notes/private_form.html", {"patient": patient, "form": form})


@require_http_methods(["GET"])
@clinic_member_required()
def private_detail(
    request: HttpRequest, patient_id: uuid.UUID, psychotherapy_note_id: uuid.UUID
) -> HttpResponse:
    note = get_private_note_for(request, patient_id, psychotherapy_note_id)
    try:
        text = note.text
    except crypto.NoteKeyError as error:
        return _key_failure(request, note.patient, error)
    actions.audit_private(Action.READ, note, note.patient, request)
    is_author = note.author_id == request.user.pk
    context = {
        "patient": note.patient,
        "note": note,
        "text": text,
        "is_author": is_author,
        "can_edit": is_author and not note.is_signed,
    }
    return render(request, "notes/private_detail.html", context)


@require_http_methods(GET_POST)
@clinic_member_required()
def edit_private_note(
    request: HttpRequest, patient_id: uuid.UUID, psychotherapy_note_id: uuid.UUID
) -> HttpResponse:
    note = get_private_note_for(request, patient_id, psychotherapy_note_id)
    if note.author_id != request.user.pk or note.is_signed:
        messages.error(
            request, "Only the author can change a psychotherapy note, and only a draft."
        )
        return redirect(private_url(note))
    patient = note.patient
    if request.method == "GET":
        try:
            text = note.text
        except crypto.NoteKeyError as error:
            return _key_failure(request, patient, error)
        actions.audit_private(Action.READ, note, patient, request)
        form = PsychotherapyNoteForm(initial={"text": text, "version": note.version})
        return render(
            request, "notes/private_form.html", {"patient": patient, "form": form, "note": note}
        )
    form = PsychotherapyNoteForm(request.POST)
    if form.is_valid():
        try:
            actions.save_psychotherapy_draft(
                actor=request.user,
                note=note,
                patient=patient,
                text=form.cleaned_data["text"],
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except actions.DraftConflict as conflict:
            return _private_conflict(request, patient, conflict)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Draft saved (private).")
            return redirect(private_url(note))
    return render(
        request, "notes/private_form.html", {"patient": patient, "form": form, "note": note}
    )


def _private_conflict(
    request: HttpRequest, patient: Patient, conflict: actions.DraftConflict
) -> HttpResponse:
    current = conflict.current
    current.patient = patient
    try:
        current_text = current.text
    except crypto.NoteKeyError as error:
        return _key_failure(request, patient, error)
    form = PsychotherapyNoteForm({"text": conflict.proposed, "version": current.version})
    form.is_valid()
    context = {
        "patient": patient,
        "form": form,
        "note": current,
        "conflict": actions.CONFLICT,
        "current_text": current_text,
    }
    return render(request, "notes/private_form.html", context, status=409)


@require_POST
@clinic_member_required()
def sign_private_note(
    request: HttpRequest, patient_id: uuid.UUID, psychotherapy_note_id: uuid.UUID
) -> HttpResponse:
    note = get_private_note_for(request, patient_id, psychotherapy_note_id)
    try:
        actions.sign_psychotherapy_note(
            actor=request.user, note=note, patient=note.patient, request=request
        )
    except crypto.NoteKeyError as error:
        return _key_failure(request, note.patient, error)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Psychotherapy note signed. It can no longer change.")
    return redirect(private_url(note))


# --- The author's named supervisors ----------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def supervisors(request: HttpRequest) -> HttpResponse:
    require(request, actions.WRITERS, actions.PRIVATE_AUTHORS)
    clinic, author = request.clinic, request.user
    form = SupervisorForm(
        request.POST if "supervisor" in request.POST else None, clinic=clinic, author=author
    )
    if request.method == "POST" and "end" in request.POST:
        _end_supervision(request, request.POST["end"])
        return redirect("notes:supervisors")
    if request.method == "POST" and form.is_valid():
        try:
            actions.name_supervisor(
                actor=author,
                clinic=clinic,
                supervisor=form.cleaned_data["supervisor"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Supervisor named: they can now read your psychotherapy notes."
            )
            return redirect("notes:supervisors")
    named = (
        NamedSupervisor.objects.filter(clinic=clinic, author=author)
        .select_related("supervisor")
        .order_by("-is_active", "-named_at")
    )
    return render(request, "notes/supervisors.html", {"form": form, "nominations": named})


def _end_supervision(request: HttpRequest, value: str) -> None:
    try:
        public_id = uuid.UUID(value)
    except ValueError:
        raise Http404("No such supervisor.") from None
    nomination = get_object_or_404(
        NamedSupervisor.objects.select_related("supervisor"),
        public_id=public_id,
        clinic=request.clinic,
        author=request.user,
    )
    actions.end_supervision(
        actor=request.user, clinic=request.clinic, nomination=nomination, request=request
    )
    messages.success(request, f"{nomination.supervisor.full_name} no longer sees your notes.")
