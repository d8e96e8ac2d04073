"""Scale-out: 2 API processes + 2 workers on PostgreSQL next to the single-process SQLite mode.

    .venv/bin/python bench/scaleout.py [--quick] [--mode sqlite|postgres|both]

The topology is deploy/'s recipe: ``activereach serve --port P`` per API process with
``ACTIVEREACH_WORKER_MODE=external`` and ``activereach worker`` processes (PostgreSQL), or one
``activereach serve`` with its in-process worker (SQLite).  Mixed traffic on loopback, bounded in
count and time: 16 keep-alive clients POST /v1/orders (2 lines, 1 payment, 20 outlets, a phone
pool) while 32 senders POST signed Shopify ``orders/paid`` deliveries to a pipe's webhook, both
at once, split round-robin across the API processes (connection n → process n mod 2, as a load
balancer would).  After a warm-up (whose jobs are drained first), the measured window runs a
fixed time; then the jobs still due are counted and the time until the workers reach zero.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    PY,
    ROOT,
    Row,
    build_request,
    create_database,
    free_port,
    machine,
    percentile,
    postgres,
    run_load,
    stop_processes,
    table,
    wait_port,
)
from bench.ingest import OUTLETS, order_body, setup_tenant  # noqa: E402
from bench.pipes import SECRET  # noqa: E402
from bench.pipes import setup as setup_pipe  # noqa: E402

ORDER_CLIENTS, WEBHOOK_SENDERS = 16, 32
# A bound on the count as well as the time: far above what 2 shared cores reach in the window.
MAX_PER_SECOND = 2000
# Its own cluster (not bench.common's default 55433), so another benchmark's PostgreSQL running
# at the same moment is neither reused nor restarted under it.
PG_NAME, PG_PORT = "pgscaleout", 55434


@dataclass
class Result:
    orders: int
    order_rate: float
    order_lat: list[float]
    acks: int
    ack_rate: float
    ack_lat: list[float]
    errors: int
    jobs_rate: float
    pending: int
    drain_s: float
    drained: bool
    dead: int
    api_cpu: float
    worker_cpu: float


# -- processes ----------------------------------------------------------------------------------

def cpu_seconds(procs: list[subprocess.Popen[bytes]]) -> float:
    """User + system CPU the processes have used so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for proc in procs:
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextmanager
def topology(url: str, var: Path, apis: int, workers: int) -> Iterator[tuple[list[int], list]]:
    """deploy/'s Procfile on loopback: ``apis`` × ``activereach serve``, ``workers`` ×
    ``activereach worker`` (none: the API's in-process worker); yields the API ports and the
    processes (API processes first)."""
    ports = [free_port() for _ in range(apis)]
    env = {**os.environ, "ACTIVEREACH_DATABASE_URL": url, "ACTIVEREACH_SECRET_KEY": "bench",
           "ACTIVEREACH_VAR_DIR": str(var), "ACTIVEREACH_LOG_LEVEL": "warning",
           "ACTIVEREACH_RATE_LIMIT_CREDENTIAL": "1000000/minute",
           "ACTIVEREACH_RATE_LIMIT_ADDRESS": "1000000/minute",
           "ACTIVEREACH_RATE_LIMIT_WEBHOOK": "1000000/minute",
           "ACTIVEREACH_WORKER_MODE": "external" if workers else "inprocess"}
    cli = [PY, "-m", "activereach.cli"]
    argvs = [[*cli, "serve", "--host", "127.0.0.1", "--port", str(p)] for p in ports]
    argvs += [[*cli, "worker"]] * workers
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for n, argv in enumerate(argvs):
            with open(var / f"proc{n}.log", "ab") as log:
                procs.append(subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT))
        for port in ports:
            wait_port(port)
        yield ports, procs
        crashed = [n for n, proc in enumerate(procs) if proc.poll() is not None]
        if crashed:  # a figure from a run where a process died would be meaningless
            raise RuntimeError(f"process(es) {crashed} exited during the run: "
                               + (var / f"proc{crashed[0]}.log").read_text()[-2000:])
    finally:
        stop_processes(procs)


# -- traffic ------------------------------------------------------------------------------------

def order_maker(admin_key: str, run: str) -> Callable[[int], bytes]:
    headers = {"Authorization": f"Bearer {admin_key}", "Content-Type": "application/json"}

    def make(n: int) -> bytes:
        body = order_body(n, run, f"bench-{n % OUTLETS + 1}")
        return build_request("POST", "/v1/orders", json.dumps(body).encode(), headers)
    return make


