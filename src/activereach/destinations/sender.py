"""One HTTP call to a destination, through ``kit.outbound`` (host rules, resolve and pin)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx2

from activereach.destinations.kinds import DestinationKind
from activereach.kit import outbound

# Svix's "reasonable time-frame": a receiver that has not answered in 15 s failed this attempt.
TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Attempt:
    """What one call got: the status (None: no answer), why it failed, how long it took, and
    whether the receiver asked us to stop (``webhook-delivery: abort-message``)."""

    status_code: int | None
    error: str | None
    ms: int
    abort: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def send(kind: DestinationKind, settings: dict[str, Any], secret: str,
               event: dict[str, Any], msg_id: str) -> Attempt:
    """Sign (now) and send one event. Never raises for the receiver's failures; never puts a
    header (the signature, the write key) in what it returns."""
    request = kind.request(settings, secret, event, msg_id, int(time.time()))
    start = time.perf_counter()
    try:
        async with outbound.client(hosts=kind.hosts, timeout=TIMEOUT_SECONDS) as http:
            response = await http.post(request.url, content=request.body,
                                       headers=request.headers)
    except httpx2.HTTPError as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:300], _ms(start))
    code = response.status_code
    abort = response.headers.get("webhook-delivery", "").lower() == "abort-message"
    # 3xx counts as a failure too: redirects are not followed (they could point anywhere).
    return Attempt(code, None if 200 <= code < 300 else f"HTTP {code}", _ms(start), abort)


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
