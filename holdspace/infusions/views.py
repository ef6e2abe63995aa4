"""Pages of the live infusion: today's sessions, scheduling, check-in, the console shared by the
nurse and the therapist, recovery and discharge, signature and addenda.

Fetch-and-authorize → act → respond. Every view fetches the session through
``queries.get_session_for`` (404 outside the clinic being worked in, for every role, before any
role check); the actions check the role and the clinical rules again and their refusals come
back onto the form that was sent, with nothing saved.

How the pages stay live: each page is made of panels (template partials). An htmx POST answers
with the panel it came from (a fresh form, or the same form with its errors and status 422 or
403) plus every other panel of the page as an out-of-band swap, except those the tablet says are
being typed in (``X-Holdspace-Skip``). Other tablets hear of the change as a live event and ask
for the same out-of-band panels with ``GET ?refresh=1``. Without JavaScript every form still
works as a plain POST that redirects back to its page.

Opening a page is audited as a read; the live refreshes of a page already open are not (they
re-read what the person already opened, every few seconds on a busy session).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES, Chair, Membership, Role
from holdspace.dosing import engine
from holdspace.dosing.models import InfusionOrder
from holdspace.infusions import actions, alerts, checkin, ladder, lifecycle
from holdspace.infusions import discharge as scoring
from holdspace.infusions.forms import (
    ABORT_REASONS,
    ACK_ACTIONS,
    ERROR_REASONS,
    IV_GAUGES,
    IV_SITES,
    PUMP_REASONS,
    RESCUE_DRUGS,
    RESOLUTIONS,
    TIME_REASONS,
    AbortForm,
    AcknowledgeForm,
    AddendumForm,
    AdverseEventForm,
    CheckInForm,
    CorrectTimeForm,
    DischargeForm,
    EnteredInErrorForm,
    PumpForm,
    RescueForm,
    ResolveForm,
    ScheduleForm,
    SignForm,
    StartForm,
    StateForm,
    StatementForm,
    SupportForm,
    SupportResponseForm,
    VitalsForm,
    initial_check_in,
)
from holdspace.infusions.models import (
    ENTRY_MODELS,
    IN_CHAIR_STATES,
    TOUCH_KINDS,
    AdverseEvent,
    AdverseEventResolution,
    Alert,
    AlertAudience,
    Discharge,
    Entry,
    InfusionSession,
    SessionState,
    SessionStyle,
    SupportEvent,
    SupportKind,
    SupportResponse,
    TouchConsentToday,
    alert_thresholds,
)
from holdspace.infusions.queries import (
    baseline_vitals,
    chart_series,
    checklist,
    get_alert_for,
    get_session_for,
    latest_vitals_with,
    open_alerts,
    session_clock,
)
from holdspace.infusions.timeline import TimelineItem, timeline
from holdspace.live.events import publish
from holdspace.live.store import latest_id
from holdspace.measures.queries import flag_url, open_flags_of, pre_infusion_measures_missing
from holdspace.patients.models import RecordStatus
from holdspace.patients.views import get_patient_for, is_htmx

# The panels of each page, in page order. ``console`` is the tablet screen of a running session.
PAGES: dict[str, tuple[str, ...]] = {
    "console": (
        "header",
        "alerts",
        "pump",
        "vitals",
        "state",
        "support",
        "statement",
        "adverse",
        "timeline",
    ),
    "check_in": ("summary", "checklist", "vitals", "start"),
    "discharge": ("recovery", "vitals", "assessment"),
    "sign": ("record", "addenda"),
}
PAGE_URLS = {
    "console": "infusions:console",
    "check_in": "infusions:check_in",
    "discharge": "infusions:discharge",
    "sign": "infusions:sign",
}
NURSING = (Role.NURSE, Role.PRESCRIBER)
SUPPORTERS = (Role.THERAPIST, Role.NURSE)
# Therapist-facing alerts the distress ladder is shown for (CLINICAL.md §2).
SUPPORT_KIND_ORDER = [kind for kind in SupportKind if kind not in TOUCH_KINDS]

member_required = clinic_member_required()


# --- Small helpers ---------------------------------------------------------------------------


def _role(request: HttpRequest) -> str:
    return str(request.membership.role)  # type: ignore[attr-defined]


def _require_clinician(request: HttpRequest) -> None:
    if _role(request) not in CLINICAL_ROLES:
        raise PermissionDenied(
            "The live infusion is for the care team (nurses, therapists and prescribers)."
        )


def _page(request: HttpRequest, default: str = "console") -> str:
    page = request.POST.get("page") or request.GET.get("page") or default
    return page if page in PAGES else default


def page_url(session: InfusionSession, page: str = "console") -> str:
    return reverse(PAGE_URLS[page], kwargs={"session_id": session.public_id})


def _skipped(request: HttpRequest) -> set[str]:
    raw = request.headers.get("X-Holdspace-Skip", "") or request.GET.get("skip", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def _add_errors(form: Form, error: ValidationError) -> None:
    """Put an action's refusal on the form: on the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for one in errors:
                form.add_error(target, one.messages)
        return
    form.add_error(None, error.messages)


def _audit_read(request: HttpRequest, session: InfusionSession, summary: str) -> None:
    record(
        action=Action.READ,
        category="infusion_session",
        request=request,
        patient=session.patient,
        obj=session,
        summary=summary,
    )


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


# --- Today and scheduling --------------------------------------------------------------------


