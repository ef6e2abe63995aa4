"""Benchmark: commit → event delivered to every subscriber, against a bare ASGI SSE fan-out.

For each database (SQLite, and PostgreSQL when DATABASE_URL is set) and each subscriber count,
every run starts a fresh server on a fresh database (copied from a migrated template), opens N
real HTTP event streams from this process, publishes a few warm-up events, then publishes
events one at a time and records, for each subscriber, the time from the publishing
transaction's commit to the moment the event's bytes arrived. The baseline, measured in the
same runs with the same clients, is ``bench/baseline_app.py`` served by the same uvicorn.

Loopback only; the server is pinned to CPU 0 and this load generator to CPU 1 when there are
two. Every wait has a timeout and every server is stopped, so a run always ends by itself.

    python bench/fanout.py --quick   # part of make bench-quick: N=100, the configured database
    python bench/fanout.py           # part of make bench: N=100 and 1000, both databases

Results: var/bench/fanout-<time>.json (every run) and var/bench/fanout-latest.json; the
summary is printed as one JSON object on stdout (progress goes to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sse_client import SSEClient, http_json  # noqa: E402

HOST = "127.0.0.1"
OUT = ROOT / "var" / "bench"
# Wait at most this long for one event to reach every subscriber before counting it lost.
DELIVERY_TIMEOUT = 5.0
SERVER_START_TIMEOUT = 60.0


@dataclass
class Plan:
    subscribers: list[int]
    runs: int
    warmup: int
    events: int
    deadline: float  # monotonic time after which no new run starts


@dataclass
class RunResult:
    latencies_ms: list[float] = field(default_factory=list)  # one per (event, subscriber)
    all_delivered_ms: list[float] = field(default_factory=list)  # per event, the last one
    lost: int = 0
    shutdown_s: float | None = None
    # The machine's 1-minute load average at the end of the run: other work skews figures.
    load_1m: float = 0.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Servers ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _pin(pid: int, cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(pid, {cpu})


class Server:
    """One uvicorn process serving ``app`` on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], log_path: Path) -> None:
        self.port = _free_port()
        self.log_path = log_path
        command = [
            sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(self.port),
            "--no-access-log", "--log-level", "warning", "--lifespan", "off",
            "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        # The command is built here from fixed parts and a port number.
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        _pin(self.process.pid, 0)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            with socket.socket() as probe:
                if probe.connect_ex((HOST, self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def stop(self) -> float:
        """SIGTERM, as a restart would; returns how long the server took to exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()
        return time.monotonic() - started


# --- Databases ----------------------------------------------------------------------------


class Database:
    """A migrated template, and a fresh copy of it for every run."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.base_env = {**os.environ, "HOLDSPACE_LOG_LEVEL": "WARNING"}
        self.base_env.pop("DATABASE_URL", None)
        self._run = 0

    def prepare(self) -> None:
        env = self._env_for(self._template_name())
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self._template_name()}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self._template_name()}"')
        else:
            Path(env["HOLDSPACE_SQLITE_PATH"]).unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, "-m", "holdspace.cli", "migrate", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=180,
        )  # fmt: skip

    def fresh(self) -> dict[str, str]:
        """A new database copied from the template; returns the server's environment."""
        self._run += 1
        name = f"{self._template_name()}_{self._run}"
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._template_name()}"')
        else:
            template = Path(self._env_for(self._template_name())["HOLDSPACE_SQLITE_PATH"])
            shutil.copyfile(template, OUT / f"{name}.sqlite3")
        return self._env_for(name)

    def drop(self, env: dict[str, str]) -> None:
        if self.engine == "postgresql":
            name = env["DATABASE_URL"].rsplit("/", 1)[1]
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        for suffix in ("", "-wal", "-shm"):
            Path(env["HOLDSPACE_SQLITE_PATH"] + suffix).unlink(missing_ok=True)

    def cleanup(self) -> None:
        if self.engine == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self._template_name()}" WITH (FORCE)')
        else:
            self.drop(self._env_for(self._template_name()))

    def _template_name(self) -> str:
        return f"holdspace_bench_{os.getpid()}"

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


# --- One run ------------------------------------------------------------------------------


