"""The schedule in the database: a clinic's rules, and the due administrations they create.

The pure `schedule` module decides *what is due when*; this module reads a course's calendar
from the database (its start, its infusion sessions, its integration sessions, the end of
induction), applies the clinic's `ScheduleRule`s for the patient's indication group and stores
what is due as `Administration` rows with status *due*.

`sync_due_administrations` is idempotent: a measure has one *slot* (course, instrument, occasion
and the infusion session or the due date) and a slot that already has a due, in-progress or
completed row is never filled twice (a cancelled or entered-in-error row leaves it open, so a
struck baseline is asked again). A due row the schedule no longer asks for (the first infusion
was given before the baseline was answered, the infusion has started, a later follow-up
superseded it) is cancelled with the reason, never deleted. Every change is audited (a
background job is the "system" actor).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.measures import schedule
from holdspace.measures.instruments import shipped_path
from holdspace.measures.models import (
    Administration,
    AdministrationStatus,
    Instrument,
    Occasion,
    ScheduleRule,
)
from holdspace.measures.queries import NOT_COUNTED
from holdspace.measures.store import store_instrument

if TYPE_CHECKING:
    from holdspace.clinics.models import Clinic
    from holdspace.dosing.models import TreatmentCourse
    from holdspace.patients.models import Patient

logger = logging.getLogger(__name__)
CATEGORY = "measure_schedule"
SCHEDULED_OCCASIONS = tuple(Occasion(o.value) for o in schedule.Occasion)


# --- Rules -----------------------------------------------------------------------------------


def ensure_instrument(key: str) -> Instrument | None:
    """The instrument with this key; a file shipped with holdspace but not yet in the database
    (the pain rating, added after migration 0002) is loaded first. None if there is neither."""
    row = Instrument.objects.filter(key=key).first()
    if row is not None:
        return row
    path = shipped_path(key)
    if not path.exists():
        return None
    store_instrument(json.loads(path.read_text(encoding="utf-8")), "shipped")
    return Instrument.objects.get(key=key)


@transaction.atomic
def ensure_default_rules(
    clinic: Clinic, actor: Any = None, request: Any = None
) -> list[ScheduleRule]:
    """Give the clinic the project's default rules (CLINICAL.md §4) for every indication group it
    has not configured yet. A group the clinic has any rule for is left exactly as it is.
    Called by the schedule run (no actor) and when an editor saves the defaults."""
    configured = set(
        ScheduleRule.objects.filter(clinic=clinic).values_list("indication_group", flat=True)
    )
    created = []
    for group, defaults in schedule.DEFAULT_RULES.items():
        if group.value in configured:
            continue
        for default in defaults:
            instrument = ensure_instrument(default.instrument)
            if instrument is None:
                logger.warning("default schedule instrument %s is not loaded", default.instrument)
                continue
            created.append(
                ScheduleRule.objects.create(
                    clinic=clinic,
                    indication_group=group.value,
                    instrument=instrument,
                    at_baseline=default.at_baseline,
                    before_each_infusion=default.before_each_infusion,
                    at_integration=default.at_integration,
                    follow_up=default.follow_up,
                )
            )
    if created:
        record(
            action=Action.CREATE,
            category=CATEGORY,
            request=request,
            actor=actor,
            clinic=clinic,
            summary=f"Default measure schedule set up ({len(created)} rules)",
        )
    return created


@transaction.atomic
def save_default_rules(*, actor: Any, clinic: Clinic, request: Any = None) -> list[ScheduleRule]:
    """An editor saves the defaults shown on the schedule page (nothing if all are saved)."""
    from holdspace.patients.actions import require_role

    require_role(actor, clinic.pk, RULE_EDITORS, EDITORS_ONLY, request)
    return ensure_default_rules(clinic, actor, request)


def rules_for(clinic: Clinic, group: str) -> tuple[schedule.MeasureRule, ...]:
    rows = ScheduleRule.objects.filter(
        clinic=clinic, indication_group=group, is_active=True
    ).select_related("instrument")
    return tuple(
        schedule.MeasureRule(
            instrument=row.instrument.key,
            at_baseline=row.at_baseline,
            before_each_infusion=row.before_each_infusion,
            at_integration=row.at_integration,
            follow_up=row.follow_up,
        )
        for row in rows
    )


# --- A course's calendar ---------------------------------------------------------------------


def _local_date(moment: Any, clinic: Clinic) -> date:
    import zoneinfo

    return timezone.localtime(moment, zoneinfo.ZoneInfo(clinic.time_zone)).date()


def indication_group(course: TreatmentCourse) -> schedule.IndicationGroup:
    """The course's group: the ICD-10-CM code of the patient's indication recorded under the
    course's category decides when it is specific, otherwise the category itself."""
    from holdspace.patients.models import RecordStatus

    indication = (
        course.patient.indications.filter(
            status=RecordStatus.FINAL, category=course.indication_category
        )
        .order_by("-is_primary", "-recorded_at")
        .first()
    )
    code = indication.icd10_code if indication is not None else ""
    return schedule.group_for(icd10_code=code, category=course.indication_category)


