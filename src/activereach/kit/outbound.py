"""Outbound calls to provider APIs and mail relays: only where they should go (issue 18 #1, SSRF).

A tenant admin configures base URLs and SMTP hosts; unchecked, the server would call any
address (the cloud metadata service, a database on loopback) with tenant credentials and store
the reply.  Two checks stop that:

* ``url_problem`` / ``smtp_problem`` when a setting is saved: https only, no userinfo, a host
  the provider documents or the operator allows (``outbound_allow_hosts``), no private address.
* At call time every HTTP client made by ``client`` resolves the host itself, refuses any
  address that is not global, and connects to the address it checked, so a DNS answer that
  changes between check and connect (rebinding) cannot move the call.  ``smtp_socket`` does
  the same for SMTP.

Private, loopback and link-local addresses are reachable only for a host the operator lists
exactly (a ``*.`` wildcard widens the host list, never the address check).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore2
import httpx2

SMTP_PORTS = frozenset({25, 465, 587, 2525})


class Refused(httpcore2.ConnectError):
    """A call refused before connecting; httpx2 raises it as ``ConnectError`` (``__cause__``)."""


def allow_list(raw: str | None = None) -> tuple[str, ...]:
    """The operator's ``outbound_allow_hosts`` ("host", "host:port", "*.example.com")."""
    if raw is None:
        from activereach.kit.crypto import current_settings  # noqa: PLC0415 (the app's settings)

        raw = current_settings().outbound_allow_hosts
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


def _split_entry(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):   # [::1]:8080
        name, _, rest = entry[1:].partition("]")
        return name, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    name, sep, port = entry.rpartition(":")
    if sep and name.count(":") == 0 and port.isdigit():
        return name, int(port)
    return entry, None


def matches(host: str, port: int | None, entries: Iterable[str], *, exact: bool = False) -> bool:
    """``host`` (and ``port``) is named by one of ``entries``; ``exact`` ignores wildcards."""
    host = host.lower().strip("[]").rstrip(".")
    for entry in entries:
        name, entry_port = _split_entry(entry.lower())
        if entry_port is not None and entry_port != port:
            continue
        if name == host:
            return True
        if not exact and name.startswith("*.") and host.endswith(name[1:]) and host != name[2:]:
            return True
    return False


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _private_problem(host: str, port: int, allow: Sequence[str]) -> str | None:
    ip = _literal_ip(host)
    if ip is not None and not ip.is_global and not matches(host, port, allow, exact=True):
        return (f"address {ip} is private, loopback, link-local or reserved; list it exactly in "
                "outbound_allow_hosts to allow it")
    return None


def url_problem(url: Any, hosts: Sequence[str], allow: Sequence[str] | None = None) -> str | None:
    """Why ``url`` may not be called for a provider documenting ``hosts``; None when it may."""
    allow = allow_list() if allow is None else allow
    try:
        parsed = urlsplit(str(url))
        port = parsed.port
    except ValueError:
        return "is not a valid URL"
    host = parsed.hostname or ""
    if parsed.scheme not in {"http", "https"} or not host:
        return "must be an http(s) URL"
    if parsed.username is not None or parsed.password is not None:
        return "must not carry a user name or password (credentials go in the secrets)"
    port = port or (443 if parsed.scheme == "https" else 80)
    operator = matches(host, port, allow)
    if parsed.scheme != "https" and not operator:
        return "must use https (plain http only to a host in outbound_allow_hosts)"
    if not operator and not matches(host, port, hosts):
        listed = ", ".join(hosts) or "none documented"
        return (f"host {host!r} is not one of this provider's API hosts ({listed}) nor in "
                "outbound_allow_hosts")
    return _private_problem(host, port, allow)


