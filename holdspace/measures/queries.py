"""Reading administrations and safety flags: scoped lookups, the pre-infusion check, the
worklist's open flags and the board's safety indicator. Nothing here writes."""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from holdspace.measures import instruments
from holdspace.measures.models import (
    Administration,
    AdministrationStatus,
    Occasion,
    SafetyFlag,
)

if TYPE_CHECKING:
    from holdspace.clinics.models import Clinic
    from holdspace.infusions.models import InfusionSession
    from holdspace.patients.models import Patient

# Rows that no longer count: never asked (cancelled) or struck from the record.
NOT_COUNTED = (AdministrationStatus.CANCELLED, AdministrationStatus.ENTERED_IN_ERROR)


# --- Scoped lookups (404 outside the clinic being worked in) ---------------------------------


def get_patient_for(request: HttpRequest, patient_id: uuid.UUID) -> Patient:
    from holdspace.patients.views import get_patient_for as patient_for

    return patient_for(request, patient_id)


def get_administration_for(
    request: HttpRequest, patient_id: uuid.UUID, administration_id: uuid.UUID
) -> Administration:
    """The patient's administration with this public id in the clinic being worked in, or 404."""
    patient = get_patient_for(request, patient_id)
    row = get_object_or_404(
        Administration.objects.select_related(
            "instrument_version__instrument", "entered_by", "session", "course"
        ),
        public_id=administration_id,
        patient=patient,
        clinic=request.clinic,  # type: ignore[attr-defined]
    )
    row.patient = patient
    return row


def get_flag_for(request: HttpRequest, patient_id: uuid.UUID, flag_id: uuid.UUID) -> SafetyFlag:
    patient = get_patient_for(request, patient_id)
    flag = get_object_or_404(
        SafetyFlag.objects.select_related(
            "administration__instrument_version__instrument", "acknowledged_by"
        ),
        public_id=flag_id,
        patient=patient,
        clinic=request.clinic,  # type: ignore[attr-defined]
    )
    flag.patient = patient
    return flag


def get_link_for(request: HttpRequest, patient_id: uuid.UUID, link_id: uuid.UUID) -> Any:
    """One of the patient's single-use links (portal.PatientLink), or 404."""
    from holdspace.portal.models import PatientLink

    patient = get_patient_for(request, patient_id)
    link = get_object_or_404(
        PatientLink.objects.all(),
        public_id=link_id,
        patient=patient,
        clinic=request.clinic,  # type: ignore[attr-defined]
    )
    link.patient = patient
    return link


# --- Showing a questionnaire -----------------------------------------------------------------


@dataclass(frozen=True)
class ShownItem:
    """One question as a page shows it: its text only where the licence allows."""

    link_id: str
    label: str
    options: tuple[tuple[int, str], ...]
    scored: bool
    answer: int | None


def shown_items(
    administration: Administration, answers: dict[str, Any] | None = None
) -> list[ShownItem]:
    """The questions of the administration's version with the answers given so far.

    Item text and answer wording are shown only when the instrument's licence allows holdspace
    to carry them (CLINICAL.md §4); otherwise the item number and the answer's value."""
    parsed = administration.instrument_version.parsed()
    ships_text = administration.instrument_version.instrument.licence_ships_text
    given = administration.answers if answers is None else answers
    return [_shown(item, ships_text, given.get(item.link_id)) for item in parsed.items]


def _shown(item: instruments.Item, ships_text: bool, answer: Any) -> ShownItem:
    label = item.text if ships_text and item.text else f"Item {item.position}"
    options = tuple(
        (option.weight, f"{option.display}" if ships_text and option.display else "")
        for option in item.options
    )
    return ShownItem(item.link_id, label, options, item.scored, answer)


def missing_labels(administration: Administration) -> list[str]:
    """The missing items as a clinician reads them ("Item 9 (…)")."""
    parsed = administration.instrument_version.parsed()
    ships_text = administration.instrument_version.instrument.licence_ships_text
    labels = []
    for link_id in administration.missing_items:
        try:
            item = parsed.item(link_id)
        except KeyError:
            labels.append(link_id)
            continue
        text = f" ({item.text})" if ships_text and item.text else ""
        labels.append(f"Item {item.position}{text}")
    return labels


# --- Lists -----------------------------------------------------------------------------------


def administrations_of(patient: Patient) -> list[Administration]:
    """Every administration of the patient: open ones first (by due date), then results."""
    rows = list(
        Administration.objects.filter(patient=patient)
        .select_related("instrument_version__instrument", "entered_by")
        .order_by("-created_at", "-id")
    )
    open_rows = sorted((r for r in rows if r.is_open), key=lambda r: (r.due_on is None, r.due_on))
    done = [r for r in rows if not r.is_open]
    done.sort(key=lambda r: r.completed_at or r.updated_at, reverse=True)
    return open_rows + done


def open_flags_of(patient: Patient) -> list[SafetyFlag]:
    return list(
        SafetyFlag.objects.filter(patient=patient, acknowledged_at__isnull=True).select_related(
            "administration__instrument_version__instrument"
        )
    )


def has_open_safety_flag(patient: Patient) -> bool:
    """True while any of the patient's safety flags awaits acknowledgement (the check-in waits)."""
    return SafetyFlag.objects.filter(patient=patient, acknowledged_at__isnull=True).exists()


def open_flags(clinic: Clinic) -> list[SafetyFlag]:
    """The clinic's unacknowledged safety flags, oldest first, in one query."""
    return list(
        SafetyFlag.objects.filter(clinic=clinic, acknowledged_at__isnull=True)
        .select_related("patient", "administration__instrument_version__instrument")
        .order_by("raised_at", "id")
    )


