"""Where counters live (rate limits, sign-in throttles, rejected-webhook budgets).

``memory://`` counts in this process: with N API processes each counts on its own. An operator
who runs several sets ``ACTIVEREACH_RATE_LIMIT_STORAGE=redis://host:6379`` (``limits`` storage
URI, needs ``limits[async-redis]``) and every process shares the same counters.
"""

from __future__ import annotations

import asyncio
from typing import Any

from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string


def async_uri(uri: str) -> str:
    return uri if uri.startswith("async+") else "async+" + uri


class LoopStorage:
    """One ``limits`` async storage per event loop: the in-memory storage holds asyncio locks
    and an expiry task bound to the loop that made it (a server has one loop; tests run several)."""

    def __init__(self, uri: str = "memory://") -> None:
        self.uri = uri
        self._loop: asyncio.AbstractEventLoop | None = None
        self._storage: Any = None
        self._limiter: SlidingWindowCounterRateLimiter | None = None

    def storage(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._storage is None or self._loop is not loop:
            self._loop = loop
            self._storage = storage_from_string(async_uri(self.uri))
            self._limiter = SlidingWindowCounterRateLimiter(self._storage)
        return self._storage

    def limiter(self) -> SlidingWindowCounterRateLimiter:
        self.storage()
        assert self._limiter is not None
        return self._limiter
