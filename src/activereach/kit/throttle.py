"""Sign-in throttles: console passwords, staff PINs and pairing codes.

Failures are counted per (kind, account, address): past ``login_max_failures`` that pair is
locked out for ``login_lockout_seconds``, doubling with each further lockout within a day
(capped at an hour). Keying on the address as well as the account means an attacker elsewhere
cannot lock the real user out. A looser per-address budget (ten times as many failures, any
account) stops one address from walking through accounts. A locked attempt is refused before any
hashing, so a flood costs a counter lookup, not argon2; and every failed or refused attempt is
answered after ``login_failure_delay_seconds``, an idle wait that holds each flooding
connection to one attempt per pause.

Counters live in the rate-limit storage (``kit/counters.py``): per process, or shared in Redis.
"""

from __future__ import annotations

import asyncio
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
# How a refusal names what is locked, per kind: (the account+address, the address).
WHO = {"pin": ("this person on this till", "this till"),
       "pair": ("pairing from this address", "this address")}
DEFAULT_WHO = ("this account from this address", "this address")
LOCKED_PAUSES = 5


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"


@dataclass
class SignInThrottle:
    """One per app (``app.state.throttle``, made in ``create_app`` from the settings)."""

    max_failures: int = 5
    lockout_seconds: int = 60
    counters: LoopStorage = field(default_factory=LoopStorage)
    failure_delay: float = 1.0

    async def pause(self, up_to: float = 1.0) -> None:
        if self.failure_delay:
            await asyncio.sleep(self.failure_delay * up_to)

    async def attempt(self, kind: str, account: str, address: str,
                      code: str = TooManyAttempts.code) -> int:
        """Admit one attempt, or raise ``TooManyAttempts`` (429, Retry-After, after the pause).

        The attempt counts as a failure *before* the secret is checked (``succeeded`` takes it
        back): a burst of concurrent guesses is cut at the budget instead of each one passing
        the check before any has failed. Returns the attempts this account has left from this
        address after this one."""
        storage = self.counters.storage()
        account_key, address_key = _key(kind, account, address), _key(kind, "*", address)
        for_account, for_address = WHO.get(kind, DEFAULT_WHO)
        for key, whom in ((account_key, for_account), (address_key, for_address)):
            if await storage.get(f"lock:{key}") > 0:
                await self._refuse(key, whom, code)
        budgets = ((address_key, self.max_failures * ADDRESS_FACTOR, for_address),
                   (account_key, self.max_failures, for_account))
        for key, allowed, whom in budgets:
            failures = await storage.incr(f"fail:{key}", self.lockout_seconds * 10)
            if failures > allowed:
                await self._lock(key)
                await self._refuse(key, whom, code)
        return max(0, self.max_failures - failures)

    async def failed(self) -> None:
        """The attempt was wrong (already counted): answer after the pause."""
        await self.pause()

    async def succeeded(self, kind: str, account: str, address: str) -> None:
        storage = self.counters.storage()
        await storage.clear(f"fail:{_key(kind, account, address)}")
        address_key = f"fail:{_key(kind, '*', address)}"
        if await storage.get(address_key) > 0:
            await storage.incr(address_key, self.lockout_seconds * 10, amount=-1)

    async def _lock(self, key: str) -> None:
        storage = self.counters.storage()
        await storage.clear(f"fail:{key}")
        level = await storage.incr(f"level:{key}", LEVEL_MEMORY)
        lock = min(MAX_LOCKOUT, self.lockout_seconds * 2 ** (level - 1))
        await storage.clear(f"lock:{key}")
        await storage.incr(f"lock:{key}", lock)

    async def _refuse(self, key: str, whom: str, code: str) -> None:
        storage = self.counters.storage()
        wait = max(1, math.ceil(await storage.get_expiry(f"lock:{key}") - time.time()))
        # A locked-out caller cannot get in anyway: hold it longer (up to five pauses, never
        # past the lockout), so a flood of refusals costs the server even less.
        await self.pause(min(LOCKED_PAUSES, wait / max(self.failure_delay, 1e-9)))
        raise TooManyAttempts(f"too many failed attempts for {whom}; try again in {wait} s",
                              details={"retry_after": wait}, headers={"Retry-After": str(wait)},
                              code=code)


def _key(kind: str, account: str, address: str) -> str:
    # A digest: account names (emails) and addresses are not kept in counter keys as they are.
    return kind + ":" + hashlib.sha256(f"{account}\x00{address}".encode()).hexdigest()[:32]


def throttle(request: Request) -> SignInThrottle:
    return request.app.state.throttle
