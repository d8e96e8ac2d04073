"""The webhook inbox: store every delivery raw before replying; list, inspect and replay them."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.config import get_settings
from activereach.kit import batching
from activereach.kit.db import unit_of_work, utcnow
from activereach.kit.errors import AppError, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.orders.models import Order
from activereach.pipes import retention, service
from activereach.pipes.models import Pipe, WebhookDelivery
from activereach.pipes.providers import get_provider

log = structlog.get_logger(__name__)

# Headers kept with a delivery: signatures and event metadata (credentials are scrubbed).
MAX_HEADER_VALUE = 2000
REPLAYABLE = ("failed", "held", "waiting", "received")


@dataclass
class Receipt:
    status_code: int
    body: dict[str, Any]


async def _reject(session: AsyncSession, pipe: Pipe, raw: bytes, headers: Mapping[str, str],
                  verdict: Any, status: tuple[int, str, str]) -> Receipt:
    """A refused delivery: metadata and a body prefix stored, unless the pipe is over its budget
    of rejections (``retention``), in which case nothing is written and the answer is 429."""
    code, kind, message = status
    budget = await retention.REJECTED.hit(pipe.id)
    if not budget.allowed:
        return Receipt(429, {"error": {
            "code": "rate_limited", "message": "too many rejected deliveries for this pipe; "
            f"this one was not stored ({kind}: {message})"[:500],
            "details": {"retry_after": budget.retry_after}}})
    body, meta = retention.rejected_body(raw, get_settings().rejected_body_prefix_bytes)
    delivery = WebhookDelivery(
        workspace_id=pipe.workspace_id, id=new_id("dlv"), pipe_id=pipe.id, received_at=utcnow(),
        body=body, headers=retention.rejected_headers(headers),
        content_type=headers.get("content-type", "")[:200], verified=verdict.ok,
        verification=verdict.reason[:500], status="rejected", attempts=0, error=message,
        result={"rejected": {**meta, "code": kind,
                             "suppressed_before": budget.suppressed_before}}, runs=0)
    session.add(delivery)
    return Receipt(code, {"error": {"code": kind, "message": message,
                                    "details": {"delivery_id": delivery.id}}})


async def _pipe_and_secrets(session: AsyncSession, pipe_id: str,
                            cache: dict[str, Any]) -> tuple[Pipe, list[str]]:
    """The pipe and its valid signing secrets, from this batch, the process cache or the DB.

    The process cache lives ``service.PIPE_CACHE_SECONDS`` and is dropped by every change made
    through this process; another process sees a change within that window (a paused pipe's
    delivery is then still stored, and its job leaves it for the resume).
    """
    if pipe_id in cache:
        return cache[pipe_id]
    found = service.cached_pipe(pipe_id)
    if found is None:
        pipe = await session.scalar(select(Pipe).where(Pipe.id == pipe_id))
        if pipe is None or pipe.status == "deleted" or pipe.kind != "webhook" or not pipe.provider:
            raise NotFound(f"no webhook pipe {pipe_id!r}")
        name = get_provider(pipe.provider).signing_secret
        found = (pipe, (await service.secret_values(session, pipe)).get(name, []))
        service.cache_pipe(pipe_id, found)
    cache[pipe_id] = found
    return found


async def receive(session: AsyncSession, pipe_id: str, raw: bytes,
                  headers: Mapping[str, str], cache: dict[str, Any] | None = None) -> Receipt:
    """Verify, store and enqueue one delivery in the caller's (short) transaction.

    ``cache`` shares the pipe and its secrets between the deliveries of one group commit.
    """
    pipe, secrets = await _pipe_and_secrets(session, pipe_id, {} if cache is None else cache)
    provider = get_provider(pipe.provider or "custom")
    kept = {k.lower(): v[:MAX_HEADER_VALUE] for k, v in headers.items()}
    content_type = kept.get("content-type", "")
    verdict = provider.verify(raw, kept, secrets, pipe.settings)
    if not verdict.ok:
        return await _reject(session, pipe, raw, kept, verdict, (
            401, "bad_signature", f"signature check failed: {verdict.reason}"))
    if verdict.reply is None and provider.content_type not in content_type.lower():
        return await _reject(session, pipe, raw, kept, verdict, (
            415, "unsupported_media_type",
            f"content type must be {provider.content_type}, got {content_type or 'none'}"))
    events = []
    if verdict.reply is None:
        try:
            events = provider.events(provider.parse(raw), kept)
        except (ValueError, LookupError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            return await _reject(session, pipe, raw, kept, verdict, (
                400, "malformed_payload",
                f"malformed {provider.name} payload: {type(exc).__name__}: {exc}"[:500]))
    # Stored headers are scrubbed of credentials; verification above used them as sent.
    delivery = WebhookDelivery(
        workspace_id=pipe.workspace_id, id=new_id("dlv"), pipe_id=pipe.id, received_at=utcnow(),
        body=raw, headers=retention.scrub_headers(kept), content_type=content_type[:200],
        verified=True, verification=verdict.reason, status="received", attempts=0, result={},
        runs=0)
    session.add(delivery)
    if verdict.reply is not None:
        delivery.status = "ignored"
        delivery.error = "provider verification request"
        await session.execute(update(Pipe).where(
            Pipe.workspace_id == pipe.workspace_id, Pipe.id == pipe.id).values(
            verification_code=verdict.reply.get("verification_code")))
        service.forget_pipe(pipe.id)
        return Receipt(200, {"received": True, "delivery_id": delivery.id, **verdict.reply})
    if events:
        first = events[0]
        delivery.dedupe_key = first.dedupe_key or None
        delivery.event_time = first.event_time
        delivery.external_order_id = first.ref
    if pipe.status == "active":
        await service.enqueue_delivery(session, delivery)
    return Receipt(200, {"received": True, "delivery_id": delivery.id})


def _effective(delivery: WebhookDelivery, job: Job | None) -> dict[str, Any]:
    status, error, attempts = delivery.status, delivery.error, delivery.attempts
    if job is not None and delivery.status == "received":
        if job.status == "dead":
            status, error, attempts = "dead", job.last_error, job.attempts
        elif job.status == "queued" and job.attempts > 0:
            status, error, attempts = "retrying", job.last_error, job.attempts
    return {"status": status, "error": error, "attempts": attempts}


def delivery_out(delivery: WebhookDelivery, job: Job | None,
                 detail: bool = False) -> dict[str, Any]:
    out = {
        "id": delivery.id, "pipe_id": delivery.pipe_id,
        "received_at": delivery.received_at.isoformat(), "verified": delivery.verified,
        "verification": delivery.verification, "dedupe_key": delivery.dedupe_key,
        "external_order_id": delivery.external_order_id, "order_id": delivery.order_id,
        "event_time": delivery.event_time.isoformat() if delivery.event_time else None,
        "processed_at": delivery.processed_at.isoformat() if delivery.processed_at else None,
        "latency_ms": delivery.latency_ms, "content_type": delivery.content_type,
        **_effective(delivery, job),
    }
    if detail:
        try:
            out["raw_payload"] = delivery.body.decode("utf-8")
        except UnicodeDecodeError:
            out["raw_payload_base64"] = base64.b64encode(delivery.body).decode()
        # Scrubbed again on the way out: rows stored before scrubbing keep nothing readable.
        out["headers"] = retention.scrub_headers(delivery.headers or {})
        out["mapping_result"] = delivery.result
    return out


def _joined(ws_id: str, pipe_id: str) -> Any:
    return (select(WebhookDelivery, Job)
            .outerjoin(Job, Job.dedupe_key == WebhookDelivery.job_key)
            .where(WebhookDelivery.workspace_id == ws_id, WebhookDelivery.pipe_id == pipe_id))


def _dead_clause() -> Any:
    return or_(WebhookDelivery.status == "failed",
               and_(WebhookDelivery.status == "received", Job.status == "dead"))


async def list_deliveries(session: AsyncSession, ws_id: str, pipe_id: str, *,
                          status: str | None, limit: int, before: str | None,
                          location_id: str | None = None) -> list[dict[str, Any]]:
    """Newest first; ``location_id`` keeps deliveries whose order landed at that outlet."""
    await service.get_pipe(session, ws_id, pipe_id)
    query = _joined(ws_id, pipe_id)
    if location_id is not None:
        query = query.join(Order, and_(Order.workspace_id == WebhookDelivery.workspace_id,
                                       Order.id == WebhookDelivery.order_id)).where(
            Order.location_id == location_id)
    if status == "dead":
        query = query.where(_dead_clause())
    elif status == "retrying":
        query = query.where(WebhookDelivery.status == "received", Job.status == "queued",
                            Job.attempts > 0)
    elif status:
        query = query.where(WebhookDelivery.status == status)
    if before:
        query = query.where(WebhookDelivery.id < before)
    rows = await session.execute(query.order_by(WebhookDelivery.id.desc()).limit(limit))
    return [delivery_out(d, j) for d, j in rows.all()]


async def get_delivery(session: AsyncSession, ws_id: str, pipe_id: str,
                       delivery_id: str) -> dict[str, Any]:
    row = (await session.execute(_joined(ws_id, pipe_id).where(
        WebhookDelivery.id == delivery_id))).first()
    if row is None:
        raise NotFound(f"no delivery {delivery_id!r} on pipe {pipe_id!r}")
    return delivery_out(row[0], row[1], detail=True)


async def replay(session: AsyncSession, ws_id: str, pipe_id: str, delivery_id: str) -> dict[str, Any]:
    await service.get_pipe(session, ws_id, pipe_id)
    delivery = await session.get(WebhookDelivery, (ws_id, delivery_id))
    if delivery is None or delivery.pipe_id != pipe_id:
        raise NotFound(f"no delivery {delivery_id!r} on pipe {pipe_id!r}")
    if not delivery.verified or delivery.status == "rejected":
        raise Unprocessable.field("delivery_id", "a rejected delivery is never processed")
    delivery.status = "received"
    delivery.error = None
    await service.enqueue_delivery(session, delivery)
    return {"delivery_id": delivery.id, "status": "received", "replayed": True}


async def replay_all(session: AsyncSession, ws_id: str, pipe_id: str,
                     status: str | None) -> dict[str, Any]:
    """Replay every dead-lettered (or given-status) delivery of the pipe."""
    await service.get_pipe(session, ws_id, pipe_id)
    query = _joined(ws_id, pipe_id)
    query = query.where(_dead_clause()) if status in (None, "dead") else \
        query.where(WebhookDelivery.status == status)
    rows = (await session.execute(query.limit(5000))).all()
    for delivery, _ in rows:
        delivery.status = "received"
        delivery.error = None
        await service.enqueue_delivery(session, delivery)
    return {"replayed": len(rows)}


@dataclass(frozen=True)
class _Delivery:
    pipe_id: str
    raw: bytes
    headers: dict[str, str]


class GroupCommit:
    """Deliveries arriving together are stored in one transaction (``kit.batching``).

    Each request still waits until its own delivery is committed before it is answered, so
    "persisted before the 2xx" holds; but 64 concurrent senders share a handful of commits
    instead of queueing for 64 (SQLite has one writer; PostgreSQL saves the fsyncs). A batch
    the database refuses (after ``unit_of_work``'s retries) is stored delivery by delivery, so
    one bad delivery or a passing outage never fails the senders that came with it.
    """

    MAX_BATCH = 128

    def __init__(self, db: Any, on_commit: Callable[[], None] | None = None) -> None:
        self.db = db
        self.on_commit = on_commit
        self._group: batching.GroupCommit[_Delivery, Receipt] = batching.GroupCommit(
            together=self._together, alone=self._alone, max_batch=self.MAX_BATCH,
            on_fallback=lambda exc: log.info("webhook batch fell back to single deliveries",
                                             error=type(exc).__name__))

    async def submit(self, pipe_id: str, raw: bytes, headers: dict[str, str]) -> Receipt:
        return await self._group.submit(_Delivery(pipe_id, raw, headers))

    async def _together(self, batch: list[_Delivery]) -> list[Receipt | AppError]:
        results = await unit_of_work(self.db, lambda s: _receive_many(s, batch))
        self._committed()
        return results

    async def _alone(self, delivery: _Delivery) -> Receipt:
        receipt = await unit_of_work(self.db, lambda s: receive(
            s, delivery.pipe_id, delivery.raw, delivery.headers))
        self._committed()
        return receipt

    def _committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()


async def _receive_many(session: AsyncSession, batch: list[_Delivery]) -> list[Receipt | AppError]:
    results: list[Receipt | AppError] = []
    cache: dict[str, Any] = {}
    for delivery in batch:
        try:
            results.append(await receive(session, delivery.pipe_id, delivery.raw,
                                         delivery.headers, cache))
        except AppError as exc:   # raised before anything is written (unknown pipe)
            results.append(exc)
    return results