def _infusions(course: TreatmentCourse) -> list[Any]:
    from holdspace.infusions.models import InfusionSession, SessionState

    return list(
        InfusionSession.objects.filter(order__course=course)
        .exclude(state=SessionState.ABORTED)
        .order_by("scheduled_for", "id")
    )


def _given(session: Any) -> bool:
    """The pump has started (or the session is past that): a pre-infusion measure is moot."""
    from holdspace.infusions.models import SessionState

    return session.started_at is not None or session.state not in (
        SessionState.SCHEDULED,
        SessionState.CHECKED_IN,
    )


def _integrations(course: TreatmentCourse, clinic: Clinic) -> tuple[schedule.Visit, ...]:
    """Integration sessions of the course's infusions. Its questionnaire is due on the day the
    integration note was opened (the session has no date of its own until it is held) and stays
    due, whether or not the note has been signed, until the integration window closes (72 hours
    after the infusion's discharge, CLINICAL.md §6 via therapy.rules) — or is answered."""
    from holdspace.therapy.models import IntegrationSession
    from holdspace.therapy.rules import integration_window

    rows = IntegrationSession.objects.filter(infusion__order__course=course).select_related(
        "infusion"
    )
    visits = []
    for row in rows:
        discharged = row.infusion.discharged_at
        closes = integration_window(discharged)[1] if discharged is not None else None
        visits.append(
            schedule.Visit(
                key=str(row.public_id),
                on=_local_date(row.created_at, clinic),
                # Asked on the day it was opened and, after that, until the window's last day
                # (in the clinic's time zone); the engine stops asking after that day.
                open_until=_local_date(closes, clinic) if closes is not None else None,
            )
        )
    return tuple(visits)


def _induction_ended_on(
    course: TreatmentCourse, sessions: list[Any], clinic: Clinic
) -> date | None:
    """The end of induction: the day the course left the induction phase, or else the day of
    the last planned induction infusion once all of them have been given."""
    from holdspace.dosing.models import CoursePhase

    change = course.phase_changes.filter(from_phase=CoursePhase.INDUCTION).first()
    if change is not None:
        return _local_date(change.changed_at, clinic)
    given = [s for s in sessions if _given(s)]
    if len(given) >= course.planned_infusions:
        last = given[course.planned_infusions - 1]
        return _local_date(last.started_at or last.scheduled_for, clinic)
    return None


def course_calendar(course: TreatmentCourse) -> tuple[schedule.CourseCalendar, dict[str, Any]]:
    """The course as the schedule engine sees it, and its infusion sessions by public id."""
    clinic = course.patient.clinic
    sessions = _infusions(course)
    infusions = tuple(
        schedule.Visit(str(s.public_id), _local_date(s.scheduled_for, clinic), done=_given(s))
        for s in sessions
    )
    calendar = schedule.CourseCalendar(
        started_on=_local_date(course.created_at, clinic),
        infusions=infusions,
        integrations=_integrations(course, clinic),
        induction_ended_on=_induction_ended_on(course, sessions, clinic),
    )
    return calendar, {str(s.public_id): s for s in sessions}


# --- Creating the due rows -------------------------------------------------------------------


@dataclass
class SyncResult:
    created: list[Administration]
    cancelled: list[Administration]


def _slot_rows(course: TreatmentCourse, measure: schedule.DueMeasure, session: Any) -> Any:
    # A cancelled or entered-in-error row does not fill the slot: a struck baseline is asked again.
    rows = Administration.objects.filter(
        course=course,
        instrument_version__instrument__key=measure.instrument,
        occasion=measure.occasion.value,
    ).exclude(status__in=NOT_COUNTED)
    if measure.occasion is schedule.Occasion.BASELINE:
        return rows
    if session is not None:
        return rows.filter(session=session)
    return rows.filter(due_on=measure.due_on)


