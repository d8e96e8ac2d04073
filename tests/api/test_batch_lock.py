"""The group commit's lock is taken by explicit calls before the batch's first write — the
deferral's send (executemany or COPY) and the session's own writes — never by reading SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import column, select, text, update

from activereach.contacts.models import Contact
from activereach.events.models import Event
from activereach.kit import deferred
from activereach.kit.db import plain_insert, utcnow
from activereach.kit.ids import new_id
from activereach.orders.batch_lock import BatchLock

ADVISORY = text("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid() AND granted").columns(column("n"))  # a plain read


def _events(ws: str, count: int) -> list[dict]:
    when = utcnow() - dt.timedelta(minutes=5)
    return [{"workspace_id": ws, "id": new_id("ev"), "message_id": new_id("m"), "type": "track",
             "name": "order_completed", "timestamp": when, "received_at": when,
             "contact_id": None, "location_id": None, "source": "api", "properties": {}}
            for _ in range(count)]


async def test_a_released_batch_takes_its_lock_before_its_first_row(db) -> None:
    """Three held rows go out by COPY on PostgreSQL (one executemany on SQLite); the lock
    comes first either way, taken once."""
    ws, calls = new_id("ws"), []
    async with db.session() as session:
        lock = None if db.is_sqlite else BatchLock(session, {ws})

        async def take(s) -> None:  # type: ignore[no-untyped-def]
            count = await s.scalar(select(Event.id).where(Event.workspace_id == ws).limit(1))
            calls.append(count)   # nothing of the batch is in the table yet
            if lock is not None:
                await lock.take(s)
        try:
            deferred.start(session, reads_unlocked=True, before_first_write=take)
            await deferred.write(session, plain_insert(session, Event), _events(ws, 3))
            await deferred.release(session)
            if lock is not None:
                assert await session.scalar(ADVISORY) == 1
            await deferred.write(session, plain_insert(session, Event), _events(ws, 2))
            await deferred.flush(session)
        finally:
            if lock is not None:
                lock.disarm()
        stored = (await session.scalars(select(Event.id).where(Event.workspace_id == ws))).all()
    assert calls == [None] and len(stored) == 5


async def test_the_sessions_own_writes_take_the_lock_and_plain_reads_do_not(db) -> None:
    if db.is_sqlite:   # one writer at a time: SQLite batches need no advisory lock
        assert db.engine.dialect.name == "sqlite"
        return
    ws = new_id("ws")
    for write in ("update", "for_update", "flush"):
        async with db.session() as session:
            lock = BatchLock(session, {ws})
            try:
                await session.scalar(select(Contact.id).where(Contact.workspace_id == ws))
                assert await session.scalar(ADVISORY) == 0, "a plain read took the lock"
                if write == "update":
                    await session.execute(update(Contact).where(Contact.workspace_id == ws)
                                          .values(name="x"))
                elif write == "for_update":
                    await session.scalar(select(Contact).where(Contact.workspace_id == ws)
                                         .with_for_update())
                else:
                    now = utcnow()
                    session.add(Contact(workspace_id=ws, id=new_id("ct"), traits={}, consent={},
                                        orders_count=0, total_spent=0, created_at=now,
                                        updated_at=now))
                    await session.flush()
                assert lock.taken and await session.scalar(ADVISORY) == 1, write
            finally:
                lock.disarm()
            await session.rollback()
