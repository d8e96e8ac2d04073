"""Pipes test fixtures: a real local HTTP server speaking each provider's documented API, signing
helpers that build deliveries the way each provider signs them, and a pipe factory."""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime as dt
import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from activereach.jobs.worker import Worker
from activereach.pipes.samples import restamp, sample
from tests.support import ago, serve_in_thread

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pos-webhooks"
TOKEN = "api-token-1"
# Provider timestamps are this hour (in New York, where the sample stores are) plus minutes:
# recent on any day the suite runs, and ordered the way each test needs.
HOUR = ago(hours=6, tz="America/New_York").replace(minute=0, second=0, microsecond=0)


def stamp(minutes: int = 0) -> str:
    """``2026-11-25T10:00:00-05:00`` style (Shopify, Lightspeed), ``minutes`` after HOUR."""
    return (HOUR + dt.timedelta(minutes=minutes)).isoformat()


def zulu(minutes: int = 0) -> str:
    """``2026-11-25T15:00:00Z`` style (Square, Shopify's triggered-at header)."""
    return (HOUR + dt.timedelta(minutes=minutes)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def toast_stamp(minutes: int = 0) -> str:
    """``2026-11-25T15:00:00.000+0000`` (Toast's format)."""
    moment = (HOUR + dt.timedelta(minutes=minutes)).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def fixture(name: str) -> Any:
    # Provider docs' payloads are dated 2017–2021: moved to today (``restamp``), or the ingest
    # time bounds would refuse them.
    return json.loads(restamp((FIXTURES / name).read_bytes()))


def sample_json(provider: str) -> Any:
    return json.loads(sample(provider)[0])


class ProviderApi:
    """In-memory provider state served over HTTP; tests put orders in, the pipe fetches them."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}       # "square:ID" → order document
        self.customers: dict[str, dict[str, Any]] = {}
        self.sales: list[dict[str, Any]] = []             # Lightspeed X sales feed
        self.fail = False
        self.calls: list[str] = []
        self.url = ""

    def _guard(self, request: Request) -> JSONResponse | None:
        self.calls.append(f"{request.method} {request.url.path}")
        if self.fail:
            return JSONResponse({"errors": [{"code": "SERVICE_UNAVAILABLE"}]}, status_code=503)
        auth = request.headers.get("authorization") or f"Bearer {request.headers.get('x-shopify-access-token')}"
        if auth != f"Bearer {TOKEN}":
            return JSONResponse({"errors": [{"code": "UNAUTHORIZED"}]}, status_code=401)
        return None

    def app(self) -> Starlette:
        async def square_order(request: Request) -> JSONResponse:
            if (bad := self._guard(request)) is not None:
                return bad
            order = self.orders.get(f"square:{request.path_params['oid']}")
            if order is None:
                return JSONResponse({"errors": [{"code": "NOT_FOUND"}]}, status_code=404)
            return JSONResponse({"order": order})

        async def square_customer(request: Request) -> JSONResponse:
            if (bad := self._guard(request)) is not None:
                return bad
            return JSONResponse({"customer": self.customers[request.path_params["cid"]]})

        async def square_search(request: Request) -> JSONResponse:
            if (bad := self._guard(request)) is not None:
                return bad
            body = await request.json()
            start = body["query"]["filter"]["date_time_filter"]["updated_at"]["start_at"]
            found = sorted((o for k, o in self.orders.items() if k.startswith("square:")
                            and o["location_id"] in body["location_ids"]
                            and o["updated_at"] >= start), key=lambda o: o["updated_at"])
            return JSONResponse({"orders": found})

        async def clover_order(request: Request) -> JSONResponse:
            if (bad := self._guard(request)) is not None:
                return bad
            order = self.orders.get(f"clover:{request.path_params['oid']}")
            if order is None:
                return JSONResponse({"message": "Not Found"}, status_code=404)
            return JSONResponse(order)

        async def clover_orders(request: Request) -> JSONResponse:
            if (bad := self._guard(request)) is not None:
                return bad
            since = int(request.query_params["filter"].split(">")[1])
            return JSONResponse({"elements": [o for k, o in self.orders.items() if k.startswith(
                "clover:") and int(o["modifiedTime"]) > since]})

        async def lightspeed_sales(request: Request) -> JSONResponse:
            if (bad := self._guard(request)) is not None:
                return bad
            after = int(request.query_params.get("after", 0))
            data = sorted((s for s in self.sales if s["version"] > after),
                          key=lambda s: s["version"])[:2]
            return JSONResponse({"data": data})

        async def shopify_orders(request: Request) -> JSONResponse:
            if (bad := self._guard(request)) is not None:
                return bad
            return JSONResponse({"orders": [o for k, o in self.orders.items()
                                            if k.startswith("shopify:")]})

        return Starlette(routes=[
            Route("/v2/orders/search", square_search, methods=["POST"]),
            Route("/v2/orders/{oid}", square_order),
            Route("/v2/customers/{cid}", square_customer),
            Route("/v3/merchants/{mid}/orders", clover_orders),
            Route("/v3/merchants/{mid}/orders/{oid}", clover_order),
            Route("/api/2.0/sales", lightspeed_sales),
            Route("/admin/api/2025-10/orders.json", shopify_orders),
        ])


@pytest.fixture(scope="session")
def provider_server():  # type: ignore[no-untyped-def]
    api = ProviderApi()
    with serve_in_thread(api.app()) as url:
        api.url = url
        yield api


@pytest.fixture
def provider_api(provider_server: ProviderApi) -> ProviderApi:
    provider_server.fail = False
    provider_server.calls.clear()
    return provider_server


# ---- signing, exactly as each provider signs ----------------------------------------------

def b64mac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def signed(provider: str, body: bytes, secret: str, *, url: str = "", **extra: str) -> dict[str, str]:
    if provider == "square":
        headers = {"x-square-hmacsha256-signature": b64mac(secret.encode(), url.encode() + body)}
    elif provider == "toast":
        stamp = json.loads(body)["timestamp"]
        headers = {"Toast-Signature": b64mac(secret.encode(), body + stamp.encode())}
    elif provider == "lightspeed_x":
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"X-Signature": f"signature={digest},algorithm=HMAC-SHA256"}
    elif provider == "clover":
        headers = {"X-Clover-Auth": secret}
    elif provider == "shopify":
        headers = {"X-Shopify-Hmac-Sha256": b64mac(secret.encode(), body),
                   "X-Shopify-Topic": "orders/paid", "X-Shopify-Event-Id": str(uuid.uuid4())}
    else:
        headers = {"X-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}
    content_type = ("application/x-www-form-urlencoded" if provider == "lightspeed_x"
                    else "application/json")
    return {"content-type": content_type, **headers, **extra}


SECRETS = {"square": "signature_key", "toast": "signing_secret", "lightspeed_x": "client_secret",
           "clover": "auth_code", "shopify": "client_secret", "custom": "secret"}
LOCATION_KEYS = {"square": "P3CCK6HSNDAS7", "toast": "0cd990c9-fd74-461d-8468-de2a0919ccbba",
                 "lightspeed_x": "0624dbcd-ef13-11e6-e986-ed89e1aa6310", "clover": "XYZVJT2ZRRRSC",
                 "shopify": "48752903", "custom": "store-1"}
NOTIFY_URL = "https://hooks.example.com/square"


async def make_pipe(client, tenant, provider: str, provider_api: ProviderApi | None = None,  # type: ignore[no-untyped-def]
                    *, outlet: str | None = None, **settings: Any) -> dict[str, Any]:
    from tests.conftest import add_location

    outlet = outlet or f"o-{uuid.uuid4().hex[:6]}"
    await add_location(client, tenant, outlet)
    body: dict[str, Any] = {SECRETS[provider]: f"{provider}-secret",
                            "location_map": {LOCATION_KEYS[provider]: outlet}}
    if provider == "square":
        body["notification_url"] = NOTIFY_URL
    if provider in {"square", "clover"} or provider_api is not None:
        body["api_base_url"] = provider_api.url if provider_api else "http://127.0.0.1:9"
        body["access_token"] = TOKEN
    body.update(settings)
    response = await client.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "webhook", "provider": provider, "name": f"{provider} pipe", "settings": body})
    assert response.status_code == 201, response.text
    pipe = response.json()
    pipe["outlet"] = outlet
    pipe["secret"] = body[SECRETS[provider]]
    return pipe


async def deliver(client, pipe: dict[str, Any], body: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    headers = headers if headers is not None else signed(
        pipe["provider"], body, pipe["secret"], url=NOTIFY_URL)
    return await client.post(f"/v1/pipes/{pipe['id']}/webhook", content=body, headers=headers)


async def drain(db) -> int:  # type: ignore[no-untyped-def]
    """Run every due job, and wait out jobs another worker holds (the browser tests' live
    server runs an in-process worker on the same test database for the rest of the session)."""
    from sqlalchemy import func, select

    from activereach.jobs.models import Job

    # SQLite runs jobs one at a time anyway: a wide claim means fewer claim transactions.
    # PostgreSQL runs them concurrently: stay well inside the connection pool.
    worker = Worker(db, concurrency=16 if db.is_sqlite else 4)
    total = 0
    for _ in range(1200):
        total += await worker.drain()
        async with db.read_session() as session:
            running = await session.scalar(select(func.count()).select_from(Job).where(
                Job.status == "running", Job.kind.like("pipes.%")))
        if not running:
            return total
        await asyncio.sleep(0.05)
    return total


def square_event(order: dict[str, Any], kind: str = "order.updated", **extra: Any) -> bytes:
    event = copy.deepcopy(fixture("square_order_updated.json"))
    event["event_id"] = extra.get("event_id", str(uuid.uuid4()))
    event["type"] = kind
    inner = event["data"]["object"]["order_updated"]
    inner.update(order_id=order["id"], location_id=order["location_id"], state=order["state"],
                 version=order["version"])
    event["data"]["id"] = order["id"]
    event["created_at"] = extra.get("created_at", zulu())
    return json.dumps(event).encode()


async def pipe_ids(client, tenant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A pipe and one delivery of this workspace (for the tenant-isolation walk)."""
    pipe = await make_pipe(client, tenant, "toast")
    response = await deliver(client, pipe, sample("toast")[0])
    assert response.status_code == 200, response.text
    return {"pipe_id": pipe["id"], "delivery_id": response.json()["delivery_id"]}


async def jobs_of(db, workspace_id: str) -> int:  # type: ignore[no-untyped-def]
    """Processing jobs ever queued for this workspace (the queue is shared by the whole run)."""
    from sqlalchemy import func, select

    from activereach.jobs.models import Job

    async with db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Job).where(
            Job.workspace_id == workspace_id, Job.kind == "pipes.process_delivery")) or 0)
