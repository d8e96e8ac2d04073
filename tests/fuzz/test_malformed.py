"""Malformed bodies on every ingest endpoint: each answers a 4xx in the common error shape and
writes nothing (no order, event, job, or accepted webhook delivery).

One table of endpoints × one table of malformations; webhook bodies are signed correctly so it is
the parser, not the signature check, that rejects them (except where a provider signs a value it
must first read from the body: see ``UNSIGNABLE``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass

import httpx2
import pytest
from sqlalchemy import func, select

from activereach.collect.sdk_errors import SDK_PATHS
from activereach.events.models import Event
from activereach.jobs.models import Job
from activereach.orders.models import Order
from activereach.pipes.models import WebhookDelivery
from activereach.pipes.samples import sample
from tests.conftest import order_body
from tests.pipes.conftest import NOTIFY_URL, fixture, make_pipe, signed
from tests.support import client_address

PROVIDERS = ("square", "toast", "lightspeed_x", "clover", "shopify", "custom")
# Deeper than the body guard (max_json_depth = 32) and than json.loads can recurse (~1000): a
# form-encoded body (Lightspeed X) carries its JSON past the guard to the provider's parser.
DEPTH = 5000


@dataclass(frozen=True)
class Malformed:
    name: str
    make: Callable[[bytes, int], bytes]   # (a valid body, the size limit) → the bad body
    statuses: frozenset[int]              # what a JSON API endpoint must answer
    content_type: str | None = None       # None: the endpoint's own content type


def _nested(body: bytes, _: int) -> bytes:
    return b'{"a":' * DEPTH + b"1" + b"}" * DEPTH


MALFORMED = [
    Malformed("invalid_json", lambda b, _: b'{"external_id": "x",, "lines": [}',
              frozenset({400})),
    Malformed("truncated_json", lambda b, _: b[: len(b) // 2], frozenset({400})),
    Malformed("oversized", lambda b, limit: b'{"pad": "' + b"x" * (limit + 1) + b'"}',
              frozenset({413})),
    Malformed("deeply_nested", _nested, frozenset({400})),
    Malformed("non_utf8", lambda b, _: b'{"external_id": "\xff\xfe\xfa\xc3\x28"}',
              frozenset({400, 422})),
    # A valid body under a content type the route does not take: refused, never guessed at.
    Malformed("wrong_content_type", lambda b, _: b, frozenset({415, 422}), "text/plain"),
    Malformed("empty", lambda b, _: b"", frozenset({400, 422})),
    Malformed("json_array", lambda b, _: b"[" + b + b"]", frozenset({422})),
]


async def _written(db, workspace_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows this workspace has; a rejected webhook delivery is kept for the inbox by design
    (DESIGN: every delivery is stored raw), so deliveries count only when not rejected."""
    async with db.read_session() as session:
        async def count(model, *where) -> int:  # type: ignore[no-untyped-def]
            return int(await session.scalar(select(func.count()).select_from(model).where(
                model.workspace_id == workspace_id, *where)) or 0)
        return {"orders": await count(Order), "events": await count(Event),
                "jobs": await count(Job),
                "accepted_deliveries": await count(WebhookDelivery,
                                                   WebhookDelivery.status != "rejected")}


def _assert_error_shape(response: httpx2.Response) -> None:
    body = response.json()
    assert isinstance(body, dict) and "error" in body, response.text
    error = body["error"]
    if response.request.url.path in SDK_PATHS:
        # The SDKs' superset (collect/sdk_errors.py): code and message at the top level too.
        assert set(body) == {"error", "code", "message"}, response.text
        assert (body["code"], body["message"]) == (error["code"], error["message"])
    else:
        assert set(body) == {"error"}, response.text
    assert isinstance(error["code"], str) and error["code"], response.text
    assert isinstance(error["message"], str) and error["message"], response.text
    assert "details" in error, response.text


# --- the JSON API ingest endpoints ----------------------------------------------------------

API_ENDPOINTS = ["orders", "batch", "refunds", "pos_orders"]


