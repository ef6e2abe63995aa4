"""Every clinically significant change to a questionnaire administration, one function each.

Each action runs in one transaction, locks the administration row, checks who may do it, writes
the change with its audit row, and publishes live events that screens hear after the commit.

Who answers:

- a clinician (``actor``) enters a clinician-rated scale or transcribes a paper form;
- the patient on a clinic tablet (``mode=kiosk``; the kiosk view has checked its signed token);
- the patient through a single-use link (``link``; the portal view has checked the link and the
  date of birth, and the action checks again that the link opens this administration).

Answers are checked against the instrument version the administration was created with, and
scored by the pure engine on submission. A missing answer is never counted as 0 (CLINICAL.md
§4): a response that does not meet the completeness rule is stored as completed but incomplete,
without a total, naming the missing items. Submitting is idempotent by ``client_id``.

Audit summaries name what happened, never answers, scores or free text.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import CLINICAL_ROLES
from holdspace.live.events import publish
from holdspace.measures import scoring
from holdspace.measures.models import (
    OPEN_STATUSES,
    Administration,
    AdministrationStatus,
    Instrument,
    Mode,
    Occasion,
    SafetyAction,
    SafetyFlag,
)
from holdspace.patients.actions import require_role

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.dosing.models import TreatmentCourse
    from holdspace.infusions.models import InfusionSession
    from holdspace.patients.models import Patient
    from holdspace.portal.models import PatientLink

CLINICIANS = "Only a clinician of this clinic (prescriber, nurse or therapist) can do this."
NO_TEXT_FOR_PATIENT = (
    "This instrument's licence does not let holdspace show its questions, so a patient cannot "
    "fill it in on screen. Use the licensed paper form and enter the answers yourself."
)
NOT_SELF_REPORT = "This is a clinician-rated scale: a clinician enters it, not the patient."
ALREADY_DONE = "This questionnaire was already submitted; its answers cannot change."
NOT_OPEN = "This questionnaire is no longer waiting for answers ({status})."
LINK_REFUSED = "This link does not open that questionnaire."
CATEGORY = "measures"
FLAG_CATEGORY = "safety_flag"


@dataclass(frozen=True)
class Answerer:
    """Who is answering: a clinician, the patient at a kiosk, or the patient by link."""

    actor: User | None = None
    link: PatientLink | None = None
    kiosk: bool = False

    @property
    def mode(self) -> str:
        if self.link is not None:
            return Mode.REMOTE
        return Mode.KIOSK if self.kiosk else Mode.CLINICIAN

    def describe(self) -> str:
        if self.link is not None:
            return f"the patient by link {self.link.public_id}"
        return "the patient on a clinic tablet" if self.kiosk else "a clinician"


# --- Helpers ---------------------------------------------------------------------------------


def _audit(
    action: Action,
    administration: Administration,
    summary: str,
    actor: User | None,
    request: HttpRequest | None,
    category: str = CATEGORY,
    obj: Any = None,
) -> None:
    record(
        action=action,
        category=category,
        request=request,
        actor=actor,
        clinic=administration.clinic,
        patient=administration.patient,
        obj=obj if obj is not None else administration,
        summary=summary,
        # The patient answering on a kiosk or by link is not a staff user; name them as such.
        actor_label="" if actor is not None else "patient (kiosk or link)",
    )


def _require_clinician(actor: User, clinic_id: int, request: HttpRequest | None) -> str:
    return require_role(actor, clinic_id, CLINICAL_ROLES, CLINICIANS, request)


def _lock(administration: Administration) -> Administration:
    return (
        Administration.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "instrument_version__instrument", "session__chair")
        .get(pk=administration.pk)
    )


def _label(administration: Administration) -> str:
    return administration.instrument_version.instrument.short_name


def _check_answerer(administration: Administration, by: Answerer, request: Any) -> None:
    """The clinician is of this clinic; a patient answers only their own self-report forms."""
    instrument = administration.instrument_version.instrument
    if by.actor is not None:
        _require_clinician(by.actor, administration.clinic_id, request)
        return
    if instrument.respondent != "self":
        raise PermissionDenied(NOT_SELF_REPORT)
    if not instrument.licence_ships_text:
        raise PermissionDenied(NO_TEXT_FOR_PATIENT)
    if by.link is not None:
        link = by.link
        opens = link.administrations.filter(pk=administration.pk).exists()
        if not opens or link.patient_id != administration.patient_id or link.used_at:
            raise PermissionDenied(LINK_REFUSED)
    elif not by.kiosk or administration.mode != Mode.KIOSK:
        raise PermissionDenied("Only a clinician or the patient it was handed to may answer.")


def _require_open(administration: Administration) -> None:
    if administration.completed_at is not None:
        raise ValidationError(ALREADY_DONE)
    if administration.status not in OPEN_STATUSES:
        raise ValidationError(NOT_OPEN.format(status=administration.get_status_display().lower()))


def checked_answers(
    administration: Administration, answers: Mapping[str, int | None]
) -> dict[str, int | None]:
    """Answers keyed by linkId, checked against the administration's instrument version
    (``ValidationError`` naming the item and its allowed values otherwise)."""
    try:
        return scoring.normalise_answers(administration.instrument_version.parsed(), answers)
    except scoring.ScoreInputError as error:
        raise ValidationError(str(error)) from None


def _uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({"client_id": "This is not a valid identifier."}) from None


# --- Creating and starting -------------------------------------------------------------------


@transaction.atomic
def create_administration(
    *,
    actor: User,
    patient: Patient,
    instrument: Instrument,
    occasion: str = Occasion.AD_HOC,
    course: TreatmentCourse | None = None,
    session: InfusionSession | None = None,
    due_on: Any = None,
    request: HttpRequest | None = None,
) -> Administration:
    """A questionnaire due now for this patient (an unscheduled one unless ``occasion`` says
    otherwise), on the instrument's current version."""
    _require_clinician(actor, patient.clinic_id, request)
    version = instrument.current_version()
    if version is None:
        raise ValidationError(f"{instrument.short_name} has no loaded version to ask.")
    for other in (course, session):
        if other is not None and other.patient_id != patient.pk:
            raise ValidationError("That course or session belongs to another patient.")
    administration = Administration.objects.create(
        clinic=patient.clinic,
        patient=patient,
        course=course,
        session=session,
        instrument_version=version,
        occasion=occasion,
        due_on=due_on or timezone.localdate(),
        entered_by=actor,
    )
    _audit(
        Action.CREATE,
        administration,
        f"{instrument.short_name} asked ({administration.get_occasion_display()})",
        actor,
        request,
    )
    _publish(administration, "measures.due")
    return administration