def _create_due(
    course: TreatmentCourse, measure: schedule.DueMeasure, sessions: dict[str, Any]
) -> Administration | None:
    session = sessions.get(measure.visit_key or "")
    if _slot_rows(course, measure, session).exists():
        return None
    instrument = ensure_instrument(measure.instrument)
    version = instrument.current_version() if instrument is not None else None
    if version is None:
        logger.warning("scheduled instrument %s has no loaded version", measure.instrument)
        return None
    return Administration.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        course=course,
        session=session if measure.occasion is schedule.Occasion.PRE_INFUSION else None,
        instrument_version=version,
        occasion=measure.occasion.value,
        status=AdministrationStatus.DUE,
        due_on=measure.due_on,
    )


def _still_asked(row: Administration, due: Iterable[schedule.DueMeasure]) -> bool:
    for measure in due:
        if measure.instrument != row.instrument_key or measure.occasion.value != row.occasion:
            continue
        if measure.occasion is schedule.Occasion.BASELINE:
            return True
        if row.session_id is not None and measure.visit_key == str(row.session.public_id):
            return True
        if row.session_id is None and measure.due_on == row.due_on:
            return True
    return False


_WHY_CANCELLED = {
    Occasion.BASELINE: "no longer a baseline: an infusion was given before it was answered",
    Occasion.PRE_INFUSION: (
        "the infusion has started, was cancelled or its day has passed before it was answered"
    ),
    Occasion.INTEGRATION: "the integration window closed before it was answered",
    Occasion.FOLLOW_UP: "superseded by the next follow-up",
}
DISCONTINUED = "the course was discontinued"
NOT_IN_SCHEDULE = "no longer in the clinic's schedule for this indication"


def _why_cancelled(row: Administration, asked: set[str], discontinued: bool) -> str:
    if discontinued:
        return DISCONTINUED
    if row.instrument_key not in asked:
        return NOT_IN_SCHEDULE
    return _WHY_CANCELLED[Occasion(row.occasion)]


def _cancel_stale(
    course: TreatmentCourse,
    due: tuple[schedule.DueMeasure, ...],
    rules: tuple[schedule.MeasureRule, ...],
    today: date,
    infusion_given: bool = False,
) -> list[Administration]:
    """Cancel scheduled rows still *due* (never started) that the schedule no longer asks for,
    saying why. Rows in progress keep their answers and are left alone, except an unfinished
    baseline once an infusion has been given (`_close_stale_baselines`)."""
    discontinued = not _course_open_to_schedule(course)
    asked = {rule.instrument for rule in rules}
    rows = Administration.objects.filter(
        course=course,
        status=AdministrationStatus.DUE,
        occasion__in=[o.value for o in SCHEDULED_OCCASIONS],
        answers={},
    ).select_related("instrument_version__instrument", "session")
    cancelled = _close_stale_baselines(course, infusion_given)
    for row in rows:
        if row in cancelled or _still_asked(row, due):
            continue
        # A future row the engine does not list yet (beyond the look-ahead) is kept as it is.
        future = row.due_on is not None and row.due_on > today
        if future and not discontinued and row.occasion != Occasion.PRE_INFUSION:
            continue
        row.status = AdministrationStatus.CANCELLED
        row.status_reason = _why_cancelled(row, asked, discontinued)
        row.save(update_fields=["status", "status_reason", "updated_at"])
        cancelled.append(row)
    return cancelled


def _close_stale_baselines(course: TreatmentCourse, infusion_given: bool) -> list[Administration]:
    """Once an infusion of the course has been given, an unfinished baseline (due, or started
    and never submitted) can no longer be a baseline (CLINICAL.md §5: response is measured from
    a score before treatment). It is cancelled with the reason; answers saved so far are kept
    on the record (the immutability triggers allow the status to change while not completed)."""
    if not infusion_given:
        return []
    rows = Administration.objects.filter(
        course=course,
        occasion=Occasion.BASELINE,
        status__in=(AdministrationStatus.DUE, AdministrationStatus.IN_PROGRESS),
        completed_at__isnull=True,
    ).select_related("instrument_version__instrument", "session")
    closed = []
    for row in rows:
        row.status = AdministrationStatus.CANCELLED
        row.status_reason = _WHY_CANCELLED[Occasion.BASELINE]
        row.save(update_fields=["status", "status_reason", "updated_at"])
        closed.append(row)
    return closed


