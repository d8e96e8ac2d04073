"""The lock that keeps two processes' group commits of one workspace apart, taken late.

Two batches of one brand take the same outlet invoice counters and contact rows, so on
PostgreSQL they queue on a per-workspace advisory lock rather than deadlock. A batch takes it
just before its first write, not when it starts: its reads (replays, identity owners, catalog
codes) and the Python that builds its rows hold nothing, and its counters, contacts and order
rows go out together at the end (``kit.deferred``). So while one API process sends its batch,
another builds its next one.

The lock is taken by explicit calls, never by reading SQL text:
- the deferral calls ``take`` before it sends anything it holds (``before_first_write``), the
  executemany and the COPY alike;
- the writes ingest code makes through the session itself (a unit-of-work flush; an INSERT,
  UPDATE or DELETE; a SELECT … FOR UPDATE) call it from the session's own events, which see
  each statement's kind, before the statement runs.

Reads made before the lock may be stale by the time the batch writes. Uniqueness still holds
(keys refuse a second owner or order), and the batch looks once more under the lock before its
identity inserts (``contacts.owners.check_unclaimed``); when another batch got there first it
raises ``deferred.Stale`` and the group commit runs the batch again with the lock taken first.
"""

from __future__ import annotations

import zlib
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def lock_keys(workspace_ids: set[str]) -> list[int]:
    return [zlib.crc32(f"ingest:{workspace_id}".encode()) for workspace_id in sorted(workspace_ids)]


def _writes(state: ORMExecuteState) -> bool:
    """Whether a statement the session runs writes or locks rows (anything but a plain read)."""
    if not state.is_select:
        return True
    # a row-locking read (SELECT … FOR UPDATE / FOR SHARE) queues like a write
    return getattr(state.statement, "_for_update_arg", None) is not None


class BatchLock:
    """The advisory locks of one batch's transaction: armed at its start, taken once before its
    first write, released by PostgreSQL at commit or rollback."""

    def __init__(self, session: AsyncSession, workspace_ids: set[str]) -> None:
        self._session = session.sync_session
        self._keys = lock_keys(workspace_ids)
        self.taken = False
        event.listen(self._session, "do_orm_execute", self._on_execute)
        event.listen(self._session, "before_flush", self._on_flush)

    async def take(self, session: AsyncSession) -> None:
        """Take the locks now if nothing has yet."""
        if not self.taken:
            self.taken = True
            connection = await session.connection()
            for key in self._keys:
                await connection.execute(_LOCK, {"key": key})

    def disarm(self) -> None:
        """The batch is over: stop watching its session."""
        for name, listener in (("do_orm_execute", self._on_execute),
                               ("before_flush", self._on_flush)):
            if event.contains(self._session, name, listener):
                event.remove(self._session, name, listener)

    def _take_now(self, session: Session) -> None:
        # Inside the session's own (greenlet-bridged) call, so the sync API runs the statement.
        if not self.taken:
            self.taken = True
            connection = session.connection()
            for key in self._keys:
                connection.execute(_LOCK, {"key": key})

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not self.taken and _writes(state):
            self._take_now(state.session)

    def _on_flush(self, session: Session, flush_context: Any, instances: Any) -> None:
        self._take_now(session)
