"""``serve --workers N`` spreads keep-alive connections over its processes and stops them all."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent


def _listeners(port: int) -> int:
    """Sockets listening on the port (IPv4), from the kernel's table."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows
               if row.split()[3] == "0A" and int(row.split()[1].split(":")[1], 16) == port)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connections_spread_over_the_processes_and_sigterm_stops_them(tmp_path: Path) -> None:
    port = _free_port()
    code = ("from activereach.ops.serving import serve_workers; "
            f"serve_workers('tests.pid_app:app', host='127.0.0.1', port={port}, workers=2, "
            "log_level='warning')")
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 30
        while _listeners(port) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # each process binds a socket of its own
        assert _listeners(port) == 2
        # 32 keep-alive clients, as tills or a load balancer's pool hold them
        clients = [httpx2.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(32)]
        pids = [client.get("/").text for client in clients]
        for client in clients:
            assert client.get("/").text == pids[clients.index(client)]  # the same connection
            client.close()
        counts = {pid: pids.count(pid) for pid in set(pids)}
        assert len(counts) == 2 and min(counts.values()) >= 4, counts
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=40) == 0
        for pid in counts:
            assert not Path(f"/proc/{pid}").exists()
    finally:
        if parent.poll() is None:
            parent.kill()
