"""Where this server is reached: the bill domain follows the port ``serve`` listens on.

With ``ACTIVEREACH_BILL_DOMAIN`` unset, ``serve --port P`` makes bill URLs (and the API base the
demo prints) ``localhost:P``, and writes ``var/serving.json`` so that a later ``activereach demo``
in another terminal prints the URLs of the running server instead of the default port.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path

ENV = "ACTIVEREACH_BILL_DOMAIN"
DEFAULT_PORT = 8000


def domain_for(host: str, port: int) -> str:
    """``localhost:P`` for a loopback or wildcard bind (``{slug}.localhost`` resolves to
    loopback everywhere); the host itself when it is a DNS name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            return f"{host}:{port}"
    return f"localhost:{port}"


def adopt_listening_address(host: str, port: int, var_dir: Path) -> str:
    """Called by ``serve`` before settings are read: the bill domain unless the operator set one."""
    domain = os.environ.get(ENV) or domain_for(host, port)
    os.environ[ENV] = domain
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "serving.json").write_text(json.dumps(
        {"host": host, "port": port, "bill_domain": domain, "pid": os.getpid()}))
    return domain


def running_port(var_dir: Path) -> int | None:
    """The port of the ``serve`` that wrote ``var/serving.json``, if that process still runs."""
    try:
        info = json.loads((var_dir / "serving.json").read_text())
        os.kill(int(info["pid"]), 0)
        return int(info["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def adopt_demo_address(port: int | None, var_dir: Path) -> str:
    """``demo``'s bill domain: the operator's setting, else ``--port``, else the running
    server's port, else the default."""
    if not os.environ.get(ENV):
        chosen = port or running_port(var_dir) or DEFAULT_PORT
        os.environ[ENV] = domain_for("localhost", chosen)
    return os.environ[ENV]
