"""Analytics: every dashboard figure recomputed from the orders table must match exactly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import select

from activereach.analytics.queries import Scope
from activereach.analytics.service import dashboard
from activereach.orders.models import Order, OrderRefund
from activereach.tenancy.models import Location, Workspace
from tests.conftest import add_location, order_body
from tests.console.conftest import sign_in
from tests.support import ago

# The scenario's month: the one before last, so every day in it is in the past on any run.
_BASE = (ago(days=35).date()).replace(day=1)


def on_day(n: int) -> str:
    """Day ``n`` of the scenario's month (0 and below fall in the month before)."""
    return (_BASE + dt.timedelta(days=n - 1)).isoformat()


START, END = on_day(5), on_day(20)
ASHA = {"phone": "+91 98765 00001", "name": "Asha"}
RAVI = {"phone": "+91 98765 00002", "email": "ravi@example.com"}
MEERA = {"email": "meera@example.com"}


def _line(price: int) -> list[dict[str, object]]:
    return [{"sku": "X", "name": "Thing", "quantity": "1", "unit_price": price, "tax_rate": "5",
             "tax_inclusive": True}]


async def _order(client, tenant, when: str, price: int, *, location=None, customer=None,  # type: ignore[no-untyped-def]
                 source_key=None) -> dict:
    body = order_body(occurred_at=when, lines=_line(price),
                      payments=[{"method": "card", "amount": price}])
    body.pop("customer")
    if customer:
        body["customer"] = customer
    if location:
        body["location"] = location
    else:
        body["channel"] = "online"
    response = await client.post("/v1/orders", headers=tenant.admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _seed(client, tenant) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    blr = await add_location(client, tenant, "blr-1", timezone="Asia/Kolkata")
    dxb = await add_location(client, tenant, "dxb-1", gstin=None, timezone="Asia/Dubai")
    # 19:00Z is the next day in Kolkata (00:30) but still the same day in Dubai (23:00).
    await _order(client, tenant, f"{on_day(4)}T19:00:00Z", 10000, location=blr["id"], customer=ASHA)
    await _order(client, tenant, f"{on_day(4)}T19:00:00Z", 20000, location=dxb["id"], customer=RAVI)
    await _order(client, tenant, f"{on_day(20)}T19:00:00Z", 30000, location=dxb["id"], customer=RAVI)
    await _order(client, tenant, f"{on_day(20)}T19:00:00Z", 40000, location=blr["id"])
    await _order(client, tenant, f"{on_day(-30)}T10:00:00Z", 5000, customer=MEERA)  # before range
    await _order(client, tenant, f"{on_day(6)}T10:00:00Z", 12345, customer=MEERA)
    await _order(client, tenant, f"{on_day(7)}T10:00:00Z", 23456, customer=ASHA)
    await _order(client, tenant, f"{on_day(8)}T08:00:00Z", 99999, location=blr["id"])
    old = await _order(client, tenant, f"{on_day(1)}T08:00:00Z", 50000, location=blr["id"],
                       customer=RAVI)
    inside = await _order(client, tenant, f"{on_day(9)}T08:00:00Z", 60000, location=dxb["id"],
                          customer=ASHA)
    for order, refund_id, amount, when in ((old, "R-OLD", 7000, f"{on_day(10)}T08:00:00Z"),
                                           (inside, "R-IN", 6000, f"{on_day(12)}T08:00:00Z")):
        response = await client.post(f"/v1/orders/{order['order_id']}/refunds", headers=tenant.admin,
                                     json={"refund_id": refund_id, "amount": amount,
                                           "occurred_at": when})
        assert response.status_code == 201, response.text
    return blr, dxb


async def _expected(db, workspace_id: str, location_id: str | None) -> dict:  # type: ignore[no-untyped-def]
    """The dashboard, recomputed straight from ``orders`` and ``order_refunds``."""
    async with db.read_session() as session:
        ws = await session.get(Workspace, workspace_id)
        zones = {loc.id: loc.timezone or ws.timezone for loc in (await session.execute(
            select(Location).where(Location.workspace_id == workspace_id))).scalars()}
        orders = list((await session.execute(
            select(Order).where(Order.workspace_id == workspace_id))).scalars())
        refunds = list((await session.execute(
            select(OrderRefund).where(OrderRefund.workspace_id == workspace_id))).scalars())
    by_id = {o.id: o for o in orders}

    def day(order: Order, moment) -> str:  # type: ignore[no-untyped-def]
        zone = zones.get(order.location_id or "", ws.timezone)
        return moment.astimezone(ZoneInfo(zone)).date().isoformat()

    def scoped(order: Order) -> bool:
        return location_id is None or order.location_id == location_id

    days: dict = defaultdict(lambda: [0, 0, 0, 0])  # online, offline, refunds, orders
    outlets: dict = defaultdict(lambda: [0, 0, 0])
    sources: dict = defaultdict(lambda: [0, 0, 0])
    offline, attributed = 0, 0
    buyers, offline_buyers, online_buyers, earlier = set(), set(), set(), set()
    for o in orders:
        d = day(o, o.occurred_at)
        if o.contact_id and d < START:
            earlier.add(o.contact_id)
        if not START <= d <= END:
            continue
        if o.channel == "online" and o.contact_id:
            online_buyers.add(o.contact_id)
        if not scoped(o):
            continue
        days[d][0 if o.channel == "online" else 1] += o.total
        days[d][3] += 1
        for table, key in ((outlets, o.location_id or ""), (sources, o.source)):
            table[key][0] += 1
            table[key][1] += o.total
        if o.channel == "offline":
            offline += o.total
            attributed += o.total if o.contact_id else 0
            if o.contact_id:
                offline_buyers.add(o.contact_id)
        if o.contact_id:
            buyers.add(o.contact_id)
    for r in refunds:
        o = by_id[r.order_id]
        d = day(o, r.occurred_at)
        if not (START <= d <= END and scoped(o)):
            continue
        days[d][2] += r.amount
        outlets[o.location_id or ""][2] += r.amount
        sources[o.source][2] += r.amount
        if o.channel == "offline":
            offline -= r.amount
            attributed -= r.amount if o.contact_id else 0
    return {"days": {k: v for k, v in days.items()}, "outlets": dict(outlets),
            "sources": dict(sources), "offline": offline, "attributed": attributed,
            "customers": len(buyers), "returning": len(buyers & earlier),
            "both": len(offline_buyers & online_buyers)}


def _actual(board) -> dict:  # type: ignore[no-untyped-def]
    return {"days": {d.day: [d.online, d.offline, d.refunds, d.orders] for d in board.days
                     if d.orders or d.refunds},
            "outlets": {b.key: [b.orders, b.gross, b.refunds] for b in board.by_outlet},
            "sources": {b.key: [b.orders, b.gross, b.refunds] for b in board.by_source},
            "offline": board.offline_net, "attributed": board.attributed_offline_net,
            "customers": board.customers, "returning": board.returning_customers,
            "both": board.both_channels}


async def test_dashboard_matches_orders_table_in_every_scope(client, make_tenant, db,
                                                            drain) -> None:
    tenant = await make_tenant(timezone="UTC")
    blr, dxb = await _seed(client, tenant)
    await drain(tenant.id)
    for location_id in (None, blr["id"], dxb["id"]):
        scope = Scope(workspace_id=tenant.id, start=START, end=END, currency="INR",
                      location_id=location_id)
        async with db.read_session() as session:
            board = await dashboard(session, scope)
        expected = await _expected(db, tenant.id, location_id)
        assert _actual(board) == expected, location_id
    # The last scope is Dubai: its 23:00 order stays on the 20th; Asha bought there and online.
    assert expected["days"][on_day(20)] == [0, 30000, 0, 1]
    assert expected["both"] == 1 and expected["returning"] == 1 and expected["customers"] == 2


async def test_day_boundaries_follow_each_outlets_timezone(client, make_tenant, db, drain) -> None:
    tenant = await make_tenant(timezone="UTC")
    await _seed(client, tenant)
    await drain(tenant.id)
    async with db.read_session() as session:
        board = await dashboard(session, Scope(tenant.id, START, END, "INR"))
    days = {d.day: d for d in board.days}
    # day 20 at 19:00Z: Kolkata's order is on the 21st (outside), Dubai's on the 20th.
    assert days[on_day(20)].offline == 30000
    # day 4 at 19:00Z: Kolkata's order is on the 5th (inside), Dubai's on the 4th (outside).
    assert days[on_day(5)].offline == 10000
    assert board.refunds == 13000 and board.net == board.gross - 13000
    assert board.customers == 3 and board.returning_customers == 2 and board.both_channels == 1
    assert board.attributed_share is not None and board.aov is not None


async def test_analytics_page_table_and_csv_agree(client, make_tenant, db, drain,
                                                  console_user) -> None:
    tenant = await make_tenant(timezone="UTC")
    await _seed(client, tenant)
    await drain(tenant.id)
    await sign_in(client, await console_user(tenant.slug))
    params = {"from": START, "to": END}
    page = await client.get(f"/dashboard/{tenant.slug}/analytics", params=params)
    assert page.status_code == 200 and "<svg" in page.text and "<rect" in page.text
    assert "Revenue by outlet" in page.text and "Online (no outlet)" in page.text
    exported = await client.get(f"/dashboard/{tenant.slug}/analytics.csv", params=params)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 16 and rows[0]["day"] == START
    async with db.read_session() as session:
        board = await dashboard(session, Scope(tenant.id, START, END, "INR"))
    assert sum(int(r["net"]) for r in rows) == board.net
    assert sum(int(r["online_gross"]) for r in rows) == board.online_gross
    bad = await client.get(f"/dashboard/{tenant.slug}/analytics", params={"from": END, "to": START})
    assert bad.status_code == 422
