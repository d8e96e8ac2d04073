"""Races: concurrent holds and redemptions never overspend one balance, and a replayed order
earns once.  Both databases: on PostgreSQL the requests really overlap and row locks decide; on
SQLite one writer at a time must give the same answer."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.loyalty.conftest import member, place, shopper_order


async def test_fifty_concurrent_holds_never_overspend(client, program_tenant) -> None:
    await place(client, program_tenant, shopper_order(1000000))          # 100 points
    m = await member(client, program_tenant)

    async def hold(index: int) -> int:
        response = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                                     json={"member_id": m["member_id"], "points": 10,
                                           "cart_ref": f"cart-{index}"})
        return response.status_code
    codes = Counter(await asyncio.gather(*(hold(i) for i in range(50))))
    assert codes == Counter({201: 10, 409: 40})
    after = await member(client, program_tenant)
    assert (after["available"], after["held"], after["spendable"]) == (100, 100, 0)


async def test_fifty_concurrent_redemptions_use_each_hold_once(client, program_tenant) -> None:
    await place(client, program_tenant, shopper_order(1000000))          # 100 points
    m = await member(client, program_tenant)
    hold_ids = []
    for _ in range(10):
        hold = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                                 json={"member_id": m["member_id"], "points": 10})
        hold_ids.append(hold.json()["hold_id"])

    async def redeem(index: int) -> int:
        response = await client.post("/v1/orders", headers=program_tenant.admin,
                                     json=shopper_order(5000, hold_id=hold_ids[index % 10]))
        return response.status_code
    codes = Counter(await asyncio.gather(*(redeem(i) for i in range(50))))
    assert codes == Counter({201: 10, 409: 40})
    after = await member(client, program_tenant)
    assert (after["available"], after["held"], after["lifetime_redeemed"]) == (0, 0, 100)


async def test_fifty_concurrent_adjustments_never_go_negative(client, program_tenant) -> None:
    await place(client, program_tenant, shopper_order(1000000))          # 100 points
    m = await member(client, program_tenant)

    async def take(index: int) -> int:
        response = await client.post(
            f"/v1/loyalty/members/{m['member_id']}/adjustments", headers=program_tenant.admin,
            json={"points": -7, "reason": "race", "idempotency_key": f"race-{index}"})
        return response.status_code
    codes = Counter(await asyncio.gather(*(take(i) for i in range(50))))
    assert codes == Counter({201: 14, 409: 36})                          # 14 × 7 = 98
    assert (await member(client, program_tenant))["available"] == 2


async def test_same_order_sent_ten_times_at_once_earns_once(client, program_tenant) -> None:
    body = shopper_order(250000)

    async def send() -> int:
        response = await client.post("/v1/orders", headers=program_tenant.admin, json=body)
        return response.status_code
    codes = Counter(await asyncio.gather(*(send() for _ in range(10))))
    assert codes == Counter({201: 1, 200: 9})
    ledger = (await client.get(
        f"/v1/loyalty/members/{(await member(client, program_tenant))['member_id']}/ledger",
        headers=program_tenant.admin)).json()["data"]
    assert [(e["kind"], e["points"]) for e in ledger] == [("earn", 25)]
