"""One object of every notes/goals kind for a patient, for the security matrix
(tests/security/test_object_access_matrix.py): note_id, psychotherapy_note_id, goal_id,
feedback_id. The psychotherapy note's author is ``prescriber`` (so, in clinic A, only the
prescriber may open it); rows are written directly so any role can be the author in clinic B."""

from datetime import timedelta

from django.utils import timezone

from holdspace.goals.models import Goal
from holdspace.measures import actions as measures
from holdspace.measures.models import Instrument, Occasion
from holdspace.notes import crypto
from holdspace.notes.models import NoteKind, PsychotherapyNote, TherapyNote

PRIVATE_TEXT = "Matrix private note: nobody but the author may read this"


def notes_goals_world(patient, author, prescriber) -> dict[str, object]:
    note = TherapyNote.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=NoteKind.INTEGRATION,
        text="Matrix therapy note",
        author=author,
        last_edited_by=author,
    )
    private = PsychotherapyNote.private.create(
        clinic=patient.clinic,
        patient=patient,
        author=prescriber,
        ciphertext=crypto.encrypt(PRIVATE_TEXT),
    )
    goal = Goal.objects.create(
        clinic=patient.clinic,
        patient=patient,
        statement="Walk",
        target_behaviour="A walk",
        frequency_count=3,
        measure="Log",
        target_date=timezone.localdate() + timedelta(days=30),
        created_by=author,
    )
    administration = measures.create_administration(
        actor=author,
        patient=patient,
        instrument=Instrument.objects.get(key="session_feedback"),
        occasion=Occasion.INTEGRATION,
    )
    feedback = measures.enter_clinician_rating(
        actor=author,
        administration=administration,
        answers={f"feedback-{n}": 1 for n in range(1, 6)},
    )
    return {
        "note_id": note,
        "psychotherapy_note_id": private,
        "goal_id": goal,
        "feedback_id": feedback,
    }
