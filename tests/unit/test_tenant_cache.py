"""kit/cache.py: the one per-process cache — loads once, forgets per workspace or key, expires
on its clock (injected here, so no test sleeps), and holds at most ``maxsize`` entries."""

from __future__ import annotations

import pytest

from activereach.kit.cache import TenantCache


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        return self.calls


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_loads_once_then_serves_the_memo() -> None:
    cache: TenantCache[int] = TenantCache("t", ttl=60)
    load = Loader()
    assert await cache.get(("ws_a", "loc"), load) == 1
    assert await cache.get(("ws_a", "loc"), load) == 1
    assert load.calls == 1


async def test_a_none_value_is_remembered_too() -> None:
    cache: TenantCache[None] = TenantCache("t", ttl=60)
    calls = []

    async def load() -> None:
        calls.append(1)

    await cache.get(("ws_a",), load)
    await cache.get(("ws_a",), load)
    assert len(calls) == 1


async def test_a_failed_load_is_not_remembered() -> None:
    cache: TenantCache[int] = TenantCache("t", ttl=60)

    async def fail() -> int:
        raise LookupError("no outlet")

    with pytest.raises(LookupError):
        await cache.get(("ws_a", "x"), fail)
    assert len(cache) == 0


async def test_forget_drops_only_that_workspace() -> None:
    cache: TenantCache[int] = TenantCache("t", ttl=60)
    a, b = Loader(), Loader()
    await cache.get(("ws_a", 1), a)
    await cache.get(("ws_a", 2), a)
    await cache.get(("ws_b", 1), b)
    cache.forget("ws_a")
    assert cache.peek(("ws_a", 1)) is None and cache.peek(("ws_a", 2)) is None
    await cache.get(("ws_a", 1), a)
    await cache.get(("ws_b", 1), b)
    assert (a.calls, b.calls) == (3, 1)
    cache.forget("ws_unknown")  # nothing filed there: a no-op
    assert len(cache) == 2


def test_forget_key_drops_one_entry() -> None:
    cache: TenantCache[str] = TenantCache("t", ttl=60)
    cache.put(("ws_a", 1), "one")
    cache.put(("ws_a", 2), "two")
    cache.forget_key(("ws_a", 1))
    cache.forget_key(("ws_a", 9))  # absent: a no-op
    assert cache.peek(("ws_a", 1)) is None
    assert cache.peek(("ws_a", 2)) == "two"


def test_an_entry_filed_under_a_named_workspace() -> None:
    """A credential's key is its hash: the workspace comes from the value, not the key."""
    cache: TenantCache[str] = TenantCache("t", ttl=60)
    cache.put(("hash1",), "principal a", workspace="ws_a")
    cache.put(("hash2",), "principal b", workspace="ws_b")
    cache.forget("ws_a")
    assert cache.peek(("hash1",)) is None
    assert cache.peek(("hash2",)) == "principal b"
    # re-filed under another workspace: forgetting the old one leaves it alone
    cache.put(("hash2",), "principal b", workspace="ws_c")
    cache.forget("ws_b")
    assert cache.peek(("hash2",)) == "principal b"


async def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache: TenantCache[int] = TenantCache("t", ttl=2.0, clock=clock)
    load = Loader()
    await cache.get(("ws_a",), load)
    clock.now += 1.999
    assert await cache.get(("ws_a",), load) == 1
    clock.now += 0.001  # exactly ttl after the load: gone
    assert await cache.get(("ws_a",), load) == 2
    assert len(cache) == 1


def test_put_may_shorten_the_ttl_but_not_lengthen_it() -> None:
    clock = Clock()
    cache: TenantCache[str] = TenantCache("t", ttl=60.0, clock=clock)
    cache.put(("ws_a", "short"), "s", ttl=2.0)
    cache.put(("ws_a", "long"), "l", ttl=600.0)
    clock.now += 2.0
    assert cache.peek(("ws_a", "short")) is None
    clock.now += 57.9
    assert cache.peek(("ws_a", "long")) == "l"
    clock.now += 0.1
    assert cache.peek(("ws_a", "long")) is None


def test_a_zero_ttl_remembers_nothing() -> None:
    """``auth_cache_seconds = 0`` turns the credential cache off."""
    cache: TenantCache[str] = TenantCache("t", ttl=60.0)
    cache.put(("ws_a",), "x", ttl=0)
    assert len(cache) == 0 and cache.peek(("ws_a",)) is None


def test_size_is_bounded_and_the_least_recently_used_goes_first() -> None:
    cache: TenantCache[int] = TenantCache("t", ttl=60, maxsize=3)
    for n in range(3):
        cache.put(("ws_a", n), n)
    assert cache.peek(("ws_a", 0)) == 0  # read: now the most recently used
    cache.put(("ws_b", 3), 3)
    assert len(cache) == 3
    assert cache.peek(("ws_a", 1)) is None
    assert [cache.peek(("ws_a", 0)), cache.peek(("ws_a", 2)), cache.peek(("ws_b", 3))] == [0, 2, 3]
    for n in range(100):
        cache.put(("ws_c", n), n)
    assert len(cache) == 3
    cache.forget("ws_c")
    assert len(cache) == 0
    assert not cache._by_workspace  # evictions kept the workspace index in step (no leak)


def test_clear_drops_everything() -> None:
    cache: TenantCache[int] = TenantCache("t", ttl=60)
    cache.put(("ws_a",), 1)
    cache.put(("ws_b",), 2)
    cache.clear()
    assert len(cache) == 0
    cache.forget("ws_a")
