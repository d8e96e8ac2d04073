"""Analytics: loyalty points and receipt delivery figures match the ledger and the outbox."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from activereach.analytics.queries import Scope
from activereach.analytics.service import dashboard
from activereach.loyalty.models import LoyaltyAccount
from activereach.messaging.models import Message
from activereach.orders.models import Order, OrderRefund
from tests.conftest import add_location
from tests.console.conftest import sign_in
from tests.loyalty.conftest import setup_program, shopper_order
from tests.support import ago

DAY = ago(days=17).date().isoformat()  # one past day, well inside the default window


async def _seed(client, tenant) -> dict:  # type: ignore[no-untyped-def]
    """Two outlets; members earning, one redeeming a hold, one refund; receipts by console."""
    await setup_program(client, tenant)
    for channel in ("whatsapp", "sms"):
        response = await client.put(f"/v1/messaging/channels/{channel}", headers=tenant.admin,
                                    json={"provider": "console"})
        assert response.status_code == 200, response.text
    blr = await add_location(client, tenant, "blr-9")
    await add_location(client, tenant, "mum-9")
    placed = []
    for index, (outlet, phone, amount) in enumerate([
            ("blr-9", "+91 98450 10001", 120000), ("blr-9", "+91 98450 10002", 80000),
            ("mum-9", "+91 98450 10003", 50000), ("mum-9", "+91 98450 10001", 30000)]):
        body = shopper_order(amount, phone=phone, external_id=f"EN-{index}", location=outlet,
                             occurred_at=f"{DAY}T06:00:00+00:00",
                             receipt={"channel": "sms" if index == 2 else "whatsapp"})
        response = await client.post("/v1/orders", json=body, headers=tenant.admin)
        assert response.status_code == 201, response.text
        placed.append(response.json())
    refund = await client.post(f"/v1/orders/{placed[0]['order_id']}/refunds", headers=tenant.admin,
                               json={"refund_id": "EN-R1", "amount": 60000,
                                     "occurred_at": f"{DAY}T08:00:00+00:00"})
    assert refund.status_code == 201, refund.text
    return blr


async def _expected_points(db, workspace_id: str, location_id: str | None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        orders = (await session.scalars(select(Order).where(Order.workspace_id == workspace_id))).all()
        refunds = (await session.scalars(select(OrderRefund).where(
            OrderRefund.workspace_id == workspace_id))).all()
        balances = (await session.execute(select(func.sum(LoyaltyAccount.available),
                                                 func.sum(LoyaltyAccount.pending)).where(
            LoyaltyAccount.workspace_id == workspace_id))).one()
    where = {o.id: o.location_id for o in orders}
    total = Counter()
    for order in orders:
        if location_id in (None, order.location_id):
            total.update({k: v for k, v in (order.result.get("loyalty") or {}).items()
                          if k in ("earned", "redeemed")})
    for refund in refunds:
        if location_id in (None, where[refund.order_id]):
            total.update({k: v for k, v in (refund.result.get("loyalty") or {}).items()
                          if k in ("reversed", "recredited")})
    return {"issued": total["earned"] - total["reversed"],
            "redeemed": total["redeemed"] - total["recredited"],
            "outstanding": int(balances[0] or 0) + int(balances[1] or 0)}


async def _expected_receipts(db, workspace_id: str, location_id: str | None) -> dict:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        messages = (await session.scalars(select(Message).where(
            Message.workspace_id == workspace_id, Message.purpose == "receipt"))).all()
    out: dict[str, list[int]] = {}
    for msg in messages:
        if location_id not in (None, msg.location_id):
            continue
        row = out.setdefault(msg.channel, [0, 0, 0, 0])
        reached = {entry["status"] for entry in msg.status_history}
        row[0] += 1
        row[1] += "sent" in reached
        row[2] += bool(reached & {"delivered", "read"})
        row[3] += "failed" in reached
    return out


async def test_points_and_receipts_match_ledger_and_outbox(client, make_tenant, db, drain,
                                                           console_user) -> None:
    tenant = await make_tenant(timezone="UTC")
    blr = await _seed(client, tenant)
    await drain(tenant.id)
    for location_id in (None, blr["id"]):
        async with db.read_session() as session:
            board = await dashboard(session, Scope(tenant.id, DAY, DAY, "INR", location_id))
        points = await _expected_points(db, tenant.id, location_id)
        lf = board.loyalty
        assert (lf.issued, lf.net_redeemed) == (points["issued"], points["redeemed"]), location_id
        assert lf.available + lf.pending == points["outstanding"]
        assert lf.liability == points["outstanding"] * 100
        receipts = {r.channel: [r.attempted, r.sent, r.delivered, r.failed] for r in board.receipts}
        assert receipts == await _expected_receipts(db, tenant.id, location_id), location_id
    # Sanity on the seed itself: points were earned and taken back, receipts went on two channels.
    assert points["issued"] > 0 and lf.reversed > 0
    async with db.read_session() as session:
        brand = await dashboard(session, Scope(tenant.id, DAY, DAY, "INR"))
    assert {r.channel for r in brand.receipts} == {"sms", "whatsapp"}
    assert sum(r.attempted for r in brand.receipts) == 4

    await sign_in(client, await console_user(tenant.slug))
    page = await client.get(f"/dashboard/{tenant.slug}/analytics", params={"from": DAY, "to": DAY})
    assert page.status_code == 200
    assert f'data-testid="points-issued">{brand.loyalty.issued}<' in page.text
    assert 'data-channel="whatsapp"' in page.text and "Receipt delivery by channel" in page.text
