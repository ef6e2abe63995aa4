"""``holdspace simulate``: synthetic monitor readings for the demo clinics' monitored infusions,
written through the device API's own path (the chair's feed device, validation, alerts,
audit), bounded in time, repeatable with a seed, and never anywhere but the demo clinics."""

import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from holdspace.audit.models import AuditEvent
from holdspace.clinics.models import Device, DeviceKind
from holdspace.demo.data import CLINICS
from holdspace.infusions import alerts
from holdspace.infusions.management.commands.simulate import Monitor, _bp_shape
from holdspace.infusions.models import VitalSigns

BASELINE = {"systolic": 120, "diastolic": 76, "heart_rate": 70, "spo2": 98, "resp_rate": 14}


def simulate(**options) -> str:
    out = StringIO()
    call_command("simulate", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_running(running, clinic_a):
    """``running`` in a clinic carrying a demo clinic's name."""
    clinic_a.name = CLINICS[0].name
    clinic_a.save()
    return running


def test_each_round_posts_one_reading_per_monitored_demo_infusion_as_its_chairs_monitor(
    demo_running,
):
    output = simulate(rounds=3, interval=0, seed=7)
    rows = VitalSigns.objects.filter(session=demo_running, recorded_by_device__isnull=False)
    assert rows.count() == 3
    device = Device.objects.get()
    assert (device.kind, device.chair, device.name) == (
        DeviceKind.FEED,
        demo_running.chair,
        "Chair 1 monitor (simulated)",
    )
    assert {row.recorded_by_device_id for row in rows} == {device.pk}
    assert {row.phase for row in rows} == {"intra"}
    audited = AuditEvent.objects.filter(actor_label="device Chair 1 monitor (simulated)")
    assert audited.filter(category="infusion_entry").count() == 3
    assert output.count("Chair 1: BP ") == 3 and "→ stored" in output
    assert "Simulated 3 readings into 1 infusions" in output
    assert "Rivera" not in output


def test_a_clinic_that_is_not_a_demo_clinic_is_never_written_to(running):
    output = simulate(rounds=2, interval=0)
    assert not VitalSigns.objects.filter(recorded_by_device__isnull=False).exists()
    assert not Device.objects.exists()
    assert "No infusion is being monitored in the demo clinics" in output


def test_it_is_bounded_by_seconds(demo_running):
    simulate(seconds=0, interval=5)
    assert VitalSigns.objects.filter(recorded_by_device__isnull=False).count() == 1


def test_it_refuses_to_run_in_production(settings, demo_running):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never in production"):
        simulate(rounds=1, interval=0)
    assert not VitalSigns.objects.filter(recorded_by_device__isnull=False).exists()


def _readings(seed: int, count: int, minutes_step: float = 0.25) -> list[dict]:
    monitor = Monitor(baseline=dict(BASELINE), rng=random.Random(seed))
    return [monitor.reading(n * minutes_step, None) for n in range(count)]


def test_the_same_seed_gives_the_same_readings():
    assert _readings(3, 50) == _readings(3, 50)
    assert _readings(3, 50) != _readings(4, 50)


def test_blood_pressure_rises_to_a_peak_around_40_minutes_and_settles_after_the_pump():
    assert _bp_shape(-5, None) == 0 and _bp_shape(20, None) == pytest.approx(0.5)
    assert _bp_shape(40, None) == 1 == _bp_shape(55, None)
    assert _bp_shape(60, 20) < 0.5
    monitor = Monitor(baseline=dict(BASELINE), rng=random.Random(1))
    early = [monitor.reading(1, None)["systolic"] for _ in range(200)]
    peak = [monitor.reading(40, None)["systolic"] for _ in range(200)]
    assert sum(peak) / 200 > sum(early) / 200 + 4


def test_readings_are_plausible_and_excursions_reach_the_notify_tier_only():
    tiers = set()
    for seed in range(5):
        for values in _readings(seed, 200, minutes_step=0.5):
            vitals = alerts.VitalSigns(**values)  # raises if implausible
            tiers |= {finding.tier for finding in alerts.evaluate_vitals(vitals)}
    assert tiers == {alerts.Tier.NOTIFY}
