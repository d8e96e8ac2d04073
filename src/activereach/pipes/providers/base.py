"""The provider protocol and the values that flow through it.

A provider declares its label, settings, signing secret, API hosts and sample order (the
``spec`` types), which the pipes service, the console and the API read.  It turns one raw
delivery into events (``events``), each with a dedupe key; fetches the full order where the
webhook is only a doorbell (``fetch``); and maps a provider order document to a ``Canonical``
(an ``OrderIn``-shaped dict plus state, version and refunds).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from urllib.parse import quote
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, TypeVar

import httpx2

from activereach.pipes.providers.spec import SampleOrder, Setting


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str
    # A reply that short-cuts processing (Clover's one-time verification POST).
    reply: dict[str, Any] | None = None


@dataclass
class Event:
    """One thing that happened, as the delivery tells it."""

    dedupe_key: str
    kind: str                         # order | payment | refund | verification | …
    ref: str | None = None            # external order id, when known without a fetch
    version: int | None = None
    event_time: dt.datetime | None = None
    document: dict[str, Any] | None = None   # the full order, when the delivery carries it
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RefundSpec:
    refund_id: str
    amount: int
    target: str | None = None         # external order id it refunds (None: this order)


@dataclass
class Canonical:
    external_id: str
    state: str                        # completed | open | cancelled | refund
    version: int | None
    location_key: str | None
    order: dict[str, Any] | None      # OrderIn-shaped (location filled by the pipe's map)
    refunds: list[RefundSpec] = field(default_factory=list)
    reason: str = ""


@dataclass
class Context:
    """What the mapping needs besides the payload."""

    currency: str
    settings: Mapping[str, Any]
    customer: dict[str, Any] | None = None


M = TypeVar("M", bound=Callable[..., Canonical])


def shape_checked(method: M) -> M:
    """A document of an unexpected shape (an object where a list was expected, a missing
    index) fails the mapping with a ``MappingError`` naming the payload, like any other bad
    value, instead of escaping as AttributeError/IndexError and crashing the job into retries
    (found by the Hypothesis suite in tests/fuzz)."""
    @functools.wraps(method)
    def checked(self: Any, document: Any, ctx: Context) -> Canonical:
        try:
            return method(self, document, ctx)
        except (AttributeError, IndexError) as exc:
            from activereach.pipes.mapping import MappingError  # mapping imports this module

            raise MappingError([{"field": "payload", "message": f"unexpected shape: "
                                 f"{type(exc).__name__}: {exc}"}]) from exc
    # why: functools.wraps keeps the method's name, not its type; M is the method's own type
    return checked  # type: ignore[return-value]


class FetchError(Exception):
    """The provider API failed; the job retries with backoff."""


class Provider(Protocol):
    """One POS provider: what it declares about itself (``spec``), then how it is spoken to."""

    name: str
    label: str                        # how the console and the API name it
    # The secret setting the webhook signature is checked with (and that rotates with an overlap).
    signing_secret: str
    sample: SampleOrder
    needs_fetch: bool
    content_type: str

    @property
    def settings(self) -> tuple[Setting, ...]:
        """Every key a pipe of this provider takes, with type, help and example."""

    @property
    def hosts(self) -> tuple[str, ...]:
        """The provider's documented API hosts ("*.example.com" for per-shop hosts): the only
        ones an ``api_base_url`` may name, besides the operator's ``outbound_allow_hosts``."""

    @property
    def secret_names(self) -> tuple[str, ...]: ...

    def verify(self, raw: bytes, headers: Mapping[str, str], secrets: list[str],
               settings: Mapping[str, Any]) -> Verdict: ...

    def parse(self, raw: bytes) -> Any: ...

    def events(self, payload: Any, headers: Mapping[str, str]) -> list[Event]: ...

    async def fetch(self, client: httpx2.AsyncClient, event: Event,
                    settings: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]: ...

    def to_canonical(self, document: dict[str, Any], ctx: Context) -> Canonical: ...

    async def poll(self, client: httpx2.AsyncClient, settings: Mapping[str, Any],
                   cursor: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]: ...


class JsonProvider:
    """Defaults shared by the JSON-body providers."""

    name = "base"
    label = ""
    settings: tuple[Setting, ...] = ()
    signing_secret = ""
    hosts: tuple[str, ...] = ()
    sample = SampleOrder("")
    needs_fetch = False
    content_type = "application/json"

    @property
    def secret_names(self) -> tuple[str, ...]:
        """The secret settings, the signing secret first."""
        others = (s.name for s in self.settings if s.secret and s.name != self.signing_secret)
        return (self.signing_secret, *others)

    def parse(self, raw: bytes) -> Any:
        return json.loads(raw)

    async def fetch(self, client: httpx2.AsyncClient, event: Event,
                    settings: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        return event.document, None

    async def poll(self, client: httpx2.AsyncClient, settings: Mapping[str, Any],
                   cursor: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]:
        return [], cursor


async def get_json(client: httpx2.AsyncClient, url: str, **kwargs: Any) -> dict[str, Any]:
    """GET a provider API document; transport errors and 5xx/429 are retryable."""
    try:
        response = await client.get(url, **kwargs)
    except httpx2.HTTPError as exc:
        raise FetchError(f"GET {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise FetchError(f"GET {url}: HTTP {response.status_code}: {response.text[:200]}")
    return response.json()


async def post_json(client: httpx2.AsyncClient, url: str, body: dict[str, Any],
                    **kwargs: Any) -> dict[str, Any]:
    try:
        response = await client.post(url, json=body, **kwargs)
    except httpx2.HTTPError as exc:
        raise FetchError(f"POST {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise FetchError(f"POST {url}: HTTP {response.status_code}: {response.text[:200]}")
    return response.json()


def freshness_window(minimum: float = 0) -> float:
    """Seconds a signed timestamp may be from now: the operator's ``webhook_freshness_seconds``,
    at least ``minimum`` (a provider that resends late needs more)."""
    from activereach.kit.crypto import current_settings  # noqa: PLC0415 (the app's settings)

    return max(float(current_settings().webhook_freshness_seconds), minimum)


def segment(value: Any) -> str:
    """One URL path segment from an id: dots, slashes and a query in it stay inside the
    segment, encoded, so an id cannot climb to another API path."""
    return quote(str(value), safe="")


def header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name) or headers.get(name.lower())