def delivery_maker(pipe_id: str, run: int) -> Callable[[int], bytes]:
    """Signed Shopify ``orders/paid`` deliveries, one distinct order each (as bench/pipes.py)."""
    template = json.loads((ROOT / "src/activereach/pipes/samples/shopify_order_paid_pos.json")
                          .read_text())

    def make(n: int) -> bytes:
        template["id"] = 7_000_000_000_000 + run * 1_000_000 + n
        template["customer"]["email"] = f"s{run}-{n}@example.com"
        body = json.dumps(template).encode()
        sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        return build_request("POST", f"/v1/pipes/{pipe_id}/webhook", body, {
            "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": sig,
            "X-Shopify-Topic": "orders/paid", "X-Shopify-Event-Id": str(uuid.uuid4())})
    return make


def bounded(make: Callable[[int], bytes], counter: Iterator[int], seconds: float) -> Iterator[bytes]:
    """Requests until ``seconds`` have passed or the count bound is reached, whichever is first.

    Built lazily: a few thousand 9 KB deliveries held in memory would be ballast, and signing
    one costs far less than the server spends on it."""
    deadline = time.perf_counter() + seconds
    for _ in range(int(seconds * MAX_PER_SECOND)):
        if time.perf_counter() >= deadline:
            return
        yield make(next(counter))


async def mixed(ports: list[int], orders: Iterator[bytes], hooks: Iterator[bytes]) -> tuple:
    """Orders and webhook deliveries at the same time; each run_load's (seconds, latencies, errors)."""
    return await asyncio.gather(run_load(ports, orders, concurrency=ORDER_CLIENTS),
                                run_load(ports, hooks, concurrency=WEBHOOK_SENDERS))


# -- the job backlog ----------------------------------------------------------------------------

