"""argon2id hashing of console passwords and staff PINs, off the event loop.

A hash or a check costs ~50 ms of CPU. Run on the event loop, a flood of wrong passwords stalls
every request of every tenant; run in threads without a bound, it takes every core. So each runs
in a worker thread (argon2-cffi releases the GIL) and at most ``hash_concurrency`` run at once;
the rest wait their turn without blocking the loop.
"""

from __future__ import annotations

import asyncio
from typing import Callable, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

T = TypeVar("T")
# OWASP's argon2id profile (19 MiB, 2 passes, 1 lane). argon2-cffi's default (64 MiB, 3 passes,
# 4 lanes) runs four threads per hash, so even one hash at a time took every core of a small
# box during a flood; one lane keeps a hash on the one thread ``hash_concurrency`` allows.
# Hashes made with other parameters still verify and are upgraded at the next good sign-in.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Checked when there is no account to check against, so both paths cost the same.
DUMMY_HASH = HASHER.hash("activereach-timing-equaliser")


class _Gate:
    """One semaphore per event loop (asyncio primitives belong to the loop that made them)."""

    def __init__(self) -> None:
        self.limit = 1
        self._by_loop: dict[int, asyncio.Semaphore] = {}

    def semaphore(self) -> asyncio.Semaphore:
        key = id(asyncio.get_running_loop())
        found = self._by_loop.get(key)
        if found is None:
            if len(self._by_loop) > 16:   # loops of finished tests
                self._by_loop.clear()
            found = self._by_loop[key] = asyncio.Semaphore(self.limit)
        return found


GATE = _Gate()


def configure(concurrency: int) -> None:
    """Set the bound (``hash_concurrency``) at start-up."""
    GATE.limit = concurrency
    GATE._by_loop.clear()


async def _off_loop(work: Callable[..., T], *args: str) -> T:
    async with GATE.semaphore():
        return await asyncio.to_thread(work, *args)


def _check(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_secret(secret: str) -> str:
    return await _off_loop(HASHER.hash, secret)


async def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches; a missing hash is checked against a dummy (same cost)."""
    return await _off_loop(_check, secret_hash or DUMMY_HASH, secret) and secret_hash is not None


def needs_rehash(secret_hash: str) -> bool:
    return HASHER.check_needs_rehash(secret_hash)
