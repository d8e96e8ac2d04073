"""Enqueueing jobs inside the caller's transaction (the outbox half of the pattern)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.jobs.registry import DEFAULT_RETRY_DELAYS, get_spec
from activereach.kit import deferred
from activereach.kit.db import plain_insert, statement, utcnow

# Held jobs without a dedupe key are all distinct rows: each gets a key of its own.
_SEQUENCE = itertools.count()


async def enqueue(session: AsyncSession, *, kind: str, workspace_id: str | None,
                  payload: dict[str, Any], dedupe_key: str | None = None,
                  run_at: dt.datetime | None = None, fresh: bool = False) -> None:
    """Add a job to the current transaction; with ``dedupe_key``, at most one such job ever.

    ``fresh``: the key names a row this transaction creates (a new order's receipt), so no job
    can hold it yet: a plain insert, which a group commit sends by COPY with the rest, and
    which fails loudly rather than skip if that were ever untrue."""
    spec = get_spec(kind)
    row = {
        "kind": kind,
        "workspace_id": workspace_id,
        "payload": payload,
        "status": "queued",
        "run_at": run_at or utcnow(),
        "attempts": 0,
        "retry_delays": list(spec.retry_delays if spec else DEFAULT_RETRY_DELAYS),
        "dedupe_key": dedupe_key,
        "created_at": utcnow(),
    }
    table = Job.__table__
    stmt = (plain_insert(session, Job) if dedupe_key is None or fresh
            else statement(session, ("jobs.insert_ignore",),
                           lambda d: d.insert(table).on_conflict_do_nothing()))
    # Inside a deferral (a worker batch, a group commit) the row waits for the batch's end.
    key = ("dedupe", dedupe_key) if dedupe_key else ("job", next(_SEQUENCE))
    await deferred.write(session, stmt, row, key=key, duplicate=deferred.KEEP_FIRST)
