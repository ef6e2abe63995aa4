"""Every change to the therapist's record, one function each.

Each action runs in one transaction, checks that the actor may do it in the patient's clinic
(``PermissionDenied`` with a message a person can act on), checks the content
(``ValidationError`` keyed by form field), writes the change and its audit row together and,
where a screen follows the patient live, publishes an event delivered on commit.

Who may do what (documented in the README's therapy section):

- preparation and integration notes: the therapist writes and signs; the prescriber reads;
- the support plan: the therapist writes, accepts or declines the patient's suggestions; the
  nurse and the prescriber read it; any clinician may record that it was reviewed today (the
  nurse does at check-in);
- the patient suggests changes through the portal (``suggest_support_plan_change``).

Audit summaries name what happened, never clinical content.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import CLINICAL_ROLES, Role
from holdspace.infusions.models import IN_CHAIR_STATES, InfusionSession, SessionState
from holdspace.live.events import publish
from holdspace.patients.actions import require_role
from holdspace.patients.models import Patient
from holdspace.therapy import prefill
from holdspace.therapy.models import (
    EXPLAINED_ITEMS,
    INTEGRATION_FIELDS,
    PLAN_FIELDS,
    IntegrationSession,
    IntegrationStatus,
    PreparationSession,
    Readiness,
    SuggestionStatus,
    SupportPlan,
    SupportPlanReview,
    SupportPlanSuggestion,
    SupportPlanVersion,
    TherapyAddendum,
)

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.clinics.models import Clinic
    from holdspace.dosing.models import TreatmentCourse

# --- Messages people see ---------------------------------------------------------------------

THERAPIST_WRITES = "Only a therapist can write or sign the therapist's notes and the support plan."
CLINICIANS_REVIEW = "Only a clinician (therapist, nurse or prescriber) can review the support plan."
SIGNED = "This note is signed and cannot change. Write an addendum to add or correct anything."
CONFLICT = (
    "Someone else saved this while you were editing; your changes were not saved — here is "
    "what is stored now, with your text kept below so nothing is lost."
)
NO_PLAN = "This patient has no support plan yet. Write one first, then review it."
NOT_DISCHARGED = (
    "An integration session follows a completed infusion; this infusion has not been "
    "discharged yet."
)
ALREADY_OPENED = "An integration session for this infusion already exists; open it instead."
MAX_TEXT = 5000
# A session time may be a little ahead of the server clock (tablet clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_SUGGESTION = 2000


class EditConflict(Exception):
    """A save based on an older version; ``current`` is the record as it now is."""

    def __init__(self, current: Any) -> None:
        super().__init__(CONFLICT)
        self.current = current


# --- Helpers ---------------------------------------------------------------------------------


def _require_therapist(actor: User, clinic_id: int, request: HttpRequest | None) -> None:
    require_role(actor, clinic_id, [Role.THERAPIST], THERAPIST_WRITES, request)


def clinic_today(clinic: Clinic, now: datetime | None = None) -> date:
    """The date in the clinic's time zone ("reviewed today" means the clinic's today)."""
    moment = now or timezone.now()
    return timezone.localtime(moment, zoneinfo.ZoneInfo(clinic.time_zone)).date()


def _audit(
    action: Action,
    category: str,
    patient: Patient,
    obj: Any,
    summary: str,
    actor: User | None,
    request: HttpRequest | None,
    actor_label: str = "",
) -> None:
    record(
        action=action,
        category=category,
        request=request,
        actor=actor,
        clinic=patient.clinic,
        patient=patient,
        obj=obj,
        summary=summary,
        actor_label=actor_label,
    )


def _publish_to_chair(patient: Patient, kind: str, payload: dict[str, str]) -> None:
    """Tell the console of the patient's infusion today (if they are in a chair) that the plan
    changed, so an open drawer can be refreshed. Ids only."""
    sessions = InfusionSession.objects.filter(patient=patient, state__in=IN_CHAIR_STATES)
    for session in sessions.select_related("clinic"):
        publish(session.clinic, session.topic, kind, {"session": str(session.public_id), **payload})


def _clean_text(data: Mapping[str, Any], name: str, label: str) -> str:
    value = str(data.get(name) or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError({name: f"{label} is longer than {MAX_TEXT} characters."})
    return value


def _check_held_at(held_at: Any, now: datetime) -> datetime:
    if not isinstance(held_at, datetime):
        raise ValidationError({"held_at": "Give the date and time the session was held."})
    if held_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"held_at": "The session cannot be held in the future."})
    return held_at


# --- Preparation -----------------------------------------------------------------------------


PREPARATION_TEXT = (
    ("questions", "The patient's questions"),
    ("intentions", "Intentions"),
    ("readiness_note", "The readiness note"),
)


def _preparation_fields(data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {"held_at": _check_held_at(data.get("held_at"), now)}
    for name, _label in EXPLAINED_ITEMS:
        fields[name] = bool(data.get(name))
    for name, label in PREPARATION_TEXT:
        fields[name] = _clean_text(data, name, label)
    readiness = str(data.get("readiness") or "")
    if readiness and readiness not in Readiness.values:
        raise ValidationError({"readiness": "Choose ready, not yet, or needs another session."})
    fields["readiness"] = readiness
    return fields


def preparation_sign_problems(preparation: PreparationSession) -> dict[str, str]:
    """Why a preparation note cannot be signed yet (empty when it can)."""
    problems: dict[str, str] = {}
    if not preparation.readiness:
        problems["readiness"] = "Choose the patient's readiness before signing."
    elif preparation.readiness != Readiness.READY and not preparation.readiness_note.strip():
        problems["readiness_note"] = "Say what is still needed when the patient is not ready."
    if preparation.readiness == Readiness.READY:
        missing = [label for label, ticked in preparation.explained() if not ticked]
        if missing:
            # CLINICAL.md §6: the patient knows what to expect before the first infusion.
            problems["__all__"] = (
                "A patient is ready only when everything on the checklist was explained. Not "
                "ticked: " + "; ".join(missing) + "."
            )
    return problems


def _sign_preparation_row(preparation: PreparationSession, actor: User, now: datetime) -> None:
    problems = preparation_sign_problems(preparation)
    if problems:
        raise ValidationError(problems)
    updated = PreparationSession.objects.filter(pk=preparation.pk, signed_at__isnull=True).update(
        signed_at=now, signed_by=actor
    )
    if not updated:
        raise ValidationError(SIGNED)
    preparation.signed_at, preparation.signed_by = now, actor


@transaction.atomic
def create_preparation(
    *,
    actor: User,
    patient: Patient,
    data: Mapping[str, Any],
    course: TreatmentCourse | None = None,
    sign: bool = False,
    request: HttpRequest | None = None,
) -> PreparationSession:
    """Record a preparation session (a draft, or signed in the same step)."""
    _require_therapist(actor, patient.clinic_id, request)
    if course is not None and course.patient_id != patient.pk:
        raise ValidationError({"course": "That course belongs to another patient."})
    now = timezone.now()
    preparation = PreparationSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        course=course,
        therapist=actor,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **_preparation_fields(data, now),
    )
    _audit(
        Action.CREATE,
        "preparation",
        patient,
        preparation,
        "Preparation session recorded",
        actor,
        request,
    )
    if sign:
        _sign_preparation_row(preparation, actor, now)
        _audit(
            Action.SIGN,
            "preparation",
            patient,
            preparation,
            "Preparation session signed",
            actor,
            request,
        )
    return preparation


@transaction.atomic
def update_preparation(
    *,
    actor: User,
    preparation: PreparationSession,
    data: Mapping[str, Any],
    expected_version: int,
    request: HttpRequest | None = None,
) -> PreparationSession:
    """Change a draft. A stale version is a conflict and saves nothing."""
    patient = preparation.patient
    _require_therapist(actor, patient.clinic_id, request)
    current = PreparationSession.objects.select_for_update().get(pk=preparation.pk)
    if current.is_signed:
        raise ValidationError(SIGNED)
    if current.version != expected_version:
        raise EditConflict(current)
    now = timezone.now()
    fields = _preparation_fields(data, now)
    PreparationSession.objects.filter(pk=current.pk).update(
        **fields, version=current.version + 1, updated_at=now
    )
    current.refresh_from_db()
    _audit(
        Action.UPDATE,
        "preparation",
        patient,
        current,
        "Preparation session draft changed",
        actor,
        request,
    )
    return current


@transaction.atomic
def sign_preparation(
    *, actor: User, preparation: PreparationSession, request: HttpRequest | None = None
) -> PreparationSession:
    patient = preparation.patient
    _require_therapist(actor, patient.clinic_id, request)
    current = PreparationSession.objects.select_for_update().get(pk=preparation.pk)
    if current.is_signed:
        raise ValidationError(SIGNED)
    _sign_preparation_row(current, actor, timezone.now())
    _audit(
        Action.SIGN, "preparation", patient, current, "Preparation session signed", actor, request
    )
    return current


# --- Addenda ---------------------------------------------------------------------------------


@transaction.atomic
def add_addendum(
    *,
    actor: User,
    note: PreparationSession | IntegrationSession,
    text: str,
    client_id: uuid.UUID | str,
    request: HttpRequest | None = None,
) -> TherapyAddendum:
    """A correction or later note on a signed note. A resubmitted form stores one addendum."""
    patient = note.patient
    _require_therapist(actor, patient.clinic_id, request)
    try:
        client = uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError("This form is damaged; reload the page and write it again.") from None
    stored = TherapyAddendum.objects.filter(client_id=client).first()
    if stored is not None:
        return stored
    if not note.is_signed:
        raise ValidationError("The note is still a draft: change the draft itself.")
    words = text.strip()
    if not words:
        raise ValidationError({"text": "Write the addendum."})
    if len(words) > MAX_TEXT:
        raise ValidationError({"text": f"An addendum is at most {MAX_TEXT} characters."})
    target = (
        {"preparation": note} if isinstance(note, PreparationSession) else {"integration": note}
    )
    addendum = TherapyAddendum.objects.create(
        client_id=client, text=words, written_by=actor, **target
    )
    _audit(
        Action.CREATE,
        "therapy_addendum",
        patient,
        addendum,
        "Addendum to a signed note",
        actor,
        request,
    )
    return addendum


# --- The support plan ------------------------------------------------------------------------


def _plan_for_update(patient: Patient) -> SupportPlan:
    plan, _created = SupportPlan.objects.get_or_create(
        patient=patient, defaults={"clinic": patient.clinic}
    )
    # Serialise savers of one plan: the second waits, then sees the first's version.
    return SupportPlan.objects.select_for_update().get(pk=plan.pk)


def latest_version(plan: SupportPlan | None) -> SupportPlanVersion | None:
    if plan is None or plan.pk is None:
        return None
    return plan.versions.order_by("-number").first()


@transaction.atomic
def save_support_plan(
    *,
    actor: User,
    patient: Patient,
    content: Mapping[str, Any],
    based_on: int | None,
    change_note: str = "",
    suggestion: SupportPlanSuggestion | None = None,
    request: HttpRequest | None = None,
) -> tuple[SupportPlanVersion, bool]:
    """Save the plan as its next version; returns (version, created).

    ``based_on`` is the version number the editor started from (None for a first plan); if
    someone saved meanwhile it is a conflict and nothing is saved. Saving the same content again
    creates nothing and returns the current version. ``suggestion``, when given, is the
    patient's suggestion this version accepts.
    """
    _require_therapist(actor, patient.clinic_id, request)
    plan = _plan_for_update(patient)
    current = latest_version(plan)
    if (current.number if current else None) != based_on:
        raise EditConflict(current)
    values = {name: content.get(name, _empty(name)) for name in PLAN_FIELDS}
    if current is not None and current.content() == values and suggestion is None:
        return current, False
    if suggestion is not None:
        _check_open_suggestion(suggestion, patient)
    version = SupportPlanVersion.objects.create(
        plan=plan,
        number=(current.number + 1) if current else 1,
        change_note=change_note.strip()[:500],
        from_suggestion=suggestion,
        created_by=actor,
        **values,
    )
    if suggestion is not None:
        _decide(suggestion, actor, SuggestionStatus.ACCEPTED, accepted_into=version)
    _audit(
        Action.CREATE if current is None else Action.UPDATE,
        "support_plan",
        patient,
        version,
        f"Support plan saved as version {version.number}",
        actor,
        request,
    )
    _publish_to_chair(patient, "support_plan.changed", {"version": str(version.public_id)})
    return version, True


def _empty(name: str) -> Any:
    return [] if name in ("what_helps", "grounding_techniques") else ""


def review_support_plan(
    subject: InfusionSession | Patient,
    actor: User,
    *,
    note: str = "",
    request: HttpRequest | None = None,
) -> SupportPlanReview:
    """Record that the plan was reviewed today (with the patient, usually at check-in).

    ``subject`` is the infusion session being checked in, or the patient.
    """
    with transaction.atomic():
        session = subject if isinstance(subject, InfusionSession) else None
        patient = session.patient if session is not None else subject
        assert isinstance(patient, Patient)
        require_role(actor, patient.clinic_id, CLINICAL_ROLES, CLINICIANS_REVIEW, request)
        plan = SupportPlan.objects.filter(patient=patient).first()
        version = latest_version(plan)
        if plan is None or version is None:
            raise ValidationError(NO_PLAN)
        now = timezone.now()
        review = SupportPlanReview.objects.create(
            plan=plan,
            version=version,
            session=session,
            reviewed_on=clinic_today(patient.clinic, now),
            reviewed_at=now,
            reviewed_by=actor,
            note=note.strip()[:300],
        )
        _audit(
            Action.CREATE,
            "support_plan_review",
            patient,
            review,
            f"Support plan version {version.number} reviewed",
            actor,
            request,
        )
        _publish_to_chair(patient, "support_plan.reviewed", {"review": str(review.public_id)})
        return review


# --- The patient's suggestions ---------------------------------------------------------------


def suggest_support_plan_change(
    patient: Patient,
    text: str,
    via_link: Any = None,
    *,
    request: HttpRequest | None = None,
    client_id: uuid.UUID | None = None,
) -> SupportPlanSuggestion:
    """A change to the support plan suggested by the patient (called by the portal once the
    patient's link has been checked). ``via_link`` is the portal link object (or its public id);
    its id is kept so the therapist can see where the suggestion came from, and the audit row
    names the patient by it. ``request`` (the portal's) gives the audit row its source address.
    A resubmission of the same form (same ``client_id``) returns the stored suggestion."""
    stored = _stored_suggestion(patient, client_id)
    if stored is not None:
        return stored
    words = (text or "").strip()
    if not words:
        raise ValidationError({"text": "Write the change you would like to your support plan."})
    if len(words) > MAX_SUGGESTION:
        raise ValidationError(
            {"text": f"Please keep the suggestion under {MAX_SUGGESTION} characters."}
        )
    link_id = getattr(via_link, "public_id", via_link)
    if link_id is not None and not isinstance(link_id, uuid.UUID):
        link_id = uuid.UUID(str(link_id))
    try:
        with transaction.atomic():
            suggestion = SupportPlanSuggestion.objects.create(
                clinic=patient.clinic,
                patient=patient,
                text=words,
                via_link=link_id,
                client_id=client_id,
            )
            _audit(
                Action.CREATE,
                "support_plan_suggestion",
                patient,
                suggestion,
                "Support plan change suggested by the patient",
                None,
                request,
                # The patient has no account: named by the portal link they came through.
                f"patient by link {link_id}" if link_id else "",
            )
    except IntegrityError:
        # Two submissions of one form raced; the other one stored it.
        stored = _stored_suggestion(patient, client_id)
        if stored is None:
            raise
        return stored
    return suggestion


def _stored_suggestion(
    patient: Patient, client_id: uuid.UUID | None
) -> SupportPlanSuggestion | None:
    if client_id is None:
        return None
    return SupportPlanSuggestion.objects.filter(patient=patient, client_id=client_id).first()


def _check_open_suggestion(suggestion: SupportPlanSuggestion, patient: Patient) -> None:
    if suggestion.patient_id != patient.pk:
        raise ValidationError("That suggestion belongs to another patient.")
    fresh = SupportPlanSuggestion.objects.get(pk=suggestion.pk)
    if not fresh.is_open:
        raise ValidationError(
            f"This suggestion was already {fresh.get_status_display().lower()}; nothing changed."
        )


def _decide(
    suggestion: SupportPlanSuggestion,
    actor: User,
    status: str,
    *,
    reason: str = "",
    accepted_into: SupportPlanVersion | None = None,
) -> None:
    now = timezone.now()
    updated = SupportPlanSuggestion.objects.filter(
        pk=suggestion.pk, status=SuggestionStatus.OPEN
    ).update(
        status=status,
        decided_at=now,
        decided_by=actor,
        decline_reason=reason,
        accepted_into=accepted_into,
    )
    if not updated:
        raise ValidationError("This suggestion was already decided; nothing changed.")
    suggestion.status, suggestion.decided_at, suggestion.decided_by = status, now, actor
    suggestion.decline_reason, suggestion.accepted_into = reason, accepted_into


@transaction.atomic
def decline_suggestion(
    *,
    actor: User,
    suggestion: SupportPlanSuggestion,
    reason: str,
    request: HttpRequest | None = None,
) -> SupportPlanSuggestion:
    patient = suggestion.patient
    _require_therapist(actor, patient.clinic_id, request)
    why = (reason or "").strip()
    if not why:
        raise ValidationError(
            {"reason": "Say why the suggestion is declined (the patient may see it)."}
        )
    _check_open_suggestion(suggestion, patient)
    _decide(suggestion, actor, SuggestionStatus.DECLINED, reason=why[:MAX_TEXT])
    _audit(
        Action.UPDATE,
        "support_plan_suggestion",
        patient,
        suggestion,
        "Support plan suggestion declined",
        actor,
        request,
    )
    return suggestion


# --- Integration -----------------------------------------------------------------------------


def _integration_fields(data: Mapping[str, Any]) -> dict[str, str]:
    return {name: _clean_text(data, name, label) for name, label in INTEGRATION_FIELDS}


def _check_infusion(infusion: InfusionSession, patient: Patient | None = None) -> None:
    if patient is not None and infusion.patient_id != patient.pk:
        raise ValidationError("That infusion belongs to another patient.")
    if infusion.state != SessionState.DISCHARGED:
        raise ValidationError(NOT_DISCHARGED)


def _new_integration(
    infusion: InfusionSession, actor: User, now: datetime, **fields: Any
) -> IntegrationSession:
    try:
        with transaction.atomic():
            return IntegrationSession.objects.create(
                clinic=infusion.clinic,
                patient=infusion.patient,
                infusion=infusion,
                therapist=actor,
                created_by=actor,
                created_at=now,
                updated_at=now,
                **fields,
            )
    except IntegrityError:
        raise ValidationError(ALREADY_OPENED) from None


@transaction.atomic
def start_integration(
    *,
    actor: User,
    infusion: InfusionSession,
    data: Mapping[str, Any] | None = None,
    held_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> IntegrationSession:
    """Open the integration note of one infusion, prefilled from what was captured during it.

    ``data`` is the note as the therapist has it so far; without it the experience field starts
    from the statements tagged for integration.
    """
    patient = infusion.patient
    _require_therapist(actor, patient.clinic_id, request)
    _check_infusion(infusion)
    captured = prefill.from_infusion(infusion)
    fields = _integration_fields(data) if data is not None else prefill.initial_note(captured)
    now = timezone.now()
    integration = _new_integration(
        infusion,
        actor,
        now,
        held_at=_check_held_at(held_at or now, now),
        from_infusion=captured,
        **fields,
    )
    _audit(
        Action.CREATE,
        "integration",
        patient,
        integration,
        "Integration session opened",
        actor,
        request,
    )
    return integration


@transaction.atomic
def update_integration(
    *,
    actor: User,
    integration: IntegrationSession,
    data: Mapping[str, Any],
    expected_version: int,
    held_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> IntegrationSession:
    patient = integration.patient
    _require_therapist(actor, patient.clinic_id, request)
    current = IntegrationSession.objects.select_for_update().get(pk=integration.pk)
    if current.is_signed:
        raise ValidationError(SIGNED)
    if current.version != expected_version:
        raise EditConflict(current)
    now = timezone.now()
    fields: dict[str, Any] = _integration_fields(data)
    if held_at is not None:
        fields["held_at"] = _check_held_at(held_at, now)
    IntegrationSession.objects.filter(pk=current.pk).update(
        **fields, version=current.version + 1, updated_at=now
    )
    current.refresh_from_db()
    _audit(
        Action.UPDATE,
        "integration",
        patient,
        current,
        "Integration note draft changed",
        actor,
        request,
    )
    return current


@transaction.atomic
def sign_integration(
    *, actor: User, integration: IntegrationSession, request: HttpRequest | None = None
) -> IntegrationSession:
    patient = integration.patient
    _require_therapist(actor, patient.clinic_id, request)
    current = IntegrationSession.objects.select_for_update().get(pk=integration.pk)
    if current.is_signed:
        raise ValidationError(SIGNED)
    if not current.experience.strip():
        raise ValidationError(
            {"experience": "Write the experience in the patient's words before signing."}
        )
    now = timezone.now()
    IntegrationSession.objects.filter(pk=current.pk).update(
        status=IntegrationStatus.SIGNED, signed_at=now, signed_by=actor
    )
    current.refresh_from_db()
    _audit(Action.SIGN, "integration", patient, current, "Integration note signed", actor, request)
    return current


@transaction.atomic
def decline_integration(
    *,
    actor: User,
    infusion: InfusionSession,
    reason: str,
    request: HttpRequest | None = None,
) -> IntegrationSession:
    """Close the integration of one infusion without holding it, with the reason (signed, so it
    clears the worklist and cannot change). A draft already started is declined in place."""
    patient = infusion.patient
    _require_therapist(actor, patient.clinic_id, request)
    why = (reason or "").strip()
    if not why:
        raise ValidationError({"reason": "Say why no integration session will be held."})
    _check_infusion(infusion)
    now = timezone.now()
    closing = {
        "status": IntegrationStatus.DECLINED,
        "decline_reason": why[:MAX_TEXT],
        "signed_at": now,
        "signed_by": actor,
    }
    existing = IntegrationSession.objects.select_for_update().filter(infusion=infusion).first()
    if existing is None:
        integration = _new_integration(infusion, actor, now, **closing)
    elif existing.is_signed:
        raise ValidationError(SIGNED)
    else:
        IntegrationSession.objects.filter(pk=existing.pk).update(**closing, updated_at=now)
        existing.refresh_from_db()
        integration = existing
    _audit(
        Action.SIGN,
        "integration",
        patient,
        integration,
        "Integration session declined",
        actor,
        request,
    )
    return integration
