"""Liveness, readiness (database reachable and migrated) and Prometheus metrics."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from activereach.ops.migrate import head_revisions

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    db = request.app.state.db
    try:
        async with db.engine.connect() as conn:
            current = await conn.run_sync(
                lambda sync_conn: set(MigrationContext.configure(sync_conn).get_current_heads()))
    except Exception as exc:  # any failure to reach the database means not ready
        return JSONResponse({"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
                            status_code=503)
    heads = head_revisions()
    if current != heads:
        return JSONResponse({"status": "unavailable",
                             "migrations": {"current": sorted(current), "heads": sorted(heads)}},
                            status_code=503)
    return JSONResponse({"status": "ok", "migrations": {"current": sorted(current)}})


@router.get("/metrics", response_class=PlainTextResponse)  # documented as text, not JSON
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
