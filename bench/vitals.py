"""Benchmark: vital-sign POST through the real device API, against a raw insert of the same row.

What one ``POST /api/v1/vitals`` does on the server: the feed token's lookup, the chair's
monitored infusion locked, the idempotency check, the keypad's plausibility rules, the
protocol's alert rules (a breach opens or extends an alert), the row, its audit row on the hash
chain, its live events and the overdue-vitals check (queued unless one is waiting), all in one
transaction. The baseline, measured in the same run on the same fresh database, is an INSERT of
the same row through ``sqlite3`` (or psycopg on PostgreSQL), one transaction per row, in a loop.

Every run: a fresh database (copied from a template that was migrated and seeded with the demo
clinics once; a monitor feed device is added for each monitored chair), a real ``holdspace
serve`` process on loopback pinned to CPU 0, and this load generator (asyncio, raw HTTP/1.1 over
keep-alive sockets, no dependencies) pinned to CPU 1. Then:

1. warm-up at the target rate (discarded);
2. **target rate**: open loop at 40 posts/s, ten times the ~4 vital writes/s of a 60-chair
   network (QUALITY.md); latency counts from each request's scheduled start, so a slow
   response also delays the ones queued behind it (no coordinated omission);
3. **saturation**: closed loops of 1 and then 4 clients posting back to back; the larger
   number of completed posts per second is the maximum sustained rate;
4. the server stops; the raw-insert baseline runs on another fresh copy.

About 5 % of the posted readings breach the notify tier, so alert evaluation also writes. At
least three runs; median and spread (min, max) of each figure over the runs. Every wait has a
timeout and every loop a deadline; servers are always stopped.

    python bench/vitals.py --quick          # part of make bench-quick (~25 s): the configured
                                            # database only (PostgreSQL with DATABASE_URL)
    python bench/vitals.py                  # make bench: longer phases, more runs, SQLite and
                                            # (with DATABASE_URL) PostgreSQL
    python bench/vitals.py --merge FILE     # print one summary merged with FILE's JSON object

Results: var/bench/vitals-<time>.json and var/bench/vitals[-quick]-latest.json; the summary is
printed as one JSON object on stdout (progress goes to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
HOST = "127.0.0.1"
PATH = "/api/v1/vitals"
CLI = [sys.executable, "-m", "holdspace.cli"]
# QUALITY.md: ~4 vital-sign writes per second for a 10-clinic, 60-chair network; ten times that.
NETWORK_CHAIRS = 60
NETWORK_RATE = 4.0
TARGET_RATE = 10 * NETWORK_RATE
# Closed-loop client counts for the maximum sustained rate. One holdspace process runs its sync
# views on one thread, so more clients add queueing rather than throughput; both are kept and
# the larger rate is the maximum.
CONCURRENCIES = (1, 4)
CONNECTIONS = 16
REQUEST_TIMEOUT = 10.0
SERVER_START_TIMEOUT = 60.0
# Share of readings at the notify tier (systolic 165): alert evaluation writes, not only reads.
BREACH_SHARE = 0.05

# Run once for the template database, in one process (each start of Django costs seconds):
# migrate, seed the demo clinics, and add a monitor feed for every monitored demo chair.
SETUP = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("seed_demo", verbosity=0)
from holdspace.clinics.models import Device, DeviceKind
from holdspace.infusions.models import MONITORED_STATES, InfusionSession
feeds = []
for session in InfusionSession.objects.filter(state__in=MONITORED_STATES).select_related("chair"):
    device = Device(clinic_id=session.clinic_id, name=f"Bench {session.chair.name} monitor",
                    kind=DeviceKind.FEED, chair=session.chair)
    token = device.issue_token()
    device.save()
    feeds.append({"token": token, "device": device.pk, "session": session.pk})
print("FEEDS " + json.dumps(feeds))
"""


