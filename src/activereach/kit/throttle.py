"""Sign-in throttles: console passwords, staff PINs and pairing codes.

Failures are counted per (kind, account, address): after ``login_max_failures`` that pair is
locked out for ``login_lockout_seconds``, doubling with each further lockout within a day
(capped at an hour). Keying on the address as well as the account means an attacker elsewhere
cannot lock the real user out. A looser per-address budget (ten times as many failures, any
account) stops one address from walking through accounts. A locked attempt is refused before any
hashing, so a flood costs a counter lookup, not argon2.

Counters live in the rate-limit storage (``kit/counters.py``): per process, or shared in Redis.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field

from starlette.requests import Request

from activereach.kit.counters import LoopStorage
from activereach.kit.errors import AppError

MAX_LOCKOUT = 3600
LEVEL_MEMORY = 86_400
ADDRESS_FACTOR = 10


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"


@dataclass
class SignInThrottle:
    """One per app (``app.state.throttle``, made in ``create_app`` from the settings)."""

    max_failures: int = 5
    lockout_seconds: int = 60
    counters: LoopStorage = field(default_factory=LoopStorage)

    async def check(self, kind: str, account: str, address: str,
                    code: str = TooManyAttempts.code) -> None:
        """Raise ``TooManyAttempts`` (429, Retry-After) while this account+address or this
        address is locked out."""
        storage = self.counters.storage()
        for key, whom in ((_key(kind, account, address), "this account from this address"),
                          (_key(kind, "*", address), "this address")):
            if await storage.get(f"lock:{key}") > 0:
                wait = max(1, math.ceil(await storage.get_expiry(f"lock:{key}") - time.time()))
                raise TooManyAttempts(
                    f"too many failed attempts for {whom}; try again in {wait} s",
                    details={"retry_after": wait}, headers={"Retry-After": str(wait)},
                    code=code)

    async def failed(self, kind: str, account: str, address: str) -> int:
        """Count a failure; the attempts this account has left from this address (0: locked)."""
        await self._count(_key(kind, "*", address), self.max_failures * ADDRESS_FACTOR)
        return await self._count(_key(kind, account, address), self.max_failures)

    async def succeeded(self, kind: str, account: str, address: str) -> None:
        await self.counters.storage().clear(f"fail:{_key(kind, account, address)}")

    async def _count(self, key: str, allowed: int) -> int:
        storage = self.counters.storage()
        window = self.lockout_seconds * 10
        failures = await storage.incr(f"fail:{key}", window)
        if failures < allowed:
            return allowed - failures
        await storage.clear(f"fail:{key}")
        level = await storage.incr(f"level:{key}", LEVEL_MEMORY)
        lock = min(MAX_LOCKOUT, self.lockout_seconds * 2 ** (level - 1))
        await storage.clear(f"lock:{key}")
        await storage.incr(f"lock:{key}", lock)
        return 0


def _key(kind: str, account: str, address: str) -> str:
    # A digest: account names (emails) and addresses are not kept in counter keys as they are.
    return kind + ":" + hashlib.sha256(f"{account}\x00{address}".encode()).hexdigest()[:32]


def throttle(request: Request) -> SignInThrottle:
    return request.app.state.throttle
