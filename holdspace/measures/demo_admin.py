"""Demo data for questionnaire administration (called from demo/data.py after the score
histories): one patient whose PHQ-9 on the clinic tablet raised a safety flag that nobody has
acknowledged yet, and one patient with a remote link half answered.

Everything goes through the real actions, so the audit rows, the live events and the worklist
entry are exactly what a real submission makes. The link's email goes through Django's mail
backend (the console in the demo), which is how a demo user sees the link to open; the demo
patient's date of birth is printed with it.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Clinic, Role
from holdspace.measures import actions
from holdspace.measures.models import Instrument, Occasion
from holdspace.patients.models import Patient, PatientStatus, SexAtBirth
from holdspace.portal import links
from holdspace.portal.questionnaires import send_questionnaire_link

DEMO_BASE_URL = "http://127.0.0.1:8000"
# Item 9 answered "several days": the safety flag of CLINICAL.md §4 (total 13, moderate).
FLAGGED_PHQ9 = (2, 2, 2, 1, 1, 2, 1, 1, 1)


def seed_measures_administration(clinic: Clinic, staff: dict[str, list[User]]) -> None:
    nurse = staff[Role.NURSE][0]
    flagged = _patient(clinic, staff, 9001, "Robin", "Ashby", date(1979, 6, 2))
    _kiosk_phq9_with_safety_flag(flagged, nurse)
    remote = _patient(clinic, staff, 9002, "Sasha", "Kim", date(1991, 11, 17))
    _half_answered_link(remote, nurse)


def _patient(
    clinic: Clinic, staff: dict[str, list[User]], number: int, given: str, family: str, born: date
) -> Patient:
    patient = Patient.objects.create(
        clinic=clinic,
        mrn=f"{clinic.name[0]}{10000 + number}",
        legal_given_name=given,
        legal_family_name=family,
        date_of_birth=born,
        sex_at_birth=SexAtBirth.FEMALE,
        email=f"{given.lower()}.{family.lower()}@example.test",
        status=PatientStatus.ACTIVE,
        prescriber=staff[Role.PRESCRIBER][0],
        therapist=staff[Role.THERAPIST][0],
    )
    patient.nurses.set(staff[Role.NURSE])
    record(
        action=Action.CREATE,
        category="patient",
        patient=patient,
        obj=patient,
        summary="Demo seed: patient registered",
    )
    return patient


def _kiosk_phq9_with_safety_flag(patient: Patient, nurse: User) -> None:
    row = actions.create_administration(
        actor=nurse, patient=patient, instrument=Instrument.objects.get(key="phq9")
    )
    row = actions.start_administration(
        administration=row, by=actions.Answerer(actor=nurse, kiosk=True)
    )
    answers = {f"phq9-{n}": value for n, value in enumerate(FLAGGED_PHQ9, start=1)}
    actions.submit_administration(
        administration=row, answers=answers, by=actions.Answerer(kiosk=True)
    )


def _half_answered_link(patient: Patient, nurse: User) -> None:
    rows = [
        actions.create_administration(
            actor=nurse,
            patient=patient,
            instrument=Instrument.objects.get(key=key),
            occasion=Occasion.FOLLOW_UP,
            due_on=timezone.localdate(),
        )
        for key in ("phq9", "gad7")
    ]
    tokens: list[str] = []

    def url_for(token: str) -> str:
        tokens.append(token)
        return f"{DEMO_BASE_URL}/p/{token}/"

    link = send_questionnaire_link(
        actor=nurse, patient=patient, administrations=rows, url_for=url_for
    )
    # The patient opened it and answered three questions before closing the page.
    opened = links.open_link(tokens[0])
    assert not isinstance(opened, links.Refusal)
    links.check_date_of_birth(opened, patient.date_of_birth)
    actions.save_progress(
        administration=rows[0],
        answers={"phq9-1": 1, "phq9-2": 1, "phq9-3": 2},
        by=actions.Answerer(link=link),
    )
    # The demo shows where to try the patient's side (the email above carries the same link).
    print(
        f"Patient link for {patient.legal_given_name} {patient.legal_family_name} "
        f"({patient.clinic.name}): {DEMO_BASE_URL}/p/{tokens[0]}/ "
        f"(date of birth {patient.date_of_birth:%Y-%m-%d})"
    )
