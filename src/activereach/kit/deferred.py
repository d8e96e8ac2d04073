"""Write-only rows that wait for the end of a transaction and go out as one statement each.

A worker batch runs up to 16 jobs in one transaction (a group commit up to 32 orders), and each
one's roll-up increments, events, dispatch rows, order rows and jobs would be one statement per
job and table. Inside ``start``/``flush`` they are held instead (merged per row key: sums added,
minimums kept, or the newest row) and sent as one ``executemany`` per statement just before the
commit: same transaction, so they still land exactly once with the jobs' ``done`` flags.
Nothing may read them back before ``flush``.
Outside a deferral, ``add`` declines and the caller writes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

_PENDING = "activereach.deferred"


def start(session: AsyncSession) -> None:
    session.info[_PENDING] = {}


def add(session: AsyncSession, stmt: Any, key: tuple[Any, ...], row: dict[str, Any],
        sums: tuple[str, ...] = (), mins: tuple[str, ...] = (), last: bool = False) -> bool:
    """Hold ``row`` for ``stmt``, merged into a held row of the same ``key`` (``sums`` added,
    ``mins`` the smaller kept, or with ``last`` the newer row wins); False when no deferral is
    active. ``stmt`` must be the same object each time (``kit.db.statement``)."""
    pending = session.info.get(_PENDING)
    if pending is None:
        return False
    rows = pending.setdefault(stmt, {})
    held = rows.get(key)
    if held is None or last:
        rows[key] = dict(row)
        return True
    for name in sums:
        held[name] += row[name]
    for name in mins:
        held[name] = min(held[name], row[name])
    return True


async def insert(session: AsyncSession, stmt: Any, rows: list[dict[str, Any]],
                 key: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None) -> None:
    """Insert ``rows`` now, or hold them while a deferral is active: one per ``key(row)``, by
    default the row's primary key in the statement's table."""
    if session.info.get(_PENDING) is not None:
        columns = [column.key for column in stmt.table.primary_key]
        for row in rows:
            add(session, stmt, key(row) if key else tuple(row[name] for name in columns), row)
    elif rows:
        await session.execute(stmt, rows)


async def flush(session: AsyncSession) -> None:
    """Send what was held, one statement per kind; deferral ends."""
    pending = session.info.pop(_PENDING, None) or {}
    for stmt, rows in pending.items():
        await session.execute(stmt, list(rows.values()))
