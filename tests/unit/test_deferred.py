"""Deferred additive writes: summed per row, one statement per kind, only inside start/flush,
sent in key order."""

from __future__ import annotations

from typing import Any

from activereach.kit import deferred


class FakeStatement(str):
    """A statement's name, with what ``flush`` asks of a statement (not a table of the models,
    so statements keep the order they were first held in)."""

    is_insert = True
    table = None


class FakeSession:
    def __init__(self) -> None:
        self.info: dict[str, Any] = {}
        self.executed: list[tuple[Any, list[dict[str, Any]]]] = []
        self.dialect = type("Dialect", (), {"name": "sqlite"})()

    async def connection(self) -> FakeSession:
        return self

    async def execute(self, stmt: Any, rows: list[dict[str, Any]]) -> None:
        self.executed.append((stmt, rows))


SALES, RECEIPTS, DISPATCH, FIRST = (FakeStatement(name) for name in
                                    ("sales", "receipts", "dispatch", "first"))


async def test_rows_of_one_key_are_summed_and_each_statement_runs_once() -> None:
    session = FakeSession()
    assert not deferred.add(session, SALES, ("d1",), {"day": "d1", "orders": 1}, ("orders",))  # type: ignore[arg-type]
    deferred.start(session)  # type: ignore[arg-type]
    for day, orders in (("d2", 1), ("d1", 1), ("d1", 2)):
        assert deferred.add(session, SALES, (day,), {"day": day, "orders": orders, "x": 7},  # type: ignore[arg-type]
                            ("orders",))
    assert deferred.add(session, RECEIPTS, ("d1",), {"day": "d1", "sent": 1}, ("sent",))  # type: ignore[arg-type]
    assert session.executed == []
    await deferred.flush(session)  # type: ignore[arg-type]
    assert session.executed == [
        ("sales", [{"day": "d1", "orders": 3, "x": 7}, {"day": "d2", "orders": 1, "x": 7}]),
        ("receipts", [{"day": "d1", "sent": 1}])]
    assert not deferred.add(session, SALES, ("d1",), {"day": "d1", "orders": 1}, ("orders",))  # type: ignore[arg-type]


async def test_last_keeps_the_newer_row_and_mins_the_smaller_value() -> None:
    session = FakeSession()
    deferred.start(session)  # type: ignore[arg-type]
    deferred.add(session, DISPATCH, ("o1",), {"order": "o1", "outcome": "retrying"}, last=True)  # type: ignore[arg-type]
    deferred.add(session, DISPATCH, ("o1",), {"order": "o1", "outcome": "sent"}, last=True)  # type: ignore[arg-type]
    deferred.add(session, FIRST, ("c1",), {"c": "c1", "day": "2026-11-20"}, mins=("day",))  # type: ignore[arg-type]
    deferred.add(session, FIRST, ("c1",), {"c": "c1", "day": "2026-11-02"}, mins=("day",))  # type: ignore[arg-type]
    deferred.add(session, FIRST, ("c1",), {"c": "c1", "day": "2026-11-24"}, mins=("day",))  # type: ignore[arg-type]
    await deferred.flush(session)  # type: ignore[arg-type]
    assert session.executed == [("dispatch", [{"order": "o1", "outcome": "sent"}]),
                                ("first", [{"c": "c1", "day": "2026-11-02"}])]
