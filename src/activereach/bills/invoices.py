"""Invoice numbers: one gap-free series per outlet (or the brand, for online) per financial year.

The counter row is locked (by its UPDATE) inside the ingest transaction, so concurrent orders of
one outlet queue on it and a rolled-back order gives its number back (no gaps, no duplicates).
On SQLite the database-wide write lock gives the same guarantee.  A group commit numbers its
bills in an explicit step of its send (``number``, ``kit.deferred.before_send``): after the
batch's lock and before any held row goes out, so the number reaches the bill row, the bill
snapshot and the order's stored reply whatever order their tables are sent in. The batch's
counters are locked by one ``SELECT … FOR UPDATE`` and advanced by one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillInvoiceCounter
from activereach.kit import deferred, session_state
from activereach.kit.db import insert_ignore, statement

Series = tuple[str, str, str]  # (workspace, series key, financial year)


@dataclass
class _Waiting:
    """A batch's bills still to number: per series, in the order they were issued."""

    assigns: dict[Series, list[Callable[[int], None]]] = field(default_factory=dict)


def _update_series() -> Any:
    """``UPDATE`` of one series' counter row, its key as the ``ws``/``series``/``fy`` params."""
    c = BillInvoiceCounter.__table__.c
    return update(BillInvoiceCounter.__table__).where(
        c.workspace_id == bindparam("ws"), c.series_key == bindparam("series"),
        c.fiscal_year == bindparam("fy"))


def _bump_query(_: Any) -> Any:
    c = BillInvoiceCounter.__table__.c
    return (_update_series().values(last_value=c.last_value + bindparam("count"))
            .returning(c.last_value))


def _set_query(_: Any) -> Any:
    return _update_series().values(last_value=bindparam("last"))


async def _create_counters(session: AsyncSession, series: list[Series]) -> None:
    """The counter rows of series' first bills this year (a concurrent creator wins harmlessly)."""
    await session.execute(insert_ignore(session, BillInvoiceCounter), [
        {"workspace_id": ws, "series_key": key, "fiscal_year": fy, "last_value": 0}
        for ws, key, fy in series])


async def next_sequence(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str) -> int:
    return (await reserve_range(session, workspace_id, series_key, fiscal_year, 1))[0]


async def reserve_range(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str, count: int) -> list[int]:
    """``count`` consecutive sequence numbers (1 per order; more for the POS pre-issue pool)."""
    # One statement: the UPDATE takes the row lock and returns the new high-water mark.
    bump = statement(session, ("invoice_counter.bump",), _bump_query)
    params = {"ws": workspace_id, "series": series_key, "fy": fiscal_year, "count": count}
    last = await session.scalar(bump, params)
    if last is None:  # the series' first bill this year: create its row, then bump it
        await _create_counters(session, [(workspace_id, series_key, fiscal_year)])
        last = await session.scalar(bump, params)
    return list(range(int(last) - count + 1, int(last) + 1))


async def number(session: AsyncSession, workspace_id: str, series_key: str, fiscal_year: str,
                 assign: Callable[[int], None]) -> None:
    """``assign`` the series' next sequence number: now, or in a group commit when its bills
    are sent (in the order the bills were issued)."""
    series = (workspace_id, series_key, fiscal_year)
    waiting = session_state.peek(session, _Waiting)
    if waiting is None and deferred.before_send(session, "bills.numbering", _number_held):
        waiting = session_state.state(session, _Waiting)
    if waiting is None:
        assign(await next_sequence(session, *series))
    else:
        waiting.assigns.setdefault(series, []).append(assign)


async def _number_held(session: AsyncSession) -> None:
    waiting = session_state.drop(session, _Waiting)
    if waiting is None or not waiting.assigns:
        return
    last = await _lock_counters(session, sorted(waiting.assigns))
    for series, assigns in waiting.assigns.items():
        for seq, assign in enumerate(assigns, start=last[series] + 1):
            assign(seq)
    await session.execute(statement(session, ("invoice_counter.set",), _set_query), [
        {"ws": ws, "series": key, "fy": fy, "last": last[(ws, key, fy)] + len(assigns)}
        for (ws, key, fy), assigns in waiting.assigns.items()])


async def _lock_counters(session: AsyncSession, wanted: list[Series]) -> dict[Series, int]:
    """Each series' counter, locked: two statements for a batch's series, however many."""
    query = statement(session, ("invoice_counter.lock",), _lock_query)
    found = {tuple(row[:3]): row[3] for row in await session.execute(query, {"keys": wanted})}
    missing = [series for series in wanted if series not in found]
    if missing:
        await _create_counters(session, missing)
        found.update({tuple(row[:3]): row[3]
                      for row in await session.execute(query, {"keys": missing})})
    return {series: int(found[series]) for series in wanted}


def _lock_query(_: Any) -> Any:
    c = BillInvoiceCounter.__table__.c
    return (select(c.workspace_id, c.series_key, c.fiscal_year, c.last_value)
            .where(tuple_(c.workspace_id, c.series_key, c.fiscal_year).in_(
                bindparam("keys", expanding=True)))
            .with_for_update())