class Backlog:
    """Counts jobs straight from the database (a plain synchronous engine of the bench's own)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        self.engine = create_engine(url.replace("+aiosqlite", ""))

    def counts(self) -> tuple[int, int, int]:
        """(due and not finished, done, dead).  Jobs scheduled for later (hold expiries, retries
        in back-off) are not backlog: no worker may run them yet."""
        from sqlalchemy import func, or_, select

        from activereach.jobs.models import Job
        from activereach.kit.db import utcnow
        pending = or_(Job.status == "running", (Job.status == "queued") & (Job.run_at <= utcnow()))
        with self.engine.connect() as conn:
            due = conn.scalar(select(func.count()).select_from(Job).where(pending))
            done = conn.scalar(select(func.count()).select_from(Job).where(Job.status == "done"))
            dead = conn.scalar(select(func.count()).select_from(Job).where(Job.status == "dead"))
        return int(due or 0), int(done or 0), int(dead or 0)

    def drain(self, limit: float) -> tuple[float, bool]:
        """Seconds until no job is due (polled every 0.2 s), and whether it got there in ``limit``."""
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            if self.counts()[0] == 0:
                return time.perf_counter() - start, True
            time.sleep(0.2)
        return time.perf_counter() - start, False

    def close(self) -> None:
        self.engine.dispose()


# -- one mode -----------------------------------------------------------------------------------

def measure(url: str, var: Path, *, apis: int, workers: int, warmup: float, seconds: float,
            drain_limit: float) -> Result:
    _, admin_key, _ = asyncio.run(setup_tenant(url))
    pipe_id, _ = setup_pipe(url)
    run = uuid.uuid4().hex[:6]
    make_order, make_hook = order_maker(admin_key, run), delivery_maker(pipe_id, os.getpid() % 1000)
    order_ids, hook_ids = itertools.count(), itertools.count()
    backlog = Backlog(url)
    try:
        with topology(url, var, apis, workers) as (ports, procs):
            asyncio.run(mixed(ports, bounded(make_order, order_ids, warmup),
                              bounded(make_hook, hook_ids, warmup)))
            backlog.drain(drain_limit)  # the measured window starts with no backlog
            _, done_before, _ = backlog.counts()
            cpu_before = [cpu_seconds(procs[:apis]), cpu_seconds(procs[apis:])]
            start = time.perf_counter()
            (o_s, o_lat, o_err), (h_s, h_lat, h_err) = asyncio.run(mixed(
                ports, bounded(make_order, order_ids, seconds), bounded(make_hook, hook_ids, seconds)))
            window = time.perf_counter() - start
            cpu = [cpu_seconds(procs[:apis]) - cpu_before[0], cpu_seconds(procs[apis:]) - cpu_before[1]]
            pending, done_after, _ = backlog.counts()
            drain_s, drained = backlog.drain(drain_limit)
            dead = backlog.counts()[2]
    finally:
        backlog.close()
    return Result(len(o_lat), len(o_lat) / o_s, o_lat, len(h_lat), len(h_lat) / h_s, h_lat,
                  o_err + h_err, (done_after - done_before) / window, pending, drain_s, drained, dead,
                  cpu[0] / window, cpu[1] / window)


def run_sqlite(**kw: float) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        return measure(f"sqlite+aiosqlite:///{tmp}/bench.db", Path(tmp), apis=1, workers=0, **kw)


def run_postgres(**kw: float) -> Result:
    with postgres(PG_NAME, PG_PORT) as base, tempfile.TemporaryDirectory() as tmp:
        return measure(create_database(base, "scaleout"), Path(tmp), apis=2, workers=2, **kw)


# -- the table ----------------------------------------------------------------------------------

def figures(r: Result) -> list[tuple[str, float, str]]:
    return [
        ("orders/s (POST /v1/orders, 16 clients)", r.order_rate, "/s"),
        ("order p50 latency", percentile(r.order_lat, 50) * 1000, "ms"),
        ("order p99 latency", percentile(r.order_lat, 99) * 1000, "ms"),
        ("webhook acks/s (Shopify, 32 senders)", r.ack_rate, "/s"),
        ("webhook ack p50 latency", percentile(r.ack_lat, 50) * 1000, "ms"),
        ("webhook ack p99 latency", percentile(r.ack_lat, 99) * 1000, "ms"),
        ("CPU of the API processes during the load", r.api_cpu, "cores"),
        ("CPU of the worker processes during the load", r.worker_cpu, "cores"),
        ("jobs finished /s during the load", r.jobs_rate, "/s"),
        ("jobs due, not yet run, at the end of the load", r.pending, "jobs"),
        ("drain time to zero after the load" + ("" if r.drained else " (limit hit)"), r.drain_s, "s"),
    ]


def rows(sqlite: Result | None, pg: Result | None) -> list[Row]:
    """SQLite rows first (no baseline), then the PostgreSQL rows with SQLite as their baseline."""
    out: list[Row] = []
    if sqlite:
        out += [Row(f"{name} — SQLite, 1 process", value, unit, None, "report", None)
                for name, value, unit in figures(sqlite)]
    if pg:
        bases = [v for _, v, _ in figures(sqlite)] if sqlite else [None] * len(figures(pg))
        out += [Row(f"{name} — PostgreSQL, 2 API + 2 workers", value, unit, base, "report", None)
                for (name, value, unit), base in zip(figures(pg), bases, strict=True)]
    return out


def note(sqlite: Result | None, pg: Result | None, seconds: float, warmup: float, load: str) -> str:
    parts = []
    for name, r in (("SQLite", sqlite), ("PostgreSQL", pg)):
        if r:
            parts.append(f"{name}: {r.orders} orders and {r.acks} deliveries acknowledged in the "
                         f"window, {r.errors} non-2xx, {r.dead} dead jobs")
    return (f"Mixed load for {seconds:.0f} s after a {warmup:.0f} s warm-up: {ORDER_CLIENTS} order "
            f"clients and {WEBHOOK_SENDERS} webhook senders at once, closed loop (the p99s are at "
            "saturation, so they include queueing). PostgreSQL rows: deploy/'s topology (2 × "
            "`activereach serve` with the worker external, 2 × `activereach worker`, connections "
            "split round-robin across the two ports; no PgBouncer), durable PostgreSQL (fsync on); "
            "baseline = the SQLite single-process figure from the same run, ratio = PG/SQLite. "
            "No target is given: figures are reported. SQLite's worker runs inside the API "
            "process, so its CPU is in the API row. " + "; ".join(parts) + ". "
            f"Machine: {machine()}; load average before the run: {load}; the load client, the "
            "API processes, the workers and PostgreSQL share the 2 cores.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--mode", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    kw = {"warmup": 2.0 if args.quick else 3.0, "seconds": 5.0 if args.quick else 20.0,
          "drain_limit": 120.0 if args.quick else 300.0}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    sqlite = run_sqlite(**kw) if args.mode in ("sqlite", "both") else None
    pg = run_postgres(**kw) if args.mode in ("postgres", "both") else None
    print(table("Scale-out: mixed orders + webhooks" + (" (--quick)" if args.quick else ""),
                rows(sqlite, pg), note(sqlite, pg, kw["seconds"], kw["warmup"], load)))


if __name__ == "__main__":
    main()
