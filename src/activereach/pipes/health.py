"""Sync health per pipe: status, last delivery, volumes, error rate and ingest latency.

Rejected deliveries are counted apart as well (``rejected``): those stored, and those refused
over the pipe's rejection budget and never written (``pipes/retention.py``), read from the
``suppressed_before`` count each stored rejection carries plus this process's pending count.

ActivePOS tills have no webhook log: their health is read from the orders they took
(``activepos_tills``), for every terminal, with or without a pipe row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.kit.db import utcnow
from activereach.orders.models import Order
from activereach.pipes import retention, rules, service
from activereach.pipes.models import WebhookDelivery
from activereach.tenancy.service import list_terminals

ERRORS = {"failed", "rejected", "held"}
MAX_SAMPLES = 20000


async def pipe_health(session: AsyncSession, ws_id: str, pipe_id: str, *, hours: int) -> dict[str, Any]:
    pipe = await service.get_pipe(session, ws_id, pipe_id)
    since = utcnow() - dt.timedelta(hours=hours)
    rows = (await session.execute(
        select(WebhookDelivery.status, WebhookDelivery.latency_ms, Job.status)
        .outerjoin(Job, Job.dedupe_key == WebhookDelivery.job_key)
        .where(WebhookDelivery.workspace_id == ws_id, WebhookDelivery.pipe_id == pipe_id,
               WebhookDelivery.received_at >= since)
        .order_by(WebhookDelivery.received_at.desc()).limit(MAX_SAMPLES))).all()
    by_status: dict[str, int] = {}
    latencies: list[float] = []
    for status, latency, job_status in rows:
        status = "dead" if status == "received" and job_status == "dead" else status
        by_status[status] = by_status.get(status, 0) + 1
        if latency is not None:
            latencies.append(float(latency))
    errors = sum(count for status, count in by_status.items() if status in ERRORS | {"dead"})
    last = (await session.execute(
        select(WebhookDelivery.received_at, WebhookDelivery.status)
        .where(WebhookDelivery.workspace_id == ws_id, WebhookDelivery.pipe_id == pipe_id)
        .order_by(WebhookDelivery.received_at.desc()).limit(1))).first()
    orders = await session.scalar(select(func.count()).select_from(Order).where(
        Order.workspace_id == ws_id, Order.source == pipe_id, Order.created_at >= since))
    rate = rules.error_rate(len(rows), errors)
    rejected = await _rejected(session, ws_id, pipe_id, since, by_status.get("rejected", 0))
    return {
        "pipe_id": pipe.id, "status": _status(pipe.status, rate, by_status), "period_hours": hours,
        "last_delivery_at": last[0].isoformat() if last else None,
        "last_delivery_status": last[1] if last else None,
        "deliveries": len(rows), "by_status": by_status, "orders": int(orders or 0),
        "errors": errors, "error_rate": rate,
        "latency_ms": {"avg": round(sum(latencies) / len(latencies), 1) if latencies else None,
                       "p95": rules.percentile(latencies, 95), "samples": len(latencies)},
        "dead_letters": by_status.get("dead", 0) + by_status.get("failed", 0),
        "rejected": rejected,
    }


async def _rejected(session: AsyncSession, ws_id: str, pipe_id: str, since: dt.datetime,
                    stored: int) -> dict[str, int]:
    """Rejections in the period: stored rows, and refusals over the budget that were not."""
    metas = (await session.scalars(
        select(WebhookDelivery.result)
        .where(WebhookDelivery.workspace_id == ws_id, WebhookDelivery.pipe_id == pipe_id,
               WebhookDelivery.status == "rejected", WebhookDelivery.received_at >= since)
        .limit(MAX_SAMPLES))).all()
    throttled = sum(int(((meta or {}).get("rejected") or {}).get("suppressed_before") or 0)
                    for meta in metas) + retention.REJECTED.pending(pipe_id)
    return {"stored": stored, "throttled": throttled, "total": stored + throttled}


def _status(pipe_status: str, rate: float, by_status: dict[str, int]) -> str:
    """active / paused / error: error when the recent error rate passes 20 % or anything is dead."""
    if pipe_status != "active":
        return pipe_status
    if rate > 0.2 or by_status.get("dead"):
        return "error"
    return "active"


async def activepos_tills(session: AsyncSession, ws_id: str, *, hours: int,
                          location_id: str | None = None) -> list[dict[str, Any]]:
    """The built-in ActivePOS source, one row per till: every terminal of the workspace (or of
    ``location_id``), whether or not a pipe row was ever made for it, with its orders in the
    last ``hours`` and its newest order; plus tills that took orders but have no terminal row
    (created before terminals were kept, or by the demo)."""
    since = utcnow() - dt.timedelta(hours=hours)
    query = (select(Order.location_id, Order.terminal_id, func.count(), func.max(Order.occurred_at))
             .where(Order.workspace_id == ws_id, Order.source == "activepos",
                    Order.occurred_at >= since)
             .group_by(Order.location_id, Order.terminal_id))
    if location_id is not None:
        query = query.where(Order.location_id == location_id)
    recent = {(loc, term): (int(count), _aware(last))
              for loc, term, count, last in (await session.execute(query)).all()}
    rows = []
    for terminal in await list_terminals(session, ws_id, location_id):
        count, last = recent.pop((terminal.location_id, terminal.terminal_id), (0, None))
        if last is None:
            last = await _newest(session, ws_id, terminal.location_id, terminal.terminal_id)
        rows.append({"location_id": terminal.location_id, "terminal_id": terminal.terminal_id,
                     "name": terminal.name, "terminal_pk": terminal.id, "orders": count,
                     "last_order_at": last, "paired": terminal.paired_at is not None,
                     "status": rules.till_status(terminal.status, terminal.paired_at is not None,
                                                 count)})
    for (loc, term), (count, last) in sorted(recent.items(), key=lambda kv: str(kv[0])):
        rows.append({"location_id": loc, "terminal_id": term, "name": "", "terminal_pk": None,
                     "orders": count, "last_order_at": last, "paired": True,
                     "status": rules.till_status("active", True, count)})
    return rows


async def _newest(session: AsyncSession, ws_id: str, location_id: str,
                  terminal_id: str) -> dt.datetime | None:
    """The till's newest order ever (one probe on the outlet's occurred_at index)."""
    return _aware(await session.scalar(
        select(Order.occurred_at).where(Order.workspace_id == ws_id,
                                        Order.location_id == location_id,
                                        Order.source == "activepos",
                                        Order.terminal_id == terminal_id)
        .order_by(Order.occurred_at.desc()).limit(1)))


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # an aggregate bypasses the column type on SQLite and comes back naive (UTC)
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment
