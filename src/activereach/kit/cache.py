"""Per-process memo of tenant settings that every order reads and people rarely change.

An outlet's address, the bill configuration and the loyalty program are read by every order but
edited a few times a year, so each process remembers them briefly.  A write in this process
forgets the workspace's entries at once (ORM writes through a mapper event, other writes by an
explicit ``forget``); other processes see a change within ``ttl`` seconds — the same bound as
the credential cache.  Values are read-only: never mutate what ``get`` returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from cachetools import TTLCache
from sqlalchemy import event

V = TypeVar("V")
R = TypeVar("R")


class TenantCache(Generic[V]):
    """Keys are tuples whose first item is the workspace id."""

    def __init__(self, name: str, *, ttl: float = 2.0, maxsize: int = 10_000) -> None:
        self.name = name
        self._data: TTLCache[tuple[Any, ...], V] = TTLCache(maxsize=maxsize, ttl=ttl)

    async def get(self, key: tuple[Any, ...], load: Callable[[], Awaitable[V]]) -> V:
        try:
            return self._data[key]
        except KeyError:
            pass
        value = await load()
        self._data[key] = value
        return value

    def forget(self, workspace_id: str) -> None:
        for key in [k for k in list(self._data.keys()) if k[0] == workspace_id]:
            self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()

    def forget_on_write(self, model: type, key: str = "workspace_id") -> None:
        """Forget a workspace's entries whenever the ORM inserts, updates or deletes ``model``
        (``key`` names the row's workspace id attribute)."""
        def _forget(_mapper: Any, _connection: Any, target: Any) -> None:
            self.forget(getattr(target, key))
        for name in ("after_insert", "after_update", "after_delete"):
            event.listen(model, name, _forget)


def row_copy(row: R | None) -> R | None:
    """A transient copy of an ORM row's columns, safe to share across sessions.

    A cached instance must not be the session's own: a rollback (such as the unit of work's
    retry) expires every instance in the session, and a detached expired row cannot reload.
    """
    if row is None:
        return None
    columns = row.__table__.columns  # type: ignore[attr-defined]
    return type(row)(**{column.key: getattr(row, column.key) for column in columns})
