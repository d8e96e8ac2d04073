"""The one way ingest code writes rows: ``write`` — now, or held to the end of a batch.

A worker batch runs up to 16 jobs in one transaction (a group commit up to 32 orders), and each
one's roll-up increments, events, dispatch rows, order rows and jobs would be one statement per
job and table. While a deferral is active (``start`` … ``flush``) ``write`` holds the rows
instead, keyed (by default on the table's primary key), and sends them as one ``executemany``
(or COPY) per statement just before the commit: same transaction, so they still land exactly
once with the jobs' ``done`` flags. Outside a deferral ``write`` executes at once. Either way
the caller writes the same way and gets the same answer.

**One duplicate policy.** A second row with a held row's key does what the statement does in
the database on that conflict, declared by ``duplicate``: ``REFUSE`` (the default: a plain
insert, ``DuplicateRow`` as the unique key would), ``KEEP_FIRST`` (insert-ignore), ``NEWEST``
(an upsert or update whose newer values win) or ``Merge(sums=…, mins=…)`` (an upsert that adds
or keeps the smaller).

**The send, in order.** First the deferral's own lock (``before_first_write``: the group
commit's advisory lock, ``orders.batch_lock``) is taken — explicitly, before any byte goes out,
COPY included. Then every ``before_send`` step runs, in the order registered, before any held
row is sent: a step computes what only the batch's locks make safe (the next invoice numbers,
the last look at unclaimed identities) and fills in the held rows. Then the rows go out, tables
in foreign-key order (inserts before updates of a table) and rows in key order, so two batches
touching the same rows lock them in the same order.

Nothing may read held rows back from the database before ``flush``; code that must (a contact
merge moving a contact's rows) calls ``release`` first, which sends what is held and goes on
deferring. docs/architecture.md ("Rules for ingest code") lists what else ingest code obeys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit import session_state
from activereach.kit.copy import copy_rows
from activereach.kit.db import Base, is_plain_insert

Row = dict[str, Any]
Step = Callable[[AsyncSession], Awaitable[None]]
_RANKS: dict[Table, int] = {}


class Stale(Exception):
    """A look-up the batch made before taking its locks no longer holds; run it again."""


class DuplicateRow(Exception):
    """A held row's key came again for a statement that refuses duplicates (a plain insert)."""


@dataclass(frozen=True)
class Merge:
    """What a second row with a held row's key becomes: ``sums`` added, ``mins`` the smaller
    kept, with ``newest`` the newer row wins, with ``first`` the held row stands; neither and
    nothing to merge: refused."""

    sums: tuple[str, ...] = ()
    mins: tuple[str, ...] = ()
    newest: bool = False
    first: bool = False

    def apply(self, held: Row, row: Row) -> Row:
        if self.newest:
            return dict(row)
        if not (self.first or self.sums or self.mins):
            raise DuplicateRow(f"a second row with the key of a held row: {sorted(row)}")
        for name in self.sums:
            held[name] += row[name]
        for name in self.mins:
            held[name] = min(held[name], row[name])
        return held


REFUSE = Merge()
KEEP_FIRST = Merge(first=True)
NEWEST = Merge(newest=True)


@dataclass
class _Deferral:
    """What one active deferral holds: rows per statement, the steps and the lock to take."""

    rows: dict[Any, dict[tuple[Any, ...], Row]] = field(default_factory=dict)
    steps: dict[Any, Step] = field(default_factory=dict)
    reads_unlocked: bool = False
    before_first_write: Step | None = None


def start(session: AsyncSession, *, reads_unlocked: bool = False,
          before_first_write: Step | None = None) -> None:
    """Hold writes from now on. ``reads_unlocked``: the transaction reads before it takes the
    locks its writes need (``orders.batch_lock``), so steps should look again at the send;
    ``before_first_write`` takes those locks and runs once, before anything held goes out."""
    deferral = session_state.state(session, _Deferral)
    deferral.rows, deferral.steps = {}, {}
    deferral.reads_unlocked, deferral.before_first_write = reads_unlocked, before_first_write


def active(session: AsyncSession) -> bool:
    return session_state.peek(session, _Deferral) is not None


def reads_unlocked(session: AsyncSession) -> bool:
    deferral = session_state.peek(session, _Deferral)
    return bool(deferral and deferral.reads_unlocked)


