"""The demo clinics show live infusions: one running, one awaiting the pump, one in recovery,
and a signed history, all on ready orders and consistent with the engines."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.utils import timezone

from holdspace.audit.trail import verify_chain
from holdspace.clinics.models import Clinic
from holdspace.dosing import engine
from holdspace.infusions.models import (
    Alert,
    InfusionSession,
    PatientState,
    PumpEvent,
    SupportEvent,
    VitalSigns,
)
from holdspace.infusions.queries import board_tiles, delivered_dose
from holdspace.infusions.timeline import timeline


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the module (the seed is deterministic and these tests only read)."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            call_command("seed_demo", stdout=StringIO())
            yield
            transaction.set_rollback(True)


@pytest.fixture
def clinics(demo, db):
    return list(Clinic.objects.order_by("name"))


def test_each_clinic_has_one_running_one_awaiting_and_one_recovering(clinics):
    for clinic in clinics:
        states = sorted(
            InfusionSession.objects.filter(clinic=clinic, signed_at=None).values_list(
                "state", flat=True
            )
        )
        assert states == ["checked_in", "recovering", "running"]


def test_todays_sessions_are_on_ready_orders(clinics):
    for session in InfusionSession.objects.filter(signed_at=None).select_related("order"):
        assert session.order.is_ready_to_start


def test_the_running_infusion_has_a_live_timeline(clinics):
    for clinic in clinics:
        session = InfusionSession.objects.get(clinic=clinic, state="running")
        started = PumpEvent.objects.get(session=session, action="start").occurred_at
        assert timedelta(minutes=19) < timezone.now() - started < timedelta(minutes=25)
        intra = VitalSigns.objects.filter(session=session, phase="intra").order_by("occurred_at")
        gaps = [b.occurred_at - a.occurred_at for a, b in pairwise(intra)]
        assert len(intra) >= 3 and all(
            timedelta(minutes=5) <= g <= timedelta(minutes=15) for g in gaps
        )
        assert SupportEvent.objects.filter(session=session).count() >= 2
        assert PatientState.objects.filter(session=session).count() >= 2
        alert = Alert.objects.get(session=session)
        assert alert.tier == "notify" and alert.acknowledged_at is not None and alert.action_taken
        assert (
            45
            <= (delivered_dose(session).delivered_mg * 100 / Decimal(session.order.dose_mg))
            <= 55
        )
        assert len(timeline(session)) > 10


def test_past_infusions_are_discharged_and_signed(clinics):
    for clinic in clinics:
        past = InfusionSession.objects.filter(clinic=clinic, signed_at__isnull=False)
        assert past.count() >= 3
        for session in past:
            assert session.state == "discharged" and session.discharge.total == 10
            events = [
                engine.PumpEvent(e.occurred_at, engine.PumpAction(e.action), e.rate_ml_h)
                for e in PumpEvent.objects.filter(session=session).order_by("occurred_at")
            ]
            done = engine.reconstruct(events, Decimal(session.order.concentration_mg_ml))
            # The pump ran at the order's rate rounded to 0.1 mL/h for 40 minutes.
            ordered = Decimal(session.order.dose_mg)
            assert abs(done.delivered_mg - ordered) / ordered < Decimal("0.01")


def test_the_board_shows_the_three_chairs_and_a_free_one(clinics):
    for clinic in clinics:
        tiles = board_tiles(clinic)
        assert [tile.occupied for tile in tiles] == [True, True, True, False]


def test_the_audit_chain_holds(clinics):
    assert verify_chain() is None
