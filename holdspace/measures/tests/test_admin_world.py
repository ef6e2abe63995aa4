"""Shared builders for the administration, safety-flag and patient-link tests (no tests here).

Kept in a test_admin* module because that is the prefix this area owns; pytest collects it and
finds nothing to run."""

import uuid

from django.utils import timezone

from holdspace.dosing.tests.builders import dosing_world
from holdspace.infusions.models import InfusionSession, SessionState
from holdspace.measures import actions
from holdspace.measures.models import Administration, Instrument, Occasion
from tests.factories import ChairFactory

# CLINICAL.md §4 published vector: 2,2,2,2,1,1,2,0,0 → 12 (moderate).
PHQ9_MODERATE = (2, 2, 2, 2, 1, 1, 2, 0, 0)


def phq9(values, **extra):
    """PHQ-9 answers keyed by linkId (phq9-1 … phq9-9); None leaves an item unanswered."""
    answers = {f"phq9-{n}": value for n, value in enumerate(values, start=1)}
    return {**answers, **extra}


def instrument(key: str) -> Instrument:
    return Instrument.objects.get(key=key)


def due(patient, key: str, actor, occasion=Occasion.AD_HOC, **kwargs) -> Administration:
    return actions.create_administration(
        actor=actor, patient=patient, instrument=instrument(key), occasion=occasion, **kwargs
    )


def submitted(patient, actor, values=PHQ9_MODERATE, key="phq9", **kwargs) -> Administration:
    """A PHQ-9 (or ``key``) entered by ``actor`` and scored."""
    row = due(patient, key, actor, **kwargs)
    answers = phq9(values) if key == "phq9" else values
    return actions.enter_clinician_rating(
        actor=actor, administration=row, answers=answers, client_id=uuid.uuid4()
    )


def session_for(patient, author, prescriber, state=SessionState.CHECKED_IN) -> InfusionSession:
    """An infusion session of the patient, today, in ``state`` (checked in by default)."""
    world = dosing_world(patient, author, prescriber)
    return InfusionSession.objects.create(
        clinic=patient.clinic,
        patient=patient,
        order=world["order_id"],
        chair=ChairFactory(clinic=patient.clinic),
        scheduled_for=timezone.now(),
        created_by=author,
        state=state,
        checked_in_at=timezone.now() if state != SessionState.SCHEDULED else None,
    )


def measures_administration_world(patient, author) -> dict[str, object]:
    """For the security matrix: an administration with a safety flag, in the patient's clinic."""
    from holdspace.measures.models import SafetyFlag
    from holdspace.portal.links import issue_link

    row = submitted(patient, author, (1,) * 9)
    link, _token = issue_link(actor=author, patient=patient, purpose="questionnaires")
    return {
        "administration_id": row,
        "flag_id": SafetyFlag.objects.get(administration=row),
        "link_id": link,
    }
