"""The device-feed cast: a monitor feed bound to clinic A's Chair 1 (where ``running`` infuses),
a wall board, and a running infusion in clinic B with its own feed. Requests go through the
real URL configuration with a bearer token, exactly as monitor middleware sends them."""

import json
import uuid
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from holdspace.clinics.models import Device, DeviceKind, Role
from holdspace.dosing import actions as dosing_actions
from holdspace.dosing.models import Protocol
from holdspace.dosing.tests.conftest import (  # noqa: F401 - fixtures
    course,
    grant_treatment_consent,
    place_order,
    protocols_a,
    ready_patient,
    sign_screening,
    signed_order,
    standard,
    weigh,
    weight_80,
)
from holdspace.infusions import actions
from holdspace.infusions.tests.conftest import (  # noqa: F401 - fixtures
    NORMAL_VITALS,
    _tasks_to_the_dummy_backend,
    chair_a,
    check_in,
    checked_in,
    double_check,
    ended,
    fresh,
    ready_order,
    recovering,
    running,
    scheduled,
    start,
)
from tests.factories import ChairFactory, MembershipFactory, PatientFactory, UserFactory

VITALS_URL = reverse("api-v1:post_vitals")
CHAIR_URL = reverse("api-v1:chair")


def make_device(clinic, name, kind=DeviceKind.FEED, chair=None, active=True) -> Device:
    device = Device(clinic=clinic, name=name, kind=kind, chair=chair, is_active=active)
    device.token = device.issue_token()  # only tests keep the token; the database holds a hash
    device.save()
    return device


def reading(**values) -> dict:
    """A normal reading measured just now, as JSON-ready values, with ``values`` changed."""
    body = {
        "client_id": str(uuid.uuid4()),
        "measured_at": timezone.now().isoformat(),
        **NORMAL_VITALS,
    }
    body.update(values)
    return body


def at(minutes_from_now: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes_from_now)).isoformat()


def post(body: dict, token: str | None, client: Client | None = None, raw: str | None = None):
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return (client or Client()).post(
        VITALS_URL,
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def get_chair(token: str | None, client: Client | None = None):
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return (client or Client()).get(CHAIR_URL, headers=headers)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def feed_a(clinic_a, chair_a):  # noqa: F811 - the infusions fixture
    """Chair 1's monitor in clinic A (``running`` infuses in Chair 1)."""
    return make_device(clinic_a, "Chair 1 monitor", chair=chair_a)


@pytest.fixture
def chair_a2(clinic_a):
    return ChairFactory(clinic=clinic_a, name="Chair 2")


@pytest.fixture
def feed_a2(clinic_a, chair_a2):
    """Chair 2's monitor in clinic A; nobody is infusing in Chair 2."""
    return make_device(clinic_a, "Chair 2 monitor", chair=chair_a2)


@pytest.fixture
def board_a(clinic_a):
    return make_device(clinic_a, "Suite wall", kind=DeviceKind.BOARD)


@pytest.fixture
def running_b(clinic_b, nurse_b):
    """An infusion running now in clinic B's Chair 1, built through the same actions."""
    prescriber = UserFactory(full_name="Bram Prescriber", email="bram@example.test")
    MembershipFactory(user=prescriber, clinic=clinic_b, role=Role.PRESCRIBER)
    patient = PatientFactory(clinic=clinic_b, legal_given_name="Bea", mrn="B-3001")
    weight = weigh(patient, "80.0", nurse=nurse_b)
    sign_screening(patient, prescriber)
    grant_treatment_consent(patient, nurse_b)
    dosing_actions.add_shipped_protocols(actor=None, clinic=clinic_b)
    protocol = Protocol.objects.current().get(
        clinic=clinic_b, shipped_key="depression_anxiety_standard"
    )
    course_b = dosing_actions.start_course(
        actor=prescriber,
        patient=patient,
        protocol=protocol,
        indication_category="trd",
        planned_infusions=6,
    )
    order = place_order(course_b, prescriber, weight)
    double_check(order, nurse_b)
    session = actions.schedule_session(
        actor=nurse_b,
        patient=patient,
        order=order,
        chair=ChairFactory(clinic=clinic_b, name="Chair 1"),
        scheduled_for=timezone.now(),
    )
    return start(check_in(session, nurse_b), prescriber, minutes_ago=10)


@pytest.fixture
def feed_b(clinic_b, running_b):
    return make_device(clinic_b, "B chair 1 monitor", chair=running_b.chair)