async def checked_addresses(host: str, port: int, hosts: Sequence[str] | None,
                            timeout: float | None = None) -> list[str]:
    """The addresses to connect to for ``host``, each checked; raises ``Refused``.

    ``hosts``: the API hosts the caller may reach (besides the operator's); None: any host."""
    allow = allow_list()
    if hosts is not None and not (matches(host, port, allow) or matches(host, port, hosts)):
        raise Refused(f"outbound call refused: {host} is not a provider API host nor in "
                      "outbound_allow_hosts")
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        raise httpcore2.ConnectError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not matches(host, port, allow, exact=True) and (found := _not_public(addresses)):
        raise Refused(f"outbound call refused: {host} resolves to {found}, which is not a public "
                      "address (list the host exactly in outbound_allow_hosts to allow it)")
    return addresses


def _not_public(addresses: Sequence[str]) -> str | None:
    """The first address that is not global (or "nothing" for none): None when all are."""
    bad = [a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global]
    return bad[0] if bad else None if addresses else "nothing"


class _CheckedBackend(httpcore2.AsyncNetworkBackend):
    """httpcore2's default backend, connecting only to addresses ``checked_addresses`` passed.

    TLS still verifies the certificate against the URL's host name (httpcore2 passes the
    origin's host as ``server_hostname``), so pinning the address changes nothing else."""

    def __init__(self, hosts: Sequence[str] | None) -> None:
        self._hosts = hosts
        self._inner = httpcore2.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> Any:
        error: Exception | None = None
        for address in await checked_addresses(host, port, self._hosts, timeout):
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout,
                                                     local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                error = exc   # the next address (e.g. IPv4 after an unreachable IPv6)
        assert error is not None
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> Any:
        raise Refused("outbound call refused: no Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def client(*, hosts: Sequence[str] | None, limits: httpx2.Limits | None = None,
           **kwargs: Any) -> httpx2.AsyncClient:
    """The one way to build an HTTP client that calls out of the service.

    No proxy from the environment (``trust_env=False``): a proxy would make the connection, and
    the address check with it.  No redirects: a 3xx could point anywhere."""
    transport = httpx2.AsyncHTTPTransport(trust_env=False, limits=limits or httpx2.Limits())
    # httpx2 takes no network backend argument; its pool hands this one to every connection.
    pool = transport._pool  # noqa: SLF001
    pool._network_backend = _CheckedBackend(hosts)  # noqa: SLF001
    return httpx2.AsyncClient(transport=transport, trust_env=False, follow_redirects=False,
                              **kwargs)


def smtp_problem(host: str, port: int, addresses: Sequence[str] | None,
                 allow: Sequence[str] | None = None) -> tuple[str, str] | None:
    """(``"host"`` or ``"port"``, why) an SMTP relay may not be used; ``addresses``: what
    ``host`` resolves to (None: it does not)."""
    allow = allow_list() if allow is None else allow
    if not matches(host, port, allow) and port not in SMTP_PORTS:
        return "port", (f"{port} is not a mail port ({', '.join(map(str, sorted(SMTP_PORTS)))});"
                        " other ports only for a host in outbound_allow_hosts")
    if matches(host, port, allow, exact=True):
        return None
    if addresses is None:
        return "host", f"{host!r} does not resolve"
    if found := _not_public(addresses):
        return "host", (f"{host!r} is (or resolves to) {found}, which is not a public address; "
                        "list it exactly in outbound_allow_hosts to allow it")
    return None


async def resolve(host: str, port: int) -> list[str] | None:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host.strip("[]"), port,
                                                             type=socket.SOCK_STREAM)
    except OSError:
        return None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def smtp_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A socket connected to a checked address of ``host`` (aiosmtplib takes it as ``sock``)."""
    addresses = await resolve(host, port)
    problem = smtp_problem(host, port, addresses)
    if problem:
        raise Refused(f"outbound call refused: SMTP {problem[0]} {problem[1]}")
    assert addresses is not None
    error: OSError | None = None
    loop = asyncio.get_running_loop()
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        sock = socket.socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                             socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (address, port)), timeout)
            return sock
        except (OSError, asyncio.TimeoutError) as exc:
            sock.close()
            error = exc if isinstance(exc, OSError) else OSError(f"timed out connecting to {host}")
    assert error is not None
    raise error
