"""Test with a sample order: verification, mapping and the FULL ingest, always rolled back.

The run uses its own session and never commits, so it writes nothing; it reports the canonical
order, the ``order_completed`` properties, the loyalty and bill results it would produce,
per-field errors, and warnings for an order that would ingest but looks wrong for this brand
(another currency, a date far from today, SKUs the catalog does not know).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog.models import Product, Variant
from activereach.events.models import Event as EventRow
from activereach.kit.db import Database
from activereach.kit.errors import AppError
from activereach.orders.service import IngestSource, ingest_order
from activereach.pipes import ingest, rules, service
from activereach.pipes.mapping import MappingError, validate_mapping
from activereach.pipes.providers.base import Event, FetchError
from activereach.pipes.samples import localise, sample
from activereach.pipes.schemas import TestIn
from activereach.tenancy.models import Workspace

SAMPLE_ITEMS = 5


async def run_test(db: Database, ws: Workspace, pipe_id: str, body: TestIn) -> dict[str, Any]:
    # Same writer queue as every other transaction (SQLite has one writer), then roll back.
    lock = db._write_lock or contextlib.nullcontext()  # noqa: SLF001
    async with lock, db.sessionmaker() as session:
        try:
            return await _run(session, ws, pipe_id, body)
        finally:
            await session.rollback()


async def brand_sample(session: AsyncSession, ws: Workspace,
                       provider: str) -> tuple[bytes, str, str]:
    """The provider's documented sample, dated today, in the brand's currency and with lines
    named after the brand's own catalog (its first few products with a SKU), when it has one."""
    raw, kind, content_type = sample(provider)
    rows = (await session.execute(
        select(Product.title, Variant.name, Variant.sku)
        .join(Product, (Product.workspace_id == Variant.workspace_id)
              & (Product.id == Variant.product_id))
        .where(Variant.workspace_id == ws.id, Variant.sku.is_not(None), Variant.active,
               Variant.deleted_at.is_(None), Product.deleted_at.is_(None))
        .order_by(Product.title, Variant.position).limit(SAMPLE_ITEMS))).all()
    items = [(f"{title} ({name})" if name and name != title else title, sku)
             for title, name, sku in rows]
    return localise(raw, ws.currency, items), kind, content_type


async def known_skus(session: AsyncSession, ws_id: str, skus: set[str]) -> set[str] | None:
    """Which of ``skus`` the catalog has; None when the brand keeps no catalog at all."""
    if await session.scalar(select(Variant.id).where(Variant.workspace_id == ws_id).limit(1)) \
            is None:
        return None
    if not skus:
        return set()
    return {str(sku) for sku in (await session.scalars(select(Variant.sku).where(
        Variant.workspace_id == ws_id, Variant.sku.in_(sorted(skus))))).all()}


async def _raw(session: AsyncSession, ws: Workspace, body: TestIn,
               provider: str) -> tuple[bytes, str, str]:
    if body.payload is None:
        return await brand_sample(session, ws, provider)
    raw = body.payload.encode() if isinstance(body.payload, str) else json.dumps(body.payload).encode()
    return raw, body.payload_kind or "webhook", body.headers.get("content-type", "")


async def _run(session: AsyncSession, ws: Workspace, pipe_id: str, body: TestIn) -> dict[str, Any]:
    pipe = await service.get_pipe(session, ws.id, pipe_id)
    if pipe.kind != "webhook":
        raise AppError("only webhook pipes can be tested with a sample", code="not_a_webhook_pipe")
    run = await ingest.load_run(session, ws, pipe)
    raw, kind, _ = await _raw(session, ws, body, run.provider.name)
    out: dict[str, Any] = {"sample": body.payload is None, "payload_kind": kind, "errors": [],
                           "verification": {"checked": False}, "would_ingest": False}
    if body.verify:
        held = await service.secret_values(session, pipe)
        secrets = held.get(run.provider.signing_secret, [])
        headers = {k.lower(): v for k, v in body.headers.items()}
        verdict = run.provider.verify(raw, headers, secrets, pipe.settings)
        out["verification"] = {"checked": True, "ok": verdict.ok, "reason": verdict.reason}
    mapping = pipe.mapping if body.mapping is None else body.mapping
    if errors := validate_mapping(mapping):
        out["errors"] += errors
        return out
    document, customer = await _document(run, raw, kind, body.headers, out)
    if document is None:
        return out
    try:
        canonical = ingest.map_document(run, document, customer, mapping)
    except MappingError as exc:
        out["errors"] += exc.errors
        return out
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        out["errors"].append({"field": "payload", "message": f"{type(exc).__name__}: {exc}"})
        return out
    out["canonical"] = ingest.summary(canonical)
    if canonical.state != "completed":
        out["errors"].append({"field": "status", "message": f"would not ingest: {canonical.reason}"})
        return out
    location_id, reason = await ingest.resolve_location(run, canonical)
    if location_id is None:
        out["errors"].append({"field": "location", "message": reason})
    await _ingest(session, ws, pipe.id, canonical, location_id, out)
    return out


async def _document(run: ingest.Run, raw: bytes, kind: str, headers: dict[str, str],
                    out: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    try:
        parsed = run.provider.parse(raw)
        if kind == "order":
            return parsed, None
        events = run.provider.events(parsed, {k.lower(): v for k, v in headers.items()})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        out["errors"].append({"field": "payload", "message": f"{type(exc).__name__}: {exc}"})
        return None, None
    if not events:
        out["errors"].append({"field": "payload", "message": "no order events in this payload"})
        return None, None
    event: Event = events[0]
    try:
        async with ingest.provider_client(run) as client:
            return await run.provider.fetch(client, event, run.settings)
    except FetchError as exc:
        out["errors"].append({"field": "fetch", "message": f"{exc}; paste the provider's order "
                              "document with payload_kind 'order' to test without the API"})
        return None, None


async def _ingest(session: AsyncSession, ws: Workspace, pipe_id: str, canonical: Any,
                  location_id: str | None, out: dict[str, Any]) -> None:
    try:
        order_in = ingest.order_in(canonical)
    except ValidationError as exc:
        out["errors"] += ingest._validation_errors(exc)  # noqa: SLF001
        return
    out["order"] = order_in.model_dump(mode="json", exclude_none=True)
    skus = {str(line["sku"]) for line in out["order"].get("lines") or [] if line.get("sku")}
    out["warnings"] = rules.ingest_warnings(
        out["order"], brand_currency=ws.currency, now=dt.datetime.now(dt.UTC),
        known_skus=await known_skus(session, ws.id, skus))
    src = IngestSource(workspace=ws, source=f"test:{pipe_id}", event_source="webhook",
                       location_id=location_id)
    try:
        result = await ingest_order(session, src, order_in)
    except AppError as exc:
        out["errors"] += exc.details if isinstance(exc.details, list) else [
            {"field": "order", "message": exc.message}]
        return
    event = await session.scalar(select(EventRow).where(
        EventRow.workspace_id == ws.id, EventRow.message_id == f"order_completed:{result['order_id']}"))
    out.update({"would_ingest": not out["errors"], "result": result,
                "order_completed": event.properties if event else None,
                "loyalty": result.get("loyalty"), "bill": result.get("bill")})
