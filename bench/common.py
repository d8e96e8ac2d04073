"""Shared benchmark plumbing: a lean HTTP/1.1 load client, servers, stats and the result table.

The load client speaks keep-alive HTTP/1.1 over asyncio streams with pre-built requests, so on a
2-core machine the client takes as little CPU from the server under test as possible.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT / "src"))

# Benchmarks that ingest or run jobs in-process need the domains wired, like a server.
from activereach import wiring  # noqa: E402

wiring.install()


@dataclass
class Row:
    figure: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""
    passed: bool | None = None

    @property
    def ratio(self) -> str:
        if not self.baseline:
            return "—"
        return f"{self.value / self.baseline:.2f}×"


def recent_iso(hours: float = 1) -> str:
    """An order time an hour before now, in India: recent on any day the bench runs."""
    import datetime as dt
    from zoneinfo import ZoneInfo
    when = dt.datetime.now(ZoneInfo("Asia/Kolkata")) - dt.timedelta(hours=hours)
    return when.isoformat(timespec="seconds")


def table(title: str, rows: list[Row], note: str = "") -> str:
    lines = [f"### {title}", "", "| figure | value | baseline | ratio | target | pass |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        base = f"{row.baseline:,.1f} {row.unit}" if row.baseline is not None else "—"
        verdict = "—" if row.passed is None else ("pass" if row.passed else "FAIL")
        lines.append(f"| {row.figure} | {row.value:,.1f} {row.unit} | {base} | {row.ratio} | "
                     f"{row.target or '—'} | {verdict} |")
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, seconds: float = 60) -> None:
    """Block until something accepts connections on the loopback port (a server that started)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def stop_processes(procs: list[subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM every process, then wait for each (SIGKILL one that outlives ``timeout``)."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def build_request(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def run_load(port: int | list[int], requests: Iterator[bytes], *, concurrency: int,
                   ok: Callable[[int], bool] = lambda s: s < 300) -> tuple[float, list[float], int]:
    """Send every request with ``concurrency`` keep-alive connections; (seconds, latencies, errors).

    Given several ports, connection *n* goes to ``ports[n % len(ports)]`` (what a round-robin
    load balancer in front of several API processes does)."""
    latencies: list[float] = []
    errors = 0
    source = iter(requests)
    ports = port if isinstance(port, list) else [port]

    async def one_connection(n: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[n % len(ports)])
        try:
            for request in source:
                start = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - start)
                if not ok(status):
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(one_connection(n) for n in range(concurrency)))
    return time.perf_counter() - start, latencies, errors


async def run_paced(port: int, requests: list[bytes], *, concurrency: int, rate: float,
                    ok: Callable[[int], bool] = lambda s: s < 300) -> tuple[list[float], int]:
    """Offer ``rate`` requests/s over ``concurrency`` keep-alive connections (open loop).

    Request *i* is due at ``start + i / rate``; its latency runs from that due time, not from
    when a free connection sent it, so a server falling behind shows up in the figures
    (no coordinated omission).  Returns (latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    indices = iter(range(len(requests)))
    start = time.perf_counter() + 0.05

    async def one_connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for index in indices:
                due = start + index / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(requests[index])
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - due)
                if not ok(status):
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    return latencies, errors


@contextmanager
def postgres(name: str = "pgbench", port: int = 55433) -> Iterator[str]:
    """A durable (fsync on) PostgreSQL of our own for the run; yields the base URL."""
    env = {**os.environ, "PG_NAME": name, "PGPORT": str(port), "PG_DURABLE": "1"}
    url = subprocess.run(["bash", str(ROOT / "scripts/test-postgres.sh"), "start"], env=env,
                         check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield url.rsplit("/", 1)[0]
    finally:
        subprocess.run(["bash", str(ROOT / "scripts/test-postgres.sh"), "stop"], env=env, check=False)


def create_database(base_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    admin = create_engine(base_url + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base_url}/{name}"


@contextmanager
def api_server(database_url: str, var_dir: Path, *, workers: int = 1,
               worker_mode: str = "inprocess", extra_env: dict[str, str] | None = None) -> Iterator[int]:
    """The API in a subprocess on a free port; yields the port. One process is
    ``uvicorn activereach.asgi:app``; several are ``activereach serve --workers N`` (a socket
    per process, so connections spread over them)."""
    port = free_port()
    env = {**os.environ, "ACTIVEREACH_DATABASE_URL": database_url, "ACTIVEREACH_SECRET_KEY": "bench",
           "ACTIVEREACH_VAR_DIR": str(var_dir), "ACTIVEREACH_WORKER_MODE": worker_mode,
           "ACTIVEREACH_LOG_LEVEL": "warning",
           # benches measure the server, not the flood guards
           "ACTIVEREACH_RATE_LIMIT_CREDENTIAL": "1000000/minute",
           "ACTIVEREACH_RATE_LIMIT_ADDRESS": "1000000/minute",
           "ACTIVEREACH_RATE_LIMIT_WEBHOOK": "1000000/minute", **(extra_env or {})}
    cmd = ([PY, "-m", "uvicorn", "activereach.asgi:app", "--host", "127.0.0.1", "--port", str(port),
            "--no-access-log", "--log-level", "warning"] if workers == 1 else
           [PY, "-m", "activereach.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)])
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        _wait_listeners(port, workers)
        time.sleep(0.5)
        yield port
    finally:
        stop_processes([proc])


def _wait_listeners(port: int, count: int, timeout: float = 30) -> None:
    """Until ``count`` sockets listen on the port (each API process binds its own)."""
    deadline = time.monotonic() + timeout
    while count > 1 and time.monotonic() < deadline:
        rows = [row.split() for row in open("/proc/net/tcp").read().splitlines()[1:]]
        if sum(r[3] == "0A" and int(r[1].split(":")[1], 16) == port for r in rows) >= count:
            return
        time.sleep(0.1)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def load_note() -> str:
    """The 1-minute load average now: whether other work shared the cores during a run."""
    return f"1-min load average at the end of the run: {os.getloadavg()[0]:.2f}"


def machine() -> str:
    import platform
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")
