"""The patient's portal under /p/home/: signed in by a portal link and a date-of-birth check.

Phone-first and minimum necessary (issue 6, "The patient's side"): the patient sees their
upcoming infusion times (with their therapist's first name, no chair or other staff detail),
what is asked of them (questionnaires due, reflection prompts, goal check-ins), their private
journal, their intentions and support plan, and their own scores over time. Never a therapy or
psychotherapy note. Every page view is audited as a read with the portal link as the object
(the patient has no account), exactly once.

There are no object ids in these URLs: what the patient acts on (an entry, a goal) is posted in
the form and looked up among the patient's own rows only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.journal import actions as journal_actions
from holdspace.journal import queries as journal_queries
from holdspace.journal.models import MAX_ENTRY_CHARS, JournalEntry, PromptKind
from holdspace.portal import links, portal_session
from holdspace.portal.models import MAX_DOB_FAILURES, LinkPurpose, PatientLink
from holdspace.portal.views import REFUSED_STATUS, DateOfBirthForm

CATEGORY = "portal"
# Shown on the plan page. Trauma considerations are the clinician's notes on approach, not the
# patient's own preferences, so the portal leaves them out (minimum necessary).
PLAN_SHOWN = (
    "what_helps",
    "grounding_techniques",
    "words_that_help",
    "words_that_harm",
    "session_style",
    "music",
    "music_detail",
    "eye_mask",
    "headphones",
    "lighting",
    "touch_consent",
    "touch_kinds",
    "topics_to_avoid",
    "support_person",
    "escort",
)


# Self-report instruments that are not symptom scores (see _for_the_patient).
PORTAL_HIDDEN_INSTRUMENTS = frozenset({"session_feedback"})


# --- Forms -----------------------------------------------------------------------------------


class OnceForm(forms.Form):
    """A portal form stored at most once: a ``client_id`` is issued when the form is rendered,
    so a double tap or a resent page stores one row (the actions return the stored one).
    Optional, so a form posted without it still works (it just is not protected)."""

    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())


class JournalForm(OnceForm):
    text = forms.CharField(
        label="Your entry",
        max_length=MAX_ENTRY_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Write something before saving the entry.",
            "max_length": f"Please keep an entry under {MAX_ENTRY_CHARS:,} characters.",
        },
    )
    prompt_kind = forms.ChoiceField(
        choices=PromptKind.choices, initial=PromptKind.FREE, widget=forms.HiddenInput
    )
    session = forms.UUIDField(required=False, widget=forms.HiddenInput)
    share = forms.BooleanField(
        label="Share this entry with my therapist and prescriber",
        required=False,
        help_text="You can change your mind later.",
    )


class SuggestionForm(OnceForm):
    text = forms.CharField(
        label="What would you like to change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the change you would like to your support plan."},
    )


class CheckinForm(OnceForm):
    goal = forms.UUIDField(widget=forms.HiddenInput)
    times_done = forms.IntegerField(
        label="How many times?",
        min_value=0,
        max_value=100,
        error_messages={
            "required": "Give how many times, as a number (0 is fine).",
            "invalid": "Give how many times, as a whole number.",
            "min_value": "Give a number from 0 to 100.",
            "max_value": "Give a number from 0 to 100.",
        },
    )
    note = forms.CharField(label="Anything to add? (optional)", required=False, max_length=500)


# --- Plumbing --------------------------------------------------------------------------------


def _audit_read(request: HttpRequest, link: PatientLink, summary: str) -> None:
    record(
        action=Action.READ,
        category=CATEGORY,
        request=request,
        actor=None,
        clinic=link.clinic,
        patient=link.patient,
        obj=link,
        summary=summary,
        actor_label=f"patient by link {link.public_id}",
    )


def portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only with a live portal session; the view gets the portal link and runs in the clinic's
    time zone. Otherwise a page that says how to sign in again, and no data."""

    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        found = portal_session.current(request)
        if isinstance(found, portal_session.Ended):
            context = {"reason": found.reason}
            return render(request, "portal/portal_signed_out.html", context, status=403)
        with timezone.override(found.clinic.time_zone):
            return view(request, found, *args, **kwargs)

    return wrapper


