"""The provider protocol: send one rendered message; errors say whether to retry or fall back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2

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


class Provider(Protocol):
    name: str
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
    """Timeouts and connection failures: the provider may never have seen the request."""
    kind = "timeout" if isinstance(exc, httpx2.TimeoutException) else "connection_error"
    return ProviderError(kind, str(exc) or type(exc).__name__, transient=True)


_clients: dict[int, httpx2.AsyncClient] = {}


def shared_client() -> httpx2.AsyncClient:
    """One pooled client per event loop (connections to a provider are reused across sends)."""
    import asyncio  # noqa: PLC0415 (keeps the module import cheap)
    loop = id(asyncio.get_running_loop())
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = _clients[loop] = httpx2.AsyncClient(
            limits=httpx2.Limits(max_connections=50, max_keepalive_connections=20),
            follow_redirects=False)
    return client