def _course_open_to_schedule(course: TreatmentCourse) -> bool:
    """A discontinued course asks nothing more; a completed one still has its follow-ups."""
    from holdspace.dosing.models import CoursePhase

    return course.phase != CoursePhase.DISCONTINUED


@transaction.atomic
def sync_due_administrations(course: TreatmentCourse, today: date | None = None) -> SyncResult:
    """Create the course's due administrations (never twice) and cancel the ones no longer
    asked, with one audit row for what changed."""
    clinic = course.patient.clinic
    today = today or _local_date(timezone.now(), clinic)
    ensure_default_rules(clinic)
    rules = rules_for(clinic, indication_group(course).value)
    calendar, sessions = course_calendar(course)
    due = schedule.due_measures(calendar, rules, today) if _course_open_to_schedule(course) else ()
    created = [row for m in due if (row := _create_due(course, m, sessions)) is not None]
    given = any(visit.done for visit in calendar.infusions)
    cancelled = _cancel_stale(course, due, rules, today, given)
    if created or cancelled:
        record(
            action=Action.UPDATE if cancelled and not created else Action.CREATE,
            category=CATEGORY,
            clinic=clinic,
            patient=course.patient,
            obj=course,
            summary=f"Measure schedule: {len(created)} due, {len(cancelled)} no longer asked",
        )
    return SyncResult(created, cancelled)


def sync_patient(patient: Patient, today: date | None = None) -> SyncResult:
    """Every course of the patient, most recent first. A course that cannot be scheduled is
    logged (ids only) and skipped, as in the hourly run."""
    total = SyncResult([], [])
    for course in patient.treatment_courses.select_related("patient__clinic"):
        try:
            result = sync_due_administrations(course, today)
        except Exception:
            logger.exception("Measure schedule failed for course %s", course.public_id)
            continue
        total.created += result.created
        total.cancelled += result.cancelled
    return total


def sync_clinic(clinic: Clinic, today: date | None = None) -> SyncResult:
    """Every course in the clinic that can still ask something (the hourly job)."""
    from holdspace.dosing.models import CoursePhase, TreatmentCourse

    total = SyncResult([], [])
    courses = (
        TreatmentCourse.objects.filter(patient__clinic=clinic)
        .exclude(phase=CoursePhase.DISCONTINUED)
        .select_related("patient__clinic")
    )
    for course in courses:
        # One course that cannot be scheduled must not stop the others (its own transaction
        # is rolled back; the log names ids only, never patient data).
        try:
            result = sync_due_administrations(course, today)
        except Exception:
            logger.exception("Measure schedule failed for course %s", course.public_id)
            continue
        total.created += result.created
        total.cancelled += result.cancelled
    return total


# --- Reminders -------------------------------------------------------------------------------

REMINDER_CATEGORY = "measure_reminder"
# Project default (no clinical source): remind on the day a questionnaire is due, and again 2 and
# 7 days later while it is still open; more than that becomes noise a patient learns to ignore.
REMIND_ON_DAYS_AFTER_DUE = (0, 2, 7)
REMINDER_SUBJECT = "A short questionnaire from your care team"
# Emails go out between 09:00 and 18:59 in the clinic's time zone: never at night (project
# default, no clinical source).
REMINDER_HOURS = range(9, 19)


def within_reminder_hours(clinic: Clinic, now: Any = None) -> bool:
    import zoneinfo

    local = timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(clinic.time_zone))
    return local.hour in REMINDER_HOURS


def reminder_text() -> str:
    """The email body. Free of clinical detail: no instrument, score, indication or treatment —
    not even the clinic's name, which often names the treatment — because email is read on
    shared screens and lock screens."""
    return (
        "Hello,\n\nYour care team has asked you to fill in a short questionnaire. It helps "
        "them see how you are doing.\n\n"
        "They will send you a personal link, or hand you a tablet at your next visit. If you "
        "have questions, please contact your care team.\n\n"
        "This is an automatic message; please do not reply to it.\n"
    )