@dataclass
class Plan:
    runs: int
    warmup_s: float
    target_s: float
    saturation_s: float
    raw_s: float
    deadline: float  # monotonic time after which no new run starts


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # client-side, by exception type
    elapsed_s: float = 0.0

    def error(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.errors[name] = self.errors.get(name, 0) + 1
        self.statuses[0] = self.statuses.get(0, 0) + 1

    def add(self, status: int, latency_ms: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status in (200, 201):
            self.latencies_ms.append(latency_ms)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pin(pid: int, cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(pid, {cpu})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> str:
    # The command is the holdspace CLI with fixed arguments from this file.
    done = subprocess.run(  # noqa: S603
        [*CLI, *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300, text=True
    )
    return done.stdout


# --- Databases ----------------------------------------------------------------------------


class Database:
    """A migrated, demo-seeded template with feed devices, and a fresh copy of it per use."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.base_env = {
            **os.environ,
            "HOLDSPACE_DEMO": "1",
            "HOLDSPACE_LOG_LEVEL": "WARNING",
            "HOLDSPACE_VAR_DIR": str(OUT),
        }
        self.base_env.pop("DATABASE_URL", None)
        self.feeds: list[dict[str, object]] = []
        self._copies = 0

    def prepare(self) -> None:
        env = self._env_for(self._template())
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self._template()}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self._template()}"')
        else:
            self.drop(env)
        out = _cli(env, "shell", "-c", SETUP)
        line = next(li for li in out.splitlines() if li.startswith("FEEDS "))
        self.feeds = json.loads(line.removeprefix("FEEDS "))
        if not self.feeds:
            raise RuntimeError("the demo seed has no monitored infusion to post into")

    def fresh(self) -> dict[str, str]:
        """A new database copied from the template; returns the environment that uses it."""
        self._copies += 1
        name = f"{self._template()}_{self._copies}"
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._template()}"')
        else:
            source = sqlite3.connect(self._env_for(self._template())["HOLDSPACE_SQLITE_PATH"])
            target = sqlite3.connect(self._env_for(name)["HOLDSPACE_SQLITE_PATH"])
            with target:
                source.backup(target)
            source.close()
            target.close()
        return self._env_for(name)

    def drop(self, env: dict[str, str]) -> None:
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{env["DATABASE_URL"].rsplit("/", 1)[1]}" '
                        "WITH (FORCE)")  # fmt: skip
            return
        for suffix in ("", "-wal", "-shm"):
            Path(env["HOLDSPACE_SQLITE_PATH"] + suffix).unlink(missing_ok=True)

    def cleanup(self) -> None:
        self.drop(self._env_for(self._template()))

    def _template(self) -> str:
        return f"holdspace_vitals_{os.getpid()}"

    def _env_for(self, name: str) -> dict[str, str]:
        if self.engine == "postgresql":
            base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
            return {**self.base_env, "DATABASE_URL": f"{base}/{name}"}
        return {**self.base_env, "HOLDSPACE_SQLITE_PATH": str(OUT / f"{name}.sqlite3")}

    def _admin(self, sql: str) -> None:
        import psycopg

        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(sql)

    def count_device_rows(self, env: dict[str, str]) -> int:
        return self._count(
            env, "SELECT COUNT(*) FROM infusions_vitalsigns WHERE recorded_by_device_id IS NOT NULL"
        )

    def count_overdue_checks(self, env: dict[str, str]) -> int:
        """Overdue-vitals checks queued for the worker (the demo seed's included)."""
        return self._count(
            env,
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE '%check_vitals_overdue'",
        )

    def _count(self, env: dict[str, str], sql: str) -> int:
        if self.engine == "postgresql":
            import psycopg

            with psycopg.connect(env["DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchone()[0]
        with contextlib.closing(sqlite3.connect(env["HOLDSPACE_SQLITE_PATH"])) as conn:
            return conn.execute(sql).fetchone()[0]


# --- The server ---------------------------------------------------------------------------


class Server:
    """``holdspace serve`` on a free loopback port, as a clinic runs it."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = _free_port()
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.log_path = log_path
        # The command is built here from fixed parts and a port number.
        self.process = subprocess.Popen(  # noqa: S603
            [*CLI, "serve", "--host", HOST, "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _pin(self.process.pid, 0)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            with socket.socket() as probe:
                if probe.connect_ex((HOST, self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


# --- The load generator -------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection that posts JSON and reads the whole response."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, token: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        return await asyncio.wait_for(self._response(), REQUEST_TIMEOUT)

    async def _response(self) -> int:
        assert self.reader is not None
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()


class Readings:
    """Request bodies: a new client_id each, measured now, ~5 % at the notify tier."""

    def __init__(self, feeds: list[dict[str, object]], seed: int) -> None:
        self.tokens = [str(feed["token"]) for feed in feeds]
        self.rng = random.Random(seed)
        self.count = 0

    def next(self) -> tuple[str, bytes]:
        self.count += 1
        breach = self.rng.random() < BREACH_SHARE
        body = {
            "client_id": str(uuid.uuid4()),
            "measured_at": datetime.now(UTC).isoformat(),
            "systolic": 165 if breach else self.rng.randint(112, 138),
            "diastolic": self.rng.randint(70, 88),
            "heart_rate": self.rng.randint(62, 92),
            "spo2": self.rng.randint(96, 99),
            "resp_rate": self.rng.randint(12, 18),
        }
        return self.tokens[self.count % len(self.tokens)], json.dumps(body).encode()


async def open_loop(port: int, readings: Readings, rate: float, seconds: float) -> Phase:
    """``rate`` posts per second for ``seconds``, each timed from its scheduled start."""
    phase = Phase()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    pool = [Connection(port) for _ in range(CONNECTIONS)]
    for connection in pool:
        idle.put_nowait(connection)

    async def one(scheduled: float) -> None:
        connection = await idle.get()
        token, body = readings.next()
        try:
            status = await connection.post(token, body)
            phase.add(status, (time.perf_counter() - scheduled) * 1000)
        except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            phase.error(exc)
            await connection.close()
            connection = Connection(port)
        idle.put_nowait(connection)

    tasks = []
    start = time.perf_counter() + 0.05
    for index in range(int(rate * seconds)):
        scheduled = start + index / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.wait_for(asyncio.gather(*tasks), REQUEST_TIMEOUT * 2 + seconds)
    phase.elapsed_s = time.perf_counter() - start
    await asyncio.gather(*(connection.close() for connection in pool))
    return phase


async def closed_loop(port: int, readings: Readings, seconds: float, clients: int) -> Phase:
    """``clients`` clients posting back to back for ``seconds``."""
    phase = Phase()
    start = time.perf_counter()
    deadline = start + seconds

    async def client() -> None:
        connection = Connection(port)
        try:
            while time.perf_counter() < deadline:
                token, body = readings.next()
                sent = time.perf_counter()
                try:
                    status = await connection.post(token, body)
                    phase.add(status, (time.perf_counter() - sent) * 1000)
                except (
                    TimeoutError,
                    OSError,
                    ValueError,
                    IndexError,
                    asyncio.IncompleteReadError,
                ) as exc:
                    phase.error(exc)
                    await connection.close()
                    connection = Connection(port)
        finally:
            await connection.close()

    await asyncio.wait_for(
        asyncio.gather(*(client() for _ in range(clients))), seconds + REQUEST_TIMEOUT * 2
    )
    phase.elapsed_s = time.perf_counter() - start
    return phase


# --- The raw-insert baseline --------------------------------------------------------------


def _raw_row(feed: dict[str, object], rng: random.Random, postgres: bool) -> dict[str, object]:
    now = datetime.now(UTC)
    ids = (uuid.uuid4(), uuid.uuid4())
    return {
        # Django keeps UUIDs as 32 hex characters on SQLite and as uuid on PostgreSQL.
        "public_id": ids[0] if postgres else ids[0].hex,
        "client_id": ids[1] if postgres else ids[1].hex,
        "occurred_at": now if postgres else now.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "recorded_at": now if postgres else now.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "status": "final",
        "error_reason": "",
        "sensitivity": "normal",
        "systolic": rng.randint(112, 138),
        "diastolic": rng.randint(70, 88),
        "heart_rate": rng.randint(62, 92),
        "spo2": rng.randint(96, 99),
        "resp_rate": rng.randint(12, 18),
        "sedation_scale": "",
        "phase": "intra",
        "recorded_by_device_id": feed["device"],
        "session_id": feed["session"],
    }


def raw_inserts(database: Database, env: dict[str, str], seconds: float) -> Phase:
    """The same row, INSERTed one transaction at a time, as fast as the database allows."""
    phase = Phase()
    rng = random.Random(1)
    postgres = database.engine == "postgresql"
    columns = list(_raw_row(database.feeds[0], rng, postgres))
    marks = ", ".join(["%s" if postgres else "?"] * len(columns))
    sql = f"INSERT INTO infusions_vitalsigns ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    if postgres:
        import psycopg

        conn = psycopg.connect(env["DATABASE_URL"])
    else:
        # The server's own settings: WAL, synchronous=FULL, one IMMEDIATE transaction per row.
        conn = sqlite3.connect(env["HOLDSPACE_SQLITE_PATH"], isolation_level=None, timeout=10)
        conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                           "PRAGMA foreign_keys=ON;")  # fmt: skip
    try:
        start = time.perf_counter()
        deadline = start + seconds
        index = 0
        while time.perf_counter() < deadline:
            feed = database.feeds[index % len(database.feeds)]
            index += 1
            values = list(_raw_row(feed, rng, postgres).values())
            began = time.perf_counter()
            if postgres:
                conn.execute(sql, values)
                conn.commit()
            else:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(sql, values)
                conn.execute("COMMIT")
            phase.add(201, (time.perf_counter() - began) * 1000)
        phase.elapsed_s = time.perf_counter() - start
    finally:
        conn.close()
    return phase


# --- One run ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def figures(phase: Phase) -> dict[str, float]:
    done = len(phase.latencies_ms)
    return {
        "p50_ms": percentile(phase.latencies_ms, 0.50),
        "p95_ms": percentile(phase.latencies_ms, 0.95),
        "p99_ms": percentile(phase.latencies_ms, 0.99),
        "max_ms": max(phase.latencies_ms, default=float("nan")),
        "per_s": done / phase.elapsed_s if phase.elapsed_s else float("nan"),
        "count": done,
        "failed": sum(n for status, n in phase.statuses.items() if status not in (200, 201)),
    }


def one_run(
    database: Database, plan: Plan, run: int
) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    env = database.fresh()
    server = Server(env, OUT / f"vitals-{database.engine}-run{run + 1}-server.log")
    readings = Readings(database.feeds, seed=run)
    try:
        server.wait_ready()
        asyncio.run(open_loop(server.port, readings, TARGET_RATE, plan.warmup_s))
        target = asyncio.run(open_loop(server.port, readings, TARGET_RATE, plan.target_s))
        saturations = [
            asyncio.run(closed_loop(server.port, readings, plan.saturation_s, clients))
            for clients in CONCURRENCIES
        ]
    finally:
        server.stop()
    stored = database.count_device_rows(env)
    checks = database.count_overdue_checks(env)
    database.drop(env)
    created = sum(p.statuses.get(201, 0) for p in (target, *saturations))
    raw_env = database.fresh()
    try:
        raw = raw_inserts(database, raw_env, plan.raw_s)
    finally:
        database.drop(raw_env)
    by_clients = [figures(phase) for phase in saturations]
    result = {
        "target": figures(target),
        "saturation": max(by_clients, key=lambda figure: figure["per_s"]),
        "raw": figures(raw),
    }
    for clients, figure in zip(CONCURRENCIES, by_clients, strict=True):
        result[f"saturation_{clients}_clients"] = figure
    # Anything but 200/201 is a failure; which statuses they were is kept with the run.
    named = [("target", target)] + [
        (f"{clients} clients", phase)
        for clients, phase in zip(CONCURRENCIES, saturations, strict=True)
    ]
    failures = {
        f"{name} status {status}": count
        for name, phase in named
        for status, count in phase.statuses.items()
        if status not in (200, 201)
    } | {f"{name} {error}": n for name, phase in named for error, n in phase.errors.items()}
    # Every 201 of the measured phases is one stored row (the warm-up's rows come on top).
    result["target"]["stored_rows_at_least_created"] = float(stored >= created)
    # Every post carries a blood pressure; the worker should get one check per session, not one
    # per reading.
    result["target"]["overdue_checks_queued"] = float(checks)
    result["target"]["posts_stored"] = float(stored)
    # Other work on the machine shows in every figure; the load says how much there was.
    result["target"]["load_1m"] = os.getloadavg()[0]
    return result, failures


def across_runs(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Median and spread (min, max) of each figure over the runs."""
    summary = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        summary[key] = {
            "median": round(statistics.median(values), 2),
            "min": round(min(values), 2),
            "max": round(max(values), 2),
        }
    return summary


def measure(engine: str, plan: Plan) -> dict:
    database = Database(engine)
    log(f"[vitals {engine}] migrating and seeding a template database")
    database.prepare()
    runs: list[dict[str, dict[str, float]]] = []
    failures: list[dict[str, int]] = []
    try:
        for run in range(plan.runs):
            if time.monotonic() > plan.deadline and run >= 3:
                log("time budget reached; stopping after the runs so far")
                break
            result, failed = one_run(database, plan, run)
            runs.append(result)
            failures.append(failed)
            t, s, r = result["target"], result["saturation"], result["raw"]
            log(
                f"[vitals {engine}] run {run + 1}: at {TARGET_RATE:.0f}/s p50 {t['p50_ms']:.1f} "
                f"p95 {t['p95_ms']:.1f} p99 {t['p99_ms']:.1f} ms ({t['failed']:.0f} failed); "
                f"max sustained {s['per_s']:.0f}/s (p99 {s['p99_ms']:.1f} ms); "
                f"raw insert {r['per_s']:.0f}/s (p99 {r['p99_ms']:.2f} ms); load {t['load_1m']:.1f}"
                + (f"; failures {failed}" if failed else "")
            )
    finally:
        database.cleanup()
    phases = list(runs[0])
    return {phase: across_runs([run[phase] for run in runs]) for phase in phases} | {
        "runs": runs,
        "failures": failures,
        "chairs": len(database.feeds),
    }


def headline(results: dict) -> dict[str, float]:
    """The flat keys the issue asks for; with two databases, the worse of the two."""
    flat: dict[str, float] = {}

    def worst(key: str, value: float, higher_is_worse: bool = True) -> None:
        if key not in flat:
            flat[key] = value
        else:
            flat[key] = max(flat[key], value) if higher_is_worse else min(flat[key], value)

    for engine, result in results.items():
        target, saturation, raw = result["target"], result["saturation"], result["raw"]
        for stat in ("p50", "p95", "p99"):
            value = target[f"{stat}_ms"]["median"]
            flat[f"{engine}_vitals_post_{stat}_ms"] = value
            worst(f"vitals_post_{stat}_ms", value)
        flat[f"{engine}_vitals_post_failed"] = target["failed"]["max"]
        flat[f"{engine}_vitals_posts_stored"] = target["posts_stored"]["median"]
        flat[f"{engine}_vitals_overdue_checks_queued"] = target["overdue_checks_queued"]["median"]
        flat[f"{engine}_vitals_post_per_s"] = saturation["per_s"]["median"]
        flat[f"{engine}_raw_insert_per_s"] = raw["per_s"]["median"]
        flat[f"{engine}_raw_insert_p99_ms"] = raw["p99_ms"]["median"]
        share = saturation["per_s"]["median"] / raw["per_s"]["median"]
        flat[f"{engine}_vitals_post_share_of_raw"] = round(share, 3)
        worst("vitals_post_per_s", saturation["per_s"]["median"], higher_is_worse=False)
        worst("raw_insert_per_s", raw["per_s"]["median"], higher_is_worse=False)
    flat["vitals_post_target_per_s"] = TARGET_RATE
    # The load, stated beside the figures: ten times a 60-chair network's vital-sign writes.
    flat["vitals_network_chairs"] = NETWORK_CHAIRS
    flat["vitals_network_per_s"] = NETWORK_RATE
    return dict(sorted(flat.items()))


def _engines(quick: bool) -> list[str]:
    """Like bench/fanout.py: the full run measures SQLite and, with DATABASE_URL, PostgreSQL;
    the quick run only the database the server is configured for, so that ``make
    bench-quick`` (both benches) stays under a minute."""
    if not os.environ.get("DATABASE_URL"):
        return ["sqlite"]
    return ["postgresql"] if quick else ["sqlite", "postgresql"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, 3 runs (< 30 s)")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (>= 3)")
    parser.add_argument(
        "--merge", type=Path, default=None, help="another summary (JSON object) to merge into ours"
    )
    args = parser.parse_args()
    quick = args.quick
    plan = Plan(
        runs=max(3, args.runs or (3 if quick else 5)),
        warmup_s=0.5 if quick else 3.0,
        target_s=2.5 if quick else 20.0,
        saturation_s=1.0 if quick else 10.0,
        raw_s=0.5 if quick else 5.0,
        deadline=time.monotonic() + (25 if quick else 900),
    )
    OUT.mkdir(parents=True, exist_ok=True)
    _pin(0, 1)
    engines = _engines(quick)
    started = time.monotonic()
    results = {engine: measure(engine, plan) for engine in engines}
    summary = {
        **headline(results),
        "vitals_runs_per_figure": len(results[engines[0]]["runs"]),
        "vitals_load_1m_median": max(r["target"]["load_1m"]["median"] for r in results.values()),
        "vitals_engines": engines,
        "vitals_seconds": round(time.monotonic() - started, 1),
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {"summary": summary, "plan": plan.__dict__, "target_rate_per_s": TARGET_RATE,
              "closed_loop_clients": CONCURRENCIES, "results": results}  # fmt: skip
    name = "vitals-quick" if quick else "vitals"
    for path in (OUT / f"{name}-{stamp}.json", OUT / f"{name}-latest.json"):
        path.write_text(json.dumps(report, indent=2, default=str))
    if args.merge is not None:
        other = json.loads(args.merge.read_text())
        summary = {**other.get("summary", other), **summary}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
