"""Deferred additive writes: summed per row, one statement per kind, only inside start/flush."""

from __future__ import annotations

from typing import Any

from activereach.kit import deferred


class FakeSession:
    def __init__(self) -> None:
        self.info: dict[str, Any] = {}
        self.executed: list[tuple[Any, list[dict[str, Any]]]] = []

    async def execute(self, stmt: Any, rows: list[dict[str, Any]]) -> None:
        self.executed.append((stmt, rows))


async def test_rows_of_one_key_are_summed_and_each_statement_runs_once() -> None:
    session = FakeSession()
    assert not deferred.add(session, "sales", ("d1",), {"day": "d1", "orders": 1}, ("orders",))  # type: ignore[arg-type]
    deferred.start(session)  # type: ignore[arg-type]
    for day, orders in (("d1", 1), ("d2", 1), ("d1", 2)):
        assert deferred.add(session, "sales", (day,), {"day": day, "orders": orders, "x": 7},  # type: ignore[arg-type]
                            ("orders",))
    assert deferred.add(session, "receipts", ("d1",), {"day": "d1", "sent": 1}, ("sent",))  # type: ignore[arg-type]
    assert session.executed == []
    await deferred.flush(session)  # type: ignore[arg-type]
    assert session.executed == [
        ("sales", [{"day": "d1", "orders": 3, "x": 7}, {"day": "d2", "orders": 1, "x": 7}]),
        ("receipts", [{"day": "d1", "sent": 1}])]
    assert not deferred.add(session, "sales", ("d1",), {"day": "d1", "orders": 1}, ("orders",))  # type: ignore[arg-type]


async def test_last_keeps_the_newer_row_and_mins_the_smaller_value() -> None:
    session = FakeSession()
    deferred.start(session)  # type: ignore[arg-type]
    deferred.add(session, "dispatch", ("o1",), {"order": "o1", "outcome": "retrying"}, last=True)  # type: ignore[arg-type]
    deferred.add(session, "dispatch", ("o1",), {"order": "o1", "outcome": "sent"}, last=True)  # type: ignore[arg-type]
    deferred.add(session, "first", ("c1",), {"c": "c1", "day": "2026-11-20"}, mins=("day",))  # type: ignore[arg-type]
    deferred.add(session, "first", ("c1",), {"c": "c1", "day": "2026-11-02"}, mins=("day",))  # type: ignore[arg-type]
    deferred.add(session, "first", ("c1",), {"c": "c1", "day": "2026-11-24"}, mins=("day",))  # type: ignore[arg-type]
    await deferred.flush(session)  # type: ignore[arg-type]
    assert session.executed == [("dispatch", [{"order": "o1", "outcome": "sent"}]),
                                ("first", [{"c": "c1", "day": "2026-11-02"}])]