def _reminded_recently(patient: Patient) -> bool:
    """A reminder went out in the last 20 hours: at most one a day, although the job runs
    every hour."""
    from datetime import timedelta

    from holdspace.audit.models import AuditEvent

    since = timezone.now() - timedelta(hours=20)
    return AuditEvent.objects.filter(
        category=REMINDER_CATEGORY, patient=patient, at__gte=since
    ).exists()


def patients_to_remind(clinic: Clinic, today: date) -> list[Patient]:
    """Patients with an email address and a self-report questionnaire still open that is due
    today or was due 2 or 7 days ago (REMIND_ON_DAYS_AFTER_DUE), not reminded in the
    last 20 hours."""
    from datetime import timedelta

    from holdspace.measures.models import OPEN_STATUSES, Respondent
    from holdspace.patients.models import PatientStatus

    days = [today - timedelta(days=n) for n in REMIND_ON_DAYS_AFTER_DUE]
    rows = (
        Administration.objects.filter(
            clinic=clinic,
            status__in=OPEN_STATUSES,
            due_on__in=days,
            instrument_version__instrument__respondent=Respondent.SELF,
        )
        .exclude(patient__email="")
        .exclude(patient__status=PatientStatus.DISCHARGED)
        .select_related("patient__clinic")
    )
    patients = {row.patient_id: row.patient for row in rows}
    return [p for p in patients.values() if not _reminded_recently(p)]


def send_reminders(clinic: Clinic, today: date | None = None) -> int:
    """Email every patient who has a questionnaire waiting: once a day at most, and in the
    clinic's daytime unless `today` is given (as tests do). Each email is audited.

    The email carries no link: a single-use link is issued by a clinician (the portal requires
    one as its author), so the reminder tells the patient that one will come."""
    from django.conf import settings
    from django.core.mail import send_mail

    if today is None:
        if not within_reminder_hours(clinic):
            return 0
        today = _local_date(timezone.now(), clinic)
    sent = 0
    for patient in patients_to_remind(clinic, today):
        # The audit row and the email succeed together; a mail server that refuses one patient
        # rolls back that patient's audit row (so the reminder is tried again next hour) and
        # does not stop the others. The log names the patient's public id only.
        try:
            with transaction.atomic():
                record(
                    action=Action.CREATE,
                    category=REMINDER_CATEGORY,
                    clinic=clinic,
                    patient=patient,
                    obj=patient,
                    summary="Questionnaire reminder emailed",
                )
                send_mail(
                    REMINDER_SUBJECT,
                    reminder_text(),
                    settings.DEFAULT_FROM_EMAIL,
                    [patient.email],
                )
        except Exception:
            logger.exception("Questionnaire reminder failed for patient %s", patient.public_id)
            continue
        sent += 1
    return sent


# --- The worklist ----------------------------------------------------------------------------


def _patient_measures_url(patient: Patient) -> str:
    from django.urls import NoReverseMatch, reverse

    # The patient's questionnaires page, where a measure is entered or a link sent; the chart
    # until that page exists.
    try:
        return reverse("measures:patient_measures", kwargs={"patient_id": patient.public_id})
    except NoReverseMatch:
        return reverse("patients:chart", kwargs={"patient_id": patient.public_id})


def overdue_items(clinic: Clinic, user: Any) -> list[Any]:
    """Worklist provider: one item per patient with questionnaires past their due date (still
    due or in progress), for the patient's prescriber and therapist first."""
    from holdspace.measures.models import OPEN_STATUSES
    from holdspace.worklist.registry import Urgency, WorklistItem

    today = _local_date(timezone.now(), clinic)
    rows = (
        Administration.objects.filter(clinic=clinic, status__in=OPEN_STATUSES, due_on__lt=today)
        .exclude(occasion=Occasion.DISCHARGE)
        .select_related("patient", "instrument_version__instrument")
        .order_by("due_on", "id")
    )
    by_patient: dict[int, list[Administration]] = {}
    for row in rows:
        by_patient.setdefault(row.patient_id, []).append(row)
    items = []
    for overdue in by_patient.values():
        patient = overdue[0].patient
        names = sorted({row.instrument_version.instrument.short_name for row in overdue})
        detail = "; ".join(
            f"{row.instrument_version.instrument.short_name} due {row.due_on:%Y-%m-%d} "
            f"({row.get_occasion_display().lower()})"
            for row in overdue
        )
        team = frozenset(pk for pk in (patient.prescriber_id, patient.therapist_id) if pk)
        first_due = overdue[0].due_on
        items.append(
            WorklistItem(
                kind="measure_overdue",
                label="Measure overdue",
                patient=patient,
                title=f"Overdue: {', '.join(names)}",
                detail=detail,
                url=_patient_measures_url(patient),
                action="Enter or send the questionnaire",
                urgency=Urgency.DUE,
                since=timezone.make_aware(
                    timezone.datetime.combine(first_due, timezone.datetime.min.time())
                ),
                responsible_ids=team,
            )
        )
    return items


