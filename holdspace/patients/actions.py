"""Every change to the patient record, one function each.

Each action runs in one transaction, checks that the actor may do it in the patient's clinic
(``PermissionDenied`` with a message a person can act on), re-checks the clinical rules the
forms already checked (so no other caller can bypass them: ``ValidationError`` keyed by form
field), writes the change and its audit row together. Nothing is ever half-saved.

Audit summaries name what happened and which fields changed, never clinical content.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import CLINICAL_ROLES, Membership, Role
from holdspace.patients.models import (
    OBSERVATION_UNITS,
    ConsentDocument,
    Indication,
    Observation,
    ObservationCode,
    Patient,
    PatientConsent,
    PatientStatus,
    RecordStatus,
    Screening,
    ScreeningOutcome,
)
from holdspace.patients.vocabulary import (
    SCREENING_ITEMS,
    SCREENING_KEYS,
    category_allows,
    indication_categories,
)

if TYPE_CHECKING:
    from holdspace.accounts.models import User
    from holdspace.clinics.models import Clinic

# --- Messages people see ---------------------------------------------------------------------

NOT_A_MEMBER = "You are not working in this patient's clinic."
CLINICIANS_ONLY = (
    "Only clinicians (prescriber, nurse or therapist) can record this on a patient's chart."
)
PRESCRIBER_SIGNS = "Only a prescriber can sign an eligibility screening."
PRESCRIBER_VOIDS_SIGNED = "Only a prescriber can mark a signed screening as entered in error."
DOCUMENT_AUTHORS = "Only a clinic admin or a prescriber can write consent documents."
WRONG_PATIENT_FORM = (
    "This form belongs to another patient's record. Nothing was saved: open the right "
    "patient's chart and start again."
)
TYPED_NAME_MISMATCH = (
    "The typed name does not match the legal name on this patient's record. Ask the patient "
    "to type their full legal name (given and family name)."
)
CONFLICT = (
    "Someone else changed this record while you were editing; your changes were not saved — "
    "here is the current record."
)

# --- Clinical limits (each with its reason) --------------------------------------------------

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# holdspace serves adult clinics; ketamine infusion for depression is studied in adults.
ADULT_AGE = 18
# A measurement may be entered a little ahead of the server clock (tablet clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)
# Plausible adult ranges: outside them the reading is far more likely a typing, scale or unit
# mistake (pounds for kilograms, inches for centimetres) than a real adult.
PLAUSIBLE_RANGES: dict[str, tuple[Decimal, Decimal, str, str]] = {
    ObservationCode.BODY_WEIGHT: (Decimal(30), Decimal(300), "weight", "kilograms, not pounds"),
    ObservationCode.BODY_HEIGHT: (Decimal(120), Decimal(230), "height", "centimetres, not inches"),
}


class EditConflict(Exception):
    """A save based on an older version of the record; ``current`` is the record as it is."""

    def __init__(self, current: Patient) -> None:
        super().__init__(CONFLICT)
        self.current = current


# --- Who may do what -------------------------------------------------------------------------


def role_in(actor: User, clinic_id: int, request: HttpRequest | None = None) -> str | None:
    """The actor's active role in the clinic, or None when they do not work there."""
    membership = getattr(request, "membership", None) if request is not None else None
    if (
        membership is not None
        and membership.clinic_id == clinic_id
        and membership.user_id == actor.pk
    ):
        return str(membership.role)
    found = Membership.objects.filter(user=actor, clinic_id=clinic_id, is_active=True).first()
    return str(found.role) if found else None


def require_role(
    actor: User,
    clinic_id: int,
    roles: Iterable[str],
    message: str,
    request: HttpRequest | None = None,
) -> str:
    role = role_in(actor, clinic_id, request)
    if role is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if role not in {str(r) for r in roles}:
        raise PermissionDenied(message)
    return role


def _require_member(actor: User, clinic_id: int, request: HttpRequest | None) -> str:
    return require_role(actor, clinic_id, [str(r) for r in Role], NOT_A_MEMBER, request)


