"""Loyalty test helpers: a program set up through the admin API, orders for one shopper."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.conftest import Tenant, order_body

PHONE = "+91 98450 12345"


async def setup_program(client: httpx2.AsyncClient, tenant: Tenant, *,
                        rule: dict[str, Any] | None = None, **program: Any) -> dict[str, Any]:
    body = {"name": "Test Points", "pending_days": 0, "min_redeem_points": 0,
            "max_redeem_share_bp": 10000, "point_value": 100, **program}
    response = await client.put("/v1/loyalty/program", json=body, headers=tenant.admin)
    assert response.status_code == 200, response.text
    rule_body = {"points_per_unit": 1, "spend_unit": 10000, **(rule or {})}
    response = await client.post("/v1/loyalty/rules", json=rule_body, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return response.json()


def shopper_order(amount: int, *, phone: str = PHONE, hold_id: str | None = None,
                  tax_rate: str = "0", **overrides: Any) -> dict[str, Any]:
    """One line worth ``amount`` (tax-inclusive at ``tax_rate``), paid by UPI."""
    body = order_body(customer={"phone": phone, "name": "Asha"},
                      lines=[{"sku": "LATTE-M", "name": "Latte", "quantity": "1",
                              "unit_price": amount, "tax_rate": tax_rate, "tax_inclusive": True,
                              "category": "Coffee"}],
                      payments=[{"method": "upi", "amount": amount}], **overrides)
    if hold_id:
        body["loyalty"] = {"hold_id": hold_id}
    return body


async def place(client: httpx2.AsyncClient, tenant: Tenant, body: dict[str, Any],
                expect: int = 201) -> dict[str, Any]:
    response = await client.post("/v1/orders", json=body, headers=tenant.admin)
    assert response.status_code == expect, response.text
    return response.json()


async def member(client: httpx2.AsyncClient, tenant: Tenant, phone: str = PHONE) -> dict[str, Any]:
    response = await client.get("/v1/loyalty/members", params={"phone": phone},
                                headers=tenant.admin)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def program_tenant(client, make_tenant):  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    await setup_program(client, tenant)
    return tenant


async def loyalty_ids(client: httpx2.AsyncClient, tenant: Tenant) -> dict[str, str]:
    """A program, a reward, a member and an open hold in ``tenant`` (for the isolation walk)."""
    rule = await setup_program(client, tenant)
    tier = (await client.post("/v1/loyalty/tiers", headers=tenant.admin, json={
        "name": "Gold", "threshold": 10**9})).json()
    reward = (await client.post("/v1/loyalty/rewards", headers=tenant.admin, json={
        "name": "Chai", "kind": "free_item", "points_cost": 5, "sku": "CHAI"})).json()
    joined = (await client.post("/v1/loyalty/members", headers=tenant.admin,
                                json={"phone": "+91 98450 77777"})).json()
    await client.post(f"/v1/loyalty/members/{joined['member_id']}/adjustments",
                      headers=tenant.admin,
                      json={"points": 50, "reason": "welcome", "idempotency_key": "welcome"})
    hold = (await client.post("/v1/loyalty/holds", headers=tenant.admin,
                              json={"member_id": joined["member_id"], "points": 10})).json()
    return {"member_id": joined["member_id"], "reward_id": reward["id"], "ref": hold["hold_id"],
            "rule_id": rule["id"], "tier_id": tier["id"]}