def _first_name(patient: Any) -> str:
    return patient.preferred_name or patient.legal_given_name


def _page(request: HttpRequest, link: PatientLink, template: str, **context: Any) -> HttpResponse:
    context |= {"link": link, "clinic": link.clinic, "patient_name": _first_name(link.patient)}
    return render(request, template, context, status=context.pop("status", 200))


def _errors(error: ValidationError) -> list[str]:
    return list(getattr(error, "messages", [str(error)]))


# --- Signing in ------------------------------------------------------------------------------


def _refused(request: HttpRequest, token: str, refusal: links.Refusal) -> HttpResponse:
    links.audit_refusal(token, refusal, request)
    status = REFUSED_STATUS.get(refusal.reason, 404)
    return render(request, "portal/portal_refused.html", {"reason": refusal.reason}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email: date of birth, then the link is used up and the portal opens."""
    opened = links.open_link(token)
    if isinstance(opened, links.Refusal):
        return _refused(request, token, opened)
    if opened.purpose != LinkPurpose.PORTAL:
        return _refused(request, token, links.Refusal(links.UNKNOWN))
    form = DateOfBirthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if links.check_date_of_birth(opened, form.cleaned_data["date_of_birth"], request):
            links.mark_used(opened, request)
            portal_session.start(request, opened)
            return redirect("portal:home")
        if opened.locked_at is not None:
            return _refused(request, token, links.Refusal(links.LOCKED, opened))
        left = MAX_DOB_FAILURES - opened.dob_failures
        form.add_error(
            "date_of_birth",
            f"That date of birth does not match our records. {left} "
            f"{'try' if left == 1 else 'tries'} left before this link locks.",
        )
    context = {"form": form, "clinic": opened.clinic}
    return render(request, "portal/portal_date_of_birth.html", context)


@require_POST
@portal_page
def sign_out(request: HttpRequest, link: PatientLink) -> HttpResponse:
    portal_session.end(request, link, "Patient signed out of the portal")
    return render(request, "portal/portal_signed_out.html", {"reason": portal_session.SIGNED_OUT})


# --- Home: upcoming sessions and tasks -------------------------------------------------------


def _upcoming(link: PatientLink) -> list[dict[str, Any]]:
    from holdspace.infusions.models import InfusionSession, SessionState

    therapist = link.patient.therapist
    first = therapist.full_name.split()[0] if therapist and therapist.full_name else ""
    rows = InfusionSession.objects.filter(
        patient=link.patient, state=SessionState.SCHEDULED, scheduled_for__gte=timezone.now()
    ).order_by("scheduled_for")[:5]
    return [{"when": row.scheduled_for, "therapist": first} for row in rows]


def _questionnaires(link: PatientLink) -> list[dict[str, Any]]:
    from holdspace.portal.questionnaires import sendable

    return [
        {"title": row.instrument_version.instrument.title, "due_on": row.due_on}
        for row in sendable(link.patient)
    ]


def _goals(link: PatientLink) -> list[Any]:
    from holdspace.goals.models import Goal, GoalStatus

    return list(Goal.objects.filter(patient=link.patient, status=GoalStatus.ACTIVE))


def _checkin_form(goal: Any) -> CheckinForm:
    # Field ids per goal: several check-in forms share the page.
    return CheckinForm(initial={"goal": goal.public_id}, auto_id=f"goal-{goal.public_id.hex}-%s")


@require_http_methods(["GET"])
@portal_page
def home(request: HttpRequest, link: PatientLink) -> HttpResponse:
    reflections = journal_queries.reflection_prompts(link.patient)
    questionnaires = _questionnaires(link)
    goals = _goals(link)
    _audit_read(request, link, "Portal: home viewed")
    return _page(
        request,
        link,
        "portal/home.html",
        section="home",
        upcoming=_upcoming(link),
        questionnaires=questionnaires,
        reflections=reflections,
        goals=[(goal, _checkin_form(goal)) for goal in goals],
        has_tasks=bool(questionnaires or reflections or goals),
    )


@require_POST
@portal_page
def goal_checkin(request: HttpRequest, link: PatientLink) -> HttpResponse:
    from holdspace.goals import actions as goal_actions
    from holdspace.goals.models import Goal, GoalStatus

    form = CheckinForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, f"Check-in not saved: {message}")
        return redirect("portal:home")
    goal = Goal.objects.filter(
        public_id=form.cleaned_data["goal"], patient=link.patient, status=GoalStatus.ACTIVE
    ).first()
    if goal is None:
        messages.error(request, "Check-in not saved: that goal is no longer open.")
        return redirect("portal:home")
    try:
        goal_actions.record_goal_checkin(
            goal,
            times_done=form.cleaned_data["times_done"],
            note=form.cleaned_data["note"],
            by_patient=True,
            via_link=link,
            client_id=form.cleaned_data["client_id"],
            request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        for message in _errors(error):
            messages.error(request, f"Check-in not saved: {message}")
    else:
        messages.success(request, "Thank you: your check-in was saved.")
    return redirect("portal:home")


# --- Intentions and the support plan --------------------------------------------------------


def _plan_rows(version: Any) -> list[tuple[str, str]]:
    rows = []
    for name in PLAN_SHOWN:
        field = version._meta.get_field(name)
        value = getattr(version, name)
        if field.choices and value:
            value = getattr(version, f"get_{name}_display")()
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        if value:
            rows.append((str(field.verbose_name).capitalize(), str(value)))
    return rows


def _plan_page(
    request: HttpRequest, link: PatientLink, form: SuggestionForm, status: int = 200
) -> HttpResponse:
    from holdspace.therapy import queries as therapy_queries

    version = therapy_queries.current_support_plan(link.patient)
    _audit_read(request, link, "Portal: intentions and support plan viewed")
    return _page(
        request,
        link,
        "portal/home_plan.html",
        section="plan",
        # Signed preparation notes only: a draft is the therapist's unfinished wording.
        intention=therapy_queries.latest_intention(link.patient, signed_only=True),
        version=version,
        plan_rows=_plan_rows(version) if version else [],
        suggestions=therapy_queries.open_suggestions(link.patient),
        form=form,
        status=status,
    )


@require_http_methods(["GET", "POST"])
@portal_page
def plan(request: HttpRequest, link: PatientLink) -> HttpResponse:
    from holdspace.therapy import actions as therapy_actions

    if request.method == "GET":
        return _plan_page(request, link, SuggestionForm())
    form = SuggestionForm(request.POST)
    if form.is_valid():
        try:
            therapy_actions.suggest_support_plan_change(
                link.patient,
                form.cleaned_data["text"],
                via_link=link,
                request=request,
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationError as error:
            for message in _errors(error):
                form.add_error("text", message)
        else:
            messages.success(request, "Thank you: your therapist will look at your suggestion.")
            return redirect("portal:plan")
    return _plan_page(request, link, form, status=422)


# --- Progress --------------------------------------------------------------------------------


def _for_the_patient(instrument: Any) -> bool:
    """The patient's own symptom questionnaires only: not clinician ratings (HAM-D, BPRS,
    discharge scores), which are the clinician's judgement to discuss, and not the session
    feedback about their therapist, on which a higher score is the better one."""
    return instrument.respondent == "self" and instrument.key not in PORTAL_HIDDEN_INSTRUMENTS


def _progress_charts(link: PatientLink) -> list[dict[str, Any]]:
    """The patient's completed questionnaire scores over time, one chart per questionnaire.
    Only completed administrations count (entered-in-error and cancelled ones never do)."""
    from holdspace.measures import charts
    from holdspace.measures.outcome_views import completed_series

    shown = []
    for index, series in enumerate(completed_series([link.patient], link.clinic)):
        if not series.scores or not _for_the_patient(series.instrument):
            continue
        parsed = series.version.parsed()
        chart = charts.ScoreChart(
            chart_id=f"portal-chart-{index}",
            title=f"{series.instrument.short_name} scores",
            minimum=float(parsed.minimum),
            maximum=float(parsed.maximum),
            points=tuple(charts.ChartPoint(on, score) for on, score in series.scores),
            bands=tuple(charts.Band(b.minimum, b.maximum, b.label) for b in parsed.bands),
        )
        shown.append(
            {
                "title": series.instrument.title,
                # charts.render_svg escapes every text it contains.
                "svg": mark_safe(charts.render_svg(chart)),  # noqa: S308
                "text": charts.describe(chart),
            }
        )
    return shown


@require_http_methods(["GET"])
@portal_page
def progress(request: HttpRequest, link: PatientLink) -> HttpResponse:
    shown = _progress_charts(link)
    _audit_read(request, link, f"Portal: progress viewed ({len(shown)} charts)")
    return _page(request, link, "portal/home_progress.html", section="progress", charts=shown)


# --- Journal ---------------------------------------------------------------------------------


def _own_session(link: PatientLink, session_id: uuid.UUID | None) -> Any:
    from holdspace.infusions.models import InfusionSession, SessionState

    if session_id is None:
        return None
    return InfusionSession.objects.filter(
        public_id=session_id, patient=link.patient, state=SessionState.DISCHARGED
    ).first()


def _journal_page(
    request: HttpRequest, link: PatientLink, form: JournalForm, status: int = 200
) -> HttpResponse:
    entries = journal_queries.own_entries(link.patient)
    kind = form["prompt_kind"].value() or PromptKind.FREE
    _audit_read(request, link, f"Portal: journal viewed ({len(entries)} entries)")
    return _page(
        request,
        link,
        "portal/home_journal.html",
        section="journal",
        form=form,
        entries=entries,
        prompt_label="" if kind == PromptKind.FREE else PromptKind(kind).label,
        status=status,
    )


def _initial_journal_form(request: HttpRequest, link: PatientLink) -> JournalForm:
    """A blank entry, or one answering a reflection prompt (?prompt=…&session=…) of the
    patient's own discharged infusion."""
    kind = request.GET.get("prompt", "")
    try:
        session_id = uuid.UUID(request.GET.get("session", ""))
    except ValueError:
        session_id = None
    session = _own_session(link, session_id)
    if kind in journal_queries.REFLECTIONS and session is not None:
        return JournalForm(initial={"prompt_kind": kind, "session": session.public_id})
    return JournalForm()