@transaction.atomic
def start_administration(
    *,
    administration: Administration,
    by: Answerer,
    request: HttpRequest | None = None,
) -> Administration:
    """Mark an open administration as being answered, and how (clinician, kiosk, link).

    Handing a tablet to the patient is started by the clinician (``by.actor`` with
    ``kiosk=True``), which records who handed it over."""
    current = _lock(administration)
    if by.actor is not None:
        _require_clinician(by.actor, current.clinic_id, request)
        patient_answers = by.kiosk
    else:
        _check_answerer(current, by, request)
        patient_answers = True
    _require_open(current)
    if patient_answers:
        instrument = current.instrument_version.instrument
        if instrument.respondent != "self":
            raise ValidationError(NOT_SELF_REPORT)
        if not instrument.licence_ships_text:
            raise ValidationError(NO_TEXT_FOR_PATIENT)
    already = current.status == AdministrationStatus.IN_PROGRESS and current.mode == by.mode
    if already:
        return current
    current.status = AdministrationStatus.IN_PROGRESS
    current.mode = by.mode
    if by.actor is not None:
        current.entered_by = by.actor
    current.save(update_fields=["status", "mode", "entered_by", "updated_at"])
    _audit(
        Action.UPDATE,
        current,
        _started_summary(current, by),
        by.actor,
        request,
        obj=by.link,
    )
    return current


def _started_summary(row: Administration, by: Answerer) -> str:
    if by.actor is not None and by.kiosk:
        return f"{_label(row)} handed to the patient on a clinic tablet (kiosk)"
    return f"{_label(row)} started by {by.describe()}"


@transaction.atomic
def save_progress(
    *,
    administration: Administration,
    answers: Mapping[str, int | None],
    by: Answerer,
    request: HttpRequest | None = None,
) -> Administration:
    """Keep the answers given so far (a patient may close the page and come back).

    ``answers`` replaces what is stored for the items it names; an item given as None is
    cleared. Nothing is scored until the administration is submitted, but a critical item
    already answered (PHQ-9 item 9 ≥ 1, CLINICAL.md §4) raises its safety flag now, in this
    transaction: a patient who answers it and never presses send must not go unseen. An
    unanswered critical item is flagged only on submission (the patient may still answer it)."""
    current = _lock(administration)
    _check_answerer(current, by, request)
    _require_open(current)
    checked = checked_answers(current, answers)
    merged = {**current.answers, **checked}
    merged = {key: value for key, value in merged.items() if value is not None}
    if merged == current.answers and current.status == AdministrationStatus.IN_PROGRESS:
        return current
    current.answers = merged
    current.status = AdministrationStatus.IN_PROGRESS
    current.mode = by.mode
    current.save(update_fields=["answers", "status", "mode", "updated_at"])
    answered = len(merged)
    total = len(current.instrument_version.parsed().items)
    _audit(
        Action.UPDATE,
        current,
        f"{_label(current)} progress saved by {by.describe()} ({answered} of {total} answered)",
        by.actor,
        request,
        obj=by.link,
    )
    _raise_safety_flags(current, request, _answered_safety_flags(current, merged))
    return current


