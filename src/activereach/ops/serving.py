"""``activereach serve --workers N``: N API processes on one port, each with its own socket.

uvicorn's ``--workers`` shares one listening socket, and whichever process wakes first accepts:
long-lived keep-alive connections (tills, a POS's webhook client, a load balancer's pool) pile
onto one process while the others idle. Measured here: 31 of 32 connections on one of two
workers, and 32 of 32 on the next start. Here every process binds the port with
``SO_REUSEPORT``, so the kernel spreads new connections across the processes' sockets. The
parent only supervises: it restarts a process that dies and stops them all on SIGINT/SIGTERM
(each finishes its requests first, as uvicorn does).
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import threading
import time
from typing import Any

import structlog
import uvicorn

log = structlog.get_logger(__name__)
STOP_SECONDS = 30


def reuseport_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve_one(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    config = uvicorn.Config(app, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[reuseport_socket(host, port)])


def serve_workers(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Run ``workers`` processes serving ``app`` until SIGINT or SIGTERM."""
    reuseport_socket(host, port).close()  # a taken port fails here, once, not in every child
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def start(slot: int) -> Any:
        process = context.Process(target=_serve_one, args=(app, host, port, options),
                                  name=f"activereach-api-{slot}")
        process.start()
        return process

    processes = [start(slot) for slot in range(workers)]
    log.info("api processes started", port=port, pids=[p.pid for p in processes])
    while not stop.wait(0.5):
        for slot, process in enumerate(processes):
            if not process.is_alive():
                log.warning("api process exited; starting another", pid=process.pid,
                            exitcode=process.exitcode)
                time.sleep(1)  # a process that cannot start must not spin
                processes[slot] = start(slot)
    for process in processes:
        process.terminate()  # SIGTERM: uvicorn's graceful shutdown
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
