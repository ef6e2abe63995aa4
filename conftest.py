"""The test cast: clinic A with one person in every role, clinic B with a nurse, and patients.

Tests sign people in through real sessions on a real database; nothing is mocked but the clock
and the mail outbox where a test says so.
"""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from holdspace.clinics.middleware import SESSION_CLINIC
from holdspace.clinics.models import Role
from tests.factories import ClinicFactory, MembershipFactory, PatientFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 at production cost would dominate the suite; tests/test_settings checks the real one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic_a(db):
    return ClinicFactory(name="Clinic A")


@pytest.fixture
def clinic_b(db):
    return ClinicFactory(name="Clinic B")


def _member(clinic, role, name):
    user = UserFactory(full_name=name, email=f"{name.lower().replace(' ', '.')}@example.test")
    MembershipFactory(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def nurse_a(clinic_a):
    return _member(clinic_a, Role.NURSE, "Nora Nurse")


@pytest.fixture
def therapist_a(clinic_a):
    return _member(clinic_a, Role.THERAPIST, "Theo Therapist")


@pytest.fixture
def prescriber_a(clinic_a):
    return _member(clinic_a, Role.PRESCRIBER, "Priya Prescriber")


@pytest.fixture
def admin_a(clinic_a):
    return _member(clinic_a, Role.CLINIC_ADMIN, "Ada Admin")


@pytest.fixture
def nurse_b(clinic_b):
    return _member(clinic_b, Role.NURSE, "Nils Nurse")


@pytest.fixture
def patient_a(clinic_a):
    return PatientFactory(
        clinic=clinic_a,
        legal_given_name="Alex",
        legal_family_name="Rivera",
        preferred_name="Lex",
        mrn="A-1001",
    )


@pytest.fixture
def patient_b(clinic_b):
    return PatientFactory(
        clinic=clinic_b, legal_given_name="Bea", legal_family_name="Okafor", mrn="B-2001"
    )


def signed_in(user, clinic=None) -> Client:
    """A browser session for ``user`` past password and two-factor, working in ``clinic``."""
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    if clinic is not None:
        session[SESSION_CLINIC] = str(clinic.public_id)
    session.save()
    return client


@pytest.fixture
def as_nurse_a(nurse_a, clinic_a):
    return signed_in(nurse_a, clinic_a)


@pytest.fixture
def as_prescriber_a(prescriber_a, clinic_a):
    return signed_in(prescriber_a, clinic_a)


@pytest.fixture
def as_therapist_a(therapist_a, clinic_a):
    return signed_in(therapist_a, clinic_a)


@pytest.fixture
def as_admin_a(admin_a, clinic_a):
    return signed_in(admin_a, clinic_a)


@pytest.fixture
def as_nurse_b(nurse_b, clinic_b):
    return signed_in(nurse_b, clinic_b)