@require_GET
@member_required
def today(request: HttpRequest) -> HttpResponse:
    """This clinic's sessions today (and any still in a chair from earlier), by chair."""
    day = timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    sessions = (
        InfusionSession.objects.filter(clinic=request.clinic)  # type: ignore[attr-defined]
        .filter(_today_filter(start, end))
        .select_related("patient", "chair", "order")
        .order_by("chair__name", "scheduled_for", "id")
    )
    by_chair: dict[str, list[InfusionSession]] = {}
    for session in sessions:
        by_chair.setdefault(session.chair.name, []).append(session)
    record(
        action=Action.READ,
        category="infusion_list",
        request=request,
        summary="Today's infusions viewed",
    )
    context = {"by_chair": sorted(by_chair.items()), "day": day, "role": _role(request)}
    return render(request, "infusions/today.html", context)


def _today_filter(start: datetime, end: datetime) -> Q:
    return Q(scheduled_for__gte=start, scheduled_for__lt=end) | Q(state__in=IN_CHAIR_STATES)


def _get_order_for(request: HttpRequest, order_id: uuid.UUID) -> InfusionOrder:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        InfusionOrder.objects.select_related("course__patient__clinic", "protocol"),
        public_id=order_id,
        course__patient__clinic=request.clinic,  # type: ignore[attr-defined]
    )


