"""Demo therapy for the synthetic demo clinics (called from demo/data.py after the infusions).

For every patient who has infusions (today's or past): a signed preparation session before the
first infusion, a support plan written then and changed once since (two versions, so the history
shows who changed what), and for patients in a chair today a review of the plan this morning. For
every past discharged infusion but the newest a signed integration note, held a day or two
later and prefilled from what the infusion captured; the newest stays due on the worklist. One
patient has an open suggestion from the portal.

Rows are written directly, not through the actions, only so that they can carry the times at
which things happened (an action stamps server time); the prefill comes from the same code the
pages use. Deterministic: the same demo infusions give the same therapy record.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Clinic, Role
from holdspace.infusions.models import IN_CHAIR_STATES, InfusionSession, SessionState
from holdspace.patients.models import Patient
from holdspace.therapy import prefill
from holdspace.therapy.actions import clinic_today
from holdspace.therapy.models import (
    IntegrationSession,
    IntegrationStatus,
    PreparationSession,
    Readiness,
    SupportPlan,
    SupportPlanReview,
    SupportPlanSuggestion,
    SupportPlanVersion,
)

# Calming preferences in the patients' words; the console offers the first two.
WHAT_HELPS = [
    ["Slow breathing with me, counting out loud", "Hearing my name", "Changing the music"],
    ["Feet flat on the floor", "A hand on my shoulder (ask first)", "Being told it will pass"],
    ["Silence, with you nearby", "Cold water on my wrists", "Opening my eyes for a moment"],
    ["Naming five things I can hear", "Slower music", "Reminding me where I am"],
]
GROUNDING = [
    ["5-4-3-2-1 senses", "Box breathing"],
    ["Feet on the floor", "Holding the smooth stone"],
    ["Long out-breaths"],
    ["Naming the colours in the room", "Hands on the armrests"],
]
WORDS_HELP = ["You are safe; this will pass", "I am right here", "Let it move through"]
WORDS_HARM = ["Calm down", "Just relax", "Don't be silly"]
AVOID = ["Questions about my father", "Hospitals and needles talk", "", "Work deadlines"]
INTENTIONS = [
    "To feel the weight lift a little, and to be gentler with myself",
    "To stay curious when the fear shows up",
    "To find some space between me and the memories",
    "To rest",
]
INSIGHTS = [
    "Noticed that the heaviness is not all of them; there was space around it.",
    "Saw the fear as something passing through, not something they are.",
    "Felt, for a moment, that the memories could be looked at from a distance.",
]
HOMEWORK = [
    "Five minutes of the breathing from the session each morning; a journal line at night.",
    "One walk this week without the phone; notice three good moments.",
    "Write a letter to the younger self (not to send).",
]


def seed_therapy(clinic: Clinic, staff: dict[str, list[User]]) -> None:
    """Support plans, preparation and integration sessions for one demo clinic."""
    now = timezone.now()
    fallback = staff[Role.THERAPIST][0]
    nurse = staff[Role.NURSE][0]
    patients = _patients_with_infusions(clinic)
    for index, patient in enumerate(patients):
        therapist = patient.therapist or fallback
        first = _first_infusion_time(patient) or now
        _preparation(patient, therapist, first - timedelta(days=7), index)
        plan = _plan(patient, therapist, first - timedelta(days=7), now, index)
        if _in_chair_today(patient):
            _review(plan, nurse, now - timedelta(minutes=45))
    _integrations(clinic, fallback)
    if patients:
        _suggestion(patients[-1], now - timedelta(hours=5))


def _patients_with_infusions(clinic: Clinic) -> list[Patient]:
    ids = InfusionSession.objects.filter(clinic=clinic).values_list("patient_id", flat=True)
    return list(Patient.objects.filter(pk__in=set(ids)).select_related("therapist").order_by("mrn"))


def _first_infusion_time(patient: Patient) -> datetime | None:
    first = patient.infusion_sessions.order_by("scheduled_for").first()
    return first.scheduled_for if first else None


def _in_chair_today(patient: Patient) -> bool:
    return patient.infusion_sessions.filter(state__in=IN_CHAIR_STATES).exists()


def _audit(patient: Patient, obj: Any, summary: str) -> None:
    record(
        action=Action.CREATE,
        category="therapy",
        patient=patient,
        obj=obj,
        summary=f"Demo seed: {summary}",
    )


def _preparation(patient: Patient, therapist: User, held: datetime, index: int) -> None:
    row = PreparationSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        course=patient.treatment_courses.order_by("created_at").first(),
        held_at=held,
        therapist=therapist,
        explained_dissociation=True,
        explained_blood_pressure=True,
        explained_nausea=True,
        explained_therapist_role=True,
        questions="Will I be able to talk? What if I feel I am losing control?",
        intentions=INTENTIONS[index % len(INTENTIONS)],
        readiness=Readiness.READY,
        created_by=therapist,
        created_at=held,
        updated_at=held,
        signed_at=held + timedelta(hours=1),
        signed_by=therapist,
    )
    _audit(patient, row, "preparation session")


def _plan(
    patient: Patient, therapist: User, written: datetime, now: datetime, index: int
) -> SupportPlan:
    plan = SupportPlan.objects.create(clinic=patient.clinic, patient=patient, created_at=written)
    content: dict[str, Any] = {
        "what_helps": WHAT_HELPS[index % len(WHAT_HELPS)],
        "grounding_techniques": GROUNDING[index % len(GROUNDING)],
        "words_that_help": WORDS_HELP[index % len(WORDS_HELP)],
        "words_that_harm": WORDS_HARM[index % len(WORDS_HARM)],
        "session_style": "guided" if index % 2 else "quiet",
        "music": "playlist" if index % 3 else "none",
        "music_detail": "Clinic ambient playlist" if index % 3 else "",
        "eye_mask": "offer",
        "headphones": "yes" if index % 3 else "no",
        "lighting": "dim",
        "touch_consent": "no" if index % 4 == 3 else "ask_each_time",
        "touch_kinds": "" if index % 4 == 3 else "Hand on the shoulder",
        "topics_to_avoid": AVOID[index % len(AVOID)],
        "support_person": "Partner, by phone",
        "escort": patient.usual_escort_name or "Partner",
    }
    version = SupportPlanVersion.objects.create(
        plan=plan, number=1, created_by=therapist, created_at=written, **content
    )
    _audit(patient, version, "support plan version 1")
    # A change after the first infusion: the patient found the music helped more than words.
    changed = {**content, "what_helps": [content["what_helps"][2], *content["what_helps"][:2]]}
    changed_at = min(written + timedelta(days=9), now - timedelta(days=1))
    second = SupportPlanVersion.objects.create(
        plan=plan,
        number=2,
        created_by=therapist,
        created_at=changed_at,
        change_note="After the first infusion: what helped most moved to the top",
        **changed,
    )
    _audit(patient, second, "support plan version 2")
    return plan


def _review(plan: SupportPlan, nurse: User, at: datetime) -> None:
    version = plan.versions.order_by("-number").first()
    assert version is not None
    session = plan.patient.infusion_sessions.filter(state__in=IN_CHAIR_STATES).first()
    review = SupportPlanReview.objects.create(
        plan=plan,
        version=version,
        session=session,
        reviewed_on=clinic_today(plan.clinic, at),
        reviewed_at=at,
        reviewed_by=nurse,
        note="Reviewed with the patient at check-in",
    )
    _audit(plan.patient, review, "support plan reviewed")


def _integrations(clinic: Clinic, fallback: User) -> None:
    """A signed integration for every discharged infusion but the newest, which stays due."""
    discharged = list(
        InfusionSession.objects.filter(clinic=clinic, state=SessionState.DISCHARGED)
        .exclude(discharged_at=None)
        .select_related("patient__therapist", "clinic")
        .order_by("-discharged_at", "-id")
    )
    for index, infusion in enumerate(discharged[1:]):
        _integration(infusion, infusion.patient.therapist or fallback, index)


def _integration(infusion: InfusionSession, therapist: User, index: int) -> None:
    assert infusion.discharged_at is not None
    held = infusion.discharged_at + timedelta(hours=26 + 12 * (index % 3))
    captured = prefill.from_infusion(infusion)
    note = prefill.initial_note(captured)
    note.update(
        insights=INSIGHTS[index % len(INSIGHTS)],
        emotions="Relief, some sadness, curiosity",
        meaning="That change is possible, even if slow.",
        what_got_in_the_way="Worrying at the start about losing control.",
        commitments="Keep the morning breathing; tell the partner one honest thing a day.",
        homework=HOMEWORK[index % len(HOMEWORK)],
    )
    note["experience"] = (note["experience"] + "\nCalm, then a sense of distance.").strip()
    row = IntegrationSession.objects.create(
        clinic=infusion.clinic,
        patient=infusion.patient,
        infusion=infusion,
        status=IntegrationStatus.SIGNED,
        held_at=held,
        therapist=therapist,
        from_infusion=captured,
        created_by=therapist,
        created_at=held,
        updated_at=held,
        signed_at=held + timedelta(minutes=50),
        signed_by=therapist,
        **note,
    )
    _audit(infusion.patient, row, "integration session")


def _suggestion(patient: Patient, at: datetime) -> None:
    row = SupportPlanSuggestion.objects.create(
        clinic=patient.clinic,
        patient=patient,
        text="Could we start with a few minutes of silence before any music?",
        created_at=at,
    )
    _audit(patient, row, "support plan suggestion from the portal")