def _answered_safety_flags(row: Administration, answers: dict[str, int]) -> list[dict[str, str]]:
    """The safety flags the critical items answered so far raise (not the "unanswered" ones)."""
    parsed = row.instrument_version.parsed()
    critical = {item.code for item in parsed.critical_items if item.kind == "safety"}
    result = scoring.score(parsed, answers)
    return [
        {"kind": flag.kind, "code": flag.code, "text": flag.text}
        for flag in result.flags
        if flag.kind == "safety" and flag.code in critical
    ]


# --- Submitting ------------------------------------------------------------------------------


@transaction.atomic
def submit_administration(
    *,
    administration: Administration,
    answers: Mapping[str, int | None],
    by: Answerer,
    client_id: uuid.UUID | str | None = None,
    request: HttpRequest | None = None,
) -> Administration:
    """Score and store the answers for good; raise safety flags in the same transaction.

    ``answers`` are added to the progress already saved. A resubmission with the same
    ``client_id`` returns the stored administration (``replayed`` is True) and changes nothing.
    """
    client_id = _uuid(client_id)
    current = _lock(administration)
    _check_answerer(current, by, request)
    if current.completed_at is not None and client_id and current.client_id == client_id:
        current.replayed = True
        return current
    reused = Administration.objects.filter(client_id=client_id).exclude(pk=current.pk)
    if client_id and reused.exists():
        raise ValidationError("This answer sheet was already used for another questionnaire.")
    _require_open(current)
    checked = checked_answers(current, answers)
    merged = {**current.answers, **checked}
    final = {key: value for key, value in merged.items() if value is not None}
    result = scoring.score(current.instrument_version.parsed(), final)
    _store_result(current, final, result, by, client_id)
    current.replayed = False
    _audit(Action.CREATE, current, _submitted_summary(current, by), by.actor, request, obj=by.link)
    flags = _raise_safety_flags(current, request)
    _publish(current, "measures.completed", safety=bool(flags))
    return current


def _store_result(
    row: Administration,
    answers: dict[str, int | None],
    result: scoring.ScoreResult,
    by: Answerer,
    client_id: uuid.UUID | None,
) -> None:
    row.answers = answers
    row.complete = result.complete
    row.missing_items = list(result.missing)
    row.total = result.total
    row.severity = result.severity or ""
    row.subscales = dict(result.subscales)
    row.flags = [{"kind": f.kind, "code": f.code, "text": f.text} for f in result.flags]
    row.interpretation = result.interpretation
    row.completed_at = timezone.now()
    row.status = AdministrationStatus.COMPLETED
    row.mode = by.mode
    row.client_id = client_id or row.client_id
    if by.actor is not None and row.mode == Mode.CLINICIAN:
        row.entered_by = by.actor
    row.save()


def _submitted_summary(row: Administration, by: Answerer) -> str:
    state = "complete" if row.complete else f"incomplete, {len(row.missing_items)} items missing"
    return f"{_label(row)} submitted by {by.describe()} ({state})"


@transaction.atomic
def enter_clinician_rating(
    *,
    actor: User,
    administration: Administration,
    answers: Mapping[str, int | None],
    client_id: uuid.UUID | str | None = None,
    request: HttpRequest | None = None,
) -> Administration:
    """A clinician enters a rating scale (HAM-D 17, BPRS positive) or transcribes a paper
    form: the whole answer sheet at once, scored and stored for good."""
    return submit_administration(
        administration=administration,
        answers=answers,
        by=Answerer(actor=actor),
        client_id=client_id,
        request=request,
    )


# --- Entered in error ------------------------------------------------------------------------


