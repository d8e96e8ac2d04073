"""Rewards, codes, quotes, adjustments, scoped rules at the till, tiers, schedules and merges."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from activereach.jobs.models import Job
from activereach.kit.db import unit_of_work, utcnow
from activereach.loyalty import earning
from activereach.loyalty.models import LoyaltyEntry
from tests.conftest import add_location
from tests.loyalty.conftest import member, place, setup_program, shopper_order


async def _reward(client, tenant, **body):  # type: ignore[no-untyped-def]
    response = await client.post("/v1/loyalty/rewards", headers=tenant.admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_eligibility_lists_locked_rewards_with_reasons(client, program_tenant) -> None:
    gold = (await client.post("/v1/loyalty/tiers", headers=program_tenant.admin,
                              json={"name": "Gold", "threshold": 10**9})).json()
    await _reward(client, program_tenant, name="Chai", kind="free_item", points_cost=5,
                  sku="CHAI")
    await _reward(client, program_tenant, name="Tour", kind="experience", points_cost=50,
                  min_tier_id=gold["id"], stock_cap=0)
    await place(client, program_tenant, shopper_order(100000))
    m = await member(client, program_tenant)
    rewards = {r["name"]: r for r in m["rewards"]}
    assert rewards["Chai"]["eligible"] is True
    assert rewards["Tour"]["eligible"] is False
    assert rewards["Tour"]["reasons"] == ["tier", "balance", "stock"]
    assert rewards["Tour"]["points_short"] == 40
    locked = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                               json={"member_id": m["member_id"],
                                     "reward_id": rewards["Tour"]["id"]})
    assert locked.status_code == 409
    assert {d["reason"] for d in locked.json()["error"]["details"]} == {"tier", "balance", "stock"}


def _with_reward(body: dict, amount: int = 10000) -> dict:  # type: ignore[type-arg]
    """The order's one line with ``amount`` off as the reward's discount, paid the rest."""
    body["lines"][0].update(discount=amount, reward_discount=amount)
    body["payments"][0]["amount"] -= amount
    return body


async def test_redemption_code_is_single_use_and_typed_at_checkout(client, program_tenant) -> None:
    reward = await _reward(client, program_tenant, name="₹100 off", kind="fixed", points_cost=8,
                           amount=10000, min_bill=20000, per_customer_cap=1)
    await place(client, program_tenant, shopper_order(200000))            # 20 points
    m = await member(client, program_tenant)
    hold = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                             json={"member_id": m["member_id"], "reward_id": reward["id"],
                                   "bill_total": 30000, "ttl_seconds": 86400})
    assert hold.status_code == 201, hold.text
    code = hold.json()["code"]
    assert hold.json()["value"] == 10000 and len(code) == 10
    shown = await client.get(f"/v1/loyalty/holds/{code.lower()}", headers=program_tenant.admin)
    assert shown.status_code == 200 and shown.json()["reward_id"] == reward["id"]
    capped = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                               json={"member_id": m["member_id"], "reward_id": reward["id"]})
    assert capped.status_code == 409 and "cap" in capped.text
    used = await place(client, program_tenant, _with_reward(shopper_order(30000, hold_id=code)))
    assert used["loyalty"]["redeemed"] == 8
    assert used["loyalty"]["reward"]["discount"] == 10000 and used["totals"]["total"] == 20000
    again = await client.post("/v1/orders", headers=program_tenant.admin,
                              json=_with_reward(shopper_order(30000, hold_id=code)))
    assert again.status_code == 409 and again.json()["error"]["code"] == "hold_used"


async def test_quote_and_share_of_bill_cap(client, tenant) -> None:
    await setup_program(client, tenant, max_redeem_share_bp=5000, min_redeem_points=5)
    await place(client, tenant, shopper_order(1000000))                     # 100 points
    m = await member(client, tenant)
    quote = (await client.post("/v1/loyalty/quote", headers=tenant.admin,
                               json={"member_id": m["member_id"], "bill_total": 4000,
                                     "points": 25})).json()
    assert quote["max_points"] == 20 and quote["ok"] is False and quote["value"] == 2500
    too_many = await client.post("/v1/loyalty/holds", headers=tenant.admin,
                                 json={"member_id": m["member_id"], "points": 25,
                                       "bill_total": 4000})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"][0]["field"] == "points"
    both = await client.post("/v1/loyalty/holds", headers=tenant.admin,
                             json={"member_id": m["member_id"], "points": 5, "reward_id": "rw_x"})
    assert both.status_code == 422


async def test_adjustments_are_idempotent_and_reachable(client, program_tenant) -> None:
    await place(client, program_tenant, shopper_order(100000))
    m = await member(client, program_tenant)
    url = f"/v1/loyalty/members/{m['member_id']}/adjustments"
    body = {"points": 15, "reason": "goodwill: cold coffee", "idempotency_key": "adj-1"}
    first = await client.post(url, json=body, headers=program_tenant.admin)
    second = await client.post(url, json=body, headers=program_tenant.admin)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["available"] == 25
    overdraw = await client.post(url, headers=program_tenant.admin,
                                 json={"points": -26, "reason": "x", "idempotency_key": "adj-2"})
    assert overdraw.status_code == 409
    zero = await client.post(url, headers=program_tenant.admin,
                             json={"points": 0, "reason": "x", "idempotency_key": "adj-3"})
    assert zero.status_code == 422
    ledger = (await client.get(f"/v1/loyalty/members/{m['member_id']}/ledger",
                               headers=program_tenant.admin)).json()["data"]
    assert [e["kind"] for e in ledger] == ["adjust", "earn"]
    assert ledger[0]["actor"].startswith("admin:") and ledger[0]["balance_after"] == 25


async def test_outlet_rule_and_device_pinned_holds(client, program_tenant) -> None:
    blr = await add_location(client, program_tenant, "blr-9")
    mum = await add_location(client, program_tenant, "mum-9")
    await setup_program(client, program_tenant, rule={"location": "blr-9", "points_per_unit": 3,
                                                      "excluded_categories": ["Merch"]})
    at_blr = await place(client, program_tenant, shopper_order(100000, location=blr["id"]))
    at_mum = await place(client, program_tenant, shopper_order(100000, location=mum["id"]))
    assert (at_blr["loyalty"]["earned"], at_mum["loyalty"]["earned"]) == (30, 10)
    rules_list = (await client.get("/v1/loyalty/rules", headers=program_tenant.admin)).json()
    assert sorted(r["scope"] for r in rules_list["data"]) == ["brand", "outlet"]
    term = (await client.post(f"/v1/locations/{blr['id']}/terminals", headers=program_tenant.admin,
                              json={"terminal_id": "T1"})).json()
    code = (await client.post(f"/v1/locations/{blr['id']}/terminals/{term['id']}/pairing-code",
                              headers=program_tenant.admin)).json()["pairing_code"]
    token = (await client.post("/v1/pos/pair", json={"pairing_code": code})).json()["device_token"]
    till = {"Authorization": f"Bearer {token}"}
    m = await member(client, program_tenant)
    hold = (await client.post("/v1/loyalty/holds", headers=till,
                              json={"member_id": m["member_id"], "points": 10})).json()
    assert hold["location_id"] == blr["id"]
    elsewhere = await client.post("/v1/orders", headers=program_tenant.admin,
                                  json=shopper_order(20000, location=mum["id"],
                                                     hold_id=hold["hold_id"]))
    assert elsewhere.status_code == 409 and "another outlet" in elsewhere.text
    admin_only = await client.put("/v1/loyalty/program", headers=till, json={"name": "x"})
    assert admin_only.status_code in (401, 403)


async def _scheduled(db, workspace_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return set((await session.execute(select(Job.kind).where(
            Job.workspace_id == workspace_id, Job.run_at > utcnow()))).scalars())


async def test_pending_points_activate_and_expire_on_schedule(client, tenant, db) -> None:
    await setup_program(client, tenant, pending_days=7, expiry_months=1)
    (await client.post("/v1/loyalty/tiers", headers=tenant.admin,
                       json={"name": "Silver", "threshold": 100000}))
    order = await place(client, tenant, shopper_order(100000))
    assert (order["loyalty"]["pending"], order["loyalty"]["balance"]) == (10, 0)
    assert await _scheduled(db, tenant.id) == {"loyalty.activate"}
    later = utcnow() + dt.timedelta(days=8)
    for _ in range(2):  # a second sweep changes nothing
        await unit_of_work(db, lambda s: earning.activate_due(s, tenant.id, later))
    assert await _scheduled(db, tenant.id) == {"loyalty.activate", "loyalty.expire"}
    m = await member(client, tenant)
    assert (m["available"], m["pending"], m["tier"]) == (10, 0, "Silver")
    much_later = utcnow() + dt.timedelta(days=60)
    for _ in range(2):
        await unit_of_work(db, lambda s: earning.expire_due(s, tenant.id, much_later))
    m = await member(client, tenant)
    # spend still counts for the tier inside the rolling window; only the points lapsed
    assert (m["available"], m["tier"]) == (0, "Silver")
    async with db.session() as session:
        kinds = list((await session.execute(select(LoyaltyEntry.kind).where(
            LoyaltyEntry.workspace_id == tenant.id))).scalars())
    assert sorted(kinds) == ["earn", "expire"]
    events = (await client.get(f"/v1/contacts/{order['contact_id']}/events",
                               headers=tenant.admin)).json()["data"]
    assert [e["name"] for e in events].count("loyalty_tier_changed") == 1


async def test_contact_merge_merges_loyalty_accounts(client, program_tenant) -> None:
    by_phone = shopper_order(100000)
    by_email = shopper_order(200000)
    by_email["customer"] = {"email": "asha.merge@example.in"}
    a = await place(client, program_tenant, by_phone)
    b = await place(client, program_tenant, by_email)
    assert a["contact_id"] != b["contact_id"]
    both = shopper_order(50000)
    both["customer"] = {"phone": by_phone["customer"]["phone"], "email": "asha.merge@example.in"}
    merged = await place(client, program_tenant, both)
    assert merged["loyalty"]["balance"] == 10 + 20 + 5
    for contact_id in (a["contact_id"], b["contact_id"]):
        profile = (await client.get(f"/v1/contacts/{contact_id}",
                                    headers=program_tenant.admin)).json()
        assert profile["loyalty"]["available"] == 35


async def test_free_item_reward_attaches_to_next_order_with_the_item(client,
                                                                     program_tenant) -> None:
    reward = await _reward(client, program_tenant, name="Free latte", kind="free_item",
                           points_cost=6, sku="LATTE-M")
    await place(client, program_tenant, shopper_order(100000))           # 10 points
    m = await member(client, program_tenant)
    hold = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                             json={"member_id": m["member_id"], "reward_id": reward["id"],
                                   "ttl_seconds": 86400})
    assert hold.status_code == 201
    next_order = await place(client, program_tenant, shopper_order(0))   # the latte, free
    assert next_order["loyalty"]["redeemed"] == 6
    shown = await client.get(f"/v1/loyalty/holds/{hold.json()['hold_id']}",
                             headers=program_tenant.admin)
    assert shown.json()["status"] == "committed"
    assert shown.json()["order_id"] == next_order["order_id"]