def _api_request(endpoint: str, seeded: Any) -> tuple[str, dict[str, str], bytes]:
    """(url, credential headers, a valid body) for one endpoint."""
    order = order_body(location=seeded.ids["location_id"])
    if endpoint == "orders":
        return "/v1/orders", seeded.tenant.admin, json.dumps(order).encode()
    if endpoint == "batch":
        batch = {"batch": [{"type": "track", "event": "Viewed", "userId": "u-1",
                            "messageId": uuid.uuid4().hex}]}
        return "/v1/batch", seeded.tenant.writer, json.dumps(batch).encode()
    if endpoint == "refunds":
        return (f"/v1/orders/{seeded.ids['order_id']}/refunds", seeded.tenant.admin,
                json.dumps({"refund_id": f"R-{uuid.uuid4().hex[:8]}", "amount": 100}).encode())
    pos = {k: v for k, v in order.items() if k not in ("external_id", "location")}
    pos["client_order_id"] = str(uuid.uuid4())
    return "/v1/pos/orders", seeded.device, json.dumps(seeded.till.sign(pos)).encode()


@pytest.mark.parametrize("case", MALFORMED, ids=[m.name for m in MALFORMED])
@pytest.mark.parametrize("endpoint", API_ENDPOINTS)
async def test_api_endpoint_rejects_malformed_body(endpoint: str, case: Malformed, client: Any,
                                                   settings: Any, db: Any, seeded: Any) -> None:
    url, credentials, valid = _api_request(endpoint, seeded)
    bad = case.make(valid, settings.max_body_bytes)
    headers = {**credentials, "content-type": case.content_type or "application/json"}
    before = await _written(db, seeded.tenant.id)
    response = await client.post(url, content=bad, headers=headers)
    assert response.status_code in case.statuses, f"{endpoint}/{case.name}: {response.text[:300]}"
    _assert_error_shape(response)
    assert await _written(db, seeded.tenant.id) == before, f"{endpoint}/{case.name} wrote rows"


async def test_the_valid_bodies_are_accepted(client: Any, seeded: Any) -> None:
    """The control: each endpoint's unmangled body is accepted, so the rejections above are
    the malformation's doing, not a bad fixture."""
    for endpoint in API_ENDPOINTS:
        url, credentials, valid = _api_request(endpoint, seeded)
        response = await client.post(url, content=valid,
                                     headers={**credentials, "content-type": "application/json"})
        assert response.status_code in (200, 201), f"{endpoint}: {response.text[:300]}"


# --- provider webhooks ----------------------------------------------------------------------

# Toast signs the body plus the ``timestamp`` it carries: a body that is not a JSON object has
# no timestamp to sign, so the provider's own 401 is the right answer for it.
# (A too-deep body never gets that far: the body guard answers 400 before any signature check.)
UNSIGNABLE = {("toast", name) for name in ("invalid_json", "truncated_json", "non_utf8",
                                           "empty", "json_array")}


# The custom pipe's mapping is the brand's own JMESPath, which may address a top-level array
# (``[0].id``): any JSON value is a valid delivery there, and the mapping decides later.
MAPPABLE = {("custom", "json_array")}


def _sign(provider: str, body: bytes, secret: str, content_type: str) -> dict[str, str]:
    if provider == "toast":
        try:
            stamp = str(json.loads(body).get("timestamp", ""))
        except (ValueError, AttributeError, RecursionError):
            stamp = ""
        mac = hmac.new(secret.encode(), body + stamp.encode(), hashlib.sha256).digest()
        headers = {"Toast-Signature": base64.b64encode(mac).decode()}
    else:
        headers = {k: v for k, v in signed(provider, body, secret, url=NOTIFY_URL).items()
                   if k != "content-type"}
    return {**headers, "content-type": content_type}


def _sample(provider: str) -> bytes:
    """A valid delivery body: the built-in sample, or for Square (whose sample is the fetched
    order document) the documented ``order.updated`` notification."""
    if provider == "square":
        return json.dumps(fixture("square_order_updated.json")).encode()
    return sample(provider)[0]


