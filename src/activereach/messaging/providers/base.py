"""The provider protocol: send one rendered message; errors say whether to retry or fall back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2

from activereach.kit import outbound
from activereach.messaging.rules import parse_retry_after

# Seconds for one provider call; a timeout is a transient error and is retried with backoff.
TIMEOUT = httpx2.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class Outbound:
    """One message as the provider needs it."""

    message_id: str
    channel: str
    to: str
    content: dict[str, Any]
    callback_data: str = ""
    status_callback_url: str | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    response: dict[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    """A failed send. ``transient`` → retry with backoff; else permanent (recorded, fall back)."""

    def __init__(self, code: str, message: str, *, transient: bool, retry_after: float | None = None,
                 response: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient
        self.retry_after = retry_after
        self.response = response or {}


@dataclass(frozen=True)
class Setting:
    """How the console shows one provider setting: its label and help in people's words, and
    the input it needs (``text``, ``bool`` a yes/no, ``choice`` one of ``choices``, ``number``).
    Whether it is secret comes from the provider's ``secret_keys``."""

    label: str
    help: str = ""
    kind: str = "text"
    choices: tuple[str, ...] = ()


class Provider(Protocol):
    name: str
    # For people: what the provider is, and each setting's label and help (key → Setting).
    description: str
    settings: dict[str, Setting]
    # Documented API hosts: the only ones a ``base_url`` may name besides the operator's
    # ``outbound_allow_hosts`` (kit/outbound.py).
    hosts: tuple[str, ...]
    # config keys: required, optional (with defaults), secret names, and which an outlet may pin
    required: tuple[str, ...]
    optional: dict[str, Any]
    secret_keys: tuple[str, ...]
    outlet_keys: tuple[str, ...]

    async def send(self, message: Outbound, config: dict[str, Any], secrets: dict[str, str],
                   client: httpx2.AsyncClient) -> SendResult: ...


def http_error(response: httpx2.Response, code: str, message: str, *,
               permanent_codes: frozenset[str] = frozenset()) -> ProviderError:
    """Classify an HTTP error reply: 429/5xx transient (Retry-After honoured), else permanent."""
    status = response.status_code
    transient = (status == 429 or status >= 500 or status == 408) and code not in permanent_codes
    retry_after = parse_retry_after(response.headers.get("retry-after")) if transient else None
    try:
        body = response.json()
    except ValueError:
        body = {"text": response.text[:500]}
    return ProviderError(code, message, transient=transient, retry_after=retry_after,
                         response={"http_status": status, "body": body})


def transport_error(exc: Exception) -> ProviderError:
    """Timeouts and connection failures: the provider may never have seen the request.

    A call the outbound check refused is permanent: retrying cannot change the address."""
    if isinstance(exc.__cause__, outbound.Refused):
        return ProviderError("outbound_refused", str(exc), transient=False)
    kind = "timeout" if isinstance(exc, httpx2.TimeoutException) else "connection_error"
    return ProviderError(kind, str(exc) or type(exc).__name__, transient=True)


_clients: dict[int, httpx2.AsyncClient] = {}


def shared_client() -> httpx2.AsyncClient:
    """One pooled client per event loop (connections to a provider are reused across sends)."""
    import asyncio  # noqa: PLC0415 (keeps the module import cheap)
    loop = id(asyncio.get_running_loop())
    client = _clients.get(loop)
    if client is None or client.is_closed:
        from activereach.messaging.providers import PROVIDERS  # noqa: PLC0415 (imports this module)

        hosts = tuple(host for provider in PROVIDERS.values() for host in provider.hosts)
        client = _clients[loop] = outbound.client(
            hosts=hosts, limits=httpx2.Limits(max_connections=50, max_keepalive_connections=20))
    return client


# What a message keeps of a provider's reply: ids, status, error code and message.  Not the
# whole body: a reply is readable through the messages API, and a provider's reply may carry
# the message text or, from a misdirected call, anything at all (issue 18 #1).
KEPT_FIELDS = frozenset({"id", "sid", "status", "message_status", "code", "error_code",
                         "error_message", "message", "type", "request_id", "http_status",
                         "smtp_code", "reply", "recorded"})
KEPT_TEXT = 200


def kept_response(response: dict[str, Any] | None) -> dict[str, Any] | None:
    """The first of each ``KEPT_FIELDS`` found (depth-first, a few levels), scalars only."""
    out: dict[str, Any] = {}

    def walk(value: Any, depth: int) -> None:
        if isinstance(value, list) and value:
            walk(value[0], depth)
        if not isinstance(value, dict) or depth > 3:
            return
        for key, item in value.items():
            if key in KEPT_FIELDS and key not in out and isinstance(item, str | int | float | bool):
                out[key] = item[:KEPT_TEXT] if isinstance(item, str) else item
            elif isinstance(item, dict | list):
                walk(item, depth + 1)
    walk(response, 0)
    return out or None
