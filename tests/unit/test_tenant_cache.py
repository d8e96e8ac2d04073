"""kit/cache.py: per-process tenant memo — loads once, forgets per workspace, expires."""

from __future__ import annotations

import asyncio

from activereach.kit.cache import TenantCache


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        return self.calls


async def test_loads_once_then_serves_the_memo() -> None:
    cache: TenantCache[int] = TenantCache("t1", ttl=60)
    load = Loader()
    assert await cache.get(("ws_a", "loc"), load) == 1
    assert await cache.get(("ws_a", "loc"), load) == 1
    assert load.calls == 1


async def test_forget_drops_only_that_workspace() -> None:
    cache: TenantCache[int] = TenantCache("t2", ttl=60)
    a, b = Loader(), Loader()
    await cache.get(("ws_a", 1), a)
    await cache.get(("ws_b", 1), b)
    cache.forget("ws_a")
    await cache.get(("ws_a", 1), a)
    await cache.get(("ws_b", 1), b)
    assert (a.calls, b.calls) == (2, 1)


async def test_entries_expire_after_the_ttl() -> None:
    cache: TenantCache[int] = TenantCache("t3", ttl=0.05)
    load = Loader()
    await cache.get(("ws_a",), load)
    await asyncio.sleep(0.08)
    await cache.get(("ws_a",), load)
    assert load.calls == 2