def flag_url(flag: SafetyFlag) -> str:
    return reverse(
        "measures:flag",
        kwargs={"patient_id": flag.patient.public_id, "flag_id": flag.public_id},
    )


# --- The board ---------------------------------------------------------------------------------


def sessions_with_open_safety_flags(clinic: Clinic) -> set[uuid.UUID]:
    """Public ids of in-chair sessions whose patient has an unacknowledged safety flag.

    The board shows only that there is a flag (minimum necessary: no item, answer or score)."""
    from holdspace.infusions.models import IN_CHAIR_STATES, InfusionSession

    flagged = SafetyFlag.objects.filter(clinic=clinic, acknowledged_at__isnull=True).values(
        "patient_id"
    )
    return set(
        InfusionSession.objects.filter(
            clinic=clinic, state__in=IN_CHAIR_STATES, patient_id__in=flagged
        ).values_list("public_id", flat=True)
    )


# --- The check-in checklist ------------------------------------------------------------------


def pre_infusion_measures(session: InfusionSession) -> list[Administration]:
    """The questionnaires asked before this infusion: those the schedule created for it
    (occasion pre-infusion, this session) and, before the course's first infusion only, the
    course's baseline (on that day the schedule asks the baseline instead of a separate
    pre-infusion questionnaire; once an infusion was given a baseline can no longer be taken,
    CLINICAL.md §5). Cancelled ones are left out."""
    asked = Q(session=session, occasion=Occasion.PRE_INFUSION)
    course_id = session.order.course_id
    if course_id is not None and not _course_infusion_given(session):
        asked |= Q(course_id=course_id, occasion=Occasion.BASELINE)
    return list(
        Administration.objects.filter(asked)
        .exclude(status=AdministrationStatus.CANCELLED)
        .select_related("instrument_version__instrument")
        .order_by("instrument_version__instrument__short_name", "id")
    )


def _course_infusion_given(session: InfusionSession) -> bool:
    """Another infusion of the session's course has been started (the pump ran)."""
    from holdspace.infusions.models import InfusionSession

    return (
        InfusionSession.objects.filter(
            order__course_id=session.order.course_id, started_at__isnull=False
        )
        .exclude(pk=session.pk)
        .exists()
    )


def pre_infusion_measures_missing(session: InfusionSession) -> list[str]:
    """Short names of instruments due before this infusion and not yet answered: a pre-infusion
    questionnaire must be completed on the infusion's day (in the clinic's time zone), a
    baseline on or before it. An empty list means the measures are done.

    Only a complete, scored answer counts: a form submitted with items missing (no total,
    CLINICAL.md §4) does not tick the check-in. An instrument whose only answer was entered in
    error is still missing (ask again)."""
    zone = zoneinfo.ZoneInfo(session.clinic.time_zone)
    day = timezone.localtime(session.scheduled_for, zone).date()
    wanted: set[tuple[str, str]] = set()
    done: set[tuple[str, str]] = set()
    for row in pre_infusion_measures(session):
        key = (row.occasion, row.instrument_version.instrument.short_name)
        wanted.add(key)
        scored = row.complete and row.total is not None
        if row.status != AdministrationStatus.COMPLETED or not row.completed_at or not scored:
            continue
        answered_on = timezone.localtime(row.completed_at, zone).date()
        if answered_on == day or (row.occasion == Occasion.BASELINE and answered_on <= day):
            done.add(key)
    return sorted({name for _occasion, name in wanted - done})


# --- The worklist ----------------------------------------------------------------------------


def safety_flag_items(clinic: Clinic, user: Any) -> list[Any]:
    """Worklist provider: every unacknowledged safety flag of the clinic, urgency SAFETY.

    Shown to every clinician (a safety flag is everyone's business), primarily to the patient's
    care team; it clears when acknowledged on the flag's page."""
    from holdspace.worklist.registry import Urgency, WorklistItem

    flags = open_flags(clinic)
    teams = _care_teams([flag.patient for flag in flags])
    return [
        WorklistItem(
            kind="safety_flag",
            label="Safety flag",
            patient=flag.patient,
            title=f"{flag.administration.instrument_version.instrument.short_name} safety flag",
            detail=flag.text,
            url=flag_url(flag),
            action="Acknowledge with action taken",
            urgency=Urgency.SAFETY,
            since=flag.raised_at,
            responsible_ids=teams.get(flag.patient.pk, frozenset()),
        )
        for flag in flags
    ]


def _care_teams(patients: list[Patient]) -> dict[int, frozenset[int]]:
    """Each patient's prescriber, therapist and nurses, in two queries."""
    from holdspace.patients.models import Patient

    ids = {patient.pk for patient in patients}
    teams: dict[int, set[int]] = {pk: set() for pk in ids}
    for pk, prescriber, therapist in Patient.objects.filter(pk__in=ids).values_list(
        "pk", "prescriber_id", "therapist_id"
    ):
        teams[pk].update(user for user in (prescriber, therapist) if user)
    for pk, nurse in Patient.nurses.through.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "user_id"
    ):
        teams[pk].add(nurse)
    return {pk: frozenset(users) for pk, users in teams.items()}


# --- The kiosk -------------------------------------------------------------------------------


def kiosk_ready(patient: Patient) -> list[Administration]:
    """The patient's open questionnaires a patient can answer on a clinic tablet now: self-report,
    licence lets holdspace show the text, and due today or earlier."""
    today = timezone.localdate()
    rows = (
        Administration.objects.filter(
            patient=patient,
            status__in=(AdministrationStatus.DUE, AdministrationStatus.IN_PROGRESS),
            completed_at__isnull=True,
            instrument_version__instrument__respondent="self",
            instrument_version__instrument__licence_ships_text=True,
        )
        .select_related("instrument_version__instrument")
        .order_by("id")
    )
    return [row for row in rows if row.due_on is None or row.due_on <= today]
