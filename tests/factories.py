"""Factories for the synthetic people and records tests use. Only invented data."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.clinics.models import Chair, Clinic, Membership, Role
from holdspace.patients.models import Observation, ObservationCode, Patient, SexAtBirth

TEST_PASSWORD = "correct horse battery staple"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Test Clinic {n}")
    time_zone = "America/New_York"


class ChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chair

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Chair {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Staff Member {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.NURSE


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    legal_given_name = factory.Sequence(lambda n: f"Given{n}")
    legal_family_name = factory.Sequence(lambda n: f"Family{n}")
    date_of_birth = date(1985, 4, 12)
    sex_at_birth = SexAtBirth.FEMALE


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    patient = factory.SubFactory(PatientFactory)
    code = ObservationCode.BODY_WEIGHT
    value = Decimal("72.5")
    unit = "kg"
    measured_at = factory.LazyFunction(timezone.now)