def _require_clinician(actor: User, clinic_id: int, request: HttpRequest | None) -> str:
    return require_role(actor, clinic_id, CLINICAL_ROLES, CLINICIANS_ONLY, request)


def clinic_today(clinic: Clinic) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(clinic.time_zone))


# --- Rules shared with the forms -------------------------------------------------------------


def date_of_birth_problem(born: date, today: date) -> str | None:
    if born > today:
        return "The date of birth is in the future. Check the year, month and day."
    if born < EARLIEST_BIRTH_DATE:
        return "The date of birth is before 1900. Check the year."
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < ADULT_AGE:
        return (
            f"This person is {age}. holdspace is for adult clinics: patients must be "
            f"{ADULT_AGE} or older."
        )
    return None


def measurement_value_problem(code: str, value: Decimal) -> str | None:
    low, high, noun, unit_hint = PLAUSIBLE_RANGES[code]
    unit = OBSERVATION_UNITS[ObservationCode(code)]
    if low <= value <= high:
        return None
    return (
        f"A {noun} of {value.normalize():f} {unit} is outside the plausible adult range "
        f"({low} to {high} {unit}). Check the reading and that it is in {unit_hint}."
    )


def measured_at_problem(measured_at: datetime, patient: Patient, now: datetime) -> str | None:
    if measured_at > now + FUTURE_TOLERANCE:
        return "The time measured is in the future. Enter when it was measured (clinic time)."
    born = datetime.combine(patient.date_of_birth, datetime.min.time(), tzinfo=measured_at.tzinfo)
    if measured_at < born:
        return "The time measured is before the patient's date of birth. Check the date."
    return None


def indication_problem(patient: Patient, category: str, code: str) -> str | None:
    labels = {c.key: c.label for c in indication_categories()}
    if category not in labels:
        return "Choose one of the listed indications."
    if not category_allows(category, code):
        return f"{code} is not a recognised ICD-10-CM code for {labels[category]}."
    if patient.indications.filter(icd10_code=code, status=RecordStatus.FINAL).exists():
        return f"{code} is already recorded for this patient."
    return None


def screening_problems(
    answers: dict[str, dict[str, Any]], outcome: str, conditions: str
) -> list[tuple[str | None, str]]:
    """Why this outcome cannot follow from these answers, as (form field, message) pairs.

    Absolute contraindications rule out any form of "eligible"; any other item present means
    the prescriber must write the conditions under which treatment is safe, or decline.
    """
    missing = [key for key in SCREENING_KEYS if key not in answers]
    if missing:
        return [(None, "Answer every item of the checklist before choosing an outcome.")]
    present = [item for item in SCREENING_ITEMS if answers[item.key].get("present")]
    absolute = [item for item in present if item.absolute]
    problems: list[tuple[str | None, str]] = []
    eligible = (ScreeningOutcome.ELIGIBLE, ScreeningOutcome.ELIGIBLE_WITH_CONDITIONS)
    if absolute and outcome in eligible:
        names = "; ".join(item.question for item in absolute)
        problems.append(
            (
                "outcome",
                f"Absolute contraindication present ({names}): the outcome must be “Not eligible”.",
            )
        )
    elif present and outcome == ScreeningOutcome.ELIGIBLE:
        problems.append(
            (
                "outcome",
                "“Eligible” is not possible while a checklist item is present: choose "
                "“Eligible with conditions” and write them, or “Not eligible”.",
            )
        )
    if outcome == ScreeningOutcome.ELIGIBLE_WITH_CONDITIONS and not conditions.strip():
        problems.append(("conditions", "Write the conditions for “Eligible with conditions”."))
    return problems


def _normalised_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def typed_name_matches(patient: Patient, typed: str) -> bool:
    """The typed signature must be the legal name on record, ignoring case and extra spaces."""
    return bool(typed) and _normalised_name(typed) == _normalised_name(patient.legal_name)


# --- Demographics, status and care team ------------------------------------------------------