@transaction.atomic
def mark_entered_in_error(
    *,
    actor: User,
    administration: Administration,
    reason: str,
    request: HttpRequest | None = None,
) -> Administration:
    """Strike an administration from outcomes and schedules, keeping it and its answers on the
    record with the reason. Its safety flags stay until acknowledged: a wrong form does not
    undo a risk a patient may have reported."""
    _require_clinician(actor, administration.clinic_id, request)
    words = " ".join((reason or "").split())
    if not words:
        raise ValidationError({"reason": "Say why this is entered in error."})
    current = _lock(administration)
    if current.status == AdministrationStatus.ENTERED_IN_ERROR:
        if current.status_reason == words:
            return current
        raise ValidationError("This questionnaire is already marked entered in error.")
    current.status = AdministrationStatus.ENTERED_IN_ERROR
    current.status_reason = words
    current.save(update_fields=["status", "status_reason", "updated_at"])
    _audit(Action.ENTERED_IN_ERROR, current, f"{_label(current)} entered in error", actor, request)
    _publish(current, "measures.entered_in_error")
    return current


# --- Safety flags ----------------------------------------------------------------------------


def _raise_safety_flags(
    row: Administration, request: HttpRequest | None, flags: list[dict[str, Any]] | None = None
) -> list[SafetyFlag]:
    """One SafetyFlag per safety flag of the scored result (or of ``flags``, the answers saved
    so far), in the caller's transaction; the care team's worklist shows it at once, and the
    board if the patient is in the chair. Never a second flag for the same administration and
    code (a flag raised while answering is not raised again on submission)."""
    created = []
    for flag in row.safety_flags if flags is None else flags:
        safety_flag, new = SafetyFlag.objects.get_or_create(
            administration=row,
            code=flag["code"][:80],
            defaults={
                "clinic": row.clinic,
                "patient": row.patient,
                "text": flag["text"][:300],
            },
        )
        if not new:
            continue
        created.append(safety_flag)
        record(
            action=Action.CREATE,
            category=FLAG_CATEGORY,
            request=request,
            clinic=row.clinic,
            patient=row.patient,
            obj=safety_flag,
            summary=f"Safety flag raised by {_label(row)}",
        )
    if created:
        _publish_flag(row, "safety_flag.raised", created[0])
    return created


def _publish_flag(row: Administration, kind: str, flag: SafetyFlag) -> None:
    # Minimum necessary: ids only; each screen renders what it may show.
    publish(
        row.clinic,
        "clinic",
        kind,
        {"patient": str(row.patient.public_id), "flag": str(flag.public_id)},
    )
    session = patient_in_chair(row.patient)
    if session is not None:
        publish(
            row.clinic,
            "board",
            "tile.changed",
            {"session": str(session.public_id), "chair": str(session.chair.public_id)},
        )


def patient_in_chair(patient: Patient) -> InfusionSession | None:
    """The patient's session if they are in a chair now (checked in, infusing or recovering)."""
    from holdspace.infusions.models import IN_CHAIR_STATES, InfusionSession

    return (
        InfusionSession.objects.filter(patient=patient, state__in=IN_CHAIR_STATES)
        .select_related("chair")
        .first()
    )


@transaction.atomic
def acknowledge_safety_flag(
    *,
    actor: User,
    flag: SafetyFlag,
    action: str,
    action_taken: str,
    request: HttpRequest | None = None,
) -> SafetyFlag:
    """A clinician acknowledges a safety flag with what was done (a choice and, always, their
    own words). The flag leaves the worklist and the board. Acknowledging twice with the same
    words is a resubmission and changes nothing."""
    _require_clinician(actor, flag.clinic_id, request)
    current = (
        SafetyFlag.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "administration__instrument_version__instrument")
        .get(pk=flag.pk)
    )
    words = " ".join((action_taken or "").split())
    errors = {}
    if action not in SafetyAction.values:
        errors["action"] = "Choose what was done."
    if not words:
        errors["action_taken"] = "Describe what was done for the patient."
    if errors:
        raise ValidationError(errors)
    if current.acknowledged_at is not None:
        same = current.acknowledged_by_id == actor.pk and current.action_taken == words
        if same and current.action == action:
            return current
        raise ValidationError("This safety flag was already acknowledged.")
    current.acknowledged_at = timezone.now()
    current.acknowledged_by = actor
    current.action = action
    current.action_taken = words
    current.save(update_fields=["acknowledged_at", "acknowledged_by", "action", "action_taken"])
    record(
        action=Action.UPDATE,
        category=FLAG_CATEGORY,
        request=request,
        actor=actor,
        clinic=current.clinic,
        patient=current.patient,
        obj=current,
        summary=f"Safety flag acknowledged ({current.get_action_display()})",
    )
    _publish_flag(current.administration, "safety_flag.acknowledged", current)
    return current


# --- Live events -----------------------------------------------------------------------------


def _publish(row: Administration, kind: str, **values: Any) -> None:
    publish(
        row.clinic,
        "clinic",
        kind,
        {"patient": str(row.patient.public_id), "administration": str(row.public_id), **values},
    )
