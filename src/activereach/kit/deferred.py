"""Writes that wait for the end of a transaction and go out as one statement each.

A worker batch runs up to 16 jobs in one transaction (a group commit up to 32 orders), and each
one's roll-up increments, events, dispatch rows, order rows and jobs would be one statement per
job and table. Inside ``start``/``flush`` they are held instead (merged per row key: sums added,
minimums kept, or the newest row) and sent as one ``executemany`` per statement just before the
commit: same transaction, so they still land exactly once with the jobs' ``done`` flags.

``flush`` sends tables in foreign-key order (inserts before updates of a table) and rows in key
order, so two batches that touch the same rows lock them in the same order. A writer whose
values are only known under the batch's locks (the next invoice number) registers a callback
with ``before``: it runs just before the rows of its table go out. Nothing may read held rows
back before ``flush``; code that must read them calls ``release`` first.
Outside a deferral, ``add`` declines and the caller writes at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.copy import copy_rows
from activereach.kit.db import Base, is_plain_insert

_PENDING = "activereach.deferred"
_BEFORE = "activereach.deferred.before"
_UNLOCKED = "activereach.deferred.unlocked"
_RANKS: dict[Table, int] = {}


class Stale(Exception):
    """A look-up the batch made before taking its locks no longer holds; run it again."""


def start(session: AsyncSession, *, reads_unlocked: bool = False) -> None:
    """Hold writes from now on. ``reads_unlocked``: the transaction reads before it takes the
    locks its writes need (``orders.batch_lock``), so writers should look again at ``flush``."""
    session.info[_PENDING] = {}
    session.info[_BEFORE] = {}
    session.info[_UNLOCKED] = reads_unlocked


def active(session: AsyncSession) -> bool:
    return session.info.get(_PENDING) is not None


def reads_unlocked(session: AsyncSession) -> bool:
    return bool(session.info.get(_UNLOCKED))


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
    default the row's primary key in the statement's table. Held rows are the caller's dicts,
    so a ``before`` callback of the caller may still fill them in."""
    pending = session.info.get(_PENDING)
    if pending is not None:
        columns = [column.key for column in stmt.table.primary_key]
        held = pending.setdefault(stmt, {})
        for row in rows:
            held.setdefault(key(row) if key else tuple(row[name] for name in columns), row)
    elif rows:
        await session.execute(stmt, rows)


def held(session: AsyncSession, stmt: Any) -> list[dict[str, Any]]:
    """The rows held for ``stmt`` (empty outside a deferral)."""
    return list((session.info.get(_PENDING) or {}).get(stmt, {}).values())


def before(session: AsyncSession, table: Table, key: Any,
           callback: Callable[[AsyncSession], Awaitable[None]]) -> bool:
    """Run ``callback`` once per ``key`` at ``flush``, before ``table``'s held rows are sent
    (it may still change them); False when no deferral is active."""
    callbacks = session.info.get(_BEFORE)
    if callbacks is None:
        return False
    callbacks.setdefault(key, (table, callback))
    return True


async def release(session: AsyncSession) -> None:
    """Send what is held now and keep deferring: for code about to read rows that may be held
    (a merge moving a contact's rows, a traits merge reading the contact)."""
    if active(session):
        await _send(session)
        start(session, reads_unlocked=reads_unlocked(session))


async def flush(session: AsyncSession) -> None:
    """Send what was held; deferral ends."""
    if active(session):
        await _send(session)
    for key in (_PENDING, _BEFORE, _UNLOCKED):
        session.info.pop(key, None)


async def _send(session: AsyncSession) -> None:
    pending: dict[Any, dict[tuple[Any, ...], dict[str, Any]]] = session.info[_PENDING]
    callbacks: dict[Any, tuple[Table, Any]] = session.info[_BEFORE]
    steps: list[tuple[tuple[int, int, str], Any]] = []
    for key, (table, callback) in callbacks.items():
        steps.append(((_rank(table), 0, repr(key)), callback))
    for stmt, rows in pending.items():
        kind = 1 if stmt.is_insert else 2
        steps.append(((_rank(stmt.table), kind, f"{len(steps):06d}"), (stmt, rows)))
    # Core statements on the session's connection: the ORM's execute path adds nothing here.
    connection = await session.connection()
    raw = (None if connection.dialect.name != "postgresql"
           else (await connection.get_raw_connection()).driver_connection)
    for _, step in sorted(steps, key=lambda item: item[0]):
        if callable(step):
            await step(session)
            continue
        stmt, rows = step
        ordered = [rows[key] for key in sorted(rows, key=repr)]
        if raw is not None and is_plain_insert(stmt) and len(ordered) > 1:
            await copy_rows(connection, stmt.table, ordered, raw)
        else:
            await connection.execute(stmt, ordered)


def _rank(table: Table) -> int:
    """A table's place in foreign-key order (referenced tables first)."""
    if table not in _RANKS:
        _RANKS.update({table: rank for rank, table in enumerate(Base.metadata.sorted_tables)})
    return _RANKS.get(table, len(_RANKS))