@transaction.atomic
def register_patient(
    *, actor: User, clinic: Clinic, demographics: dict[str, Any], request: HttpRequest | None = None
) -> Patient:
    _require_member(actor, clinic.pk, request)
    problem = date_of_birth_problem(demographics["date_of_birth"], clinic_today(clinic))
    if problem:
        raise ValidationError({"date_of_birth": problem})
    try:
        with transaction.atomic():
            patient = Patient.objects.create(clinic=clinic, **demographics)
    except IntegrityError as error:
        raise ValidationError({"mrn": _mrn_taken(demographics["mrn"])}) from error
    record(
        action=Action.CREATE,
        category="patient",
        request=request,
        actor=actor,
        patient=patient,
        obj=patient,
        summary="Patient registered",
    )
    return patient


def _mrn_taken(mrn: str) -> str:
    return f"MRN {mrn} is already used by another patient in this clinic."


@transaction.atomic
def update_patient(
    *,
    actor: User,
    patient: Patient,
    demographics: dict[str, Any],
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> Patient:
    """Save demographics only if nobody changed the record since the form was opened."""
    _require_member(actor, patient.clinic_id, request)
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if expected_version is None or current.version != expected_version:
        raise EditConflict(current)
    changed = [name for name, value in demographics.items() if getattr(current, name) != value]
    if not changed:
        return current
    if "date_of_birth" in changed:
        problem = date_of_birth_problem(demographics["date_of_birth"], clinic_today(current.clinic))
        if problem:
            raise ValidationError({"date_of_birth": problem})
    values = {name: demographics[name] for name in changed}
    try:
        with transaction.atomic():
            saved = Patient.objects.filter(pk=current.pk, version=expected_version).update(
                **values, version=expected_version + 1, updated_at=timezone.now()
            )
    except IntegrityError as error:
        raise ValidationError({"mrn": _mrn_taken(demographics["mrn"])}) from error
    if not saved:
        raise EditConflict(Patient.objects.get(pk=current.pk))
    current.refresh_from_db()
    labels = ", ".join(str(Patient._meta.get_field(name).verbose_name) for name in changed)
    record(
        action=Action.UPDATE,
        category="patient",
        request=request,
        actor=actor,
        patient=current,
        obj=current,
        summary=f"Demographics changed: {labels}"[:300],
    )
    return current


@transaction.atomic
def change_status(
    *, actor: User, patient: Patient, status: str, request: HttpRequest | None = None
) -> bool:
    """Move the patient to another stage of care. Returns False when nothing changed."""
    _require_member(actor, patient.clinic_id, request)
    if status not in PatientStatus.values:
        raise ValidationError({"status": "Choose one of the listed statuses."})
    updated = (
        Patient.objects.filter(pk=patient.pk)
        .exclude(status=status)
        .update(status=status, updated_at=timezone.now())
    )
    if not updated:
        return False
    patient.status = status
    record(
        action=Action.UPDATE,
        category="patient_status",
        request=request,
        actor=actor,
        patient=patient,
        obj=patient,
        summary="Status changed",
    )
    return True


def _check_staff(user: User | None, clinic_id: int, role: str, field: str, message: str) -> None:
    if user is None:
        return
    ok = Membership.objects.filter(
        user=user, clinic_id=clinic_id, role=role, is_active=True, user__is_active=True
    ).exists()
    if not ok:
        raise ValidationError({field: message})


@transaction.atomic
def set_care_team(
    *,
    actor: User,
    patient: Patient,
    prescriber: User | None,
    therapist: User | None,
    nurses: list[User],
    request: HttpRequest | None = None,
) -> list[str]:
    """Assign the patient's prescriber, therapist and nurses. Returns what changed."""
    _require_member(actor, patient.clinic_id, request)
    _check_staff(
        prescriber,
        patient.clinic_id,
        Role.PRESCRIBER,
        "prescriber",
        "Choose an active prescriber of this clinic.",
    )
    _check_staff(
        therapist,
        patient.clinic_id,
        Role.THERAPIST,
        "therapist",
        "Choose an active therapist of this clinic.",
    )
    for nurse in nurses:
        _check_staff(
            nurse,
            patient.clinic_id,
            Role.NURSE,
            "nurses",
            "Choose only active nurses of this clinic.",
        )
    changed = []
    if patient.prescriber_id != (prescriber.pk if prescriber else None):
        changed.append("prescriber")
    if patient.therapist_id != (therapist.pk if therapist else None):
        changed.append("therapist")
    if {n.pk for n in patient.nurses.all()} != {n.pk for n in nurses}:
        changed.append("nurses")
    if not changed:
        return []
    Patient.objects.filter(pk=patient.pk).update(
        prescriber=prescriber, therapist=therapist, updated_at=timezone.now()
    )
    patient.nurses.set(nurses)
    patient.prescriber, patient.therapist = prescriber, therapist
    record(
        action=Action.UPDATE,
        category="care_team",
        request=request,
        actor=actor,
        patient=patient,
        obj=patient,
        summary=f"Care team changed: {', '.join(changed)}",
    )
    return changed


# --- Body measurements -----------------------------------------------------------------------


def record_measurement(
    *,
    actor: User,
    patient: Patient,
    code: str,
    value: Decimal,
    measured_at: datetime,
    client_id: uuid.UUID,
    request: HttpRequest | None = None,
) -> tuple[Observation, bool]:
    """Store a weight or height once per ``client_id``; a resubmission returns the stored row.

    Returns (observation, created).
    """
    _require_clinician(actor, patient.clinic_id, request)
    existing = Observation.objects.filter(patient=patient, client_id=client_id).first()
    if existing is not None:
        return existing, False
    problems = {
        "value": measurement_value_problem(code, Decimal(value)),
        "measured_at": measured_at_problem(measured_at, patient, timezone.now()),
    }
    if any(problems.values()):
        raise ValidationError({field: msg for field, msg in problems.items() if msg})
    try:
        with transaction.atomic():
            observation = Observation.objects.create(
                patient=patient,
                code=code,
                value=value,
                unit=OBSERVATION_UNITS[ObservationCode(code)],
                measured_at=measured_at,
                recorded_by=actor,
                client_id=client_id,
            )
            record(
                action=Action.CREATE,
                category="observation",
                request=request,
                actor=actor,
                patient=patient,
                obj=observation,
                summary=f"{observation.get_code_display()} recorded",
            )
    except IntegrityError:
        # Two submissions of one form raced; the other one stored it.
        return Observation.objects.get(patient=patient, client_id=client_id), False
    return observation, True


def _mark_entered_in_error(model: Any, row: Any, reason: str, already: str) -> None:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Give the reason this entry is wrong."})
    updated = model.objects.filter(pk=row.pk, status=RecordStatus.FINAL).update(
        status=RecordStatus.ENTERED_IN_ERROR, error_reason=reason[:200]
    )
    if not updated:
        raise ValidationError(already)
    row.status, row.error_reason = RecordStatus.ENTERED_IN_ERROR, reason[:200]


@transaction.atomic
def mark_observation_entered_in_error(
    *, actor: User, observation: Observation, reason: str, request: HttpRequest | None = None
) -> Observation:
    patient = observation.patient
    _require_clinician(actor, patient.clinic_id, request)
    _mark_entered_in_error(
        Observation, observation, reason, "This measurement is already marked entered in error."
    )
    record(
        action=Action.ENTERED_IN_ERROR,
        category="observation",
        request=request,
        actor=actor,
        patient=patient,
        obj=observation,
        summary=f"{observation.get_code_display()} marked entered in error",
    )
    return observation


# --- Indications -----------------------------------------------------------------------------


@transaction.atomic
def add_indication(
    *,
    actor: User,
    patient: Patient,
    category: str,
    icd10_code: str,
    is_primary: bool = False,
    note: str = "",
    request: HttpRequest | None = None,
) -> Indication:
    _require_clinician(actor, patient.clinic_id, request)
    code = icd10_code.strip().upper()
    problem = indication_problem(patient, category, code)
    if problem:
        raise ValidationError({"icd10_code": problem})
    if is_primary:
        patient.indications.filter(is_primary=True, status=RecordStatus.FINAL).update(
            is_primary=False
        )
    indication = Indication.objects.create(
        patient=patient,
        category=category,
        icd10_code=code,
        is_primary=is_primary,
        note=note.strip(),
        recorded_by=actor,
    )
    record(
        action=Action.CREATE,
        category="indication",
        request=request,
        actor=actor,
        patient=patient,
        obj=indication,
        summary="Primary indication recorded" if is_primary else "Indication recorded",
    )
    return indication


@transaction.atomic
def mark_indication_entered_in_error(
    *, actor: User, indication: Indication, reason: str, request: HttpRequest | None = None
) -> Indication:
    patient = indication.patient
    _require_clinician(actor, patient.clinic_id, request)
    _mark_entered_in_error(
        Indication, indication, reason, "This indication is already marked entered in error."
    )
    record(
        action=Action.ENTERED_IN_ERROR,
        category="indication",
        request=request,
        actor=actor,
        patient=patient,
        obj=indication,
        summary="Indication marked entered in error",
    )
    return indication


# --- Eligibility screening -------------------------------------------------------------------


def _check_screening(answers: dict[str, dict[str, Any]], outcome: str, conditions: str) -> None:
    if outcome not in ScreeningOutcome.values:
        raise ValidationError({"outcome": "Choose one of the listed outcomes."})
    unknown = set(answers) - set(SCREENING_KEYS)
    if unknown:
        raise ValidationError("The checklist has items this clinic does not use.")
    problems = screening_problems(answers, outcome, conditions)
    if problems:
        raise ValidationError({field or "__all__": [msg] for field, msg in problems})


@transaction.atomic
def create_screening(
    *,
    actor: User,
    patient: Patient,
    answers: dict[str, dict[str, Any]],
    outcome: str,
    conditions: str = "",
    sign: bool = False,
    request: HttpRequest | None = None,
) -> Screening:
    """Record a completed checklist; a prescriber may sign it in the same step."""
    role = _require_clinician(actor, patient.clinic_id, request)
    if sign and role != Role.PRESCRIBER:
        raise PermissionDenied(PRESCRIBER_SIGNS)
    _check_screening(answers, outcome, conditions)
    now = timezone.now()
    screening = Screening.objects.create(
        patient=patient,
        answers=answers,
        outcome=outcome,
        conditions=conditions.strip(),
        created_by=actor,
        created_at=now,
        signed_by=actor if sign else None,
        signed_at=now if sign else None,
    )
    record(
        action=Action.CREATE,
        category="screening",
        request=request,
        actor=actor,
        patient=patient,
        obj=screening,
        summary="Eligibility screening recorded",
    )
    if sign:
        record(
            action=Action.SIGN,
            category="screening",
            request=request,
            actor=actor,
            patient=patient,
            obj=screening,
            summary="Eligibility screening signed",
        )
    return screening


@transaction.atomic
def sign_screening(
    *, actor: User, screening: Screening, request: HttpRequest | None = None
) -> Screening:
    patient = screening.patient
    require_role(actor, patient.clinic_id, [Role.PRESCRIBER], PRESCRIBER_SIGNS, request)
    _check_screening(screening.answers, screening.outcome, screening.conditions)
    now = timezone.now()
    signed = Screening.objects.filter(
        pk=screening.pk, signed_at__isnull=True, status=RecordStatus.FINAL
    ).update(signed_by=actor, signed_at=now)
    if not signed:
        raise ValidationError(
            "This screening is already signed or was entered in error; it cannot be signed."
        )
    screening.signed_by, screening.signed_at = actor, now
    record(
        action=Action.SIGN,
        category="screening",
        request=request,
        actor=actor,
        patient=patient,
        obj=screening,
        summary="Eligibility screening signed",
    )
    return screening


@transaction.atomic
def mark_screening_entered_in_error(
    *, actor: User, screening: Screening, reason: str, request: HttpRequest | None = None
) -> Screening:
    patient = screening.patient
    role = _require_clinician(actor, patient.clinic_id, request)
    if screening.is_signed and role != Role.PRESCRIBER:
        raise PermissionDenied(PRESCRIBER_VOIDS_SIGNED)
    _mark_entered_in_error(
        Screening, screening, reason, "This screening is already marked entered in error."
    )
    record(
        action=Action.ENTERED_IN_ERROR,
        category="screening",
        request=request,
        actor=actor,
        patient=patient,
        obj=screening,
        summary="Eligibility screening marked entered in error",
    )
    return screening


# --- Consent ---------------------------------------------------------------------------------


@transaction.atomic
def create_consent_document(
    *,
    actor: User,
    clinic: Clinic,
    kind: str,
    title: str,
    body: str,
    request: HttpRequest | None = None,
) -> ConsentDocument:
    """Write a new version of a consent text; earlier versions are never edited."""
    require_role(actor, clinic.pk, [Role.CLINIC_ADMIN, Role.PRESCRIBER], DOCUMENT_AUTHORS, request)
    latest = ConsentDocument.objects.filter(clinic=clinic, kind=kind).aggregate(Max("version"))
    try:
        with transaction.atomic():
            document = ConsentDocument.objects.create(
                clinic=clinic,
                kind=kind,
                version=(latest["version__max"] or 0) + 1,
                title=title.strip(),
                body=body.strip(),
                created_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError(
            "Someone saved a new version of this document at the same moment. Check the list "
            "and try again."
        ) from error
    record(
        action=Action.CREATE,
        category="consent_document",
        request=request,
        actor=actor,
        clinic=clinic,
        obj=document,
        summary=f"{document.get_kind_display()} consent document version {document.version}",
    )
    return document


def _check_consent_document(patient: Patient, document: ConsentDocument) -> None:
    if document.clinic_id != patient.clinic_id:
        raise ValidationError(
            {"document": "Choose one of this clinic's current consent documents."}
        )
    newest = (
        ConsentDocument.objects.filter(clinic_id=patient.clinic_id, kind=document.kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if newest != document.version:
        raise ValidationError(
            {
                "document": f"Version {newest} of this document replaces version "
                f"{document.version}; the patient must sign the current version."
            }
        )


@transaction.atomic
def record_consent(
    *,
    actor: User,
    patient: Patient,
    document: ConsentDocument,
    decision: str,
    signed_name: str,
    request: HttpRequest | None = None,
) -> PatientConsent:
    """The patient's typed signature on the current document, witnessed by ``actor``."""
    _require_clinician(actor, patient.clinic_id, request)
    _check_consent_document(patient, document)
    if not typed_name_matches(patient, signed_name):
        raise ValidationError({"signed_name": TYPED_NAME_MISMATCH})
    consent = PatientConsent.objects.create(
        patient=patient,
        document=document,
        decision=decision,
        signed_name=" ".join(signed_name.split()),
        signed_at=timezone.now(),
        witnessed_by=actor,
    )
    record(
        action=Action.CREATE,
        category="consent",
        request=request,
        actor=actor,
        patient=patient,
        obj=consent,
        summary=f"{document.get_kind_display()}: decision recorded",
    )
    return consent


@transaction.atomic
def mark_consent_entered_in_error(
    *, actor: User, consent: PatientConsent, reason: str, request: HttpRequest | None = None
) -> PatientConsent:
    patient = consent.patient
    _require_clinician(actor, patient.clinic_id, request)
    _mark_entered_in_error(
        PatientConsent, consent, reason, "This consent is already marked entered in error."
    )
    record(
        action=Action.ENTERED_IN_ERROR,
        category="consent",
        request=request,
        actor=actor,
        patient=patient,
        obj=consent,
        summary="Consent marked entered in error",
    )
    return consent
