"""The lock that keeps two processes' group commits of one workspace apart, taken late.

Two batches of one brand take the same outlet invoice counters and contact rows, so on
PostgreSQL they queue on a per-workspace advisory lock rather than deadlock. A batch takes it
just before its first write, not when it starts: its reads (replays, identity owners, catalog
codes) and the Python that builds its rows hold nothing, and its counters, contacts and order
rows go out together at the end (``kit.deferred``). So while one API process sends its batch,
another builds its next one.

Reads made before the lock may be stale by the time the batch writes. Uniqueness still holds
(keys refuse a second owner or order), and the batch looks once more under the lock before its
identity inserts (``contacts.owners.check_unclaimed``); when another batch got there first it
raises ``deferred.Stale`` and the group commit runs the batch again with the lock taken first.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

_KEYS = "activereach.batch_lock.keys"  # on the pooled connection: advisory keys still to take
_LOCK = "SELECT pg_advisory_xact_lock(%s)"
# A plain read: SELECT without a row-locking clause. Anything else takes the lock first.
_READ = re.compile(r"\s*SELECT\b(?!.*\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b)",
                   re.IGNORECASE | re.DOTALL)


def install(engine: AsyncEngine) -> None:
    """Watch the engine's statements for a batch's first write (once per engine)."""
    if not event.contains(engine.sync_engine, "before_cursor_execute", _before_write):
        event.listen(engine.sync_engine, "before_cursor_execute", _before_write)


def lock_keys(workspace_ids: set[str]) -> list[int]:
    return [zlib.crc32(f"ingest:{workspace_id}".encode()) for workspace_id in sorted(workspace_ids)]


class BatchLock:
    """The advisory locks of one batch's transaction: armed at its start, taken at its first
    write (or ``take``), released by PostgreSQL at commit or rollback."""

    def __init__(self, connection: AsyncConnection, workspace_ids: set[str]) -> None:
        self._info = connection.sync_connection.info if connection.sync_connection else {}
        self._info[_KEYS] = lock_keys(workspace_ids)

    async def take(self, session: AsyncSession) -> None:
        """Take the locks now if no write has taken them yet."""
        for key in self._info.pop(_KEYS, None) or ():
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def disarm(self) -> None:
        """The batch is over; the pooled connection must not lock for its next user."""
        self._info.pop(_KEYS, None)


def _before_write(conn: Connection, cursor: Any, statement: str, parameters: Any,
                  context: Any, executemany: bool) -> None:
    keys = conn.info.get(_KEYS)
    if not keys or _READ.match(statement):
        return
    del conn.info[_KEYS]
    # A separate cursor, so the statement about to run keeps its own results.
    lock_cursor = conn.connection.cursor()
    try:
        for key in keys:
            lock_cursor.execute(_LOCK, (key,))
    finally:
        lock_cursor.close()
