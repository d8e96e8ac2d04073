"""Offline redemptions: the till's cap comes with its config, and the server settles the
points when the order syncs — covered, clamped or refused — without ever refusing the sale."""

from __future__ import annotations

import uuid
from typing import Any

from tests.cashier.test_staff import _till
from tests.conftest import order_body, signed_till

PHONE = "+91 98450 55555"


async def _program(client, tenant, balance: int, policy: str = "clamp") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    program = await client.put("/v1/loyalty/program", headers=tenant.admin, json={
        "name": "Chai Points", "point_value": 100, "pending_days": 0, "negative_policy": policy})
    assert program.status_code == 200, program.text
    member = (await client.post("/v1/loyalty/members", json={"phone": PHONE},
                                headers=tenant.admin)).json()
    if balance:
        adjusted = await client.post(f"/v1/loyalty/members/{member['member_id']}/adjustments",
                                     headers=tenant.admin, json={
                                         "points": balance, "reason": "welcome",
                                         "idempotency_key": "welcome"})
        assert adjusted.status_code in (200, 201), adjusted.text
    return member


def _offline_sale(points: int) -> dict[str, Any]:
    """₹498 paid with ``points`` points (₹1 each) and cash for the rest."""
    body = order_body(customer={"phone": PHONE}, loyalty={"offline_points": points},
                      payments=[{"method": "points", "amount": points * 100},
                                {"method": "cash", "amount": 49800 - points * 100}])
    body.pop("external_id")
    return {**body, "client_order_id": str(uuid.uuid4())}


async def _send(client, till, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    """The sale as the till sends it after being offline: signed, ``proof.offline``."""
    return await client.post("/v1/pos/orders", json=till.sign(body, offline=True),
                             headers=till.headers)


async def _balance(client, tenant) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return (await client.get("/v1/loyalty/members", params={"phone": PHONE},
                             headers=tenant.admin)).json()


async def test_a_covered_offline_redemption_is_settled_once(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await _program(client, tenant, 500)
    body = _offline_sale(200)
    first = await _send(client, till, body)
    assert first.status_code == 201, first.text
    settled = first.json()["loyalty"]["offline_redemption"]
    assert settled == {"status": "settled", "requested": 200, "settled": 200, "refused": 0,
                       "refused_value": 0, "reason": None}
    assert first.json()["loyalty"]["redeemed"] == 200
    again = await _send(client, till, body)
    assert again.status_code == 200 and again.json()["loyalty"]["offline_redemption"] == settled
    member = await _balance(client, tenant)
    assert member["lifetime_redeemed"] == 200
    assert member["available"] == 300 + first.json()["loyalty"]["earned"]


async def test_an_uncovered_offline_redemption_is_clamped_and_reported(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await _program(client, tenant, 120)
    reply = await _send(client, till, _offline_sale(300))
    assert reply.status_code == 201, reply.text  # the sale happened: the order lands
    part = reply.json()["loyalty"]["offline_redemption"]
    assert (part["status"], part["settled"], part["refused"], part["refused_value"]) == (
        "clamped", 120, 180, 18000)
    assert "120 points" in part["reason"]
    member = await _balance(client, tenant)
    assert member["lifetime_redeemed"] == 120 and member["available"] >= 0
    # nothing left: the next offline redemption is refused outright, the order still lands
    empty = await _send(client, till, _offline_sale(50))
    assert empty.status_code == 201, empty.text
    refused = empty.json()["loyalty"]["offline_redemption"]
    assert (refused["status"], refused["settled"], refused["refused_value"]) == ("refused", 0, 5000)


async def test_the_allow_policy_takes_the_points_as_debt(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await _program(client, tenant, 100, policy="allow")
    reply = await _send(client, till, _offline_sale(150))
    assert reply.status_code == 201, reply.text
    assert reply.json()["loyalty"]["offline_redemption"]["status"] == "settled"
    assert (await _balance(client, tenant))["lifetime_redeemed"] == 150


async def test_offline_redemption_without_a_customer_or_with_a_hold_is_handled(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await _program(client, tenant, 500)
    anonymous = _offline_sale(100)
    anonymous.pop("customer")
    reply = await _send(client, till, anonymous)
    assert reply.status_code == 201, reply.text
    assert reply.json()["loyalty"]["offline_redemption"]["status"] == "refused"
    both = _offline_sale(100)
    both["loyalty"] = {"offline_points": 100, "hold_id": "lh_x"}
    bad = await _send(client, till, both)
    assert bad.status_code == 422 and "offline_points" in bad.text
    greedy = _offline_sale(100)
    greedy["loyalty"] = {"offline_points": 10}
    worth = await _send(client, till, greedy)
    assert worth.status_code == 422 and worth.json()["error"]["details"][0]["field"] == "payments"


async def test_till_settings_are_inherited_and_served_to_the_till(client, tenant) -> None:  # type: ignore[no-untyped-def]
    loc, device = await _till(client, tenant)
    assert (await client.get("/v1/pos/config", headers=device)).json() == {
        "offline_redeem_cap": 500, "discount_limit_bp": 1000, "idle_lock_minutes": 5,
        "weighed_prefixes": "20-29"}
    ws = await client.put("/v1/cashier/settings", headers=tenant.admin,
                          json={"offline_redeem_cap": 300, "discount_limit_bp": 1500,
                                "weighed_prefixes": " 20-24=weight, 25-29 "})
    assert ws.status_code == 200 and ws.json()["scope"] == "workspace"
    term = (await client.get(f"/v1/locations/{loc['id']}/terminals",
                             headers=tenant.admin)).json()[0]
    own = await client.put("/v1/cashier/settings", headers=tenant.admin,
                           json={"terminal": term["id"], "offline_redeem_cap": 0})
    assert own.status_code == 200, own.text
    assert (await client.get("/v1/pos/config", headers=device)).json() == {
        "offline_redeem_cap": 0, "discount_limit_bp": 1500, "idle_lock_minutes": 5,
        "weighed_prefixes": "20-24=weight,25-29"}
    for wrong in ("2-9", "29-20", "20=kg", "20,x"):
        refused = await client.put("/v1/cashier/settings", headers=tenant.admin,
                                   json={"weighed_prefixes": wrong})
        assert refused.status_code == 422, wrong
        assert refused.json()["error"]["details"][0]["field"] == "weighed_prefixes"
    for field, value in (("idle_lock_minutes", -1), ("idle_lock_minutes", 721)):
        assert (await client.put("/v1/cashier/settings", headers=tenant.admin,
                                 json={field: value})).status_code == 422
    bad = await client.put("/v1/cashier/settings", headers=tenant.admin,
                           json={"terminal": "trm_nope", "discount_limit_bp": 20000})
    assert bad.status_code == 422
    unknown = await client.put("/v1/cashier/settings", headers=tenant.admin,
                               json={"terminal": "trm_nope"})
    assert unknown.status_code == 422 and unknown.json()["error"]["details"][0]["field"] == "terminal"
    listed = (await client.get("/v1/cashier/settings", headers=tenant.admin)).json()
    assert len(listed["data"]) == 2
    assert (await client.get("/v1/pos/config", headers=tenant.admin)).status_code in (401, 403)
