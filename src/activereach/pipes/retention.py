"""What the inbox keeps of a webhook delivery (issue 18, findings 4 and 5).

- **Headers** are stored scrubbed: a credential header (``Authorization``, Clover's
  ``X-Clover-Auth``, cookies, API keys, anything named like a token or secret) keeps its name and
  ``[redacted]``. With Clover's auth code anyone could forge that pipe's deliveries, and stored
  headers are shown to every console user who can open a delivery. Body-bound signatures (HMACs)
  are kept: they prove nothing for another body, and support reads them.
- **A rejected delivery** (bad signature, wrong content type, malformed payload) keeps its
  metadata, a digest and at most ``rejected_body_prefix_bytes`` of its body. Only a pipe id is
  needed to post one, so a rejected delivery must not cost more than a small row.
- **Rejected deliveries are rate-limited per pipe** (``rate_limit_rejected_webhook``); over the
  limit nothing is written. The refusals not written are counted in this process and added to
  the next rejected row written for that pipe (``suppressed_before``), so sync health can count
  them without a write per refusal. Verified deliveries never count against this limit.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from activereach.kit.counters import LoopStorage

REDACTED = "[redacted]"
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                                "x-clover-auth", "x-api-key", "x-write-key", "x-aegis-write-key",
                                "x-auth-token", "x-access-token"})
# Name fragments that mark a header as a credential whatever the provider calls it.
CREDENTIAL_WORDS = ("auth", "token", "secret", "password", "passwd", "api-key", "apikey",
                    "session", "cookie", "credential")
REJECTED_HEADER_VALUE = 200
REJECTED_MAX_HEADERS = 40


def is_credential_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in CREDENTIAL_HEADERS or any(word in lowered for word in CREDENTIAL_WORDS)


def scrub_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """Headers as stored and shown: every credential header's value replaced by ``[redacted]``."""
    return {name: REDACTED if is_credential_header(name) else value
            for name, value in headers.items()}


def rejected_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A rejected delivery's headers: scrubbed, at most 40, each value at most 200 characters."""
    kept = list(scrub_headers(headers).items())[:REJECTED_MAX_HEADERS]
    return {name: str(value)[:REJECTED_HEADER_VALUE] for name, value in kept}


def rejected_body(raw: bytes, prefix_bytes: int) -> tuple[bytes, dict[str, Any]]:
    """(the body prefix to store, metadata describing the whole body)."""
    kept = raw[:prefix_bytes]
    return kept, {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest(),
                  "kept_bytes": len(kept), "truncated": len(kept) < len(raw)}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Refusals not written since this pipe's last written rejection (when allowed).
    suppressed_before: int = 0
    retry_after: int = 0


class RejectedLimiter:
    """Per-pipe budget for rejected deliveries, in the rate-limit storage the operator chose."""

    def __init__(self) -> None:
        self._spec: tuple[str, str] | None = None
        self._items: list[RateLimitItem] = []
        self._counters: LoopStorage | None = None
        self._suppressed: dict[str, int] = {}

    def configure(self, rate: str, storage: str = "memory://") -> None:
        """Use ``rate`` (``limits`` syntax) with counters in ``storage``; a no-op if unchanged."""
        if self._spec != (rate, storage):
            self._spec = (rate, storage)
            self._items = parse_many(rate)
            self._counters = LoopStorage(storage)

    def _current(self) -> SlidingWindowCounterRateLimiter:
        if self._spec is None:
            from activereach.config import get_settings  # noqa: PLC0415 (lazy: operator settings)

            settings = get_settings()
            self.configure(settings.rate_limit_rejected_webhook, settings.rate_limit_storage)
        assert self._counters is not None
        return self._counters.limiter()

    async def hit(self, pipe_id: str) -> Verdict:
        limiter = self._current()
        for item in self._items:
            if not await limiter.hit(item, "rejected-webhook", pipe_id):
                self._suppressed[pipe_id] = self._suppressed.get(pipe_id, 0) + 1
                stats = await limiter.get_window_stats(item, "rejected-webhook", pipe_id)
                return Verdict(False, retry_after=max(1, math.ceil(stats.reset_time - time.time())))
        return Verdict(True, suppressed_before=self._suppressed.pop(pipe_id, 0))

    def pending(self, pipe_id: str) -> int:
        """Refusals of this pipe not yet written into a rejected row (this process only)."""
        return self._suppressed.get(pipe_id, 0)


REJECTED = RejectedLimiter()
