"""Held writes (``kit.deferred``) land exactly as direct inserts would, in foreign-key order, with
``before_send`` steps filling rows in and ``release`` sending early; on PostgreSQL plain inserts
go out by COPY (``kit.copy``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, insert, select

from activereach.contacts.models import Contact, ContactIdentity
from activereach.events.models import Event
from activereach.jobs.models import Job
from activereach.kit import deferred
from activereach.kit.db import plain_insert, utcnow
from activereach.kit.ids import new_id

# a time with microseconds, as a client sends: it must come back exactly
WHEN = utcnow().replace(microsecond=345678) - dt.timedelta(hours=1)


def _event(ws: str, n: int) -> dict:
    return {"workspace_id": ws, "id": new_id("ev"), "message_id": f"m-{n}-{new_id('x')}",
            "type": "track", "name": "order_completed", "timestamp": WHEN, "received_at": WHEN,
            "contact_id": None if n % 2 else "ct_x", "location_id": "loc_1", "source": "api",
            "properties": {"total": 64700, "nested": {"ok": True, "list": [1, "₹"]}, "n": n}}


def _columns(row: Event) -> dict:
    return {c.key: getattr(row, c.key) for c in Event.__table__.columns if c.key != "id"}


async def test_held_rows_land_as_direct_inserts_do(db) -> None:  # type: ignore[no-untyped-def]
    ws = new_id("ws")
    direct, held = _event(ws, 0), [_event(ws, n) for n in range(1, 4)]
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    async with db.session() as session:
        await session.execute(insert(Event.__table__), [direct])
        deferred.start(session)
        await deferred.write(session, plain_insert(session, Event), held)
        assert (await session.scalar(select(Event.id).where(Event.id == held[0]["id"]))) is None
        await deferred.flush(session)
    async with db.session() as session:
        rows = {r.id: r for r in (await session.scalars(
            select(Event).where(Event.workspace_id == ws))).all()}
    assert len(rows) == 4
    for row in held:
        # same types back as the direct insert: aware UTC datetimes, JSON objects, NULLs
        assert _columns(rows[row["id"]]) == {**_columns(rows[direct["id"]]),
                                             "message_id": row["message_id"],
                                             "contact_id": row["contact_id"],
                                             "properties": row["properties"]}
    if db.engine.dialect.name == "postgresql":  # the three held rows went as one COPY
        assert sum(s.startswith("INSERT INTO events") for s in statements) == 1


async def test_python_defaults_apply_to_held_rows(db) -> None:  # type: ignore[no-untyped-def]
    ws = new_id("ws")
    rows = [{"workspace_id": ws, "kind": "test.kind", "payload": {"n": n}, "status": "queued",
             "run_at": utcnow(), "dedupe_key": None} for n in range(2)]  # no attempts, created_at
    async with db.session() as session:
        deferred.start(session)
        await deferred.write(session, plain_insert(session, Job), rows,
                             key=lambda row: (row["payload"]["n"],))
        await deferred.flush(session)
    async with db.session() as session:
        jobs = (await session.scalars(select(Job).where(Job.workspace_id == ws))).all()
    assert sorted(j.payload["n"] for j in jobs) == [0, 1]
    assert all(j.attempts == 0 and j.created_at is not None and j.retry_delays == []
               for j in jobs)


async def test_flush_follows_foreign_keys_and_runs_callbacks_first(db) -> None:  # type: ignore[no-untyped-def]
    ws, contact_id, now = new_id("ws"), new_id("ct"), utcnow()
    seen: list[str] = []
    identity = {"workspace_id": ws, "kind": "phone", "value": f"+9198{contact_id[-8:]}",
                "contact_id": contact_id, "source": "api", "created_at": now}

    async def fill(session) -> None:  # type: ignore[no-untyped-def]
        seen.append("callback")
        identity["source"] = "filled"

    async with db.session() as session:
        deferred.start(session)
        # the identity is held before the contact it references
        await deferred.write(session, plain_insert(session, ContactIdentity), [identity])
        assert deferred.before_send(session, "fill", fill)
        assert deferred.before_send(session, "fill", fill)  # once per key
        await deferred.write(session, plain_insert(session, Contact), [{
            "workspace_id": ws, "id": contact_id, "name": None, "traits": {}, "consent": {},
            "orders_count": 0, "total_spent": 0, "created_at": now, "updated_at": now}])
        await deferred.flush(session)
        assert not deferred.active(session)
    async with db.session() as session:
        stored = await session.get(ContactIdentity, (ws, "phone", identity["value"]))
    assert seen == ["callback"] and stored is not None and stored.source == "filled"


async def test_release_sends_what_is_held_and_keeps_deferring(db) -> None:  # type: ignore[no-untyped-def]
    ws = new_id("ws")
    first, second = _event(ws, 1), _event(ws, 2)
    async with db.session() as session:
        deferred.start(session)
        await deferred.write(session, plain_insert(session, Event), [first])
        await deferred.release(session)
        assert await session.scalar(select(Event.id).where(Event.id == first["id"])) == first["id"]
        await deferred.write(session, plain_insert(session, Event), [second])
        assert deferred.held(session, plain_insert(session, Event)) == [second]
        await deferred.flush(session)
    async with db.session() as session:
        count = len((await session.scalars(select(Event.id).where(Event.workspace_id == ws))).all())
    assert count == 2
