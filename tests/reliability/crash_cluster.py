"""Crash-test processes: the API server (uvicorn) and ``activereach worker`` processes on one
database, killed with SIGKILL and restarted, and an HTTP client that retries lost replies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2

from tests.support import TEST_SERVER_ENV, drop_postgres, free_port, recreate_postgres

# Short, so jobs a killed process held come back within the test (the setting's minimum).
LEASE_SECONDS = 5


def fresh_database(session_url: str, tmp: Path, suffix: str) -> str:
    """A database of its own, so no other test's job (or worker) mixes with this run's."""
    if session_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp / f'crash-{suffix}.db'}"
    return recreate_postgres(session_url, f"{session_url.rpartition('/')[2]}_crash_{suffix}")


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        drop_postgres(url)


class Cluster:
    """One API server and ``workers`` external workers (PostgreSQL), or one server with its
    in-process worker (SQLite's single-process mode, ``workers=0``)."""

    def __init__(self, database_url: str, tmp: Path, workers: int) -> None:
        self.database_url = database_url
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes] | None] = [None] * workers
        self.kills: list[str] = []

    def env(self) -> dict[str, str]:
        return {**os.environ, "ACTIVEREACH_DATABASE_URL": self.database_url,
                "ACTIVEREACH_SECRET_KEY": "crash-secret", **TEST_SERVER_ENV,
                "ACTIVEREACH_BILL_DOMAIN": f"localhost:{self.port}",
                "ACTIVEREACH_VAR_DIR": str(self.tmp / "var"),
                "ACTIVEREACH_WORKER_MODE": "off" if self.workers else "inprocess",
                "ACTIVEREACH_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
                "ACTIVEREACH_WORKER_POLL_SECONDS": "0.05",
                "ACTIVEREACH_WORKER_CONCURRENCY": "4", "ACTIVEREACH_LOG_LEVEL": "warning"}

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        try:
            return subprocess.Popen(argv, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()

    async def start_server(self) -> None:
        self.server = self._spawn("server", [
            sys.executable, "-m", "uvicorn", "activereach.asgi:app", "--host", "127.0.0.1",
            "--port", str(self.port), "--no-access-log"])
        await self.wait_healthy()

    def start_worker(self, index: int) -> None:
        self.workers[index] = self._spawn(f"worker{index}", [
            sys.executable, "-m", "activereach.cli", "worker"])

    async def start(self) -> None:
        await self.start_server()
        for index in range(len(self.workers)):
            self.start_worker(index)

    async def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        async with httpx2.AsyncClient(base_url=self.url, timeout=2) as http:
            while time.monotonic() < deadline:
                assert self.server is not None and self.server.poll() is None, \
                    f"server exited; see {self.tmp / 'server.log'}"
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("the API server did not become healthy")

    async def crash(self, target: str) -> None:
        """SIGKILL the server or worker N ("server", "worker0", ...), then start it again."""
        proc = self.server if target == "server" else self.workers[int(target[6:])]
        assert proc is not None and proc.poll() is None, f"{target} died on its own"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        self.kills.append(target)
        if target == "server":
            await self.start_server()
        else:
            self.start_worker(int(target[6:]))

    def stop(self) -> None:
        procs = [p for p in [self.server, *self.workers] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class RetryingClient:
    """Sends a request until it gets a reply: a lost reply (connection reset by a killed
    server) is retried unchanged, which is what a POS does with its idempotency keys."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.http = httpx2.AsyncClient(base_url=base_url, timeout=20, headers=headers)
        self.lost = 0
        self.server_errors: list[str] = []

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        deadline = time.monotonic() + 90
        while True:
            try:
                response = await self.http.request(method, path, **kwargs)
            except httpx2.TransportError:
                self.lost += 1
            else:
                if response.status_code < 500:
                    return response
                self.server_errors.append(f"{method} {path} → {response.status_code}: "
                                          f"{response.text[:300]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} never got a reply")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        await self.http.aclose()
