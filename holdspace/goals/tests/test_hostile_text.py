"""QUALITY.md gate 4 for notes and goals: hostile free text is shown as text, never as markup."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from holdspace.goals import actions as goal_actions
from holdspace.notes import actions as note_actions
from holdspace.notes.models import NoteKind

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% debug %}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_notes_and_goals_is_escaped(
    payload, therapist_a, patient_a, as_therapist_a
):
    note = note_actions.create_therapy_note(
        actor=therapist_a, patient=patient_a, kind=NoteKind.OTHER, text=payload, sign=True
    )
    note_actions.add_addendum(actor=therapist_a, note=note, text=payload)
    private = note_actions.create_psychotherapy_note(
        actor=therapist_a, patient=patient_a, text=payload
    )
    goal = goal_actions.set_goal(
        actor=therapist_a,
        patient=patient_a,
        fields={
            "statement": payload,
            "target_behaviour": payload,
            "frequency_count": 2,
            "frequency_period": "week",
            "measure": payload,
            "target_date": timezone.localdate() + timedelta(days=10),
        },
    )
    goal_actions.record_goal_checkin(goal, times_done=1, note=payload, actor=therapist_a)
    pid = patient_a.public_id
    pages = [
        reverse("notes:detail", kwargs={"patient_id": pid, "note_id": note.public_id}),
        reverse(
            "notes:private_detail",
            kwargs={"patient_id": pid, "psychotherapy_note_id": private.public_id},
        ),
        reverse("goals:list", kwargs={"patient_id": pid}),
        reverse("goals:detail", kwargs={"patient_id": pid, "goal_id": goal.public_id}),
    ]
    for url in pages:
        html = as_therapist_a.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        if "{{" in payload:
            # Shown literally: free text is never evaluated as a template.
            assert "{{ 7*7 }}" in html, url