# --- Configuring the rules (clinic admin or prescriber) --------------------------------------

RULE_EDITORS = ("clinic_admin", "prescriber")
EDITORS_ONLY = "Only a clinic admin or a prescriber can change the measure schedule."
OCCASION_FIELDS = ("at_baseline", "before_each_infusion", "at_integration", "follow_up")


def _rule_label(rule: ScheduleRule) -> str:
    return f"{rule.get_indication_group_display()} · {rule.instrument.short_name}"


def _check_occasions(values: dict[str, bool], is_active: bool) -> None:
    from django.core.exceptions import ValidationError

    if is_active and not any(values.get(name) for name in OCCASION_FIELDS):
        raise ValidationError(
            "Choose at least one occasion (baseline, before each infusion, integration or "
            "follow-up), or switch the rule off."
        )


@transaction.atomic
def change_rule(
    *, actor: Any, rule: ScheduleRule, values: dict[str, bool], request: Any = None
) -> ScheduleRule:
    """Change when the rule's instrument is asked, or switch it on or off. Questionnaires
    already due are kept; the next schedule run follows the new rule."""
    from holdspace.patients.actions import require_role

    require_role(actor, rule.clinic_id, RULE_EDITORS, EDITORS_ONLY, request)
    rule = ScheduleRule.objects.select_for_update().select_related("instrument").get(pk=rule.pk)
    is_active = bool(values.get("is_active", rule.is_active))
    _check_occasions(values, is_active)
    changed = [
        name
        for name in (*OCCASION_FIELDS, "is_active")
        if name in values and getattr(rule, name) != bool(values[name])
    ]
    if not changed:
        return rule
    for name in changed:
        setattr(rule, name, bool(values[name]))
    rule.save(update_fields=[*changed, "updated_at"])
    record(
        action=Action.UPDATE,
        category=CATEGORY,
        request=request,
        actor=actor,
        clinic=rule.clinic,
        obj=rule,
        summary=f"Measure schedule rule changed: {_rule_label(rule)} ({', '.join(changed)})",
    )
    return rule


@transaction.atomic
def add_rule(
    *,
    actor: Any,
    clinic: Clinic,
    indication_group: str,
    instrument: Instrument,
    values: dict[str, bool],
    request: Any = None,
) -> ScheduleRule:
    """Ask one more instrument for an indication group."""
    from django.core.exceptions import ValidationError

    from holdspace.measures.models import IndicationGroup
    from holdspace.patients.actions import require_role

    require_role(actor, clinic.pk, RULE_EDITORS, EDITORS_ONLY, request)
    if indication_group not in IndicationGroup.values:
        raise ValidationError("Choose one of the indication groups.")
    _check_occasions(values, True)
    # Adding to a group not yet configured must not drop its defaults (a configured group is
    # never given defaults again), so the defaults are saved first.
    ensure_default_rules(clinic, actor, request)
    existing = ScheduleRule.objects.filter(
        clinic=clinic, indication_group=indication_group, instrument=instrument
    ).first()
    if existing is not None:
        raise ValidationError(
            f"{instrument.short_name} is already in the schedule for "
            f"{existing.get_indication_group_display()}; change its row instead."
        )
    rule = ScheduleRule.objects.create(
        clinic=clinic,
        indication_group=indication_group,
        instrument=instrument,
        **{name: bool(values.get(name)) for name in OCCASION_FIELDS},
    )
    record(
        action=Action.CREATE,
        category=CATEGORY,
        request=request,
        actor=actor,
        clinic=clinic,
        obj=rule,
        summary=f"Measure schedule rule added: {_rule_label(rule)}",
    )
    return rule
