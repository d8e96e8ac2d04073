"""A local receiver for outbound deliveries, and helpers that move the jobs' clock.

The receiver is a real HTTP server on loopback (the test settings allow loopback for outbound
calls, ``tests/support.TEST_SERVER_ENV``). It verifies every webhook with the Standard Webhooks
reference library (``standardwebhooks``) and can be stopped and started on the same port, so
"down" means connection refused, as a dead receiver is."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from activereach.jobs.models import Job
from activereach.jobs.worker import Worker
from activereach.kit.db import Database, utcnow
from tests.support import free_port


class Receiver:
    """What arrived (verified or not), answering ``status`` while up."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret: str | None = None
        self.status = 200
        self.extra_headers: dict[str, str] = {}
        self.received: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        entry: dict[str, Any] = {"path": path, "headers": headers, "body": json.loads(body)}
        if self.secret and path.startswith("/hook"):
            try:
                Webhook(self.secret).verify(body, headers)
            except WebhookVerificationError as exc:
                self.refused.append(str(exc))
                return 401
        if 200 <= self.status < 300:
            self.received.append(entry)
        return self.status

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                self.send_response(receiver.handle(self.path, headers, body))
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    yield found
    found.stop()


async def drain(db: Database) -> int:
    return await Worker(db, concurrency=4).drain()


async def next_due(db: Database, workspace_id: str) -> dt.datetime | None:
    """When this workspace's next destination job is due (None: nothing queued)."""
    async with db.session() as session:
        return await session.scalar(
            select(Job.run_at).where(Job.workspace_id == workspace_id, Job.status == "queued",
                                     Job.kind.like("destinations.%"))
            .order_by(Job.run_at).limit(1))


async def advance(db: Database, workspace_id: str, seconds: float) -> None:
    """Move this workspace's clock ``seconds`` on, as the queue sees it: every queued
    destination job comes due that much earlier (no sleeping)."""
    shift = dt.timedelta(seconds=seconds)
    async with db.session() as session:
        jobs = (await session.scalars(select(Job).where(
            Job.workspace_id == workspace_id, Job.status == "queued",
            Job.kind.like("destinations.%")))).all()
        for job in jobs:
            job.run_at = job.run_at - shift


@pytest.fixture(autouse=True)
async def _no_scheduled_attempts_left(db: Database) -> AsyncIterator[None]:
    """Retries a test scheduled must not come due in a later test's worker drain."""
    yield
    async with db.session() as session:
        await session.execute(update(Job).where(
            Job.status == "queued", Job.kind.like("destinations.%"), Job.run_at > utcnow())
            .values(status="done", last_error="left by a destinations test",
                    finished_at=utcnow()))
