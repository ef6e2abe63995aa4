"""``holdspace simulate``: a patient monitor at every chair of the demo clinics, so the board
and the consoles are alive in ``make demo``.

Every ``--interval`` seconds, for ``--seconds`` (or ``--rounds``), each infusion being monitored
in a demo clinic (running, paused, ended or recovering) gets one reading from its chair's
monitor feed device (created on first use), through exactly the path of
``POST /api/v1/vitals``: ``holdspace.api.feed.post_vitals`` with the device as the principal,
so validation, the alert rules, the audit row and the live events are the real ones.

The readings are synthetic and only plausible. Each patient starts from the baseline recorded
at their check-in and drifts in a mean-reverting random walk; blood pressure rises with the
infusion and peaks around 40 minutes (CLINICAL.md §2: Yale review of 2,342 infusions, mean
+16/+11 mmHg), then settles after the pump stops; now and then one sign makes a short
excursion to the notify tier (never further: a demo should not need the prescriber). ``--seed``
makes the values repeatable for the same elapsed times.

It refuses to run in production and writes into the demo clinics only.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from holdspace.api.auth import device_request
from holdspace.api.feed import NoMonitoredSession, post_vitals
from holdspace.api.schemas import VitalsIn
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Chair, Device, DeviceKind
from holdspace.demo.data import CLINICS
from holdspace.infusions.models import MONITORED_STATES, InfusionSession, VitalSigns, VitalsPhase

DEVICE_SUFFIX = "monitor (simulated)"
# CLINICAL.md §2: BP peaks around 40 minutes; mean rise +16/+11 mmHg (Yale review).
PEAK_MINUTE = 40.0
MEAN_RISE = (16.0, 11.0)
# After the pump stops, the rise fades with this time constant (project default, no source).
SETTLE_MINUTES = 20.0
# A short notify-tier excursion starts on about one reading in this many (project default).
EXCURSION_ODDS = 25
DEFAULT_BASELINE = {"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98, "resp_rate": 14}
# (sign, value during the excursion): each at the notify tier of the shipped thresholds only.
EXCURSIONS = (
    ("systolic", 163),
    ("spo2", 93),
    ("heart_rate", 124),
    ("diastolic", 101),
)


@dataclass
class Monitor:
    """One patient's synthetic monitor: baseline, their own BP response, a walk, excursions."""

    baseline: dict[str, int]
    rng: random.Random
    rise: tuple[float, float] = (0.0, 0.0)
    drift: dict[str, float] = field(default_factory=dict)
    excursion: tuple[str, int, int] | None = None  # (sign, value, readings left)
    count: int = 0

    def __post_init__(self) -> None:
        # Patients differ: each one's peak rise is the mean scaled by 0.4-1.6.
        scale = self.rng.uniform(0.4, 1.6)
        self.rise = (MEAN_RISE[0] * scale, MEAN_RISE[1] * scale)
        self.drift = dict.fromkeys(self.baseline, 0.0)

    def reading(self, minutes_infusing: float, minutes_since_stop: float | None) -> dict[str, Any]:
        """The next reading ``minutes_infusing`` after the pump started (negative: before)."""
        self.count += 1
        self._walk()
        shape = _bp_shape(minutes_infusing, minutes_since_stop)
        values = {
            "systolic": self.baseline["systolic"] + self.rise[0] * shape,
            "diastolic": self.baseline["diastolic"] + self.rise[1] * shape,
            "heart_rate": self.baseline["heart_rate"] + 6 * shape,
            "spo2": self.baseline["spo2"],
            "resp_rate": self.baseline["resp_rate"],
        }
        whole = {
            sign: _clamp(sign, round(value + self.drift[sign])) for sign, value in values.items()
        }
        whole["diastolic"] = min(whole["diastolic"], whole["systolic"] - 25)
        self._excursion(whole)
        if self.count % 10 == 1:
            whole["temperature_c"] = Decimal(str(round(self.rng.uniform(36.4, 37.2), 1)))
        return whole

    def _walk(self) -> None:
        # Ornstein-Uhlenbeck: each step pulls a third of the way back to baseline plus noise,
        # so values wander like a monitor's and never run away.
        noise = {
            "systolic": 3.0,
            "diastolic": 2.0,
            "heart_rate": 2.5,
            "spo2": 0.6,
            "resp_rate": 0.7,
        }
        for sign, sigma in noise.items():
            self.drift[sign] += -self.drift[sign] / 3 + self.rng.gauss(0, sigma)

    def _excursion(self, values: dict[str, Any]) -> None:
        if self.excursion is None and self.rng.randrange(EXCURSION_ODDS) == 0:
            sign, value = EXCURSIONS[self.rng.randrange(len(EXCURSIONS))]
            self.excursion = (sign, value, self.rng.randint(1, 3))
        if self.excursion is None:
            return
        sign, value, left = self.excursion
        values[sign] = value
        if sign == "diastolic":
            values["systolic"] = max(values["systolic"], value + 30)
        self.excursion = (sign, value, left - 1) if left > 1 else None


# Outside an excursion the walk stays below the hold and critical tiers of the shipped
# thresholds (blood pressure may still reach notify on its own, as it does in real infusions).
BOUNDS = {
    "systolic": (95, 175),
    "diastolic": (55, 105),
    "heart_rate": (55, 115),
    "spo2": (95, 100),
    "resp_rate": (11, 22),
}


def _clamp(sign: str, value: int) -> int:
    low, high = BOUNDS[sign]
    return max(low, min(high, value))