@require_http_methods(["GET", "POST"])
@member_required
def schedule(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    """Book an infusion of a ready order in a chair."""
    order = _get_order_for(request, order_id)
    patient = get_patient_for(request, order.course.patient.public_id)
    if _role(request) not in NURSING:
        raise PermissionDenied("Only a nurse or a prescriber can schedule an infusion.")
    chairs = list(Chair.objects.filter(clinic=request.clinic, is_active=True).order_by("name"))  # type: ignore[attr-defined]
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        chairs=chairs,
        initial={"scheduled_for": now, "chair": str(chairs[0].public_id) if chairs else ""},
    )
    blockers = order.start_blockers()
    if request.method == "POST" and form.is_valid():
        try:
            session = actions.schedule_session(
                actor=request.user,
                patient=patient,
                order=order,
                chair=form.chairs[form.cleaned_data["chair"]],
                scheduled_for=form.cleaned_data["scheduled_for"],
                style=form.cleaned_data["style"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Infusion {order.sequence} scheduled in {session.chair}.")
            return redirect("infusions:today")
    sessions = order.infusion_sessions.select_related("chair").order_by("-scheduled_for")
    context = {
        "order": order,
        "patient": patient,
        "form": form,
        "blockers": blockers,
        "sessions": sessions,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "infusions/schedule.html", context, status=status)


# --- Page contexts ---------------------------------------------------------------------------


def _base_context(
    request: HttpRequest, session: InfusionSession, page: str = "console"
) -> dict[str, Any]:
    role = _role(request)
    return {
        "page": page,
        "sedation_values": range(-5, 6),
        "session": session,
        "patient": session.patient,
        "role": role,
        "is_nurse": role in NURSING,
        "is_supporter": role in SUPPORTERS,
        "signed": session.is_signed,
        "live_after": latest_id(),
        "now": timezone.now(),
    }


def _clock_context(session: InfusionSession, now: datetime) -> dict[str, Any]:
    clock = session_clock(session, now)
    order = session.order
    planned_minutes = Decimal(order.duration_minutes)
    mg_per_second = Decimal(0)
    if clock.pump_state == "running" and clock.rate_ml_h is not None:
        mg_per_second = clock.rate_ml_h * Decimal(order.concentration_mg_ml) / 3600
    delivered = clock.delivered_mg
    return {
        "clock": clock,
        "elapsed_s": int(clock.elapsed.total_seconds()) if clock.elapsed else 0,
        "remaining_s": int(clock.remaining.total_seconds())
        if clock.remaining is not None
        else (int(planned_minutes * 60) if clock.elapsed is None else None),
        "planned_mg": engine.round_dose_mg(Decimal(order.dose_mg)),
        "delivered_mg": engine.round_dose_mg(delivered) if delivered is not None else None,
        "delivered_raw": f"{delivered:f}" if delivered is not None else "0",
        "mg_per_s": f"{mg_per_second:.6f}",
        "rate_shown": engine.round_rate_ml_h(clock.rate_ml_h) if clock.rate_ml_h else None,
        "order_rate": engine.round_rate_ml_h(Decimal(order.rate_ml_h)),
        "planned_minutes": planned_minutes.normalize(),
    }


def _presets(rate: Decimal | None) -> list[tuple[str, Decimal]]:
    if not rate:
        return []
    down = engine.round_rate_ml_h(rate * Decimal("0.9"))
    up = engine.round_rate_ml_h(rate * Decimal("1.1"))
    return [("-10 %", down), ("+10 %", up)]


def _pump_context(session: InfusionSession, clock: Any) -> dict[str, Any]:
    state = session.state
    return {
        "can_rate": state == SessionState.RUNNING,
        "can_pause": state == SessionState.RUNNING,
        "can_resume": state == SessionState.PAUSED,
        "can_stop": state in (SessionState.RUNNING, SessionState.PAUSED),
        "presets": _presets(clock.rate_ml_h) if state == SessionState.RUNNING else [],
        "pump_reasons": PUMP_REASONS,
        "can_abort": not lifecycle.is_terminal(session.lifecycle_state),
    }


def _latest_state(items: list[TimelineItem]) -> dict[str, int | None]:
    latest: dict[str, int | None] = {"anxiety": None, "dissociation": None, "nausea": None}
    for item in items:
        if item.kind == "state" and not item.entered_in_error:
            for name in latest:
                if item.values.get(name) is not None:
                    latest[name] = item.values[name]
    return latest


def _state_rows(items: list[TimelineItem], thresholds: alerts.AlertThresholds) -> list[Any]:
    latest = _latest_state(items)
    prompts = {
        "anxiety": thresholds.anxiety_prompt_at,
        "dissociation": thresholds.dissociation_prompt_at,
        "nausea": None,
    }
    rows = []
    for name, label in (
        ("anxiety", "Anxiety"),
        ("dissociation", "Dissociation"),
        ("nausea", "Nausea"),
    ):
        prompt = prompts[name]
        buttons = [(n, prompt is not None and n >= prompt) for n in range(11)]
        rows.append({"name": name, "label": label, "latest": latest[name], "buttons": buttons})
    return rows


def _awaiting_response(session: InfusionSession) -> list[SupportEvent]:
    """Final support events with no standing response, newest first (the second tap)."""
    answered = SupportResponse.objects.filter(
        session=session, status=RecordStatus.FINAL
    ).values_list("support_event_id", flat=True)
    rows = (
        SupportEvent.objects.filter(session=session, status=RecordStatus.FINAL)
        .exclude(pk__in=answered)
        .order_by("-occurred_at", "-id")[:3]
    )
    return list(rows)


def _support_kinds(session: InfusionSession) -> list[tuple[str, str]]:
    kinds = [(kind.value, kind.label) for kind in SUPPORT_KIND_ORDER]
    if session.touch_consent_today in (TouchConsentToday.YES, TouchConsentToday.ASK_EACH_TIME):
        kinds += [(kind.value, kind.label) for kind in SupportKind if kind in TOUCH_KINDS]
    return kinds


def _open_adverse_events(session: InfusionSession) -> list[AdverseEvent]:
    resolved = AdverseEventResolution.objects.filter(
        session=session, status=RecordStatus.FINAL
    ).values_list("adverse_event_id", flat=True)
    return list(
        AdverseEvent.objects.filter(session=session, status=RecordStatus.FINAL)
        .exclude(pk__in=resolved)
        .order_by("-occurred_at", "-id")
    )


def _prescribers(session: InfusionSession) -> list[Any]:
    memberships = Membership.objects.filter(
        clinic_id=session.clinic_id, role=Role.PRESCRIBER, is_active=True
    ).select_related("user")
    return sorted((m.user for m in memberships), key=lambda user: user.full_name)


def _own_entries(request: HttpRequest, session: InfusionSession) -> set[uuid.UUID] | None:
    """The entries a therapist recorded (the only ones they may correct); None = all."""
    if _role(request) != Role.THERAPIST:
        return None
    own: set[uuid.UUID] = set()
    for model in ENTRY_MODELS.values():
        own.update(
            model.objects.filter(session=session, recorded_by=request.user).values_list(
                "public_id", flat=True
            )
        )
    return own


def _timeline_rows(
    request: HttpRequest, session: InfusionSession, items: list[TimelineItem]
) -> list[dict[str, Any]]:
    own = _own_entries(request, session)
    editable = not session.is_signed
    rows = []
    for item in reversed(items):
        is_entry = item.kind in ENTRY_MODELS
        rows.append(
            {
                "item": item,
                "is_entry": is_entry,
                "can_correct": editable
                and is_entry
                and not item.entered_in_error
                and (own is None or item.id in own),
                "at_local": _local(item.at),
            }
        )
    return rows


def _alert_rows(request: HttpRequest, rows: list[Alert]) -> list[dict[str, Any]]:
    role = _role(request)
    return [
        {
            "alert": alert,
            "can_ack": role in NURSING
            or (role == Role.THERAPIST and alert.audience == AlertAudience.THERAPIST),
        }
        for alert in rows
    ]


def _ladder_advice(
    session: InfusionSession,
    items: list[TimelineItem],
    rows: list[Alert],
    now: datetime,
) -> ladder.LadderAdvice | None:
    """The distress ladder's next step while a therapist prompt (anxiety, dissociation) is open,
    read from the shared timeline: support and responses, the latest ratings, hold-tier vitals,
    a slowed or paused pump, a call to the prescriber (an acknowledgement that says so) and rescue
    medication since the prompt was raised. Advice only."""
    prompts = [a for a in rows if a.audience == AlertAudience.THERAPIST]
    if not prompts:
        return None
    started = min(a.raised_at for a in prompts)

    def clamp(moment: datetime) -> datetime:
        return timezone.localtime(min(max(moment, started), now))

    final = [i for i in items if not i.entered_in_error and i.at >= started]
    responses = {
        i.values.get("support_event"): ladder.SupportResponse(i.values["response"])
        for i in final
        if i.kind == "support_response"
    }
    support = tuple(
        ladder.SupportEvent(
            clamp(i.at), ladder.SupportKind(i.values["support_kind"]), responses.get(str(i.id))
        )
        for i in final
        if i.kind == "support"
    )
    latest = _latest_state(items)
    tiers = [a.engine_tier for a in rows if a.audience == AlertAudience.NURSE]
    pump_at = next(
        (
            clamp(i.at)
            for i in final
            if i.kind == "pump" and i.values.get("action") in ("pause", "rate", "stop")
        ),
        None,
    )
    called = next(
        (
            clamp(i.at)
            for i in final
            if i.kind == "alert_acknowledged" and "Called prescriber" in i.summary
        ),
        None,
    )
    rescue = next((clamp(i.at) for i in final if i.kind == "rescue_medication"), None)
    episode = ladder.DistressEpisode(
        started_at=timezone.localtime(started),
        support=support,
        anxiety=latest["anxiety"],
        dissociation=latest["dissociation"],
        latest_tier=max(tiers) if tiers else None,
        pump_slowed_or_paused_at=pump_at,
        prescriber_called_at=called,
        rescue_given_at=rescue,
    )
    try:
        return ladder.next_step(
            episode, timezone.localtime(now), alert_thresholds(session.order.protocol)
        )
    except ladder.LadderInputError:
        return None


def _console_context(
    request: HttpRequest, session: InfusionSession, forms: dict[str, Form] | None = None
) -> dict[str, Any]:
    context = _base_context(request, session)
    now = context["now"]
    context.update(_clock_context(session, now))
    items = timeline(session)
    rows = open_alerts(session)
    thresholds = alert_thresholds(session.order.protocol)
    forms = forms or {}
    prescribers = _prescribers(session)
    context.update(
        {
            **_pump_context(session, context["clock"]),
            "alert_rows": _alert_rows(request, rows),
            "ack_actions": ACK_ACTIONS,
            "advice": _ladder_advice(session, items, rows, now),
            "timeline_rows": _timeline_rows(request, session, items),
            "time_reasons": TIME_REASONS,
            "error_reasons": ERROR_REASONS,
            "state_rows": _state_rows(items, thresholds),
            "support_kinds": _support_kinds(session),
            "awaiting": _awaiting_response(session),
            "open_adverse": _open_adverse_events(session),
            "resolutions": RESOLUTIONS,
            "rescue_drugs": RESCUE_DRUGS,
            "monitored": session.state
            in (
                SessionState.RUNNING,
                SessionState.PAUSED,
                SessionState.INFUSION_ENDED,
                SessionState.RECOVERING,
            ),
            "pump_form": forms.get("pump") or PumpForm(),
            "vitals_form": forms.get("vitals") or VitalsForm(),
            "statement_form": forms.get("statement") or StatementForm(),
            "adverse_form": forms.get("adverse") or AdverseEventForm(),
            "rescue_form": forms.get("rescue") or RescueForm(prescribers=prescribers),
            "resolve_form": forms.get("resolve"),
            "ack_form": forms.get("alerts"),
            "state_form": forms.get("state"),
            "support_form": forms.get("support"),
            "timeline_form": forms.get("timeline"),
            "entry_form": StateForm(),
        }
    )
    return context


def _check_in_context(
    request: HttpRequest, session: InfusionSession, forms: dict[str, Form] | None = None
) -> dict[str, Any]:
    context = _base_context(request, session, "check_in")
    forms = forms or {}
    state = checklist(session)
    row = getattr(session, "check_in", None)
    answers = row.checkin_answers() if row is not None else checkin.CheckinAnswers()
    form = forms.get("checklist") or CheckInForm(
        initial=initial_check_in(answers, session.style, session.version)
    )
    missing = state.result.missing
    role = context["role"]
    blocked = [s for s in missing if not s.overridable]
    context.update(
        {
            "checklist": state,
            "items": state.result.items,
            "missing": missing,
            "complete": state.result.complete,
            "form": form,
            "answers": answers,
            "iv_sites": IV_SITES,
            "iv_gauges": IV_GAUGES,
            "vitals_form": forms.get("vitals") or VitalsForm(),
            "baseline": baseline_vitals(session),
            "missing_measures": pre_infusion_measures_missing(session),
            "open_safety_flags": [
                (flag, flag_url(flag)) for flag in open_flags_of(session.patient)
            ],
            "start_form": forms.get("start") or StartForm(),
            "can_override": role == Role.PRESCRIBER and missing and not blocked,
            "blocked": blocked,
            "can_start": session.state == SessionState.CHECKED_IN and role in NURSING,
            "order_rate": engine.round_rate_ml_h(Decimal(session.order.rate_ml_h)),
            "editable": session.state in (SessionState.SCHEDULED, SessionState.CHECKED_IN)
            and not session.is_signed,
            "styles": SessionStyle.choices,
        }
    )
    return context


def _nurse_items(
    scale: scoring.Scale, data: dict[str, Any]
) -> tuple[scoring.PadssNurseItems | scoring.AldreteNurseItems | None, list[str]]:
    """The nurse's items from the form, or None with the labels of those not scored yet."""
    names = DischargeForm.PADSS if scale is scoring.Scale.PADSS else DischargeForm.ALDRETE
    missing = [
        str(DischargeForm.base_fields[name].label) for name in names if data.get(name) in (None, "")
    ]
    if missing:
        return None, missing
    if scale is scoring.Scale.PADSS:
        return scoring.PadssNurseItems(**{name: int(data[name]) for name in names}), []
    return (
        scoring.AldreteNurseItems(
            **{name: int(data[name]) for name in names}, on_oxygen=bool(data.get("on_oxygen"))
        ),
        [],
    )


def _scale(session: InfusionSession) -> scoring.Scale:
    rule = session.order.protocol.discharge_rule
    return scoring.Scale.PADSS if rule == "padss_9" else scoring.Scale.ALDRETE_MODIFIED


def _vital_criterion(session: InfusionSession, scale: scoring.Scale) -> dict[str, Any]:
    """The vital-sign criterion computed from the recorded baseline and recovery vitals."""
    baseline = baseline_vitals(session)
    needed = (
        ("systolic", "diastolic", "heart_rate")
        if scale is scoring.Scale.PADSS
        else ("systolic", "diastolic", "spo2")
    )
    latest = latest_vitals_with(session, needed, "recovery")
    if baseline is None or latest is None:
        why = (
            "No complete baseline vital signs on the record."
            if baseline is None
            else "Record recovery vital signs (BP, heart rate, SpO₂) to score this."
        )
        return {"criterion": None, "why": why, "latest": latest}
    try:
        if scale is scoring.Scale.PADSS:
            criterion = scoring.padss_vital_signs(
                baseline.as_vital_signs(), latest.as_vital_signs()
            )
        else:
            criterion = scoring.aldrete_circulation(
                baseline.as_vital_signs(), latest.as_vital_signs()
            )
    except scoring.DischargeInputError as error:
        return {"criterion": None, "why": str(error), "latest": latest}
    return {"criterion": criterion, "why": "", "latest": latest}


def _assessment(
    request: HttpRequest, session: InfusionSession, data: dict[str, Any]
) -> dict[str, Any]:
    scale = _scale(session)
    result: dict[str, Any] = {"scale": scale, **_vital_criterion(session, scale)}
    if session.state != SessionState.RECOVERING:
        return result
    items, missing = _nurse_items(scale, data)
    result["unscored"] = missing
    if items is None:
        return result
    reason = (data.get("override_reason") or "").strip()
    override = checkin.Override(_role(request), reason) if reason else None
    try:
        score, assessment, _baseline, _latest = actions.assess_for_discharge(
            session,
            nurse_items=items,
            escort_confirmed=bool(data.get("escort_confirmed")),
            instructions_given=bool(data.get("instructions_given")),
            follow_up_booked=bool(data.get("follow_up_booked")),
            driving_advice_given=bool(data.get("driving_advice_given")),
            override=override,
        )
    except ValidationError as error:
        result["problem"] = " ".join(error.messages)
        return result
    result.update({"score": score, "assessment": assessment})
    return result


def _discharge_context(
    request: HttpRequest, session: InfusionSession, forms: dict[str, Form] | None = None
) -> dict[str, Any]:
    context = _base_context(request, session, "discharge")
    forms = forms or {}
    form = forms.get("assessment") or DischargeForm(
        request.GET if request.GET.get("preview") else None,
        initial={"expected_version": session.version},
    )
    data = form.data if form.is_bound else {}
    scale = _scale(session)
    context.update(
        {
            "form": form,
            "scale": scale,
            "scale_fields": [
                form[name]
                for name in (
                    DischargeForm.PADSS if scale is scoring.Scale.PADSS else DischargeForm.ALDRETE
                )
            ],
            "condition_fields": [form[name] for name in DischargeForm.CONDITIONS],
            "result": _assessment(request, session, data),
            "vitals_form": forms.get("vitals") or VitalsForm(),
            "record": Discharge.objects.filter(session=session).first(),
            "recovery_started": _local(session.recovery_started_at),
        }
    )
    return context


def _sign_context(
    request: HttpRequest, session: InfusionSession, forms: dict[str, Form] | None = None
) -> dict[str, Any]:
    context = _base_context(request, session, "sign")
    forms = forms or {}
    items = timeline(session)
    context.update(
        {
            "timeline_rows": [
                {"item": i, "is_entry": i.kind in ENTRY_MODELS, "at_local": _local(i.at)}
                for i in reversed(items)
            ],
            "open_count": len(open_alerts(session)),
            "terminal": lifecycle.is_terminal(session.lifecycle_state),
            "sign_form": forms.get("record")
            or SignForm(initial={"expected_version": session.version}),
            "addendum_form": forms.get("addenda") or AddendumForm(),
            "addenda": session.addenda.select_related("written_by"),
            "record": Discharge.objects.filter(session=session).first(),
            **_clock_context(session, context["now"]),
        }
    )
    return context


CONTEXTS: dict[str, Callable[..., dict[str, Any]]] = {
    "console": _console_context,
    "check_in": _check_in_context,
    "discharge": _discharge_context,
    "sign": _sign_context,
}


def _template(page: str, panel: str | None = None) -> str:
    name = f"infusions/{page}.html"
    return f"{name}#{panel}" if panel else name


def _panels(
    request: HttpRequest,
    page: str,
    context: dict[str, Any],
    panels: Iterable[str],
    oob: bool,
) -> str:
    skip = _skipped(request)
    if oob and "all" in skip:
        return ""
    parts = []
    for panel in panels:
        if oob and panel in skip:
            continue
        values = {**context, "oob": oob}
        if oob:
            values.update({"saved": "", "refusal": ""})
        parts.append(render_to_string(_template(page, panel), values, request))
    return "".join(parts)


def _page_response(
    request: HttpRequest, session: InfusionSession, page: str, *, status: int = 200
) -> HttpResponse:
    """The whole page, or for ``?refresh=1`` every panel as an out-of-band swap (the live
    refresh), or for ``?panel=name`` one panel."""
    context = CONTEXTS[page](request, session)
    if request.GET.get("refresh"):
        return HttpResponse(_panels(request, page, context, PAGES[page], oob=True))
    panel = request.GET.get("panel")
    if panel:
        if panel not in PAGES[page]:
            raise Http404("No such panel.")
        return render(request, _template(page, panel), context)
    return render(request, _template(page), context, status=status)


def _answer(
    request: HttpRequest,
    session: InfusionSession,
    page: str,
    panel: str,
    *,
    forms: dict[str, Form] | None = None,
    status: int = 200,
    saved: str = "",
    refusal: str = "",
) -> HttpResponse:
    """Answer a POST: for htmx the panel (with the others out of band when something was
    saved); otherwise a redirect to the page (saved) or the page with the refusal."""
    fresh = _fresh(session)
    if not is_htmx(request):
        if status < 400:
            messages.success(request, saved or "Saved.")
            return redirect(page_url(fresh, page))
        if refusal:
            messages.error(request, refusal)
        context = CONTEXTS[page](request, fresh, forms)
        return render(request, _template(page), context, status=status)
    context = CONTEXTS[page](request, fresh, forms)
    context.update({"saved": saved, "refusal": refusal})
    body = render_to_string(_template(page, panel), {**context, "oob": False}, request)
    if status < 400:
        others = [name for name in PAGES[page] if name != panel]
        body += _panels(request, page, context, others, oob=True)
    return HttpResponse(body, status=status)


def _fresh(session: InfusionSession) -> InfusionSession:
    return InfusionSession.objects.select_related(
        "clinic", "patient", "order__protocol", "chair", "signed_by"
    ).get(pk=session.pk)


def _act(
    request: HttpRequest,
    session: InfusionSession,
    page: str,
    panel: str,
    form: Form,
    act: Callable[[], Any],
    saved: str,
    key: str = "",
) -> HttpResponse:
    """Validate ``form``, run the action, answer. A refusal saves nothing (the actions are
    atomic) and comes back on the form; a role refusal is a 403 with its reason."""
    if form.is_valid():
        try:
            act()
        except PermissionDenied as error:
            reason = str(error) or "Your role does not allow this."
            return _answer(
                request,
                session,
                page,
                panel,
                forms={key or panel: form},
                status=403,
                refusal=reason,
            )
        except actions.SessionConflict as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _answer(request, session, page, panel, saved=saved)
    return _answer(request, session, page, panel, forms={key or panel: form}, status=422)


# --- The console and its entries -------------------------------------------------------------


def _open(request: HttpRequest, session_id: uuid.UUID) -> InfusionSession:
    """Fetch (404 outside the clinic) then require a clinician (403 with the reason)."""
    session = get_session_for(request, session_id)
    _require_clinician(request)
    return session


@require_GET
@member_required
def console(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    if not (request.GET.get("refresh") or request.GET.get("panel")):
        _audit_read(request, session, "Infusion console opened")
    return _page_response(request, session, "console")


@require_GET
@member_required
def chart(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The console chart's data (uPlot), one time axis for vitals, pump events and dose."""
    session = _open(request, session_id)
    response = JsonResponse(chart_series(session))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required
def pump(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = PumpForm(request.POST)

    def act() -> Any:
        data = form.cleaned_data
        return actions.pump_action(
            actor=request.user,
            session=session,
            action=data["action"],
            rate_ml_h=data.get("rate_ml_h"),
            reason=data.get("reason") or "",
            request=request,
            **form.entry_kwargs(),
        )

    words = {
        "rate": "Rate changed",
        "pause": "Pump paused",
        "resume": "Pump resumed",
        "stop": "Pump stopped: infusion ended",
    }
    saved = words.get(request.POST.get("action") or "rate", "Pump updated")
    return _act(request, session, "console", "pump", form, act, saved)


@require_POST
@member_required
def vitals(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = VitalsForm(request.POST)

    def act() -> Any:
        return actions.record_vitals(
            actor=request.user,
            session=session,
            request=request,
            **form.entry_kwargs(),
            **form.values(),
        )

    return _act(request, session, _page(request), "vitals", form, act, "Vital signs recorded")


@require_POST
@member_required
def patient_state(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = StateForm(request.POST)

    def act() -> Any:
        data = form.cleaned_data
        return actions.record_patient_state(
            actor=request.user,
            session=session,
            anxiety=data.get("anxiety"),
            dissociation=data.get("dissociation"),
            nausea=data.get("nausea"),
            request=request,
            **form.entry_kwargs(),
        )

    return _act(request, session, "console", "state", form, act, "Patient state recorded")


@require_POST
@member_required
def support(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = SupportForm(request.POST)

    def act() -> Any:
        return actions.record_support_event(
            actor=request.user,
            session=session,
            kind=form.cleaned_data["kind"],
            request=request,
            **form.entry_kwargs(),
        )

    return _act(request, session, "console", "support", form, act, "Support recorded")


def _entry_for(session: InfusionSession, entry_id: uuid.UUID) -> Entry:
    """Any entry of ``session`` by its public id, or 404 (another session's is not found)."""
    for model in ENTRY_MODELS.values():
        entry = model.objects.filter(public_id=entry_id, session=session).first()
        if entry is not None:
            entry.session = session
            return entry
    raise Http404("No such entry in this session.")


def _entry_of(session: InfusionSession, entry_id: uuid.UUID, model: type[Entry]) -> Any:
    entry = _entry_for(session, entry_id)
    if not isinstance(entry, model):
        raise Http404("No such entry in this session.")
    return entry


@require_POST
@member_required
def support_response(
    request: HttpRequest, session_id: uuid.UUID, entry_id: uuid.UUID
) -> HttpResponse:
    session = _open(request, session_id)
    event = _entry_of(session, entry_id, SupportEvent)
    form = SupportResponseForm(request.POST)

    def act() -> Any:
        return actions.record_support_response(
            actor=request.user,
            support_event=event,
            response=form.cleaned_data["response"],
            request=request,
            **form.entry_kwargs(),
        )

    return _act(request, session, "console", "support", form, act, "Response recorded")


@require_POST
@member_required
def statement(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = StatementForm(request.POST)

    def act() -> Any:
        return actions.record_statement(
            actor=request.user,
            session=session,
            text=form.cleaned_data["text"],
            tagged_for_integration=form.cleaned_data["tagged_for_integration"],
            request=request,
            **form.entry_kwargs(),
        )

    return _act(request, session, "console", "statement", form, act, "Statement recorded")


@require_POST
@member_required
def adverse_event(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = AdverseEventForm(request.POST)

    def act() -> Any:
        data = form.cleaned_data
        return actions.record_adverse_event(
            actor=request.user,
            session=session,
            type=data["type"],
            severity_grade=data["severity_grade"],
            actions_taken=data.get("actions_taken") or [],
            description=data.get("description") or "",
            request=request,
            **form.entry_kwargs(),
        )

    return _act(request, session, "console", "adverse", form, act, "Adverse event recorded")


@require_POST
@member_required
def resolve_adverse_event(
    request: HttpRequest, session_id: uuid.UUID, entry_id: uuid.UUID
) -> HttpResponse:
    session = _open(request, session_id)
    event = _entry_of(session, entry_id, AdverseEvent)
    form = ResolveForm(request.POST)

    def act() -> Any:
        return actions.resolve_adverse_event(
            actor=request.user,
            adverse_event=event,
            resolution=form.cleaned_data["resolution"],
            request=request,
            **form.entry_kwargs(),
        )

    return _act(
        request, session, "console", "adverse", form, act, "Resolution recorded", key="resolve"
    )


@require_POST
@member_required
def rescue(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = RescueForm(request.POST, prescribers=_prescribers(session))

    def act() -> Any:
        data = form.cleaned_data
        linked = None
        if data.get("adverse_event"):
            linked = _entry_of(session, data["adverse_event"], AdverseEvent)
        at = data.get("occurred_at")
        if at is None and data.get("given_minutes_ago"):
            at = timezone.now() - timedelta(minutes=data["given_minutes_ago"])
        return actions.record_rescue_medication(
            actor=request.user,
            session=session,
            client_id=data["client_id"],
            occurred_at=at,
            drug=data["drug_name"],
            dose=data["dose"],
            unit=data["unit"],
            route=data["route"],
            ordered_by=form.prescribers[data["ordered_by"]],
            adverse_event=linked,
            request=request,
        )

    return _act(
        request,
        session,
        "console",
        "adverse",
        form,
        act,
        "Rescue medication recorded",
        key="rescue",
    )


@require_POST
@member_required
def acknowledge(request: HttpRequest, session_id: uuid.UUID, alert_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    alert = get_alert_for(session, alert_id)
    form = AcknowledgeForm(request.POST)
    form.alert_id = alert.public_id  # type: ignore[attr-defined]

    def act() -> Any:
        return actions.acknowledge_alert(
            actor=request.user,
            alert=alert,
            action_taken=form.cleaned_data["action_taken"],
            request=request,
        )

    return _act(request, session, "console", "alerts", form, act, "Alert acknowledged")


@require_POST
@member_required
def correct_time(request: HttpRequest, session_id: uuid.UUID, entry_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    entry = _entry_for(session, entry_id)
    form = CorrectTimeForm(request.POST)
    form.entry_id = entry.public_id  # type: ignore[attr-defined]

    def act() -> Any:
        data = form.cleaned_data
        return actions.correct_entry_time(
            actor=request.user,
            entry=entry,
            new_time=data["new_time"],
            reason=data["reason_text"],
            client_id=data["client_id"],
            request=request,
        )

    return _act(request, session, "console", "timeline", form, act, "Time corrected")


@require_POST
@member_required
def entered_in_error(
    request: HttpRequest, session_id: uuid.UUID, entry_id: uuid.UUID
) -> HttpResponse:
    session = _open(request, session_id)
    entry = _entry_for(session, entry_id)
    form = EnteredInErrorForm(request.POST)
    form.entry_id = entry.public_id  # type: ignore[attr-defined]

    def act() -> Any:
        return actions.mark_entry_entered_in_error(
            actor=request.user,
            entry=entry,
            reason=form.cleaned_data["reason_text"],
            request=request,
        )

    return _act(request, session, "console", "timeline", form, act, "Marked entered in error")


# --- Check-in and the pump start -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
def check_in(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    if request.method == "GET":
        if not (request.GET.get("refresh") or request.GET.get("panel")):
            _audit_read(request, session, "Check-in opened")
        return _page_response(request, session, "check_in")
    form = CheckInForm(request.POST)

    def act() -> Any:
        version = form.cleaned_data.get("expected_version")
        row = actions.check_in(
            actor=request.user,
            session=session,
            answers=form.answers(),
            expected_version=version,
            request=request,
        )
        set_style(request, row.session, form.cleaned_data["style"])
        return row

    return _act(request, session, "check_in", "checklist", form, act, "Check-in saved")


@transaction.atomic
def set_style(request: HttpRequest, session: InfusionSession, style: str) -> None:
    """Quiet or guided, chosen with the patient at check-in (CLINICAL.md §6).

    A plain change of one field of a session that has not started, written like the actions
    write: locked, versioned, audited and announced after the commit. It lives here because
    the actions package has no step for it yet."""
    if style == session.style or style not in SessionStyle.values:
        return
    current = InfusionSession.objects.select_for_update().get(pk=session.pk)
    if current.state not in (SessionState.SCHEDULED, SessionState.CHECKED_IN):
        raise ValidationError({"style": "The session style is chosen before the pump starts."})
    InfusionSession.objects.filter(pk=current.pk).update(style=style, version=F("version") + 1)
    record(
        action=Action.UPDATE,
        category="infusion_session",
        request=request,
        patient=session.patient,
        obj=current,
        summary="Session style changed",
    )
    payload = {"session": str(current.public_id), "style": style}
    publish(session.clinic, session.topic, "session.style", payload)


@require_POST
@member_required
def start(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = StartForm(request.POST)
    if form.is_valid():
        try:
            actions.start_infusion(
                actor=request.user,
                session=session,
                client_id=form.cleaned_data["client_id"],
                override_reason=form.cleaned_data.get("override_reason") or "",
                request=request,
            )
        except PermissionDenied as error:
            return _answer(
                request,
                session,
                "check_in",
                "start",
                forms={"start": form},
                status=403,
                refusal=str(error),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _go(request, page_url(session, "console"), "Infusion started.")
    return _answer(request, session, "check_in", "start", forms={"start": form}, status=422)


def _go(request: HttpRequest, url: str, message: str) -> HttpResponse:
    """Go to another page after a step of the session (htmx follows HX-Redirect)."""
    messages.success(request, message)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@member_required
def recovery(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    try:
        actions.start_recovery(actor=request.user, session=session, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _go(request, page_url(session, "console"), "Recovery not started.")
    return _go(request, page_url(session, "discharge"), "Recovery started.")


# --- Recovery, discharge, abort, signature ---------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
def discharge(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    if request.method == "GET":
        if request.GET.get("preview"):
            return _page_response(request, session, "discharge")
        if not (request.GET.get("refresh") or request.GET.get("panel")):
            _audit_read(request, session, "Discharge opened")
        return _page_response(request, session, "discharge")
    form = DischargeForm(request.POST)
    if form.is_valid():
        items, missing = _nurse_items(_scale(session), form.cleaned_data)
        if items is None:
            form.add_error(None, f"Score every item first: {', '.join(missing)}.")
        else:
            data = form.cleaned_data
            try:
                actions.discharge(
                    actor=request.user,
                    session=session,
                    nurse_items=items,
                    escort_confirmed=data["escort_confirmed"],
                    instructions_given=data["instructions_given"],
                    follow_up_booked=data["follow_up_booked"],
                    driving_advice_given=data["driving_advice_given"],
                    override_reason=data.get("override_reason") or "",
                    expected_version=data.get("expected_version"),
                    request=request,
                )
            except PermissionDenied as error:
                return _answer(
                    request,
                    session,
                    "discharge",
                    "assessment",
                    forms={"assessment": form},
                    status=403,
                    refusal=str(error),
                )
            except actions.SessionConflict as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return _go(request, page_url(session, "sign"), "Patient discharged.")
    return _answer(
        request, session, "discharge", "assessment", forms={"assessment": form}, status=422
    )


@require_http_methods(["GET", "POST"])
@member_required
def abort(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = AbortForm(
        request.POST if request.method == "POST" else None,
        initial={"expected_version": session.version},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.abort_session(
                    actor=request.user,
                    session=session,
                    reason=form.cleaned_data["reason_text"],
                    expected_version=form.cleaned_data.get("expected_version"),
                    request=request,
                )
            except PermissionDenied as error:
                form.add_error(None, str(error))
                status = 403
            except actions.SessionConflict as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return _go(request, page_url(session, "sign"), "Session stopped.")
    context = {**_base_context(request, session), "form": form, "reasons": ABORT_REASONS}
    return render(request, "infusions/abort.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def sign(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    if request.method == "GET":
        if not (request.GET.get("refresh") or request.GET.get("panel")):
            _audit_read(request, session, "Infusion record opened")
        return _page_response(request, session, "sign")
    form = SignForm(request.POST)

    def act() -> Any:
        return actions.sign_session(
            actor=request.user,
            session=session,
            expected_version=form.cleaned_data.get("expected_version"),
            request=request,
        )

    return _act(request, session, "sign", "record", form, act, "Record signed")


@require_POST
@member_required
def addendum(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _open(request, session_id)
    form = AddendumForm(request.POST)

    def act() -> Any:
        return actions.add_addendum(
            actor=request.user,
            session=session,
            client_id=form.cleaned_data["client_id"],
            text=form.cleaned_data["text"],
            request=request,
        )

    return _act(request, session, "sign", "addenda", form, act, "Addendum added")
