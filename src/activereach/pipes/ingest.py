"""Processing one delivery: dedupe, fetch, map, drop stale versions, then the one ingest path.

Runs inside the job's transaction.  Each event's effects sit in a savepoint, so a mapping or
validation failure leaves nothing half-written and the delivery records why.  Transient errors
(the provider API is down) propagate: the job system retries with backoff, then dead-letters.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx2
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit import outbound
from activereach.kit.db import insert_ignore, utcnow
from activereach.kit.errors import AppError, Conflict, Unprocessable
from activereach.orders.cancel import cancel_order
from activereach.orders.read import find_order
from activereach.orders.refunds import refund_order
from activereach.orders.schemas import OrderIn, RefundIn
from activereach.orders.service import IngestSource, ingest_order
from activereach.pipes import rules, service
from activereach.pipes.mapping import MappingError, apply_overrides, plain
from activereach.pipes.models import Pipe, PipeEventSeen, PipeOrderState, WebhookDelivery
from activereach.pipes.providers import get_provider
from activereach.pipes.providers.base import Canonical, Context, Event, Provider, RefundSpec
from activereach.tenancy.models import Workspace
from activereach.tenancy.service import find_location

PRIORITY = ("processed", "held", "waiting", "failed", "stale", "duplicate", "ignored")


@dataclass
class Outcome:
    status: str
    reason: str = ""
    external_id: str | None = None
    order_id: str | None = None
    canonical: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


class _Rollback(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


@dataclass
class Run:
    session: AsyncSession
    ws: Workspace
    pipe: Pipe
    provider: Provider
    settings: dict[str, Any]


async def load_run(session: AsyncSession, ws: Workspace, pipe: Pipe) -> Run:
    settings = {**pipe.settings, "_mapping": pipe.mapping}
    if settings.get("api_base_url"):   # the access token is only used to call the provider
        secrets = await service.secret_values(session, pipe)
        if secrets.get("access_token"):
            settings["access_token"] = secrets["access_token"][0]
    return Run(session, ws, pipe, get_provider(pipe.provider or "custom"), settings)


@contextlib.asynccontextmanager
async def provider_client(run: Run) -> AsyncIterator[httpx2.AsyncClient]:
    """A client on the provider's API; without an ``api_base_url`` nothing can be fetched, so
    no client is built (building one costs milliseconds, which adds up over thousands of jobs).

    The client reaches only the provider's hosts and the operator's, at public addresses
    (kit/outbound.py): a URL saved before that check existed is refused at call time."""
    base = run.settings.get("api_base_url")
    if not base:
        # why: no api_base_url, no client; the Provider protocol (providers/base.py) types
        # fetch/poll's client as AsyncClient, so this and it become `AsyncClient | None` together
        yield None  # type: ignore[misc]
        return
    async with outbound.client(hosts=run.provider.hosts, base_url=base, timeout=10.0) as client:
        yield client


async def process_delivery(session: AsyncSession, workspace_id: str, delivery_id: str) -> None:
    delivery = await session.get(WebhookDelivery, (workspace_id, delivery_id), with_for_update=True)
    if delivery is None or delivery.status != "received":
        return
    pipe = await session.get(Pipe, (workspace_id, delivery.pipe_id))
    if pipe is None or pipe.status == "deleted":
        delivery.status, delivery.error = "ignored", "the pipe was deleted"
        return
    if pipe.status == "paused":
        return   # stays "received"; resuming the pipe queues it again
    ws = await session.get(Workspace, workspace_id)
    assert ws is not None
    run = await load_run(session, ws, pipe)
    delivery.attempts += 1
    events = run.provider.events(run.provider.parse(delivery.body), delivery.headers)
    async with provider_client(run) as client:
        outcomes = [await apply_event(run, event, client, delivery.id) for event in events]
    finish(delivery, outcomes)


def finish(delivery: WebhookDelivery, outcomes: list[Outcome]) -> None:
    now = utcnow()
    if not outcomes:
        outcomes = [Outcome("ignored", "no order or payment events in this delivery")]
    best = min(outcomes, key=lambda o: PRIORITY.index(o.status))
    delivery.status = best.status
    delivery.error = best.reason or None if best.status != "processed" else None
    delivery.order_id = best.order_id
    delivery.external_order_id = best.external_id or delivery.external_order_id
    delivery.processed_at = now
    delivery.result = {"events": [plain(asdict(o)) for o in outcomes]}
    if best.status == "processed" and delivery.event_time:
        delivery.latency_ms = max(0, int((now - delivery.event_time).total_seconds() * 1000))


async def _seen(run: Run, key: str) -> bool:
    return await run.session.get(PipeEventSeen, (run.ws.id, run.pipe.id, key)) is not None


async def _mark_seen(run: Run, key: str, delivery_id: str) -> None:
    await run.session.execute(insert_ignore(run.session, PipeEventSeen.__table__).values(
        workspace_id=run.ws.id, pipe_id=run.pipe.id, dedupe_key=key[:300],
        delivery_id=delivery_id, created_at=utcnow()))


def map_document(run: Run, document: dict[str, Any], customer: dict[str, Any] | None,
                 mapping: dict[str, str] | None = None) -> Canonical:
    mapping = run.pipe.mapping if mapping is None else mapping
    ctx = Context(currency=str(run.pipe.settings.get("currency") or run.ws.currency),
                  settings={**run.settings, "_mapping": mapping}, customer=customer)
    canonical = run.provider.to_canonical(document, ctx)
    if run.provider.name != "custom" and mapping:
        canonical = apply_overrides(canonical, mapping, document)
    bad = rules.nul_fields(canonical.order) + rules.nul_fields(
        [canonical.external_id, canonical.location_key], "keys")
    if bad:
        raise MappingError([{"field": f, "message": "contains a NUL character, which cannot be "
                             "stored"} for f in bad])
    return canonical


def summary(canonical: Canonical) -> dict[str, Any]:
    return {"external_id": canonical.external_id, "state": canonical.state,
            "version": canonical.version, "location_key": canonical.location_key,
            "order": canonical.order, "refunds": [asdict(r) for r in canonical.refunds]}


async def apply_event(run: Run, event: Event, client: httpx2.AsyncClient,
                      delivery_id: str) -> Outcome:
    if event.dedupe_key and await _seen(run, event.dedupe_key):
        return Outcome("duplicate", f"event {event.dedupe_key} was already applied", event.ref)
    document, customer = await run.provider.fetch(client, event, run.settings)
    if document is None:
        return Outcome("ignored", "the event names no order", event.ref)
    try:
        canonical = map_document(run, document, customer)
    except MappingError as exc:
        return Outcome("failed", f"mapping: {exc}", event.ref, errors=exc.errors)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        return Outcome("failed", f"mapping: {type(exc).__name__}: {exc}", event.ref)
    key = event.dedupe_key or f"{canonical.external_id}:{canonical.version}"
    if not event.dedupe_key and await _seen(run, key):
        return Outcome("duplicate", f"event {key} was already applied", canonical.external_id)
    if canonical.state == "refund":
        return await _apply_refund_event(run, canonical, key, delivery_id)
    location_id, reason = await resolve_location(run, canonical)
    if location_id is None and canonical.state == "completed":
        return Outcome("held", reason, canonical.external_id, canonical=summary(canonical))
    try:
        async with run.session.begin_nested():
            if await _stale(run, canonical):
                if await _seen(run, key):   # a twin applied it while we waited for the lock
                    return Outcome("duplicate", f"event {key} was already applied",
                                   canonical.external_id)
                await _mark_seen(run, key, delivery_id)
                return Outcome("stale", f"version {canonical.version} is not newer than the one "
                               "already applied", canonical.external_id)
            outcome = await _apply_state(run, canonical, location_id)
            if outcome.status == "failed":
                raise _Rollback(outcome)
            await _mark_seen(run, key, delivery_id)
    except _Rollback as rollback:
        return rollback.outcome
    return outcome


async def resolve_location(run: Run, canonical: Canonical) -> tuple[str | None, str]:
    settings = run.pipe.settings
    key = canonical.location_key
    outlet = (settings.get("location_map") or {}).get(key) if key is not None else None
    outlet = outlet or settings.get("default_location")
    if not outlet:
        return None, f"unmapped location {key!r}: add it to settings.location_map"
    location = await find_location(run.session, run.ws.id, outlet)
    if location is None:
        return None, f"location {key!r} maps to {outlet!r}, which is no outlet"
    return location.id, ""


async def lock_order_state(run: Run, external_id: str) -> PipeOrderState:
    """The per-order row every change of that order locks first (serialises concurrent workers)."""
    ids = {"workspace_id": run.ws.id, "pipe_id": run.pipe.id, "external_id": external_id}
    await run.session.execute(insert_ignore(run.session, PipeOrderState.__table__).values(
        **ids, version=-1, state="", updated_at=utcnow()))
    state = await run.session.scalar(select(PipeOrderState).filter_by(**ids).with_for_update())
    assert state is not None
    return state


async def _stale(run: Run, canonical: Canonical) -> bool:
    if canonical.version is None:
        return False
    state = await lock_order_state(run, canonical.external_id)
    if rules.is_stale(canonical.version, state.version):
        return True
    state.version, state.state, state.updated_at = canonical.version, canonical.state, utcnow()
    await run.session.flush()
    return False


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()]


def order_in(canonical: Canonical) -> OrderIn:
    return OrderIn.model_validate({**(canonical.order or {}), "location": None})


async def ingest(run: Run, canonical: Canonical, location_id: str | None) -> dict[str, Any]:
    """The one ingest path; a customer identity the workspace cannot parse is dropped, not fatal."""
    body = order_in(canonical)
    src = IngestSource(workspace=run.ws, source=run.pipe.id, event_source="webhook",
                       location_id=location_id)
    for _ in range(3):
        try:
            async with run.session.begin_nested():
                return await ingest_order(run.session, src, body)
        except IntegrityError:
            # Another worker created the same contact/identity meanwhile; it has committed
            # (the unique index waited for it), so the next try finds it.
            continue
        except Unprocessable as exc:
            field_name = ((exc.details or [{}])[0] or {}).get("field", "")
            if not (field_name.startswith("customer.") and body.customer):
                raise
            body = body.model_copy(update={"customer": body.customer.model_copy(
                update={field_name.split(".", 1)[1]: None})})
    return await ingest_order(run.session, src, body)


async def _apply_state(run: Run, canonical: Canonical, location_id: str | None) -> Outcome:
    base: dict[str, Any] = {"external_id": canonical.external_id, "canonical": summary(canonical)}
    order = await find_order(run.session, run.ws.id, source=run.pipe.id,
                             external_id=canonical.external_id)
    if canonical.state == "cancelled":
        if order is None:
            return Outcome("ignored", "cancelled before it completed: nothing to record", **base)
        await cancel_order(run.session, order, reason=canonical.reason, event_source="webhook")
        return Outcome("processed", "order cancelled", order_id=order.id, **base)
    if canonical.state != "completed":
        return Outcome("ignored", f"not completed ({canonical.reason})", **base)
    if order is None:
        try:
            result = await ingest(run, canonical, location_id)
        except ValidationError as exc:
            errors = _validation_errors(exc)
            return Outcome("failed", f"invalid canonical order: {errors[0]['field']}: "
                           f"{errors[0]['message']}", errors=errors, **base)
        except AppError as exc:
            return Outcome("failed", exc.message, errors=exc.details if isinstance(
                exc.details, list) else [], **base)
        order = await find_order(run.session, run.ws.id, source=run.pipe.id,
                                 external_id=canonical.external_id)
        assert order is not None and order.id == result["order_id"]
        await service.requeue(run.session, run.pipe, statuses=("waiting",),
                              external_order_id=canonical.external_id)
    failed = await apply_refunds(run, order, canonical.refunds)
    if failed:
        return Outcome("failed", failed, order_id=order.id, **base)
    return Outcome("processed", "", order_id=order.id, **base)


async def apply_refunds(run: Run, order: Any, refunds: list[RefundSpec]) -> str:
    """Apply refunds idempotently (by provider refund id); returns an error message or ''."""
    for spec in refunds:
        if order.status == "cancelled" or spec.amount <= 0:
            continue
        try:
            await refund_order(run.session, order, RefundIn(refund_id=spec.refund_id,
                                                            amount=spec.amount),
                               event_source="webhook")
        except Conflict as exc:
            if exc.code != "order_closed":
                return f"refund {spec.refund_id}: {exc.message}"
        except Unprocessable as exc:
            return f"refund {spec.refund_id}: {exc.message}"
    return ""


async def _apply_refund_event(run: Run, canonical: Canonical, key: str,
                              delivery_id: str) -> Outcome:
    if not canonical.refunds:
        return Outcome("ignored", canonical.reason or "no refund amount", canonical.external_id)
    orders = []
    for spec in canonical.refunds:
        target = spec.target or canonical.external_id
        # Locked first, so an ingest of the target running now either finishes before we look
        # or sees this delivery as waiting when it re-queues waiting refunds.
        await lock_order_state(run, target)
        order = await find_order(run.session, run.ws.id, source=run.pipe.id, external_id=target)
        if order is None:
            return Outcome("waiting", f"refund for order {target}, which is not ingested yet; "
                           "it runs when the order arrives", target)
        orders.append((order, spec))
    if await _seen(run, key):   # a twin applied it while we waited for the lock
        return Outcome("duplicate", f"event {key} was already applied", canonical.external_id)
    try:
        async with run.session.begin_nested():
            for order, spec in orders:
                failed = await apply_refunds(run, order, [spec])
                if failed:
                    raise _Rollback(Outcome("failed", failed, spec.target, order.id))
            await _mark_seen(run, key, delivery_id)
    except _Rollback as rollback:
        return rollback.outcome
    return Outcome("processed", "refund applied", orders[0][1].target, orders[0][0].id,
                   canonical=summary(canonical))
