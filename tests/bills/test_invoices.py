"""Invoice series: gap-free per outlet under concurrency, separate per outlet and per FY."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from activereach.bills.models import BillReceipt
from tests.conftest import add_location, order_body
from tests.support import ago, fy_short


async def _numbers(db, workspace_id: str, location_id: str | None) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        rows = (await session.execute(select(
            BillReceipt.fiscal_year, BillReceipt.invoice_seq, BillReceipt.invoice_number).where(
            BillReceipt.workspace_id == workspace_id,
            BillReceipt.location_id.is_(None) if location_id is None
            else BillReceipt.location_id == location_id).order_by(BillReceipt.invoice_seq))).all()
    return [tuple(row) for row in rows]


async def test_thirty_parallel_orders_get_1_to_30_without_gaps(client, tenant, db) -> None:
    loc = await add_location(client, tenant, "hyd-1")

    async def one(n: int) -> int:
        response = await client.post("/v1/orders", headers=tenant.admin,
                                     json=order_body(f"P-{n}", location="hyd-1"))
        return response.status_code

    statuses = await asyncio.gather(*(one(n) for n in range(30)))
    assert statuses == [201] * 30
    numbers = await _numbers(db, tenant.id, loc["id"])
    assert [seq for _, seq, _ in numbers] == list(range(1, 31))
    assert numbers[-1][2] == f"HYD1/{fy_short(order_body()['occurred_at'])}/000030"
    assert len({number for _, _, number in numbers}) == 30


async def test_each_outlet_has_its_own_series(client, tenant, db) -> None:
    a = await add_location(client, tenant, "a-1")
    b = await add_location(client, tenant, "b-1")
    for code in ("a-1", "b-1", "a-1"):
        await client.post("/v1/orders", headers=tenant.admin, json=order_body(location=code))
    fy = fy_short(order_body()["occurred_at"])
    assert [n for _, _, n in await _numbers(db, tenant.id, a["id"])] == [f"A1/{fy}/000001",
                                                                      f"A1/{fy}/000002"]
    assert [n for _, _, n in await _numbers(db, tenant.id, b["id"])] == [f"B1/{fy}/000001"]


async def test_series_restarts_each_financial_year(client, tenant, db) -> None:
    loc = await add_location(client, tenant, "fy-1")
    # The last year-end behind us: 31 March 23:30 IST is still the old year; 1 April 00:10 IST
    # (and 31 March 18:35 UTC, which is 00:05 in India) starts the new one.
    today = ago().date()
    y = today.year if today > dt.date(today.year, 4, 2) else today.year - 1
    for ext, when in (("F-1", f"{y}-03-31T23:30:00+05:30"), ("F-2", f"{y}-04-01T00:10:00+05:30"),
                      ("F-3", f"{y}-03-31T18:35:00+00:00")):
        created = await client.post("/v1/orders", headers=tenant.admin,
                                    json=order_body(ext, location="fy-1", occurred_at=when))
        assert created.status_code == 201, created.text
    numbers = await _numbers(db, tenant.id, loc["id"])
    old, new = f"{y - 1}-{y % 100:02d}", f"{y}-{(y + 1) % 100:02d}"
    assert sorted((fy, seq) for fy, seq, _ in numbers) == [(old, 1), (new, 1), (new, 2)]
    o, n = old[2:4] + old[5:], new[2:4] + new[5:]
    assert {n for _, _, n in numbers} == {f"FY1/{o}/000001", f"FY1/{n}/000001", f"FY1/{n}/000002"}


async def test_configured_prefix_is_used(client, tenant, db) -> None:
    await add_location(client, tenant, "pfx-1")
    put = await client.put("/v1/bill-config/outlets/pfx-1", headers=tenant.admin,
                           json={"invoice_prefix": "K07"})
    assert put.status_code == 200, put.text
    created = (await client.post("/v1/orders", headers=tenant.admin,
                                 json=order_body(location="pfx-1"))).json()
    assert created["bill"]["invoice_number"] == f"K07/{fy_short(ago())}/000001"
