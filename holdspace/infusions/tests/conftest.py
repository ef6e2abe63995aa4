"""The infusion cast: a ready-to-start order (the CLINICAL.md worked example: 80 kg, 0.5 mg/kg,
40 mg drawn into 100 mL, 151.2 mL/h over 40 minutes, double-checked), a chair, and sessions at
each step of the lifecycle. Only synthetic data; the base cast comes from the project's
conftest.py and the dosing cast from holdspace/dosing/tests/conftest.py.

Background tasks go to Django's dummy backend, so a test can read what was queued and when.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.tasks import default_task_backend
from django.utils import timezone

from holdspace.dosing import actions as dosing_actions
from holdspace.dosing import engine
from holdspace.dosing.tests.conftest import (  # noqa: F401 - fixtures
    course,
    protocols_a,
    ready_patient,
    signed_order,
    standard,
    weight_80,
)
from holdspace.infusions import actions
from holdspace.infusions.checkin import CheckinAnswers, TouchConsent
from holdspace.infusions.models import InfusionSession
from tests.factories import ChairFactory

OVERRIDE = "Pre-infusion measures and support plan not available yet; reviewed by phone"

ANSWERS = CheckinAnswers(
    identity_confirmed=True,
    fasting_as_instructed=True,
    escort_confirmed=True,
    medication_changes_reviewed=True,
    intention="To notice the heaviness without becoming it",
    touch_consent=TouchConsent.YES,
    iv_site="Left antecubital, 22 G",
)

NORMAL_VITALS = {"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98, "resp_rate": 14}


@pytest.fixture(autouse=True)
def _tasks_to_the_dummy_backend(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }


def queued(name: str | None = None) -> list[tuple[str, object, tuple]]:
    """(task name, run_after, args) of every task queued so far, optionally of one name."""
    rows = [(r.task.name, r.task.run_after, tuple(r.args)) for r in default_task_backend.results]
    return [row for row in rows if name is None or row[0] == name]


def fresh(session: InfusionSession) -> InfusionSession:
    return InfusionSession.objects.select_related("order__protocol", "patient", "chair").get(
        pk=session.pk
    )


def ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def cid() -> uuid.UUID:
    return uuid.uuid4()


def vitals(session, actor, *, minutes_ago: float | None = None, only: bool = False, **values):
    """A set of vitals: the normal set with ``values`` changed, or only ``values``."""
    given = values if only else {**NORMAL_VITALS, **values}
    return actions.record_vitals(
        actor=actor,
        session=session,
        client_id=cid(),
        occurred_at=None if minutes_ago is None else ago(minutes_ago),
        **given,
    )


def double_check(order, checker):
    return dosing_actions.double_check_order(
        actor=checker,
        order=order,
        weight_kg=engine.round_weight_kg(Decimal(order.dosing_weight_kg)),
        dose_mg=engine.round_dose_mg(Decimal(order.dose_mg)),
    )


@pytest.fixture
def ready_order(signed_order, nurse_a):  # noqa: F811 - the dosing fixture
    double_check(signed_order, nurse_a)
    return signed_order


@pytest.fixture
def chair_a(clinic_a):
    return ChairFactory(clinic=clinic_a, name="Chair 1")


@pytest.fixture
def scheduled(ready_order, ready_patient, chair_a, nurse_a):  # noqa: F811 - the dosing fixture
    return actions.schedule_session(
        actor=nurse_a,
        patient=ready_patient,
        order=ready_order,
        chair=chair_a,
        scheduled_for=timezone.now(),
    )


def check_in(session, nurse, answers=ANSWERS, with_baseline=True, minutes_ago=30):
    if with_baseline:
        vitals(session, nurse, minutes_ago=minutes_ago)
    actions.check_in(actor=nurse, session=session, answers=answers)
    return fresh(session)


@pytest.fixture
def checked_in(scheduled, nurse_a):
    return check_in(scheduled, nurse_a)


def start(session, prescriber, minutes_ago: float | None = None, **kwargs):
    actions.start_infusion(
        actor=prescriber,
        session=session,
        client_id=cid(),
        occurred_at=None if minutes_ago is None else ago(minutes_ago),
        override_reason=OVERRIDE,
        **kwargs,
    )
    return fresh(session)


@pytest.fixture
def running(checked_in, prescriber_a):
    """Started 20 minutes ago on a prescriber's override (the pending-feature items)."""
    return start(checked_in, prescriber_a, minutes_ago=20)


def pump(session, actor, action, minutes_ago: float | None = None, at=None, **kwargs):
    """A pump action now, ``minutes_ago`` or ``at`` a given time."""
    return actions.pump_action(
        actor=actor,
        session=session,
        action=action,
        client_id=cid(),
        occurred_at=at if minutes_ago is None else ago(minutes_ago),
        **kwargs,
    )


@pytest.fixture
def ended(running, nurse_a):
    pump(running, nurse_a, "stop", minutes_ago=1)
    return fresh(running)


@pytest.fixture
def recovering(ended, nurse_a):
    actions.start_recovery(actor=nurse_a, session=ended)
    return fresh(ended)
