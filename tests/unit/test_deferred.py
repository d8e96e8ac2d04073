"""``kit.deferred.write``: the one write path — at once outside a deferral, held and merged
inside one by the statement's declared duplicate policy, sent after the lock and the steps."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from activereach.kit import deferred


class FakeStatement(str):
    """A statement's name, with what ``flush`` asks of a statement (not a table of the models,
    so statements keep the order they were first held in)."""

    is_insert = True
    table = None


class FakeSession:
    def __init__(self) -> None:
        self.info: dict[Any, Any] = {}
        self.executed: list[tuple[Any, list[dict[str, Any]]]] = []
        self.dialect = type("Dialect", (), {"name": "sqlite"})()

    async def connection(self) -> FakeSession:
        return self

    async def execute(self, stmt: Any, rows: list[dict[str, Any]]) -> None:
        self.executed.append((stmt, rows))


SALES, RECEIPTS, DISPATCH, FIRST, EVENTS = (FakeStatement(name) for name in
                                            ("sales", "receipts", "dispatch", "first", "events"))
ADD_ORDERS = deferred.Merge(sums=("orders",))


async def test_outside_a_deferral_a_write_runs_at_once() -> None:
    session: Any = FakeSession()
    await deferred.write(session, SALES, {"day": "d1", "orders": 1}, key=("d1",),
                         duplicate=ADD_ORDERS)
    assert session.executed == [("sales", [{"day": "d1", "orders": 1}])]


async def test_rows_of_one_key_are_summed_and_each_statement_runs_once() -> None:
    session: Any = FakeSession()
    deferred.start(session)
    for day, orders in (("d2", 1), ("d1", 1), ("d1", 2)):
        await deferred.write(session, SALES, {"day": day, "orders": orders, "x": 7}, key=(day,),
                             duplicate=ADD_ORDERS)
    await deferred.write(session, RECEIPTS, {"day": "d1", "sent": 1}, key=("d1",))
    assert session.executed == []
    await deferred.flush(session)
    assert session.executed == [
        ("sales", [{"day": "d1", "orders": 3, "x": 7}, {"day": "d2", "orders": 1, "x": 7}]),
        ("receipts", [{"day": "d1", "sent": 1}])]
    assert not deferred.active(session)


async def test_newest_keeps_the_newer_row_and_mins_the_smaller_value() -> None:
    session: Any = FakeSession()
    deferred.start(session)
    for outcome in ("retrying", "sent"):
        await deferred.write(session, DISPATCH, {"order": "o1", "outcome": outcome},
                             key=("o1",), duplicate=deferred.NEWEST)
    for day in ("day-20", "day-02", "day-24"):
        await deferred.write(session, FIRST, {"c": "c1", "day": day}, key=("c1",),
                             duplicate=deferred.Merge(mins=("day",)))
    await deferred.flush(session)
    assert session.executed == [("dispatch", [{"order": "o1", "outcome": "sent"}]),
                                ("first", [{"c": "c1", "day": "day-02"}])]


async def test_a_duplicate_is_refused_as_the_key_would_unless_declared() -> None:
    session: Any = FakeSession()
    deferred.start(session)
    await deferred.write(session, EVENTS, {"id": "e1", "n": 1}, key=("e1",))
    with pytest.raises(deferred.DuplicateRow):
        await deferred.write(session, EVENTS, {"id": "e1", "n": 2}, key=("e1",))
    await deferred.write(session, RECEIPTS, {"id": "j1", "n": 1}, key=("j1",),
                         duplicate=deferred.KEEP_FIRST)
    await deferred.write(session, RECEIPTS, {"id": "j1", "n": 2}, key=("j1",),
                         duplicate=deferred.KEEP_FIRST)
    assert deferred.held(session, RECEIPTS) == [{"id": "j1", "n": 1}]


async def test_the_lock_then_every_step_come_before_any_row() -> None:
    session: Any = FakeSession()
    order: list[str] = []

    async def lock(_: Any) -> None:
        order.append("lock")

    async def number(_: Any) -> None:
        order.append(f"number after {len(session.executed)} statements")
        held[0]["invoice"] = "INV-1"   # a step fills in a held row
        deferred.before_send(session, "again", again)

    async def again(_: Any) -> None:
        order.append("a step registered by a step")

    deferred.start(session, before_first_write=lock)
    held = [{"id": "b1", "invoice": ""}]
    await deferred.write(session, EVENTS, held[0], key=("b1",))
    assert deferred.before_send(session, "number", number)
    assert deferred.before_send(session, "number", number)   # once per key
    await deferred.release(session)
    await deferred.write(session, SALES, {"day": "d1", "orders": 1}, key=("d1",))
    await deferred.flush(session)
    assert order == ["lock", "number after 0 statements", "a step registered by a step"]
    assert session.executed == [("events", [{"id": "b1", "invoice": "INV-1"}]),
                                ("sales", [{"day": "d1", "orders": 1}])]


def test_a_key_tuple_names_one_row() -> None:
    session: Any = FakeSession()
    deferred.start(session)

    with pytest.raises(ValueError, match="one row"):
        asyncio.run(deferred.write(session, EVENTS, [{"id": 1}, {"id": 2}], key=("x",)))
