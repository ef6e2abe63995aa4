"""Therapy objects for tests and the security matrix: a discharged infusion with what the
therapist captured in it, a preparation note, a support plan with versions, a suggestion and
an integration note. Rows are written directly (like the matrix's other builders) where the
actions would stamp server time; everything the tests assert goes through the actions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from holdspace.dosing.tests.builders import dosing_world
from holdspace.infusions.models import (
    InfusionSession,
    PatientStatement,
    SessionState,
    SupportEvent,
    SupportResponse,
)
from holdspace.therapy.models import (
    IntegrationSession,
    PreparationSession,
    SupportPlan,
    SupportPlanSuggestion,
    SupportPlanVersion,
)
from tests.factories import ChairFactory


def discharged_infusion(patient: Any, author: Any, prescriber: Any, *, hours_ago: float = 30):
    """A discharged infusion of ``patient`` with a tagged statement and a settled support."""
    world = dosing_world(patient, author, prescriber)
    discharged = timezone.now() - timedelta(hours=hours_ago)
    start = discharged - timedelta(minutes=90)
    session = InfusionSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        order=world["order_id"],
        chair=ChairFactory(clinic=patient.clinic),
        state=SessionState.DISCHARGED,
        scheduled_for=start,
        started_at=start,
        ended_at=start + timedelta(minutes=40),
        discharged_at=discharged,
        intention_today="To stay curious when the fear shows up",
        created_by=author,
    )
    entry = {"session": session, "recorded_by": author}
    PatientStatement.objects.create(
        **entry,
        client_id=uuid.uuid4(),
        occurred_at=start + timedelta(minutes=20),
        text="I could see my thoughts without following them",
        tagged_for_integration=True,
    )
    PatientStatement.objects.create(
        **entry,
        client_id=uuid.uuid4(),
        occurred_at=start + timedelta(minutes=22),
        text="Not for integration",
        tagged_for_integration=False,
    )
    support = SupportEvent.objects.create(
        **entry, client_id=uuid.uuid4(), occurred_at=start + timedelta(minutes=10), kind="breathing"
    )
    SupportResponse.objects.create(
        **entry,
        client_id=uuid.uuid4(),
        occurred_at=start + timedelta(minutes=13),
        support_event=support,
        response="settled",
    )
    return session


def plan_with_versions(patient: Any, author: Any, what_helps: list[str] | None = None):
    plan = SupportPlan.objects.create(clinic=patient.clinic, patient=patient)
    SupportPlanVersion.objects.create(plan=plan, number=1, what_helps=["Music"], created_by=author)
    return SupportPlanVersion.objects.create(
        plan=plan,
        number=2,
        what_helps=what_helps or ["Slow breathing together", "A hand on the shoulder", "Music"],
        created_by=author,
    )


def therapy_world(patient: Any, author: Any, prescriber: Any) -> dict[str, object]:
    """One object of every therapy kind for ``patient``, keyed by URL parameter name."""
    preparation = PreparationSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        held_at=timezone.now(),
        therapist=author,
        created_by=author,
    )
    version = plan_with_versions(patient, author)
    suggestion = SupportPlanSuggestion.objects.create(
        clinic=patient.clinic, patient=patient, text="Less talking, please"
    )
    infusion = discharged_infusion(patient, author, prescriber)
    integration = IntegrationSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        infusion=infusion,
        therapist=author,
        created_by=author,
    )
    return {
        "preparation_id": preparation,
        "plan_version_id": version,
        "suggestion_id": suggestion,
        "integration_id": integration,
    }
