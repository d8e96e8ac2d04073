"""Points on the bill (from the loyalty participant) and a bill for a loyalty redemption order."""

from __future__ import annotations

from sqlalchemy import select

from activereach.bills.models import BillReceipt
from tests.bills.conftest import get_page
from tests.loyalty.conftest import member, place, setup_program, shopper_order
from tests.support import ago, fy_short


async def test_earned_points_and_a_redemption_order_both_get_bills(client, make_tenant, db) -> None:
    tenant = await make_tenant()
    await setup_program(client, tenant)
    earned = await place(client, tenant, shopper_order(300000))           # 30 points
    page = await get_page(client, tenant.slug, earned["bill"]["code"])
    assert "You earned 30" in page.text and "balance 30" in page.text

    m = await member(client, tenant)
    hold = await client.post("/v1/loyalty/holds", headers=tenant.admin,
                             json={"member_id": m["member_id"], "points": 12, "bill_total": 50000})
    assert hold.status_code == 201, hold.text
    redemption = await place(client, tenant, shopper_order(50000, hold_id=hold.json()["hold_id"]))
    assert redemption["bill"]["invoice_number"] == f"WEB/{fy_short(ago())}/000002"
    async with db.read_session() as session:
        rows = list((await session.execute(select(BillReceipt).where(
            BillReceipt.workspace_id == tenant.id).order_by(BillReceipt.invoice_seq))).scalars())
    assert [r.source_product for r in rows] == ["api", "loyalty"]
    assert rows[1].snapshot["loyalty"]["redeemed"] == 12


async def test_a_reward_redemption_shows_the_reward_never_the_hold(client, make_tenant) -> None:
    """A reward is a discount on the lines (never a points tender with the hold's id); the bill
    names the reward and shows no hold id."""
    tenant = await make_tenant()
    await setup_program(client, tenant)
    await place(client, tenant, shopper_order(200000))                      # 20 points
    m = await member(client, tenant)
    reward = (await client.post("/v1/loyalty/rewards", headers=tenant.admin, json={
        "name": "₹100 off", "kind": "fixed", "points_cost": 8, "amount": 10000})).json()
    hold = (await client.post("/v1/loyalty/holds", headers=tenant.admin, json={
        "member_id": m["member_id"], "reward_id": reward["id"], "bill_total": 30000})).json()
    body = shopper_order(30000, hold_id=hold["hold_id"])
    body["lines"][0].update(discount=10000, reward_discount=10000)
    body["payments"] = [{"method": "upi", "amount": 20000}]
    order = await place(client, tenant, body)
    for suffix in ("", "/print"):
        html = (await get_page(client, tenant.slug, order["bill"]["code"], suffix)).text
        assert "lh_" not in html and hold["hold_id"] not in html and "₹100 off" in html
    free = (await client.post("/v1/loyalty/rewards", headers=tenant.admin, json={
        "name": "Free latte", "kind": "free_item", "points_cost": 6, "sku": "LATTE-M"})).json()
    await client.post("/v1/loyalty/holds", headers=tenant.admin, json={
        "member_id": m["member_id"], "reward_id": free["id"]})
    attached = await place(client, tenant, shopper_order(0))     # the latte, rung at zero
    page = await get_page(client, tenant.slug, attached["bill"]["code"])
    assert "Redeemed: Free latte" in page.text
