"""Rewards become discounts on the order's lines, judged by the server (issue 20): the reply,
the order's discount, the ledger's redeem entry and the bill name the reward; a mismatch is
refused (API) or left to the till rules; a till's holds are short-lived and its own."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select

from activereach.bills.models import BillReceipt
from activereach.kit.db import unit_of_work
from activereach.loyalty import holds
from activereach.loyalty.models import LoyaltyHold
from tests.bills.conftest import get_page
from tests.conftest import order_body, signed_till
from tests.loyalty.conftest import PHONE, member, place, setup_program
from tests.support import iso_ago

CHAI = {"sku": "MASALA-CHAI", "name": "Masala Chai", "quantity": "1", "unit_price": 12900,
        "tax_rate": "5", "tax_inclusive": True}
LATTE = {"sku": "LAT-L", "name": "Latte (L)", "quantity": "1", "unit_price": 28900,
         "tax_rate": "5", "tax_inclusive": True}


async def _shop(client, tenant, **reward: Any) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A program, one reward and a member with 500 points."""
    await setup_program(client, tenant)
    made = await client.post("/v1/loyalty/rewards", headers=tenant.admin, json={
        "points_cost": 50, **reward})
    assert made.status_code == 201, made.text
    joined = (await client.post("/v1/loyalty/members", headers=tenant.admin,
                                json={"phone": PHONE})).json()
    await client.post(f"/v1/loyalty/members/{joined['member_id']}/adjustments",
                      headers=tenant.admin,
                      json={"points": 500, "reason": "welcome", "idempotency_key": "welcome"})
    return made.json(), joined