class Deliveries:
    """Arrival times per event id, and a signal when an event has reached everyone."""

    def __init__(self, subscribers: int) -> None:
        self.subscribers = subscribers
        self.arrivals: dict[int, list[float]] = {}
        self._complete: dict[int, asyncio.Event] = {}

    def expect(self, event_id: int) -> asyncio.Event:
        self.arrivals.setdefault(event_id, [])
        done = self._complete.setdefault(event_id, asyncio.Event())
        if len(self.arrivals[event_id]) >= self.subscribers:
            done.set()
        return done

    def on_event(self, event_id: int, kind: str, data: str, received: float) -> None:
        arrivals = self.arrivals.setdefault(event_id, [])
        arrivals.append(received)
        if len(arrivals) >= self.subscribers and event_id in self._complete:
            self._complete[event_id].set()


async def _connect_all(port: int, path: str, count: int, deliveries: Deliveries, cookie: str):
    clients = []
    # In batches, as screens come and go, not as one burst of a thousand handshakes.
    for start in range(0, count, 50):
        batch = [
            SSEClient(HOST, port, path, deliveries.on_event, cookie)
            for _ in range(min(50, count - start))
        ]
        await asyncio.gather(*(client.connect() for client in batch))
        clients += batch
    return clients


async def _measure(port: int, publish_path: str, plan: Plan, deliveries: Deliveries) -> RunResult:
    result = RunResult()
    for seq in range(plan.warmup + plan.events):
        body = json.loads(await http_json(HOST, port, "POST", f"{publish_path}?seq={seq}"))
        event_id, committed = body["id"], body["t_commit"]
        # An event that has not reached everyone in time is counted as lost below.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(deliveries.expect(event_id).wait(), DELIVERY_TIMEOUT)
        if seq < plan.warmup:
            continue
        arrivals = deliveries.arrivals[event_id]
        result.lost += max(0, deliveries.subscribers - len(arrivals))
        result.latencies_ms += [(arrived - committed) * 1000 for arrived in arrivals]
        if arrivals:
            result.all_delivered_ms.append((max(arrivals) - committed) * 1000)
        await asyncio.sleep(0.02)  # let the server settle: this measures latency, not throughput
    return result


async def _run_once(server: Server, stream_path: str, publish_path: str, count: int,
                    plan: Plan, cookie: str = "") -> RunResult:  # fmt: skip
    deliveries = Deliveries(count)
    clients = await _connect_all(server.port, stream_path, count, deliveries, cookie)
    shutdown = None
    try:
        result = await _measure(server.port, publish_path, plan, deliveries)
        if cookie:
            # Stop holdspace with its streams still open: how long does a restart take?
            # (The bare baseline has no such handling and would wait out uvicorn's timeout.)
            shutdown = await asyncio.to_thread(server.stop)
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    result.shutdown_s = shutdown
    result.load_1m = os.getloadavg()[0]
    return result


def run_baseline(count: int, plan: Plan) -> RunResult:
    server = Server("bench.baseline_app:app", dict(os.environ), OUT / "baseline-server.log")
    try:
        server.wait_ready()
        return asyncio.run(_run_once(server, "/stream", "/publish", count, plan))
    finally:
        server.stop()


def run_live(database: Database, count: int, plan: Plan) -> RunResult:
    env = database.fresh()
    server = Server("bench.live_app:app", env, OUT / f"live-{database.engine}-server.log")
    try:
        server.wait_ready()
        setup = json.loads(asyncio.run(http_json(HOST, server.port, "POST", "/__bench/setup")))
        stream = "/live/stream/?topic=board"
        return asyncio.run(
            _run_once(server, stream, "/__bench/publish", count, plan, setup["session"])
        )
    finally:
        server.stop()
        database.drop(env)


# --- Figures ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_figures(result: RunResult) -> dict[str, float]:
    return {
        "p50_ms": percentile(result.latencies_ms, 0.50),
        "p95_ms": percentile(result.latencies_ms, 0.95),
        "p99_ms": percentile(result.latencies_ms, 0.99),
        "max_ms": max(result.latencies_ms, default=float("nan")),
        "all_delivered_p50_ms": percentile(result.all_delivered_ms, 0.50),
        "all_delivered_p99_ms": percentile(result.all_delivered_ms, 0.99),
        "lost": result.lost,
        "shutdown_s": float("nan") if result.shutdown_s is None else result.shutdown_s,
        "load_1m": result.load_1m,
    }


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