def _bp_shape(minutes_infusing: float, minutes_since_stop: float | None) -> float:
    """0 before the pump, rising to 1 at the 40-minute peak, fading once the pump stops."""
    if minutes_infusing <= 0:
        return 0.0
    shape = min(minutes_infusing / PEAK_MINUTE, 1.0)
    if minutes_since_stop is not None and minutes_since_stop > 0:
        shape *= math.exp(-minutes_since_stop / SETTLE_MINUTES)
    return shape


@dataclass
class Totals:
    stored: int = 0
    refused: int = 0
    alerts: int = 0
    sessions: set[int] = field(default_factory=set)


class Command(BaseCommand):
    help = "Post synthetic monitor readings into the demo clinics' monitored infusions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seconds", type=float, default=600.0, help="Stop after this long.")
        parser.add_argument(
            "--interval", type=float, default=15.0, help="Seconds between readings per chair."
        )
        parser.add_argument("--rounds", type=int, default=None, help="Stop after this many.")
        parser.add_argument("--seed", type=int, default=None, help="Repeatable values.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "holdspace simulate writes synthetic vital signs; never in production."
            )
        if options["interval"] < 0 or options["seconds"] < 0:
            raise CommandError("--seconds and --interval cannot be negative.")
        if options["interval"] == 0 and options["rounds"] is None:
            raise CommandError("--interval 0 needs --rounds, or it would never pause.")
        seed = options["seed"]
        monitors: dict[int, Monitor] = {}
        totals = Totals()
        started = time.monotonic()
        rounds = 0
        try:
            # One round now, then one every --interval on a fixed cadence, while the next
            # round still starts within --seconds (and --rounds is not reached).
            while True:
                self._round(monitors, seed, totals)
                rounds += 1
                next_round = started + rounds * options["interval"]
                if rounds == options["rounds"] or next_round > started + options["seconds"]:
                    break
                time.sleep(max(0.0, next_round - time.monotonic()))
        except KeyboardInterrupt:
            pass
        self.stdout.write(
            f"Simulated {totals.stored} readings into {len(totals.sessions)} infusions "
            f"({totals.alerts} alerts raised or repeated, {totals.refused} refused) in "
            f"{time.monotonic() - started:.0f} s."
        )

    def _round(self, monitors: dict[int, Monitor], seed: int | None, totals: Totals) -> None:
        sessions = (
            InfusionSession.objects.filter(
                clinic__name__in=[c.name for c in CLINICS], state__in=MONITORED_STATES
            )
            .select_related("chair", "clinic")
            .order_by("clinic__name", "chair__name")
        )
        if not sessions:
            self.stdout.write("No infusion is being monitored in the demo clinics; waiting.")
        for session in sessions:
            monitor = monitors.get(session.pk) or _monitor_for(session, seed)
            monitors[session.pk] = monitor
            self._post(session, monitor, totals)

    def _post(self, session: InfusionSession, monitor: Monitor, totals: Totals) -> None:
        now = timezone.now()
        device = _feed_device(session.chair)
        values = monitor.reading(*_minutes(session, now))
        reading = VitalsIn(client_id=uuid.uuid4(), measured_at=now, **values)
        local = timezone.localtime(now, ZoneInfo(session.clinic.time_zone))
        label = f"{local:%H:%M:%S} {session.clinic.name} · {session.chair.name}: {_show(values)}"
        try:
            posted = post_vitals(device, reading, device_request(device))
        except (NoMonitoredSession, ValidationError) as refused:
            totals.refused += 1
            self.stdout.write(f"{label} → not stored: {' '.join(_messages(refused))}")
            return
        totals.stored += 1
        totals.sessions.add(session.pk)
        totals.alerts += len(posted.alerts)
        raised = ", ".join(f"{a.tier} {a.rule}" for a, _new in posted.alerts)
        self.stdout.write(f"{label} → stored" + (f"; alert: {raised}" if raised else ""))


def _monitor_for(session: InfusionSession, seed: int | None) -> Monitor:
    """The patient's baseline from their check-in vitals (the latest baseline reading)."""
    baseline = dict(DEFAULT_BASELINE)
    row = (
        VitalSigns.objects.filter(session=session, phase=VitalsPhase.BASELINE)
        .order_by("-occurred_at")
        .first()
    )
    if row is not None:
        for sign in baseline:
            value = getattr(row, sign)
            if value is not None:
                baseline[sign] = value
    stream = random.Random(f"{seed}-{session.public_id}") if seed is not None else random.Random()
    return Monitor(baseline=baseline, rng=stream)


def _minutes(session: InfusionSession, now: datetime) -> tuple[float, float | None]:
    infusing = (now - session.started_at).total_seconds() / 60 if session.started_at else 0.0
    stopped = (now - session.ended_at).total_seconds() / 60 if session.ended_at else None
    return infusing, stopped


def _feed_device(chair: Chair) -> Device:
    """The chair's simulated monitor feed, created (and audited) on first use. Its token is
    never shown: the simulator writes in-process, as the device."""
    name = f"{chair.name} {DEVICE_SUFFIX}"
    existing = Device.objects.filter(chair=chair, kind=DeviceKind.FEED, name=name, is_active=True)
    device = existing.select_related("clinic", "chair").first()
    if device is not None:
        return device
    with transaction.atomic():
        device = Device(clinic=chair.clinic, name=name, kind=DeviceKind.FEED, chair=chair)
        device.issue_token()
        device.save()
        record(
            action=Action.CREATE,
            category="device",
            clinic=chair.clinic,
            obj=device,
            summary="Simulated monitor feed device created by holdspace simulate",
        )
    return device


def _show(values: dict[str, Any]) -> str:
    shown = (
        f"BP {values['systolic']}/{values['diastolic']} HR {values['heart_rate']} "
        f"SpO₂ {values['spo2']} RR {values['resp_rate']}"
    )
    if "temperature_c" in values:
        shown += f" T {values['temperature_c']}"
    return shown


def _messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]
