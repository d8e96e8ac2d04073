"""The ASGI application: routers, error rendering, middleware and the in-process worker."""

from __future__ import annotations

import asyncio
import gc
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from activereach import __version__, wiring
from activereach.config import Settings, get_settings
from activereach.bills.api import router as bills_router
from activereach.bills.pages import bill_host_error
from activereach.bills.pages import router as bill_pages_router
from activereach.cashier.api import router as cashier_staff_router
from activereach.cashier.pages import router as cashier_router
from activereach.console import router as console
from activereach.contacts.api import router as contacts_router
from activereach.collect.api import router as collect_router
from activereach.destinations.api import router as destinations_router
from activereach.collect.sdk_errors import SdkErrorShape
from activereach.events.api import router as events_router
from activereach.jobs.worker import Worker
from activereach.kit.db import Database
from activereach.kit.errors import AppError
from activereach.kit.error_docs import ERROR_RESPONSES
from activereach.console.pages.catalog import UPLOAD_PATHS
from activereach.kit.middleware import BodyGuard, RequestMetrics
from activereach.kit.security_headers import SecurityHeaders
from activereach.kit import passwords
from activereach.kit.ratelimit import Limits, RateLimit
from activereach.kit.counters import LoopStorage
from activereach.console.errors import console_error
from activereach.kit.throttle import SignInThrottle
from activereach.loyalty.api import router as loyalty_router
from activereach.member_page.pages import router as member_page_router
from activereach.ops.api import router as ops_router
from activereach.ops.docs import mount_static
from activereach.ops.docs import router as docs_router
from activereach.orders.api import router as orders_router
from activereach.cashier.orders_api import router as pos_orders_router
from activereach.pipes.api import router as pipes_router
from activereach.messaging.api import router as messaging_router
from activereach.messaging.webhooks import router as messaging_webhooks_router
from activereach.catalog.api import router as catalog_router
from activereach.catalog.api_sync import router as catalog_sync_router
from activereach.tenancy.api import router as tenancy_router

log = structlog.get_logger(__name__)

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
              422: "invalid", 429: "rate_limited"}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "body")


async def _app_error(request: Request, exc: AppError) -> Response:
    if (page := bill_host_error(request, exc.status_code)) is not None:
        return page
    if (page := console_error(request, exc.status_code, exc.message)) is not None:
        return page
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return JSONResponse({"error": {"code": "malformed_json", "message": "body is not valid JSON",
                                       "details": [{"field": "body", "message": e.get("msg")}
                                                   for e in errors]}}, status_code=400)
    details = [{"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg")} for e in errors]
    first = details[0] if details else {"field": "body", "message": "invalid"}
    return JSONResponse({"error": {"code": "invalid", "message": f"{first['field']}: {first['message']}",
                                   "details": details}}, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    # A shopper's browser on a bill host gets the bill's HTML 404, never JSON.
    if (page := bill_host_error(request, exc.status_code)) is not None:
        return page
    if (page := console_error(request, exc.status_code, str(exc.detail))) is not None:
        return page
    code = HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse({"error": {"code": code, "message": str(exc.detail), "details": None}},
                        status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _unstorable(_: Request, exc: DataError) -> JSONResponse:
    # PostgreSQL refuses values SQLite stores (a NUL character in text, a number out of range):
    # the request is at fault, not the server (found by tests/fuzz).  First line only: no SQL.
    reason = str(exc.orig or "value cannot be stored").splitlines()[0]
    return JSONResponse({"error": {"code": "unstorable_value", "message": reason,
                                   "details": None}}, status_code=400)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", error_type=type(exc).__name__)
    return JSONResponse({"error": {"code": "internal", "message": "internal error", "details": None}},
                        status_code=500)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    wiring.install()
    passwords.configure(settings.hash_concurrency)   # argon2 threads, process-wide
    app = FastAPI(title="Active Reach POS integration", version=__version__,
                  lifespan=_lifespan(settings, database), docs_url=None, redoc_url=None,
                  responses=ERROR_RESPONSES)
    # Sign-in lockouts (console passwords, staff PINs, pairing codes), sized by the operator.
    app.state.throttle = SignInThrottle(settings.login_max_failures, settings.login_lockout_seconds,
                                        LoopStorage(settings.rate_limit_storage),
                                        settings.login_failure_delay_seconds)
    _add_error_handlers(app)
    _add_routes(app)
    _add_middleware(app, settings)
    return app


def _lifespan(settings: Settings, database: Database | None) -> Any:
    """The process's database, WAL checkpoints and in-process worker, for the app's life."""
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = database or Database(settings.resolved_database_url(), pgbouncer=settings.pgbouncer)
        app.state.db = db
        app.state.settings = settings
        stop = asyncio.Event()
        task = None
        checkpoints = db.start_wal_checkpoints()
        if database is None:
            # A server process: everything alive now (modules, routes, mappers: ~200k objects)
            # lives as long as it does, and a full collection walking them paused the loop
            # 30–190 ms, the p99 of every request. Frozen, they are never scanned again.
            gc.freeze()
            # Young collections every 20,000 allocations rather than 700: a group commit
            # allocates ~200k objects a second, and each collection costs a pause of its own.
            gc.set_threshold(20_000, 10, 10)
        if settings.worker_mode == "inprocess":
            worker = Worker(db, concurrency=settings.worker_concurrency,
                            lease_seconds=settings.job_lease_seconds,
                            poll_seconds=settings.worker_poll_seconds)
            app.state.worker = worker
            task = asyncio.create_task(worker.run_forever(stop))
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            if checkpoints is not None:
                checkpoints.stop()
            if database is None:
                await db.dispose()
    return lifespan


def _add_error_handlers(app: FastAPI) -> None:
    # why: Starlette types a handler as taking any Exception; each of these takes its own kind
    app.add_exception_handler(AppError, _app_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _unstorable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


def _add_routes(app: FastAPI) -> None:
    app.include_router(docs_router)
    mount_static(app)
    # Webhook deliveries are the hottest POST path: their routes are matched first.
    app.include_router(pipes_router)
    for router in (ops_router, orders_router, pos_orders_router, contacts_router, events_router,
                   collect_router, tenancy_router, bills_router, bill_pages_router,
                   member_page_router, loyalty_router, catalog_router, catalog_sync_router,
                   cashier_router, cashier_staff_router, messaging_router,
                   messaging_webhooks_router, destinations_router, console.router):
        app.include_router(router)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes, max_depth=settings.max_json_depth,
                       uploads=(UPLOAD_PATHS, settings.catalog_upload_max_bytes))
    console.add_session_middleware(app, settings)
    if settings.rate_limit_enabled:
        # Outside the body guard and the routers: a limited request is refused before any work.
        app.add_middleware(RateLimit, limits=Limits(settings.rate_limit_credential,
                                                    settings.rate_limit_address,
                                                    settings.rate_limit_webhook,
                                                    settings.rate_limit_storage))
    # Outside the rate limiter and the body guard: their refusals reach the SDKs readable too.
    app.add_middleware(SdkErrorShape)
    app.add_middleware(RequestMetrics)
    # Outermost: every HTML reply (console, cashier, docs, errors) gets the security headers.
    app.add_middleware(SecurityHeaders)
