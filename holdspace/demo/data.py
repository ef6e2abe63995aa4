"""The synthetic demo clinic's content. Deterministic: the same seed gives the same clinic."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Chair, Clinic, Membership, Role
from holdspace.dosing.demo import seed_dosing
from holdspace.goals.demo import seed_goals
from holdspace.infusions.demo import seed_infusions
from holdspace.journal.demo import seed_journal
from holdspace.measures.demo import seed_score_histories
from holdspace.measures.demo_admin import seed_measures_administration
from holdspace.measures.demo_schedules import seed_measure_schedules
from holdspace.notes.demo import seed_notes
from holdspace.patients.models import (
    ConsentDecision,
    ConsentDocument,
    ConsentKind,
    Indication,
    Observation,
    ObservationCode,
    Patient,
    PatientConsent,
    PatientStatus,
    Screening,
    ScreeningOutcome,
    SexAtBirth,
)
from holdspace.patients.vocabulary import SCREENING_ITEMS
from holdspace.therapy.demo import seed_therapy

# Printed by `make demo` for everyone: demo data only, never a real clinic.
DEMO_PASSWORD = "holdspace-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoClinic:
    name: str
    time_zone: str
    slug: str


CLINICS = (
    DemoClinic("Harbor Light Ketamine Clinic", "America/New_York", "harbor"),
    DemoClinic("Mesa Verde Infusion Center", "America/Denver", "mesa"),
)

# (email local part, full name, credentials, role) per clinic; the medical director works at both.
STAFF = {
    "harbor": [
        ("admin.harbor", "Dana Whitfield", "", Role.CLINIC_ADMIN),
        ("dr.okoye", "Dr. Adaeze Okoye", "MD", Role.PRESCRIBER),
        ("nurse.lindqvist", "Maja Lindqvist", "RN", Role.NURSE),
        ("nurse.batista", "Rafael Batista", "RN", Role.NURSE),
        ("therapist.moreau", "Claire Moreau", "LCSW", Role.THERAPIST),
        ("therapist.hale", "Jonah Hale", "PsyD", Role.THERAPIST),
    ],
    "mesa": [
        ("admin.mesa", "Tomas Reyes", "", Role.CLINIC_ADMIN),
        ("dr.okoye", "Dr. Adaeze Okoye", "MD", Role.PRESCRIBER),
        ("np.castillo", "Inés Castillo", "PMHNP", Role.PRESCRIBER),
        ("nurse.yazzie", "Kai Yazzie", "RN", Role.NURSE),
        ("therapist.brandt", "Greta Brandt", "LMFT", Role.THERAPIST),
    ],
}

GIVEN = [
    "Avery",
    "Jordan",
    "Morgan",
    "Riley",
    "Casey",
    "Quinn",
    "Rowan",
    "Sage",
    "Emerson",
    "Hayden",
    "Reese",
    "Parker",
    "Skyler",
    "Dakota",
    "Finley",
    "Marlowe",
    "Ellis",
    "Noor",
    "Ines",
    "Tariq",
    "Priya",
    "Mateo",
    "Wren",
    "Soren",
    "Leona",
]
FAMILY = [
    "Ashford",
    "Bellamy",
    "Castellan",
    "Draper",
    "Everly",
    "Fairbanks",
    "Galloway",
    "Hollis",
    "Iverson",
    "Jansen",
    "Kearney",
    "Lockhart",
    "Mercer",
    "Nakamura",
    "Oduya",
    "Pemberton",
    "Quintero",
    "Ramsey",
    "Sorensen",
    "Thackeray",
    "Ulloa",
    "Vance",
    "Whitcombe",
    "Yardley",
    "Zeller",
]
PRONOUNS = ["she/her", "he/him", "they/them", "", "she/they"]
INDICATIONS = [
    ("trd", "F33.2"),
    ("mdd", "F33.1"),
    ("ptsd", "F43.12"),
    ("gad", "F41.1"),
    ("bipolar_depression", "F31.81"),
    ("chronic_pain", "G90.512"),
    ("trd", "F32.2"),
]

CONSENT_TEXTS = {
    ConsentKind.TREATMENT: (
        "Consent to treatment with intravenous ketamine",
        "I understand the purpose, the expected effects (dissociation, raised "
        "blood pressure, nausea), the risks and the alternatives, and that I may "
        "stop treatment at any time.",
    ),
    ConsentKind.OFF_LABEL: (
        "Consent to off-label use of ketamine",
        "Ketamine is approved as an anaesthetic; its use for depression, anxiety, "
        "PTSD or pain at these doses is off-label. I have had the chance to ask "
        "questions about what this means.",
    ),
    ConsentKind.TOUCH: (
        "Consent to supportive touch",
        "During sessions my therapist may offer supportive touch (a hand on the "
        "shoulder or hand-holding). I can say no at any time, and touch is asked "
        "again on the day of each session.",
    ),
}


def _email(local: str) -> str:
    return f"{local}@demo.holdspace.test"


def login_table() -> list[tuple[str, str, str]]:
    rows: dict[str, tuple[str, list[str]]] = {}
    for clinic in CLINICS:
        for local, name, _cred, role in STAFF[clinic.slug]:
            entry = rows.setdefault(_email(local), (name, []))
            entry[1].append(f"{Role(role).label} at {clinic.name.split()[0]}")
    return [(email, name, ", ".join(roles)) for email, (name, roles) in rows.items()]


def seed() -> None:
    rng = random.Random(20261128)
    for demo_clinic in CLINICS:
        clinic = Clinic.objects.create(name=demo_clinic.name, time_zone=demo_clinic.time_zone)
        for number in range(1, 5):
            Chair.objects.create(clinic=clinic, name=f"Chair {number}")
        staff = _seed_staff(clinic, demo_clinic.slug)
        documents = _seed_consent_documents(clinic, staff[Role.CLINIC_ADMIN][0])
        count = 13 if demo_clinic.slug == "harbor" else 12
        offset = 0 if demo_clinic.slug == "harbor" else 13
        for index in range(count):
            _seed_patient(clinic, staff, documents, rng, offset + index)
        # Protocols, courses and orders; its own generator, so the patients above stay as they were.
        seed_dosing(clinic, staff, random.Random(f"dosing-{demo_clinic.slug}"))
        # Today's chairs and the signed history of past infusions (live infusion module).
        seed_infusions(clinic, staff)
        seed_score_histories(clinic, staff)
        seed_therapy(clinic, staff)
        seed_notes(clinic, staff)
        seed_goals(clinic, staff)
        seed_measure_schedules(clinic, staff)
        seed_measures_administration(clinic, staff)
        seed_journal(clinic, staff)  # portal-home (issue 6)


def _seed_staff(clinic: Clinic, slug: str) -> dict[str, list[User]]:
    by_role: dict[str, list[User]] = {}
    for local, name, credentials, role in STAFF[slug]:
        user = User.objects.filter(email=_email(local)).first()
        if user is None:
            user = User.objects.create_user(
                _email(local), DEMO_PASSWORD, full_name=name, credentials=credentials
            )
        Membership.objects.create(user=user, clinic=clinic, role=role)
        record(
            action=Action.PRIVILEGE_CHANGE,
            category="staff",
            clinic=clinic,
            obj=user,
            summary=f"Demo seed: {Role(role).label}",
        )
        by_role.setdefault(role, []).append(user)
    return by_role


def _seed_consent_documents(clinic: Clinic, admin: User) -> dict[str, ConsentDocument]:
    current = {}
    for kind, (title, body) in CONSENT_TEXTS.items():
        current[kind] = ConsentDocument.objects.create(
            clinic=clinic, kind=kind, version=1, title=title, body=body, created_by=admin
        )
    # A revised treatment consent, so some patients show "needs re-signing".
    title, body = CONSENT_TEXTS[ConsentKind.TREATMENT]
    current[ConsentKind.TREATMENT] = ConsentDocument.objects.create(
        clinic=clinic,
        kind=ConsentKind.TREATMENT,
        version=2,
        title=title,
        body=body + " I understand that the clinic records each session on a shared timeline.",
        created_by=admin,
    )
    return current


def _seed_patient(
    clinic: Clinic,
    staff: dict[str, list[User]],
    documents: dict[str, ConsentDocument],
    rng: random.Random,
    index: int,
) -> None:
    sex = SexAtBirth.FEMALE if index % 2 == 0 else SexAtBirth.MALE
    today = timezone.localdate()
    patient = Patient.objects.create(
        clinic=clinic,
        mrn=f"{clinic.name[0]}{10001 + index}",
        legal_given_name=GIVEN[index],
        legal_family_name=FAMILY[index],
        preferred_name=GIVEN[(index + 7) % len(GIVEN)] if index % 5 == 0 else "",
        pronouns=PRONOUNS[index % len(PRONOUNS)],
        date_of_birth=date(
            today.year - rng.randint(22, 70), rng.randint(1, 12), rng.randint(1, 28)
        ),
        sex_at_birth=sex,
        email=f"patient{index + 1}@example.test",
        phone=f"555-01{index:02d}",
        emergency_contact_name=f"{GIVEN[-index - 1]} {FAMILY[index]}",
        emergency_contact_phone=f"555-02{index:02d}",
        emergency_contact_relationship="Partner",
        usual_escort_name=f"{GIVEN[-index - 1]} {FAMILY[index]}",
        usual_escort_phone=f"555-02{index:02d}",
        status=[
            PatientStatus.REFERRED,
            PatientStatus.SCREENING,
            PatientStatus.ACTIVE,
            PatientStatus.ACTIVE,
            PatientStatus.MAINTENANCE,
        ][index % 5],
        prescriber=staff[Role.PRESCRIBER][index % len(staff[Role.PRESCRIBER])],
        therapist=staff[Role.THERAPIST][index % len(staff[Role.THERAPIST])],
    )
    patient.nurses.set(staff[Role.NURSE])
    record(
        action=Action.CREATE,
        category="patient",
        patient=patient,
        obj=patient,
        summary="Demo seed: patient registered",
    )
    nurse = staff[Role.NURSE][0]
    category, code = INDICATIONS[index % len(INDICATIONS)]
    Indication.objects.create(
        patient=patient,
        category=category,
        icd10_code=code,
        is_primary=True,
        recorded_by=staff[Role.PRESCRIBER][0],
    )
    _seed_measurements(patient, nurse, rng, sex, index)
    if patient.status != PatientStatus.REFERRED:
        _seed_screening(patient, staff[Role.PRESCRIBER][0], index)
        _seed_consents(patient, documents, nurse, index)


def _seed_measurements(
    patient: Patient, nurse: User, rng: random.Random, sex: str, index: int
) -> None:
    height = Decimal(rng.randint(158, 172) if sex == SexAtBirth.FEMALE else rng.randint(168, 190))
    weight = Decimal(rng.randint(52, 118)) + Decimal(rng.randint(0, 9)) / 10
    # Every fourth patient was last weighed six weeks ago: the chart flags it as too old to dose.
    weighed_days_ago = 42 if index % 4 == 3 else rng.randint(0, 20)
    measured = timezone.now() - timedelta(days=weighed_days_ago, hours=2)
    Observation.objects.create(
        patient=patient,
        code=ObservationCode.BODY_HEIGHT,
        value=height,
        unit="cm",
        measured_at=measured,
        recorded_by=nurse,
    )
    Observation.objects.create(
        patient=patient,
        code=ObservationCode.BODY_WEIGHT,
        value=weight,
        unit="kg",
        measured_at=measured,
        recorded_by=nurse,
    )


def _seed_screening(patient: Patient, prescriber: User, index: int) -> None:
    answers = {item.key: {"present": False, "note": ""} for item in SCREENING_ITEMS}
    outcome, conditions = ScreeningOutcome.ELIGIBLE, ""
    if index % 6 == 1:
        answers["sleep_apnoea"] = {"present": True, "note": "STOP-BANG 4; uses CPAP"}
        outcome = ScreeningOutcome.ELIGIBLE_WITH_CONDITIONS
        conditions = "Continuous capnography; bring CPAP mask to sessions."
    elif index % 11 == 7:
        answers["psychosis"] = {"present": True, "note": "Brief psychotic episode, 2019"}
        outcome = ScreeningOutcome.NOT_ELIGIBLE
    signed = timezone.now() - timedelta(days=30 + index)
    Screening.objects.create(
        patient=patient,
        answers=answers,
        outcome=outcome,
        conditions=conditions,
        created_by=prescriber,
        created_at=signed,
        signed_by=prescriber,
        signed_at=signed,
    )


def _seed_consents(
    patient: Patient, documents: dict[str, ConsentDocument], witness: User, index: int
) -> None:
    signed = timezone.now() - timedelta(days=28 + index)
    for kind, document in documents.items():
        if kind == ConsentKind.TREATMENT and index % 3 == 0:
            # Signed the first version: the chart asks for the revised one to be signed.
            document = ConsentDocument.objects.get(clinic=document.clinic, kind=kind, version=1)
        declined = kind == ConsentKind.TOUCH and index % 4 == 1
        PatientConsent.objects.create(
            patient=patient,
            document=document,
            decision=ConsentDecision.DECLINED if declined else ConsentDecision.GRANTED,
            signed_name=patient.legal_name,
            signed_at=signed,
            witnessed_by=witness,
        )
