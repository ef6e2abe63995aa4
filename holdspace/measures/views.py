"""Questionnaire pages: the patient's measures, a result, entering a scale, safety flags, and
the kiosk a clinician hands to the patient.

Staff pages: fetch-and-authorize (scoped to ``request.clinic``, so another clinic's id is 404
for every role) → role check → act (actions.py) → respond. Each page view that shows patient
data writes exactly one read audit row. Pages are never cached: after a tablet is handed to a
patient, the back button must not bring a staff page back from the browser's cache.

The kiosk: handing the tablet over ends the staff member's session on that browser and opens a
signed token for one administration, bound to the new (anonymous) browser session. The kiosk
page shows that questionnaire and nothing else; after submitting, the screen is locked and only
a staff sign-in leads anywhere.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.measures import actions, queries, scheduling
from holdspace.measures.forms import (
    AcknowledgeFlagForm,
    AnswersForm,
    NewAdministrationForm,
    ReasonForm,
    SendLinkForm,
)
from holdspace.measures.models import Administration, Mode
from holdspace.patients.actions import require_role
from holdspace.patients.models import Patient
from holdspace.patients.views import audit_read

GET_POST = ["GET", "POST"]
CLINICIANS_ONLY = "Questionnaire results are for the clinical team (prescriber, nurse, therapist)."
KIOSK_SALT = "holdspace.measures.kiosk"
KIOSK_SESSION = "holdspace_kiosk"
# Project default, no clinical source: a questionnaire on a tablet takes minutes; two hours
# covers a long one and a wait, and an abandoned tablet does not stay open all day.
KIOSK_MAX_AGE_SECONDS = 2 * 60 * 60


def _clinician(request: HttpRequest) -> None:
    require_role(request.user, request.clinic.pk, CLINICAL_ROLES, CLINICIANS_ONLY, request)  # type: ignore[attr-defined]


def _audit_read(request: HttpRequest, patient: Patient, obj: Any, summary: str) -> None:
    audit_read(request, "measures", patient, obj, summary)


def measures_url(patient: Patient) -> str:
    return reverse("measures:patient_measures", kwargs={"patient_id": patient.public_id})


def detail_url(row: Administration) -> str:
    return reverse(
        "measures:administration",
        kwargs={"patient_id": row.patient.public_id, "administration_id": row.public_id},
    )


def _errors(error: ValidationError) -> list[str]:
    return [message for message in error.messages]


# --- The patient's measures ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
@clinic_member_required()
def patient_measures(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    from holdspace.portal.links import link_ttl
    from holdspace.portal.questionnaires import sendable

    patient = queries.get_patient_for(request, patient_id)
    _clinician(request)
    # Bring the patient's schedule up to date first, so that a questionnaire due now (an
    # integration note opened since the last hourly run) is here to hand over or send. The
    # sync is idempotent and audits only what it changes.
    scheduling.sync_patient(patient)
    rows = queries.administrations_of(patient)
    context = {
        "patient": patient,
        "open_rows": [row for row in rows if row.is_open],
        "done_rows": [row for row in rows if not row.is_open],
        "flags": queries.open_flags_of(patient),
        "send_form": SendLinkForm(choices=_sendable_queryset(sendable(patient))),
        "links": patient.patient_links.order_by("-created_at")[:5],
        "link_days": link_ttl().days,
        "kiosk_count": len(queries.kiosk_ready(patient)),
    }
    _audit_read(request, patient, patient, "Questionnaire results viewed")
    return render(request, "measures/patient_measures.html", context)


def _sendable_queryset(rows: list[Administration]) -> Any:
    return Administration.objects.filter(pk__in=[row.pk for row in rows]).select_related(
        "instrument_version__instrument"
    )


@never_cache
@require_http_methods(GET_POST)
@clinic_member_required()
def new_administration(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = queries.get_patient_for(request, patient_id)
    _clinician(request)
    form = NewAdministrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            row = actions.create_administration(
                actor=request.user,
                patient=patient,
                instrument=form.cleaned_data["instrument"],
                occasion=form.cleaned_data["occasion"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            row.patient = patient
            messages.success(request, f"{row.instrument_version.instrument.short_name} is due.")
            return redirect(detail_url(row))
    return render(request, "measures/new.html", {"patient": patient, "form": form})


@require_POST
@clinic_member_required()
def send_link(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    from holdspace.portal.links import link_ttl
    from holdspace.portal.questionnaires import send_questionnaire_link, sendable

    patient = queries.get_patient_for(request, patient_id)
    _clinician(request)
    form = SendLinkForm(request.POST, choices=_sendable_queryset(sendable(patient)))
    if not form.is_valid():
        for error in form.errors.get("administrations", []):
            messages.error(request, error)
        return redirect(measures_url(patient))
    try:
        send_questionnaire_link(
            actor=request.user,
            patient=patient,
            administrations=form.cleaned_data["administrations"],
            url_for=lambda token: request.build_absolute_uri(
                reverse("portal:link", kwargs={"token": token})
            ),
            request=request,
        )
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        days = link_ttl().days
        messages.success(
            request, f"The link was emailed to the patient. It works once, for {days} days."
        )
    return redirect(measures_url(patient))


@require_POST
@clinic_member_required()
def revoke_link(request: HttpRequest, patient_id: uuid.UUID, link_id: uuid.UUID) -> HttpResponse:
    from holdspace.portal import links

    link = queries.get_link_for(request, patient_id, link_id)
    _clinician(request)
    try:
        links.revoke_link(actor=request.user, link=link, request=request)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, "The link was cancelled: it no longer opens.")
    return redirect(measures_url(link.patient))


# --- One administration ----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
@clinic_member_required()
def administration_detail(
    request: HttpRequest, patient_id: uuid.UUID, administration_id: uuid.UUID
) -> HttpResponse:
    row = queries.get_administration_for(request, patient_id, administration_id)
    _clinician(request)
    instrument = row.instrument_version.instrument
    context = {
        "patient": row.patient,
        "row": row,
        "instrument": instrument,
        "items": queries.shown_items(row),
        "missing": queries.missing_labels(row),
        "flags": list(row.safety_flag_rows.select_related("acknowledged_by")),
        "can_kiosk": row.is_open
        and instrument.respondent == "self"
        and instrument.licence_ships_text,
    }
    _audit_read(request, row.patient, row, f"{instrument.short_name} result viewed")
    return render(request, "measures/administration.html", context)


@never_cache
@require_http_methods(GET_POST)
@clinic_member_required()
def enter_answers(
    request: HttpRequest, patient_id: uuid.UUID, administration_id: uuid.UUID
) -> HttpResponse:
    """A clinician enters a rating scale, or transcribes a paper form, in one go."""
    row = queries.get_administration_for(request, patient_id, administration_id)
    _clinician(request)
    if not row.is_open:
        messages.info(request, "This questionnaire is no longer waiting for answers.")
        return redirect(detail_url(row))
    form = AnswersForm(request.POST if request.method == "POST" else None, administration=row)
    confirm = request.POST.get("confirm_incomplete") == "yes"
    unanswered: list[str] = []
    if request.method == "POST" and form.is_valid():
        unanswered = form.unanswered()
        if not unanswered or confirm:
            try:
                actions.enter_clinician_rating(
                    actor=request.user,
                    administration=row,
                    answers=form.answers(),
                    client_id=form.cleaned_data["client_id"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Answers saved and scored.")
                return redirect(detail_url(row))
    else:
        # Opening the form shows any answers saved so far: a read of the patient's answers.
        _audit_read(request, row.patient, row, "Answer sheet opened for entry")
    context = {"patient": row.patient, "row": row, "form": form, "unanswered": unanswered}
    return render(request, "measures/enter.html", context)


@never_cache
@require_http_methods(GET_POST)
@clinic_member_required()
def administration_error(
    request: HttpRequest, patient_id: uuid.UUID, administration_id: uuid.UUID
) -> HttpResponse:
    row = queries.get_administration_for(request, patient_id, administration_id)
    _clinician(request)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.mark_entered_in_error(
                actor=request.user,
                administration=row,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Marked entered in error. Nothing was deleted.")
            return redirect(detail_url(row))
    context = {"patient": row.patient, "row": row, "form": form}
    return render(request, "measures/entered_in_error.html", context)


# --- Safety flags ----------------------------------------------------------------------------


@never_cache
@require_http_methods(GET_POST)
@clinic_member_required()
def flag_detail(request: HttpRequest, patient_id: uuid.UUID, flag_id: uuid.UUID) -> HttpResponse:
    flag = queries.get_flag_for(request, patient_id, flag_id)
    _clinician(request)
    form = AcknowledgeFlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.acknowledge_safety_flag(
                actor=request.user,
                flag=flag,
                action=form.cleaned_data["action"],
                action_taken=form.cleaned_data["action_taken"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Safety flag acknowledged. It has left the worklist.")
            return redirect(measures_url(flag.patient))
    if request.method == "GET":
        _audit_read(request, flag.patient, flag, "Safety flag viewed")
    context = {"patient": flag.patient, "flag": flag, "form": form}
    return render(request, "measures/flag.html", context)


# --- The kiosk -------------------------------------------------------------------------------


@require_POST
@clinic_member_required()
def hand_to_patient(
    request: HttpRequest, patient_id: uuid.UUID, administration_id: uuid.UUID
) -> HttpResponse:
    """Hand the tablet over for this one questionnaire."""
    row = queries.get_administration_for(request, patient_id, administration_id)
    _clinician(request)
    return _start_kiosk(request, [row], detail_url(row))


@require_POST
@clinic_member_required()
def hand_all_to_patient(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    """Hand the tablet over for every questionnaire the patient can answer now (the
    pre-infusion PHQ-9 and GAD-7 together), so staff sign in again only once."""
    patient = queries.get_patient_for(request, patient_id)
    _clinician(request)
    rows = queries.kiosk_ready(patient)
    if not rows:
        messages.error(request, "Nothing is waiting that the patient can answer on a tablet.")
        return redirect(measures_url(patient))
    return _start_kiosk(request, rows, measures_url(patient))


def _start_kiosk(request: HttpRequest, rows: list[Administration], back: str) -> HttpResponse:
    """Record who handed the tablet over, end their session on this browser, and open the
    questionnaires in a fresh anonymous session bound to a signed token."""
    try:
        with transaction.atomic():
            for row in rows:
                actions.start_administration(
                    administration=row,
                    by=actions.Answerer(actor=request.user, kiosk=True),
                    request=request,
                )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(back)
    ids = [str(row.public_id) for row in rows]
    # Django's logout signal audits the end of the staff session.
    logout(request)
    request.session[KIOSK_SESSION] = ids
    token = signing.dumps(ids, salt=KIOSK_SALT, compress=True)
    return redirect("measures:kiosk", token=token)


def _kiosk_rows(request: HttpRequest, token: str) -> list[Administration] | None:
    """The still-open administrations this kiosk token opens in this browser session; None
    when the token is forged, expired, from another browser, or everything is answered."""
    try:
        ids = signing.loads(token, salt=KIOSK_SALT, max_age=KIOSK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not ids or request.session.get(KIOSK_SESSION) != ids:
        return None
    rows = (
        Administration.objects.select_related("clinic", "patient", "instrument_version__instrument")
        .filter(public_id__in=ids, mode=Mode.KIOSK)
        .order_by("id")
    )
    open_rows = [row for row in rows if row.is_open]
    return open_rows or None


def _lock_kiosk(request: HttpRequest, done: bool) -> HttpResponse:
    """End the kiosk session and show the locked screen (after a submission: the thank-you).

    Only a kiosk session is ended: a made-up kiosk address opened in a staff member's (or a
    patient's portal) browser must not sign them out."""
    if KIOSK_SESSION in request.session:
        request.session.flush()
    return redirect(reverse("measures:kiosk_locked") + ("?done=1" if done else ""))


