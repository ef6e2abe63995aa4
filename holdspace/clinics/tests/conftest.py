"""Extra cast for clinic tests: an admin of clinic B, chairs and a board device in clinic A."""

import pytest

from conftest import signed_in
from holdspace.audit.models import AuditEvent
from holdspace.clinics.models import Device, Role
from tests.factories import ChairFactory, MembershipFactory, UserFactory


@pytest.fixture
def admin_b(clinic_b):
    user = UserFactory(full_name="Bo Admin", email="bo.admin@example.test")
    MembershipFactory(user=user, clinic=clinic_b, role=Role.CLINIC_ADMIN)
    return user


@pytest.fixture
def as_admin_b(admin_b, clinic_b):
    return signed_in(admin_b, clinic_b)


@pytest.fixture
def chairs_a(clinic_a):
    return [ChairFactory(clinic=clinic_a, name=f"Chair {n}") for n in (1, 2, 3)]


@pytest.fixture
def device_a(clinic_a):
    device = Device(clinic=clinic_a, name="Suite wall")
    token = device.issue_token()
    device.save()
    device.token = token  # only tests keep the token; the database holds its hash
    return device


def audit_rows(**filters):
    return AuditEvent.objects.filter(**filters).order_by("id")