def headline(results: dict) -> dict[str, float]:
    """The flat keys the issue asks for; with two databases, the worse of the two."""
    flat: dict[str, float] = {}
    for engine, by_count in results.items():
        for count, variants in by_count.items():
            for variant, prefix in (("live", "fanout"), ("baseline", "baseline_fanout")):
                figures = variants[variant]
                for stat in ("p50", "p95", "p99"):
                    value = figures[f"{stat}_ms"]["median"]
                    flat[f"{engine}_{prefix}_{count}_{stat}_ms"] = value
                    key = f"{prefix}_{count}_{stat}_ms"
                    flat[key] = max(flat.get(key, value), value)
            flat[f"{engine}_fanout_{count}_lost"] = variants["live"]["lost"]["max"]
            flat[f"{engine}_shutdown_{count}_open_streams_s"] = variants["live"]["shutdown_s"][
                "median"
            ]
    return dict(sorted(flat.items()))


def headline_load(results: dict) -> float:
    loads = [
        run["load_1m"]
        for by_count in results.values()
        for variants in by_count.values()
        for run in variants["runs"]["live"] + variants["runs"]["baseline"]
    ]
    return round(statistics.median(loads), 2)


# --- Main ---------------------------------------------------------------------------------


def measure(engines: list[str], plan: Plan) -> dict:
    results: dict = {}
    for engine in engines:
        database = Database(engine)
        log(f"[{engine}] migrating a template database")
        database.prepare()
        try:
            results[engine] = {n: _measure_count(database, n, plan) for n in plan.subscribers}
        finally:
            database.cleanup()
    return results


def _measure_count(database: Database, count: int, plan: Plan) -> dict:
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "live": []}
    for run in range(plan.runs):
        if time.monotonic() > plan.deadline and run >= 3:
            log("time budget reached; stopping after the runs so far")
            break
        for variant in ("baseline", "live"):
            if variant == "baseline":
                result = run_baseline(count, plan)
            else:
                result = run_live(database, count, plan)
            figures = run_figures(result)
            runs[variant].append(figures)
            log(
                f"[{database.engine}] N={count} run {run + 1} {variant:8} "
                f"p50 {figures['p50_ms']:.1f} p99 {figures['p99_ms']:.1f} ms, "
                f"lost {figures['lost']}, shutdown {figures['shutdown_s']:.2f} s, "
                f"load {figures['load_1m']:.1f}"
            )
    return {variant: across_runs(figures) for variant, figures in runs.items()} | {"runs": runs}


def _engines(quick: bool) -> list[str]:
    """The full run measures SQLite and, with DATABASE_URL, PostgreSQL; the quick run only the
    database the server is configured for, to stay well under a minute with the vitals bench."""
    if not os.environ.get("DATABASE_URL"):
        return ["sqlite"]
    return ["postgresql"] if quick else ["sqlite", "postgresql"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=100 only, a short run (< 60 s)")
    parser.add_argument("--subscribers", default=None, help="comma-separated, e.g. 100,1000")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (>= 3)")
    args = parser.parse_args()
    quick = args.quick
    counts = args.subscribers or ("100" if quick else "100,1000")
    plan = Plan(
        subscribers=[int(n) for n in counts.split(",")],
        runs=max(3, args.runs or (3 if quick else 5)),
        warmup=3 if quick else 10,
        events=15 if quick else 60,
        deadline=time.monotonic() + (40 if quick else 1200),
    )  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    _pin(0, 1)
    engines = _engines(quick)
    started = time.monotonic()
    results = measure(engines, plan)
    summary = {
        **headline(results),
        "runs_per_figure": plan.runs,
        "events_per_run": plan.events,
        "engines": engines,
        "cpus": os.cpu_count(),
        "load_1m_median": headline_load(results),
        "seconds": round(time.monotonic() - started, 1),
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {"summary": summary, "plan": plan.__dict__, "results": results}
    name = "fanout-quick" if quick else "fanout"
    for path in (OUT / f"{name}-{stamp}.json", OUT / f"{name}-latest.json"):
        path.write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
