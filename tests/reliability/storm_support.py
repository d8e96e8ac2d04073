"""Storm helpers: a real API server process on the test database (its job worker off, so the
test runs the worker itself to completion), and concurrent senders over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import pytest

from tests.support import TEST_SERVER_ENV, free_port

T = TypeVar("T")


def start_server(database_url: str, var_dir: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """``uvicorn activereach.asgi:app`` on a free port; returns once /healthz answers."""
    port = free_port()
    env = {**os.environ, "ACTIVEREACH_DATABASE_URL": database_url,
           "ACTIVEREACH_SECRET_KEY": "test-secret", "ACTIVEREACH_WORKER_MODE": "off",
           "ACTIVEREACH_VAR_DIR": str(var_dir), "ACTIVEREACH_LOG_LEVEL": "warning",
           **TEST_SERVER_ENV}
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "activereach.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--backlog", "4096"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx2.get(f"{url}/healthz", timeout=1, trust_env=False).status_code == 200:
                return proc, url
        except httpx2.HTTPError:
            time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"storm server did not start; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def storm_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real server process; killed in ``finally`` whatever the test did."""
    work = tmp_path_factory.mktemp("storm")
    proc, url = start_server(database_url, work, work / "server.log")
    try:
        yield url
    finally:
        stop_server(proc)


def http_client(url: str, connections: int = 64) -> httpx2.AsyncClient:
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx2.AsyncClient(base_url=url, timeout=60.0, limits=limits, trust_env=False)


async def bounded(calls: list[Callable[[], Awaitable[T]]], concurrency: int) -> list[T]:
    """Run the calls with at most ``concurrency`` in flight; results in call order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await call()

    return list(await asyncio.gather(*(one(c) for c in calls)))


def server_errors(replies: list[Any]) -> list[str]:
    return [f"{r.status_code} {r.text[:200]}" for r in replies if r.status_code >= 500]