@require_http_methods(["GET", "POST"])
@portal_page
def journal(request: HttpRequest, link: PatientLink) -> HttpResponse:
    if request.method == "GET":
        return _journal_page(request, link, _initial_journal_form(request, link))
    form = JournalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        session = _own_session(link, data["session"])
        kind = data["prompt_kind"] if session is not None else PromptKind.FREE
        try:
            journal_actions.write_entry(
                link=link,
                text=data["text"],
                prompt_kind=kind,
                session=session,
                share=data["share"],
                client_id=data["client_id"],
                request=request,
            )
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            shared = " and shared with your care team" if data["share"] else ""
            messages.success(request, f"Your entry was saved{shared}.")
            return redirect("portal:journal")
    return _journal_page(request, link, form, status=422)


@require_POST
@portal_page
def journal_share(request: HttpRequest, link: PatientLink) -> HttpResponse:
    """Share an entry, or take the sharing back (the patient's choice, both audited)."""
    try:
        entry_id = uuid.UUID(request.POST.get("entry", ""))
    except ValueError:
        entry_id = None
    entry = JournalEntry.objects.filter(public_id=entry_id, patient=link.patient).first()
    choice = request.POST.get("choice")
    if entry is None or choice not in {"share", "withdraw"}:
        messages.error(request, "That entry could not be found. Nothing was changed.")
        return redirect("portal:journal")
    if choice == "share":
        journal_actions.share_entry(link=link, entry=entry, request=request)
        messages.success(request, "Shared: your therapist and prescriber can now read this entry.")
    else:
        journal_actions.withdraw_sharing(link=link, entry=entry, request=request)
        messages.success(request, "No longer shared: only you can read this entry now.")
    return redirect("portal:journal")