async def write(session: AsyncSession, stmt: Any, rows: Row | list[Row], *,
                key: tuple[Any, ...] | Callable[[Row], tuple[Any, ...]] | None = None,
                duplicate: Merge = REFUSE) -> None:
    """Write ``rows`` with ``stmt`` (built once: ``kit.db.statement``/``plain_insert``): now, or
    at the batch's end while a deferral is active. ``key`` (a tuple for one row, or a function
    of the row; by default the primary key of ``stmt``'s table) is what two rows must share to
    be the same row; ``duplicate`` says what the statement does then. Held rows are the
    caller's dicts, so a ``before_send`` step of the caller may still fill them in."""
    batch = rows if isinstance(rows, list) else [rows]
    deferral = session_state.peek(session, _Deferral)
    if deferral is None:
        if batch:
            await session.execute(stmt, batch)
        return
    if isinstance(key, tuple) and len(batch) != 1:
        raise ValueError("a key tuple names one row; give a function for several")
    held = deferral.rows.setdefault(stmt, {})
    for row in batch:
        row_key = key if isinstance(key, tuple) else (key(row) if key else _primary_key(stmt, row))
        found = held.get(row_key)
        held[row_key] = row if found is None else duplicate.apply(found, row)


def _primary_key(stmt: Any, row: Row) -> tuple[Any, ...]:
    return tuple(row[column.key] for column in stmt.table.primary_key)


def held(session: AsyncSession, stmt: Any) -> list[Row]:
    """The rows held for ``stmt`` (empty outside a deferral)."""
    deferral = session_state.peek(session, _Deferral)
    return list(deferral.rows.get(stmt, {}).values()) if deferral else []


def before_send(session: AsyncSession, key: Any, step: Step) -> bool:
    """Run ``step`` once per ``key`` when the batch is sent, after its lock is taken and before
    any held row goes out (it may still change them); False when no deferral is active."""
    deferral = session_state.peek(session, _Deferral)
    if deferral is None:
        return False
    deferral.steps.setdefault(key, step)
    return True


async def release(session: AsyncSession) -> None:
    """Send what is held now and keep deferring: for code about to read rows that may be held
    (a merge moving a contact's rows, a traits merge reading the contact)."""
    deferral = session_state.peek(session, _Deferral)
    if deferral is not None:
        await _send(session, deferral)
        deferral.rows, deferral.steps = {}, {}


async def flush(session: AsyncSession) -> None:
    """Send what was held; deferral ends."""
    deferral = session_state.peek(session, _Deferral)
    if deferral is not None:
        await _send(session, deferral)  # steps may still read (``held``) and write held rows
        session_state.drop(session, _Deferral)


def discard(session: AsyncSession) -> None:
    """Drop what is held, unsent; deferral ends. For a caller that rolls back what it wrote
    (a savepoint) and runs its items again another way: held rows would outlive the rollback."""
    session_state.drop(session, _Deferral)


async def _send(session: AsyncSession, deferral: _Deferral) -> None:
    if deferral.before_first_write is not None and (deferral.rows or deferral.steps):
        take, deferral.before_first_write = deferral.before_first_write, None
        await take(session)
    while deferral.steps:  # a step may register another (it runs in the same send)
        steps, deferral.steps = list(deferral.steps.values()), {}
        for step in steps:
            await step(session)
    # Core statements on the session's connection: the ORM's execute path adds nothing here.
    connection = await session.connection()
    raw = (None if connection.dialect.name != "postgresql"
           else (await connection.get_raw_connection()).driver_connection)
    for stmt, rows in sorted(deferral.rows.items(), key=lambda item: _order(item[0])):
        ordered = [rows[key] for key in sorted(rows, key=repr)]
        if raw is not None and is_plain_insert(stmt) and len(ordered) > 1:
            await copy_rows(connection, stmt.table, ordered, raw)
        elif ordered:
            await connection.execute(stmt, ordered)


def _order(stmt: Any) -> tuple[int, int]:
    """Tables in foreign-key order, a table's inserts before its updates (a stable sort keeps
    the order statements were first used in within that)."""
    return (_rank(stmt.table), 1 if stmt.is_insert else 2)


def _rank(table: Table) -> int:
    """A table's place in foreign-key order (referenced tables first)."""
    if table not in _RANKS:
        _RANKS.update({table: rank for rank, table in enumerate(Base.metadata.sorted_tables)})
    return _RANKS.get(table, len(_RANKS))
