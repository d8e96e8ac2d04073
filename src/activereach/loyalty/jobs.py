"""Scheduled loyalty work: activation and expiry sweeps, and hold TTLs (all idempotent)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.jobs.registry import job
from activereach.kit.db import utcnow
from activereach.loyalty import earning, holds


@job("loyalty.activate")
async def activate(session: AsyncSession, job_row: Job) -> None:
    """Pending lots whose return window has ended become available."""
    assert job_row.workspace_id is not None
    await earning.activate_due(session, job_row.workspace_id, utcnow())


@job("loyalty.expire")
async def expire(session: AsyncSession, job_row: Job) -> None:
    """Lots past their expiry lose what remains, with an ``expire`` ledger entry each."""
    assert job_row.workspace_id is not None
    await earning.expire_due(session, job_row.workspace_id, utcnow())


@job("loyalty.expire_hold")
async def expire_hold(session: AsyncSession, job_row: Job) -> None:
    assert job_row.workspace_id is not None
    await holds.expire_hold(session, job_row.workspace_id, str(job_row.payload["hold_id"]))
