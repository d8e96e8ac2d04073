"""The one per-process cache: tenant-aware, bounded, with a TTL (issue 19 #8).

Every order reads its outlet, the bill configuration and the loyalty program; every request
reads its credential; all of them change a few times a year, so each process remembers them
briefly.  Every such memo is a ``TenantCache`` (tests/unit/test_cache_invariant.py refuses any
other ``TTLCache``, ``LRUCache`` or clock-stamped dict under src/), so they all share one size
bound, one expiry rule and one way to forget:

* each entry is filed under a workspace — the key's first item, or ``workspace=`` when the key
  cannot name it (a credential's hash) — so one tenant's change drops only that tenant's
  entries (``forget``), or a single entry (``forget_key``);
* a write in this process forgets at once (ORM writes through a mapper event,
  ``forget_on_write``; other writes by an explicit ``forget``); other processes see a change
  within ``ttl`` seconds;
* at most ``maxsize`` entries, the least recently used dropped first.

Values are read-only: never mutate what ``get`` or ``peek`` returns.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import event

from activereach.kit.db import Base

V = TypeVar("V")
R = TypeVar("R", bound=Base)
Key = tuple[Hashable, ...]
_MISSING: Any = object()


class _Entry(NamedTuple):
    expires: float
    workspace: Hashable
    value: Any


class TenantCache(Generic[V]):
    """Keys are tuples whose first item is the workspace id, unless ``put`` names it.

    ``ttl`` is the longest an entry lives; ``put`` may ask for less (the credential cache's
    lifetime is a setting).  ``clock`` is injectable so tests expire entries without sleeping.
    Not thread-safe: one event loop per process, and mapper events fire on its thread.
    """

    def __init__(self, name: str, *, ttl: float = 2.0, maxsize: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.ttl = ttl
        self.maxsize = maxsize
        self._clock = clock
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        # workspace -> its keys, so forgetting a tenant does not scan every tenant's entries
        self._by_workspace: dict[Hashable, set[Key]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: Key, load: Callable[[], Awaitable[V]]) -> V:
        """The live entry for ``key``, else ``await load()`` remembered (an exception is not)."""
        value = self.peek(key, _MISSING)
        if value is _MISSING:
            value = await load()
            self.put(key, value)
        return value

    def peek(self, key: Key, default: Any = None) -> Any:
        """The live entry for ``key``, or ``default`` (entries may themselves be ``None``)."""
        entry = self._entries.get(key)
        if entry is None:
            return default
        if entry.expires <= self._clock():
            self._drop(key)
            return default
        self._entries.move_to_end(key)  # recently used: evicted last
        return entry.value

    def put(self, key: Key, value: V, *, ttl: float | None = None,
            workspace: Hashable = _MISSING) -> None:
        """Remember ``value`` for ``min(ttl, self.ttl)`` seconds, filed under ``workspace``
        (default ``key[0]``).  A lifetime of zero or less remembers nothing."""
        life = self.ttl if ttl is None else min(ttl, self.ttl)
        if life <= 0:
            return
        owner = key[0] if workspace is _MISSING else workspace
        self._drop(key)  # it may have been filed under another workspace
        self._entries[key] = _Entry(self._clock() + life, owner, value)
        self._by_workspace.setdefault(owner, set()).add(key)
        while len(self._entries) > self.maxsize:
            self._drop(next(iter(self._entries)))

    def forget(self, workspace_id: Hashable) -> None:
        """Drop every entry of one workspace; other tenants' entries stay."""
        for key in self._by_workspace.pop(workspace_id, ()):
            self._entries.pop(key, None)

    def forget_key(self, key: Key) -> None:
        self._drop(key)

    def clear(self) -> None:
        self._entries.clear()
        self._by_workspace.clear()

    def forget_on_write(self, model: type, key: str = "workspace_id") -> None:
        """Forget a workspace's entries whenever the ORM inserts, updates or deletes ``model``
        (``key`` names the row's workspace id attribute)."""
        def _forget(_mapper: Any, _connection: Any, target: Any) -> None:
            self.forget(getattr(target, key))
        for name in ("after_insert", "after_update", "after_delete"):
            event.listen(model, name, _forget)

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        keys = self._by_workspace.get(entry.workspace)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_workspace[entry.workspace]


def row_copy(row: R | None) -> R | None:
    """A transient copy of an ORM row's columns, safe to share across sessions.

    A cached instance must not be the session's own: a rollback (such as the unit of work's
    retry) expires every instance in the session, and a detached expired row cannot reload.
    """
    if row is None:
        return None
    columns = type(row).__table__.columns
    return type(row)(**{column.key: getattr(row, column.key) for column in columns})
