"""Issue 21: the real Segment and RudderStack SDKs, stock settings but the host, deliver to a
running server, and their calls have their effects (checked through the admin API).

Python: segment-analytics-python 2.4.0 (plain JSON, Basic auth and ``writeKey`` in the body) and
rudder-sdk-python 2.1.9 (gzip, Basic auth, traits only in ``context.traits``). Node:
@segment/analytics-node 3.1.0 and @rudderstack/rudder-sdk-node 3.0.13 (gzip, ``originalTimestamp``
and ``sentAt``), installed from tests/sdk/node/package-lock.json by the test script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest

NODE_DIR = Path(__file__).parent / "node"
ORDER = {"total": 700, "currency": "INR",
         "products": [{"sku": "MUG", "name": "Mug", "price": 300, "quantity": 2},
                      {"sku": "CUP", "name": "Cup", "price": 100, "quantity": 1}]}


def _phone() -> str:
    return "97" + str(uuid.uuid4().int)[:8]


def _drive_python(client: Any, prefix: str, phone: str) -> None:
    user, anon = f"{prefix}-user", f"{prefix}-anon"
    client.track(anonymous_id=anon, event="Product Viewed", properties={"sku": "MUG"})
    client.identify(user, traits={"phone": phone, "name": "Python SDK"})
    client.alias(anon, user)
    client.track(user, "Order Completed", {**ORDER, "order_id": f"{prefix}-order"})
    client.track(user, "Order Refunded", {"order_id": f"{prefix}-order"})
    client.page(user, name="Home", properties={"url": "https://shop.example.in/"})
    client.screen(user, name="Cart")
    client.group(user, f"{prefix}-acme", traits={"name": "Acme"})
    client.flush()
    client.shutdown()


def _check_effects(url: str, tenant: Any, prefix: str, phone: str) -> None:
    admin = tenant.admin
    found = httpx2.get(f"{url}/v1/contacts", params={"phone": phone}, headers=admin, timeout=10)
    assert found.status_code == 200, found.text
    contact = found.json()
    assert contact["traits"]["company"]["id"] == f"{prefix}-acme"
    events = httpx2.get(f"{url}/v1/contacts/{contact['id']}/events", headers=admin,
                        timeout=10).json()["data"]
    names = sorted(e["name"] for e in events)
    # product_viewed was the anonymous profile's: it is here because alias merged the two
    assert names == sorted(["product_viewed", "identify", "alias", "order_completed",
                            "order_refunded", "page_viewed", "screen_viewed", "group"]), names
    assert all(e["context"] and e["context"].get("library") for e in events
               if e["name"] in {"page_viewed", "screen_viewed", "identify"})
    order = httpx2.get(f"{url}/v1/orders", params={"external_id": f"{prefix}-order",
                                                   "source": "online"}, headers=admin,
                       timeout=10).json()
    assert order["status"] == "refunded" and order["contact_id"] == contact["id"]


async def test_segment_python(sdk_server: str, tenant: Any) -> None:
    from segment.analytics import Client
    errors: list[str] = []
    prefix, phone = f"sp-{uuid.uuid4().hex[:8]}", _phone()
    client = Client(tenant.write_key, host=sdk_server,
                    on_error=lambda error, batch: errors.append(repr(error)))
    _drive_python(client, prefix, phone)
    assert errors == []
    _check_effects(sdk_server, tenant, prefix, phone)


async def test_rudder_python(sdk_server: str, tenant: Any) -> None:
    from rudderstack.analytics import Client
    errors: list[str] = []
    prefix, phone = f"rp-{uuid.uuid4().hex[:8]}", _phone()
    client = Client(tenant.write_key, host=sdk_server,
                    on_error=lambda error, batch: errors.append(repr(error)))
    _drive_python(client, prefix, phone)
    assert errors == []
    _check_effects(sdk_server, tenant, prefix, phone)


async def test_rudder_python_reads_our_refusal(sdk_server: str, tenant: Any) -> None:
    """A permanent refusal is an APIError with our code, raised once (no KeyError, no retry)."""
    from rudderstack.analytics.request import APIError, post
    with pytest.raises(APIError) as refused:
        post(tenant.write_key, host=sdk_server, batch=[{"type": "track", "userId": "u",
                                                       "messageId": "m-bad"}])
    assert refused.value.status == 400 and refused.value.code == "messages_rejected"


@pytest.mark.parametrize("sdk", ["segment", "rudder"])
async def test_node_sdks(sdk_server: str, tenant: Any, sdk: str) -> None:
    if shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir():
        pytest.fail("node and tests/sdk/node/node_modules are needed: npm ci --prefix tests/sdk/node")
    prefix, phone = f"n{sdk[0]}-{uuid.uuid4().hex[:8]}", _phone()
    run = subprocess.run(["node", str(NODE_DIR / "send.js"), sdk], capture_output=True,
                         text=True, timeout=120, cwd=NODE_DIR,
                         env={**os.environ, "AR_URL": sdk_server, "AR_WRITE_KEY": tenant.write_key,
                              "AR_PREFIX": prefix, "AR_PHONE": phone})
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["errors"] == [], report
    _check_effects(sdk_server, tenant, prefix, phone)
