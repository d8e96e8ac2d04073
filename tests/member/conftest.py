"""Member page helpers: a shopper with points and a bill, codes read from the console outbox."""

from __future__ import annotations

import re
from typing import Any

import httpx2

from tests.bills.conftest import bill_host
from tests.conftest import Tenant, order_body
from tests.loyalty.conftest import setup_program

PHONE = "+91 98450 12345"
# What no page may show a person: our ids (``lh_01j…``, ``ord_…``, ``ct_…``) or a UUID.
INTERNAL_ID = re.compile(r"\b(lh|ord|ct|ev|msg|la|rw|mpc|bill)_[0-9a-z]{10,}"
                         r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


async def console_channels(client: httpx2.AsyncClient, tenant: Tenant,
                           *channels: str) -> None:
    """The console provider on ``channels``: it records each message as sent, so a test reads
    the code from the outbox (the console provider keeps the text it would have sent)."""
    for channel in channels or ("sms",):
        response = await client.put(f"/v1/messaging/channels/{channel}", headers=tenant.admin,
                                    json={"provider": "console", "config": {}, "secrets": {}})
        assert response.status_code == 200, response.text


async def member_bill(client: httpx2.AsyncClient, tenant: Tenant, *,
                      amount: int = 300000, **overrides: Any) -> dict[str, Any]:
    """A program with two tiers and two rewards, and a paid order for one shopper."""
    await setup_program(client, tenant, name="Bloom", points_name="Bloom Points")
    for tier in ({"name": "Silver", "threshold": 200000}, {"name": "Gold", "threshold": 1000000}):
        response = await client.post("/v1/loyalty/tiers", headers=tenant.admin, json=tier)
        assert response.status_code in (200, 201), response.text
    for reward in ({"name": "Free Masala Chai", "kind": "free_item", "points_cost": 20,
                    "sku": "CHAI"},
                   {"name": "Barista for a morning", "kind": "experience", "points_cost": 400}):
        response = await client.post("/v1/loyalty/rewards", headers=tenant.admin, json=reward)
        assert response.status_code in (200, 201), response.text
    body = order_body(customer={"phone": PHONE, "email": "asha@example.com", "name": "Asha Rao"},
                      lines=[{"sku": "LATTE-M", "name": "Latte", "quantity": "1",
                              "unit_price": amount, "tax_rate": "0", "tax_inclusive": True}],
                      payments=[{"method": "upi", "amount": amount, "reference": "UPI-1"}],
                      **overrides)
    response = await client.post("/v1/orders", headers=tenant.admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def headers(tenant: Tenant) -> dict[str, str]:
    host = bill_host(tenant.slug)
    return {"Host": host, "Origin": f"http://{host}"}


async def page(client: httpx2.AsyncClient, tenant: Tenant, code: str,
               **kwargs: Any) -> httpx2.Response:
    return await client.get(f"/b/{code}/member", headers={"Host": bill_host(tenant.slug)},
                            **kwargs)


async def post(client: httpx2.AsyncClient, tenant: Tenant, code: str, action: str,
               data: dict[str, str]) -> httpx2.Response:
    return await client.post(f"/b/{code}/member/{action}", data=data, headers=headers(tenant))


async def latest_code(client: httpx2.AsyncClient, tenant: Tenant) -> str:
    """The code in the newest member-code message of the console outbox."""
    listed = (await client.get("/v1/messages", headers=tenant.admin)).json()["data"]
    message = next(m for m in listed if m["purpose"] == "member_code")
    found = re.search(r"\b(\d{6})\b", message["content"].get("text", ""))
    assert found, message["content"]
    return found.group(1)