def _message(error: Exception) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


@never_cache
@require_http_methods(GET_POST)
def kiosk(request: HttpRequest, token: str) -> HttpResponse:
    """The questionnaires alone. POST submits them all (after naming any unanswered items)."""
    rows = _kiosk_rows(request, token)
    if rows is None:
        return _lock_kiosk(request, done=False)
    data = request.POST if request.method == "POST" else None
    answer_forms = [AnswersForm(data, administration=row) for row in rows]
    unanswered: list[str] = []
    if request.method == "POST" and all(form.is_valid() for form in answer_forms):
        unanswered = [label for form in answer_forms for label in form.unanswered()]
        if not unanswered or request.POST.get("confirm_incomplete") == "yes":
            try:
                _submit_kiosk(answer_forms, request)
            except (ValidationError, PermissionDenied) as error:
                answer_forms[0].add_error(None, _message(error))
            else:
                return _lock_kiosk(request, done=True)
        else:
            _save_quietly(answer_forms, request)
    context = {
        "sections": [_section(form) for form in answer_forms],
        "unanswered": unanswered,
        "save_url": reverse("measures:kiosk_save", kwargs={"token": token}),
    }
    return render(request, "measures/kiosk.html", context)


def _section(form: AnswersForm) -> dict[str, Any]:
    version = form.administration.instrument_version
    return {
        "form": form,
        "title": version.instrument.title,
        "recall_period": version.parsed().recall_period,
    }


