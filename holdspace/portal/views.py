"""The patient's side of a single-use link: date-of-birth check, then the questionnaires.

No staff account is involved: the token in the URL opens the link (links.open_link), and the
date-of-birth check marks this browser session as the link holder's. Each answer is saved on
the server as it is given (htmx), so closing the page loses nothing; submitting closes the
link for good. Every page is never cached and names nothing beyond the patient's first name
and the clinic.

A refused link (unknown, tampered, expired, used, locked, cancelled) gets a page that says what
to do and shows no data; an unknown and a tampered token get exactly the same page.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.measures import actions
from holdspace.measures.forms import AnswersForm
from holdspace.measures.models import Administration
from holdspace.portal import links
from holdspace.portal.models import MAX_DOB_FAILURES, LinkPurpose, PatientLink

SESSION_PREFIX = "holdspace_link:"
DONE_SESSION = "holdspace_link_done"
REFUSED_STATUS = {
    links.UNKNOWN: 404,
    links.EXPIRED: 410,
    links.USED: 410,
    links.REVOKED: 410,
    links.LOCKED: 403,
}


class DateOfBirthForm(forms.Form):
    date_of_birth = forms.DateField(
        label="Your date of birth",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter the date as year-month-day, for example 1980-04-23.",
        },
    )


# --- Opening the link ------------------------------------------------------------------------


def _refused(request: HttpRequest, token: str, refusal: links.Refusal) -> HttpResponse:
    links.audit_refusal(token, refusal, request)
    # Only the reason is shown: never the patient's name or the clinic of an unknown link.
    status = REFUSED_STATUS.get(refusal.reason, 404)
    return render(request, "portal/refused.html", {"reason": refusal.reason}, status=status)


def _open(request: HttpRequest, token: str) -> PatientLink | HttpResponse:
    opened = links.open_link(token)
    if isinstance(opened, links.Refusal):
        return _refused(request, token, opened)
    if opened.purpose != LinkPurpose.QUESTIONNAIRES:
        return _refused(request, token, links.Refusal(links.UNKNOWN))
    return opened


def _verified(request: HttpRequest, link: PatientLink) -> bool:
    return bool(request.session.get(SESSION_PREFIX + str(link.public_id)))


def _open_rows(link: PatientLink) -> list[Administration]:
    return [
        row
        for row in link.administrations.select_related(
            "clinic", "patient", "instrument_version__instrument"
        ).order_by("id")
        if row.is_open
    ]


def _forms(rows: list[Administration], data: Any = None) -> list[AnswersForm]:
    return [AnswersForm(data, administration=row) for row in rows]


# --- Pages -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Date-of-birth check first, then the questionnaires with the answers saved so far."""
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    with timezone.override(opened.clinic.time_zone):
        if not _verified(request, opened):
            return _date_of_birth(request, token, opened)
        return _questionnaires(request, token, opened)


def _date_of_birth(request: HttpRequest, token: str, link_row: PatientLink) -> HttpResponse:
    form = DateOfBirthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if links.check_date_of_birth(link_row, form.cleaned_data["date_of_birth"], request):
            request.session.cycle_key()
            request.session[SESSION_PREFIX + str(link_row.public_id)] = True
            return redirect("portal:link", token=token)
        if link_row.locked_at is not None:
            return _refused(request, token, links.Refusal(links.LOCKED, link_row))
        left = MAX_DOB_FAILURES - link_row.dob_failures
        form.add_error(
            "date_of_birth",
            f"That date of birth does not match our records. {left} "
            f"{'try' if left == 1 else 'tries'} left before this link locks.",
        )
    context = {"form": form, "clinic": link_row.clinic}
    return render(request, "portal/date_of_birth.html", context)


def _questionnaires(request: HttpRequest, token: str, link_row: PatientLink) -> HttpResponse:
    rows = _open_rows(link_row)
    if request.method == "POST":
        # A POST to the page itself is a stale form after the check: show the page again.
        return redirect("portal:link", token=token)
    record(
        action=Action.READ,
        category=links.CATEGORY,
        request=request,
        clinic=link_row.clinic,
        patient=link_row.patient,
        obj=link_row,
        summary=f"Patient link: questionnaires opened ({len(rows)} to answer)",
    )
    return _render_questionnaires(request, token, link_row, _forms(rows), [])


