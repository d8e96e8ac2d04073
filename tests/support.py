"""Small helpers shared by test fixtures: free loopback ports, ASGI apps served in a thread,
and PostgreSQL databases made and dropped per run."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from sqlalchemy import create_engine, text


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
                                           log_level="warning", lifespan="off"))
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
