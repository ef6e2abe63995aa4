"""Builders for the schedule, outcome and progress-report tests: a course with infusion sessions
and completed questionnaires, in a chosen clinic and on chosen days."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from holdspace.dosing.models import CoursePhase, TreatmentCourse
from holdspace.dosing.tests.builders import dosing_world
from holdspace.infusions.models import InfusionSession, SessionState
from holdspace.measures.models import Administration, AdministrationStatus, Occasion
from holdspace.measures.scheduling import ensure_instrument
from holdspace.patients.models import Indication
from tests.factories import ChairFactory

START = date(2026, 3, 2)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def course_for(patient, nurse, prescriber, category="trd", icd10="F33.2", started=START):
    """A course for ``category`` started on ``started``, with a signed order to clone for each
    infusion. (dosing_world's own course is set aside as discontinued: a course's start and
    indication cannot change once stored.)"""
    world = dosing_world(patient, nurse, prescriber)
    template = world["course_id"]
    template.phase = CoursePhase.DISCONTINUED
    template.save(update_fields=["phase"])
    course = TreatmentCourse.objects.create(
        patient=patient,
        protocol=template.protocol,
        indication_category=category,
        planned_infusions=3,
        created_by=prescriber,
        created_at=noon(started),
    )
    Indication.objects.create(
        patient=patient, category=category, icd10_code=icd10, is_primary=True, recorded_by=nurse
    )
    course.first_order = world["order_id"]
    course.author = nurse
    return course


def _order(course, sequence):
    order = type(course.first_order).objects.get(pk=course.first_order.pk)
    order.pk = None
    order.id = None
    order._state.adding = True
    order.public_id = uuid.uuid4()
    order.course = course
    order.sequence = sequence
    order.save()
    return order


def infusion(course, sequence, day, given=False):
    """Infusion number ``sequence`` of the course on ``day``: given (discharged) or scheduled."""
    when = noon(day)
    return InfusionSession.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        order=_order(course, sequence),
        chair=ChairFactory(clinic=course.patient.clinic),
        scheduled_for=when,
        created_by=course.author,
        state=SessionState.DISCHARGED if given else SessionState.SCHEDULED,
        started_at=when if given else None,
    )


def completed(course, key, day, total, occasion=Occasion.FOLLOW_UP, status=None):
    """A completed questionnaire with this total on ``day`` (None: incomplete, no total)."""
    version = ensure_instrument(key).current_version()
    return Administration.objects.create(
        clinic=course.patient.clinic,
        patient=course.patient,
        course=course,
        instrument_version=version,
        occasion=occasion,
        status=status or AdministrationStatus.COMPLETED,
        due_on=day,
        complete=total is not None,
        total=None if total is None else Decimal(total),
        completed_at=noon(day),
    )


def scores(course, key, *totals, every=7, start=START):
    """Completed scores ``every`` days apart from ``start``, the first as the baseline."""
    rows = []
    for index, total in enumerate(totals):
        occasion = Occasion.BASELINE if index == 0 else Occasion.FOLLOW_UP
        rows.append(completed(course, key, start + timedelta(days=every * index), total, occasion))
    return rows


@pytest.mark.django_db
def test_the_world_builds_a_course_with_sessions(patient_a, nurse_a, prescriber_a):
    course = course_for(patient_a, nurse_a, prescriber_a)
    infusion(course, 1, START, given=True)
    infusion(course, 2, START + timedelta(days=3))
    assert InfusionSession.objects.filter(order__course=course).count() == 2
    assert course.created_at.date() == START