def _render_questionnaires(
    request: HttpRequest,
    token: str,
    link_row: PatientLink,
    answer_forms: list[AnswersForm],
    unanswered: list[str],
    status: int = 200,
) -> HttpResponse:
    sections = [
        {
            "form": form,
            "title": form.administration.instrument_version.instrument.title,
            "recall_period": form.administration.instrument_version.parsed().recall_period,
        }
        for form in answer_forms
    ]
    context = {
        "link": link_row,
        "patient_name": link_row.patient.preferred_name or link_row.patient.legal_given_name,
        "clinic": link_row.clinic,
        "sections": sections,
        "unanswered": unanswered,
        "save_url": reverse("portal:save", kwargs={"token": token}),
        "submit_url": reverse("portal:submit", kwargs={"token": token}),
    }
    return render(request, "portal/questionnaires.html", context, status=status)


@never_cache
@require_POST
def save(request: HttpRequest, token: str) -> HttpResponse:
    """htmx: keep the answers given so far on the server."""
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    if not _verified(request, opened):
        return HttpResponse("Not saved: please open the link again.", status=403)
    by = actions.Answerer(link=opened)
    for form in _forms(_open_rows(opened), request.POST):
        if not form.is_valid():
            return HttpResponse("Not saved: please check your answers.", status=422)
        if form.given_answers():
            actions.save_progress(
                administration=form.administration,
                answers=form.given_answers(),
                by=by,
                request=request,
            )
    with timezone.override(opened.clinic.time_zone):
        return HttpResponse(f"Saved {timezone.localtime():%H:%M}")


@never_cache
@require_POST
def submit(request: HttpRequest, token: str) -> HttpResponse:
    """Send every questionnaire of the link at once and close the link."""
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    if not _verified(request, opened):
        return redirect("portal:link", token=token)
    answer_forms = _forms(_open_rows(opened), request.POST)
    with timezone.override(opened.clinic.time_zone):
        if not all(form.is_valid() for form in answer_forms):
            return _render_questionnaires(request, token, opened, answer_forms, [], status=422)
        unanswered = [label for form in answer_forms for label in form.unanswered()]
        if unanswered and request.POST.get("confirm_incomplete") != "yes":
            _keep_progress(answer_forms, opened, request)
            return _render_questionnaires(request, token, opened, answer_forms, unanswered)
        try:
            _submit_all(answer_forms, opened, request)
        except (ValidationError, PermissionDenied) as error:
            for form in answer_forms:
                form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
            return _render_questionnaires(request, token, opened, answer_forms, [], status=409)
    request.session.pop(SESSION_PREFIX + str(opened.public_id), None)
    request.session[DONE_SESSION] = True
    return redirect("portal:done")


def _keep_progress(answer_forms: list[AnswersForm], link_row: PatientLink, request: Any) -> None:
    by = actions.Answerer(link=link_row)
    for form in answer_forms:
        if form.given_answers():
            with contextlib.suppress(ValidationError, PermissionDenied):
                actions.save_progress(
                    administration=form.administration,
                    answers=form.given_answers(),
                    by=by,
                    request=request,
                )


@transaction.atomic
def _submit_all(answer_forms: list[AnswersForm], link_row: PatientLink, request: Any) -> None:
    """All questionnaires and the link's closing in one transaction: all or nothing."""
    by = actions.Answerer(link=link_row)
    for form in answer_forms:
        actions.submit_administration(
            administration=form.administration,
            answers=form.answers(),
            by=by,
            client_id=form.cleaned_data["client_id"],
            request=request,
        )
    links.mark_used(link_row, request)


@never_cache
@require_http_methods(["GET"])
def done(request: HttpRequest) -> HttpResponse:
    """The thank-you page, with where to turn in a crisis (the forms are not watched live)."""
    if not request.session.pop(DONE_SESSION, False):
        return render(request, "portal/refused.html", {"reason": links.USED}, status=410)
    return render(request, "portal/done.html")
