"""Small helpers shared by test fixtures: free loopback ports, ASGI apps served in a thread,
PostgreSQL databases made and dropped per run, and times built from the clock.

No test writes a calendar date the server will judge ("2026-11-25"): a date that is recent
today is months old next year, past a pending window or outside a report's default range.
Tests take times from ``ago()``, or freeze the clock for themselves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import structlog
import uvicorn
from sqlalchemy import create_engine, text

INDIA = ZoneInfo("Asia/Kolkata")


def ago(days: float = 0, hours: float = 0, minutes: float = 0, *, tz: str = "Asia/Kolkata",
        at: dt.time | None = None) -> dt.datetime:
    """Now in ``tz``, moved back; ``at`` pins the local time of day on that date."""
    when = dt.datetime.now(ZoneInfo(tz)) - dt.timedelta(days=days, hours=hours, minutes=minutes)
    if at is not None:
        when = when.replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)
    return when


def iso_ago(days: float = 0, hours: float = 0, minutes: float = 0, *, tz: str = "Asia/Kolkata",
            at: dt.time | None = None) -> str:
    """``ago()`` as ISO 8601 with its offset, as a POS or the API sends it."""
    return ago(days, hours, minutes, tz=tz, at=at).isoformat(timespec="seconds")


def fiscal_year(when: str | dt.datetime) -> str:
    """India's financial year (April to March) of a time's date in India: ``"2026-27"``."""
    moment = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
    day = moment.astimezone(INDIA).date()
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def fy_short(when: str | dt.datetime) -> str:
    """The four digits invoice numbers carry for that year: ``"2627"``."""
    label = fiscal_year(when)
    return label[2:4] + label[5:7]


def _admin(url: str, *statements: str) -> None:
    admin = create_engine(url.rpartition("/")[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for sql in statements:
                conn.execute(text(sql))
    finally:
        admin.dispose()


def recreate_postgres(url: str, name: str) -> str:
    """An empty database ``name`` on the server of ``url`` (dropped first if it exists)."""
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return f"{url.rpartition('/')[0]}/{name}"


def drop_postgres(url: str) -> None:
    _admin(url, f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app (a local provider API) on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off",
                                           log_config=None))  # keep the root logging as is
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def wait_until(page: Any, expression: str, timeout: float = 30.0, interval: float = 0.25) -> Any:
    """Poll a JavaScript ``expression`` (promises awaited) until it is truthy; returns its value.

    ``page.wait_for_function`` compiles its predicate with ``eval`` inside the page, which a
    ``script-src 'self'`` policy forbids; ``page.evaluate`` runs through the DevTools protocol,
    which the page's policy does not govern, so the pages stay under their real CSP in tests.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = await page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still falsy after {timeout:.0f}s: {expression}")
        await asyncio.sleep(interval)


def client_address() -> tuple[str, int]:
    """A made-up client address (documentation range) for an in-process test client: each
    client counts against its own per-address budgets and sign-in lockouts, as a new caller."""
    return (f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}", 40000)


# The operator settings of every server a test runs (in process or as a process): budgets far
# above anything the suite sends (the limits themselves are tested with their own apps,
# tests/reliability/test_rate_limits.py), and loopback allowed for outbound calls, because the
# fake providers and the mail server listen there (tests/security/test_ssrf.py refuses it).
TEST_SERVER_ENV = {**{f"ACTIVEREACH_RATE_LIMIT_{name}": "1000000/minute"
                      for name in ("CREDENTIAL", "ADDRESS", "WEBHOOK")},
                   "ACTIVEREACH_OUTBOUND_ALLOW_HOSTS": "127.0.0.1,localhost"}


class LogCapture:
    """The server's log configuration (``configure_logging("debug", json_logs=…)``), its one
    handler writing to a buffer; the previous configuration comes back on exit."""

    def __init__(self, json_logs: bool = False) -> None:
        self.json_logs = json_logs

    def __enter__(self) -> io.StringIO:
        from activereach.logs import configure_logging
        root = logging.getLogger()
        self.saved = (list(root.handlers), root.level, structlog.get_config())
        configure_logging("debug", json_logs=self.json_logs)
        self.buffer = io.StringIO()
        root.handlers[0].setStream(self.buffer)  # type: ignore[attr-defined]
        return self.buffer

    def __exit__(self, *_: object) -> None:
        handlers, level, config = self.saved
        root = logging.getLogger()
        root.handlers, root.level = handlers, level
        structlog.configure(**config)