async def _hold(client, headers, member_id: str, reward_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    made = await client.post("/v1/loyalty/holds", headers=headers, json={
        "member_id": member_id, "reward_id": reward_id, "bill_total": 41800})
    assert made.status_code == 201, made.text
    return made.json()


def _order(lines: list[dict[str, Any]], parts: list[int], hold_id: str | None,
           **extra: Any) -> dict[str, Any]:
    """The lines with each reward part added to its discount, paid in full by UPI."""
    sent = [{**line, "discount": part, "reward_discount": part} if part else dict(line)
            for line, part in zip(lines, parts, strict=True)]
    due = sum(line["unit_price"] for line in lines) - sum(parts)
    body = order_body(customer={"phone": PHONE}, lines=sent,
                      payments=[{"method": "upi", "amount": due, "reference": "U1"}], **extra)
    if hold_id:
        body["loyalty"] = {"hold_id": hold_id}
    return body


async def test_a_free_item_is_a_discount_on_its_line_everywhere(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    reward, joined = await _shop(client, tenant, name="Free Masala Chai", kind="free_item",
                                 sku="MASALA-CHAI")
    hold = await _hold(client, tenant.admin, joined["member_id"], reward["id"])
    assert hold["value"] == 0 and hold["code"]
    reply = await place(client, tenant, _order([CHAI, LATTE], [12900, 0], hold["code"]))
    assert reply["totals"]["total"] == 28900 and reply["totals"]["discount"] == 12900
    assert reply["loyalty"]["redeemed"] == 50
    assert reply["loyalty"]["reward"] == {
        "id": reward["id"], "name": "Free Masala Chai", "kind": "free_item", "points": 50,
        "discount": 12900, "expected": 12900, "status": "ok", "reason": None,
        "lines": [{"line": 1, "discount": 12900, "expected": 12900}]}
    ledger = (await client.get(f"/v1/loyalty/members/{joined['member_id']}/ledger",
                               headers=tenant.admin)).json()["data"]
    [redeem] = [e for e in ledger if e["kind"] == "redeem"]
    assert (redeem["order_id"], redeem["reward_id"], redeem["points"]) == (
        reply["order_id"], reward["id"], -50)
    assert redeem["reason"] == "Reward: Free Masala Chai"
    assert redeem["meta"] == {"reward_name": "Free Masala Chai", "reward_kind": "free_item",
                              "discount": 12900}
    shown = (await client.get(f"/v1/loyalty/holds/{hold['hold_id']}",
                              headers=tenant.admin)).json()
    assert (shown["status"], shown["value"]) == ("committed", 12900)
    async with db.read_session() as session:
        bill = await session.scalar(select(BillReceipt).where(
            BillReceipt.workspace_id == tenant.id, BillReceipt.order_id == reply["order_id"]))
    assert bill is not None
    assert bill.snapshot["reward"] == {"name": "Free Masala Chai", "kind": "free_item",
                                       "discount": 12900}
    page = await get_page(client, tenant.slug, bill.code)
    assert "Reward: Free Masala Chai" in page.text and "−₹129.00" in page.text


async def test_percent_off_is_spread_over_the_lines(client, tenant) -> None:  # type: ignore[no-untyped-def]
    reward, joined = await _shop(client, tenant, name="10% off", kind="percent",
                                 percent_bp=1000)
    hold = await _hold(client, tenant.admin, joined["member_id"], reward["id"])
    reply = await place(client, tenant, _order([CHAI, LATTE], [1290, 2890], hold["hold_id"]))
    assert reply["totals"]["total"] == 37620 and reply["totals"]["discount"] == 4180
    assert reply["loyalty"]["reward"]["expected"] == 4180


async def test_a_wrong_or_missing_reward_discount_is_refused(client, tenant) -> None:  # type: ignore[no-untyped-def]
    reward, joined = await _shop(client, tenant, name="₹100 off ₹500+", kind="fixed",
                                 amount=10000, min_bill=50000)
    hold = await _hold(client, tenant.admin, joined["member_id"], reward["id"])
    # the bill is ₹418, below the minimum: the reward gives nothing
    refused = await client.post("/v1/orders", headers=tenant.admin,
                                json=_order([CHAI, LATTE], [3086, 6914], hold["hold_id"]))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "reward_mismatch"
    assert refused.json()["error"]["details"][0] == {"field": "lines[0].reward_discount",
                                                     "message": "expected 0, got 3086"}
    unbacked = await client.post("/v1/orders", headers=tenant.admin,
                                 json=_order([CHAI, LATTE], [12900, 0], None))
    assert unbacked.status_code == 422 and "no reward" in unbacked.json()["error"]["message"]
    # the old shape: a points tender standing in for the reward
    tender = _order([CHAI, LATTE], [0, 0], hold["hold_id"])
    tender["payments"] = [{"method": "points", "amount": 100}, {"method": "upi", "amount": 41700}]
    paid = await client.post("/v1/orders", headers=tenant.admin, json=tender)
    assert paid.status_code == 422 and "not a points payment" in paid.text
    assert (await member(client, tenant))["held"] == 50  # nothing was committed


async def test_a_till_hold_is_short_and_only_its_till_releases_it(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    other = await signed_till(client, tenant, location=till.location, terminal_id="T-2",
                              staff_name="Ravi")
    reward, joined = await _shop(client, tenant, name="Free Masala Chai", kind="free_item",
                                 sku="MASALA-CHAI")
    hold = await _hold(client, till.headers, joined["member_id"], reward["id"])
    assert 290 <= hold["expires_in"] <= 300
    foreign = await client.post(f"/v1/loyalty/holds/{hold['hold_id']}/release",
                                headers=other.headers)
    assert foreign.status_code == 404
    for _ in range(2):  # idempotent
        released = await client.post(f"/v1/loyalty/holds/{hold['hold_id']}/release",
                                     headers=till.headers)
        assert released.status_code == 200 and released.json()["status"] == "released"
    assert (await member(client, tenant))["held"] == 0
    again = await _hold(client, till.headers, joined["member_id"], reward["id"])
    assert again["hold_id"] != hold["hold_id"]  # the reward is free to take again at once


def _till_sale(parts: list[int], hold_id: str, **extra: Any) -> dict[str, Any]:
    body = _order([CHAI, LATTE], parts, hold_id, occurred_at=iso_ago(minutes=0), **extra)
    body.pop("external_id")
    return {**body, "client_order_id": str(uuid.uuid4())}


async def test_the_till_rules_refuse_online_and_flag_offline(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    reward, joined = await _shop(client, tenant, name="Free Masala Chai", kind="free_item",
                                 sku="MASALA-CHAI")
    hold = await _hold(client, till.headers, joined["member_id"], reward["id"])
    # a free chai is 100% off its line: the reward needs no manager's approval
    good = await client.post("/v1/pos/orders", headers=till.headers,
                             json=till.sign(_till_sale([12900, 0], hold["hold_id"])))
    assert good.status_code == 201, good.text
    assert good.json()["loyalty"]["reward"]["status"] == "ok" and "review" not in good.json()
    hold = await _hold(client, till.headers, joined["member_id"], reward["id"])
    greedy = _till_sale([12900, 2000], hold["hold_id"])
    online = await client.post("/v1/pos/orders", headers=till.headers, json=till.sign(greedy))
    assert online.status_code == 422 and online.json()["error"]["code"] == "till_rules"
    assert {d["rule"] for d in online.json()["error"]["details"]} == {"reward"}
    offline = await client.post("/v1/pos/orders", headers=till.headers,
                                json=till.sign(greedy, offline=True))
    assert offline.status_code == 201, offline.text
    review = offline.json()["review"]
    assert review["status"] == "flagged" and review["uncovered"] == 2000
    assert "line 2: 2000 where the reward 'Free Masala Chai' gives 0" in str(review["reasons"])


async def test_a_sale_made_while_the_hold_was_live_commits_it_late(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    reward, joined = await _shop(client, tenant, name="Free Masala Chai", kind="free_item",
                                 sku="MASALA-CHAI")
    hold = await _hold(client, tenant.admin, joined["member_id"], reward["id"])
    now = dt.datetime.now(dt.UTC)

    async def lapse(session):  # type: ignore[no-untyped-def]
        row = await session.get(LoyaltyHold, (tenant.id, hold["hold_id"]))
        row.created_at, row.expires_at = now - dt.timedelta(minutes=20), now - dt.timedelta(
            minutes=5)
        await session.flush()
        return await holds.expire_hold(session, tenant.id, hold["hold_id"])
    assert await unit_of_work(db, lapse) is True
    assert (await member(client, tenant))["held"] == 0
    too_late = _order([CHAI, LATTE], [12900, 0], hold["hold_id"], occurred_at=iso_ago(minutes=1))
    refused = await client.post("/v1/orders", headers=tenant.admin, json=too_late)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "hold_expired"
    in_time = _order([CHAI, LATTE], [12900, 0], hold["hold_id"], occurred_at=iso_ago(minutes=10))
    reply = await place(client, tenant, in_time)
    assert reply["loyalty"]["redeemed"] == 50 and reply["loyalty"]["held"] == 0
