"""Rate limits per credential and per client address: 429 with Retry-After before any work.

Pure ASGI, outside routing and body parsing, so a limited request costs one counter lookup.
Counters live where ``rate_limit_storage`` says (``kit/counters.py``): in this process by
default, where N API processes make the effective limit N times the configured one, or in Redis,
shared by every process (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import orjson
from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from activereach.kit.counters import LoopStorage
from activereach.kit.middleware import _reply

# Liveness, readiness, metrics and static assets are never limited: probes must always answer.
EXEMPT_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/")
# Provider deliveries carry a signature, not one of our credentials: limited per sender address.
WEBHOOK_PREFIXES = ("/v1/messaging/webhooks/",)
WEBHOOK_SUFFIXES = ("/webhook",)
CREDENTIAL_HEADERS = (b"authorization", b"x-write-key", b"x-aegis-write-key")


@dataclass(frozen=True)
class Limits:
    """The three budgets, each a ``limits`` string such as ``"6000/minute"`` or ``"10/second;500/hour"``."""

    credential: str
    address: str
    webhook: str
    storage: str = "memory://"


def _credential(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name in CREDENTIAL_HEADERS and value.strip():
            # Only a digest is kept as the counter key: the secret itself never sits in memory
            # structures that might be dumped or logged.
            return hashlib.sha256(value.strip()).hexdigest()[:32]
    return None


def _bucket(scope: Scope) -> tuple[str, str] | None:
    """(limit name, identity) for this request, or None when it is exempt."""
    path: str = scope.get("path", "")
    if path.startswith(EXEMPT_PREFIXES):
        return None
    client = scope.get("client")
    address = client[0] if client else "unknown"
    if path.startswith(WEBHOOK_PREFIXES) or (path.startswith("/v1/pipes/")
                                             and path.endswith(WEBHOOK_SUFFIXES)):
        return "webhook", address
    credential = _credential(scope.get("headers", []))
    if credential is not None:
        return "credential", credential
    return "address", address


def _describe(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return f"{item.amount} per {item.multiples} {unit}" if item.multiples != 1 \
        else f"{item.amount} per {unit}"


class RateLimit:
    def __init__(self, app: ASGIApp, *, limits: Limits) -> None:
        self.app = app
        self.items = {name: parse_many(getattr(limits, name))
                      for name in ("credential", "address", "webhook")}
        self.counters = LoopStorage(limits.storage)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        bucket = _bucket(scope) if scope["type"] == "http" else None
        if bucket is None:
            await self.app(scope, receive, send)
            return
        name, identity = bucket
        limiter = self.counters.limiter()
        for item in self.items[name]:
            if not await limiter.hit(item, name, identity):
                await self._refuse(send, limiter, item, name, identity)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, send: Send, limiter: SlidingWindowCounterRateLimiter,
                      item: RateLimitItem, name: str, identity: str) -> None:
        stats = await limiter.get_window_stats(item, name, identity)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        per = {"credential": "credential", "address": "client address",
               "webhook": "client address (webhooks)"}[name]
        body = orjson.dumps({"error": {
            "code": "rate_limited",
            "message": f"rate limit of {_describe(item)} per {per} exceeded; "
                       f"retry after {retry_after} s",
            "details": {"limit": name, "rate": str(item), "retry_after": retry_after}}})
        await _reply(send, 429, body, [(b"retry-after", str(retry_after).encode())])