def _webhook_body(provider: str, case: Malformed, limit: int) -> bytes:
    """The malformation applied to the provider's own sample; Lightspeed X posts a form whose
    ``payload`` field holds the JSON, so the JSON is mangled inside the form."""
    raw = _sample(provider)
    if provider != "lightspeed_x" or case.name in ("oversized", "non_utf8", "empty"):
        return case.make(raw, limit)
    payload = urllib.parse.parse_qs(raw.decode())["payload"][0].encode()
    return b"payload=" + urllib.parse.quote_from_bytes(case.make(payload, limit)).encode()


@pytest.fixture(scope="module")
async def pipes(app, seeded):  # type: ignore[no-untyped-def]
    transport = httpx2.ASGITransport(app=app, client=client_address())
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return {p: await make_pipe(client, seeded.tenant, p, outlet=f"fz-{p.replace('_', '-')}")
                for p in PROVIDERS}


@pytest.mark.parametrize("case", MALFORMED, ids=[m.name for m in MALFORMED])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_webhook_rejects_malformed_body(provider: str, case: Malformed, client: Any,
                                              settings: Any, db: Any, seeded: Any,
                                              pipes: Any) -> None:
    pipe = pipes[provider]
    own = "application/x-www-form-urlencoded" if provider == "lightspeed_x" else "application/json"
    body = _webhook_body(provider, case, settings.max_body_bytes)
    headers = _sign(provider, body, pipe["secret"], case.content_type or own)
    before = await _written(db, seeded.tenant.id)
    response = await client.post(f"/v1/pipes/{pipe['id']}/webhook", content=body, headers=headers)
    after = await _written(db, seeded.tenant.id)
    if (provider, case.name) in MAPPABLE:
        assert response.status_code == 200, response.text
        # Stored and queued for the mapping; no order or event exists before it runs.
        assert {k: after[k] - before[k] for k in after} == {
            "orders": 0, "events": 0, "jobs": 1, "accepted_deliveries": 1}
        return
    expected = {401} if (provider, case.name) in UNSIGNABLE else WEBHOOK_STATUSES[case.name]
    assert response.status_code in expected, f"{provider}/{case.name}: {response.text[:300]}"
    _assert_error_shape(response)
    assert after == before, f"{provider}/{case.name} wrote rows"


# The webhook route reads raw bytes (no request model): the provider parser answers 400
# ``malformed_payload``, the body guard 413/400, a foreign content type 415.
WEBHOOK_STATUSES = {"invalid_json": {400}, "truncated_json": {400}, "oversized": {413},
                    "deeply_nested": {400}, "non_utf8": {400}, "wrong_content_type": {415},
                    "empty": {400}, "json_array": {400}}


async def test_the_valid_webhooks_are_accepted(client: Any, pipes: Any) -> None:
    """The control: every provider's signed sample is accepted by the same pipes."""
    for provider, pipe in pipes.items():
        body = _sample(provider)
        own = "application/x-www-form-urlencoded" if provider == "lightspeed_x" \
            else "application/json"
        response = await client.post(f"/v1/pipes/{pipe['id']}/webhook", content=body,
                                     headers=_sign(provider, body, pipe["secret"], own))
        assert response.status_code == 200, f"{provider}: {response.text[:300]}"


# --- NUL characters (PostgreSQL cannot store or even compare them; SQLite can) ----------------

NUL_URLS = ["/v1/orders/%00", "/v1/orders?external_id=a%00b", "/v1/contacts?email=%00",
            "/v1/pipes/%00/webhook", "/b/%00"]


@pytest.mark.parametrize("url", NUL_URLS)
async def test_a_nul_in_the_url_is_refused_before_any_lookup(url: str, client: Any,
                                                              seeded: Any) -> None:
    method = "POST" if url.endswith("/webhook") else "GET"
    response = await client.request(method, url, headers=seeded.tenant.admin)
    assert response.status_code == 400, response.text
    _assert_error_shape(response)


async def test_a_nul_in_a_body_is_never_a_server_error(client: Any, seeded: Any) -> None:
    """Stored on SQLite; refused with 400 ``unstorable_value`` on PostgreSQL — never a 5xx."""
    response = await client.post("/v1/orders", headers=seeded.tenant.admin, json=order_body(
        external_id="nul\u0000id", location=seeded.ids["location_id"]))
    assert response.status_code in (200, 201, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "unstorable_value"