@transaction.atomic
def _submit_kiosk(answer_forms: list[AnswersForm], request: HttpRequest) -> None:
    """Every questionnaire on the tablet in one transaction: all stored, or none."""
    for form in answer_forms:
        actions.submit_administration(
            administration=form.administration,
            answers=form.answers(),
            by=actions.Answerer(kiosk=True),
            client_id=form.cleaned_data["client_id"],
            request=request,
        )


def _save_quietly(answer_forms: list[AnswersForm], request: HttpRequest) -> None:
    """Keep what was answered so far; the page then asks about the rest."""
    for form in answer_forms:
        if form.given_answers():
            with contextlib.suppress(ValidationError, PermissionDenied):
                actions.save_progress(
                    administration=form.administration,
                    answers=form.given_answers(),
                    by=actions.Answerer(kiosk=True),
                    request=request,
                )


@never_cache
@require_POST
def kiosk_save(request: HttpRequest, token: str) -> HttpResponse:
    """htmx: keep each answer as it is given (the page may be closed or the tablet dropped)."""
    rows = _kiosk_rows(request, token)
    if rows is None:
        response = HttpResponse("This form is closed.", status=410)
        response["HX-Redirect"] = reverse("measures:kiosk_locked")
        return response
    answer_forms = [AnswersForm(request.POST, administration=row) for row in rows]
    if not all(form.is_valid() for form in answer_forms):
        return HttpResponse("Not saved: please check your answers.", status=422)
    for form in answer_forms:
        if form.given_answers():
            actions.save_progress(
                administration=form.administration,
                answers=form.given_answers(),
                by=actions.Answerer(kiosk=True),
                request=request,
            )
    return HttpResponse("Saved")


@never_cache
@require_http_methods(["GET"])
def kiosk_locked(request: HttpRequest) -> HttpResponse:
    """Nothing but a thank-you and the staff sign-in. It names no patient, not even in its URL."""
    context = {"login_url": reverse("accounts:login"), "done": request.GET.get("done") == "1"}
    return render(request, "measures/kiosk_locked.html", context)
