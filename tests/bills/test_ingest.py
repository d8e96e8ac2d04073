"""Every order from every source writes exactly one bill_receipts row in the ingest transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from activereach.bills.codes import looks_like_code
from activereach.bills.models import BillReceipt
from activereach.events.models import Event
from activereach.kit.db import unit_of_work
from activereach.orders.schemas import OrderIn
from activereach.orders.service import IngestSource, ingest_order
from activereach.tenancy.models import Workspace
from tests.bills.conftest import bill_host
from tests.conftest import add_location, order_body
from tests.support import fiscal_year, fy_short, iso_ago


async def _bills(db, workspace_id: str) -> list[BillReceipt]:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        return list((await session.execute(select(BillReceipt).where(
            BillReceipt.workspace_id == workspace_id).order_by(BillReceipt.invoice_seq))).scalars())


async def _pos_order(db, tenant, location_id: str, **overrides: object) -> dict:  # type: ignore[no-untyped-def]
    """An ActivePOS-like order: location and terminal pinned by the transport, client order id."""
    async def body(session):  # type: ignore[no-untyped-def]
        ws = await session.get(Workspace, tenant.id)
        src = IngestSource(workspace=ws, source="activepos", client_order_id=str(uuid.uuid4()),
                           location_id=location_id, terminal_id="T1", event_source="pos")
        return await ingest_order(session, src, OrderIn.model_validate(order_body(**overrides)))
    return await unit_of_work(db, body)


class TestOneRowPerOrder:
    async def test_api_order_gets_a_bill_in_the_reply_and_event(self, client, tenant, db) -> None:
        body = order_body()
        response = await client.post("/v1/orders", headers=tenant.admin, json=body)
        assert response.status_code == 201, response.text
        bill = response.json()["bill"]
        assert looks_like_code(bill["code"])
        assert bill["url"] == f"http://{bill_host(tenant.slug)}/b/{bill['code']}"
        fy = fy_short(body["occurred_at"])
        assert bill["invoice_number"] == f"WEB/{fy}/000001"  # no outlet: the brand series
        [row] = await _bills(db, tenant.id)
        assert (row.code, row.order_id, row.location_id) == (
            bill["code"], response.json()["order_id"], None)
        assert row.source_product == "api" and row.fiscal_year == fiscal_year(body["occurred_at"])
        async with db.read_session() as session:
            props = await session.scalar(select(Event.properties).where(
                Event.workspace_id == tenant.id, Event.name == "order_completed"))
        assert props["bill_code"] == bill["code"]
        doc = (await client.get(f"/v1/orders/{response.json()['order_id']}",
                                headers=tenant.admin)).json()
        assert doc["bill"] == bill

    async def test_replay_writes_nothing_new(self, client, tenant, db) -> None:
        body = order_body("A-replay")
        first = (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()
        again = await client.post("/v1/orders", headers=tenant.admin, json=body)
        assert again.status_code == 200 and again.json()["bill"] == first["bill"]
        assert len(await _bills(db, tenant.id)) == 1

    async def test_pos_order_uses_the_outlet_series(self, client, tenant, db) -> None:
        loc = await add_location(client, tenant, "blr-indiranagar", state_code="29")
        first = await _pos_order(db, tenant, loc["id"])
        second = await _pos_order(db, tenant, loc["id"])
        fy = fy_short(order_body()["occurred_at"])
        assert first["bill"]["invoice_number"] == f"BLRI/{fy}/000001"
        assert second["bill"]["invoice_number"] == f"BLRI/{fy}/000002"
        rows = await _bills(db, tenant.id)
        assert [r.source_product for r in rows] == ["pos", "pos"]
        assert rows[0].snapshot["seller"]["code"] == "blr-indiranagar"
        assert rows[0].snapshot["lines"][0]["hsn"] == "2101"
        assert rows[0].snapshot["inter_state"] is False

    async def test_online_batch_order_gets_a_brand_series_bill(self, client, tenant, db) -> None:
        message = {"type": "track", "event": "Order Completed", "messageId": "m-online-1",
                   "timestamp": iso_ago(days=1), "context": {"traits": {"phone": "9812345678"}},
                   "properties": {"order_id": "W-1", "total": 499.0, "currency": "INR",
                                  "products": [{"sku": "MUG", "name": "Mug", "price": 499,
                                                "quantity": 1}]}}
        response = await client.post("/v1/batch", headers=tenant.writer, json={"batch": [message]})
        assert response.status_code == 200 and response.json()["accepted"] == 1, response.text
        [row] = await _bills(db, tenant.id)
        assert row.source_product == "online" and row.series_key == "_brand"
        assert row.invoice_number == f"WEB/{fy_short(message['timestamp'])}/000001"
        assert "9812345678" not in str(row.snapshot)

    async def test_a_refund_adds_no_row_and_the_page_shows_it(self, client, tenant, db) -> None:
        created = (await client.post("/v1/orders", headers=tenant.admin, json=order_body())).json()
        refund = await client.post(f"/v1/orders/{created['order_id']}/refunds", headers=tenant.admin,
                                   json={"refund_id": "R1", "amount": 10000})
        assert refund.status_code == 201, refund.text
        assert len(await _bills(db, tenant.id)) == 1
        page = await client.get(f"/b/{created['bill']['code']}",
                                headers={"Host": bill_host(tenant.slug)})
        assert "Partly refunded" in page.text and "₹100.00" in page.text

    async def test_one_bill_per_order_across_sources(self, client, tenant, db) -> None:
        loc = await add_location(client, tenant, "mum-1")
        await client.post("/v1/orders", headers=tenant.admin, json=order_body())
        await client.post("/v1/orders", headers=tenant.admin, json=order_body(location="mum-1"))
        await _pos_order(db, tenant, loc["id"])
        async with db.read_session() as session:
            orders = await session.scalar(select(func.count()).select_from(BillReceipt).where(
                BillReceipt.workspace_id == tenant.id))
        assert orders == 3
        codes = {r.code for r in await _bills(db, tenant.id)}
        assert len(codes) == 3


class TestSnapshot:
    async def test_inter_state_delivery_is_igst(self, client, tenant, db) -> None:
        await add_location(client, tenant, "blr-2", state_code="29")
        body = order_body(location="blr-2", metadata={"place_of_supply": "27"})
        bill = (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()["bill"]
        [row] = await _bills(db, tenant.id)
        snap = row.snapshot
        assert snap["inter_state"] is True and snap["place_of_supply"] == "27"
        assert snap["totals"]["igst"] == snap["totals"]["tax"] and snap["totals"]["cgst"] == 0
        page = await client.get(f"/b/{bill['code']}", headers={"Host": bill_host(tenant.slug)})
        assert "IGST" in page.text and "CGST" not in page.text

    async def test_round_off_and_multiple_rates(self, client, tenant, db) -> None:
        lines = [{"name": "Tea", "quantity": "1", "unit_price": 10049, "tax_rate": "5",
                  "tax_inclusive": False, "hsn": "0902"},
                 {"name": "Mug", "quantity": "1", "unit_price": 20000, "tax_rate": "12",
                  "tax_inclusive": True, "hsn": "6912"}]
        body = order_body(lines=lines, payments=[{"method": "cash", "amount": 40000}])
        created = await client.post("/v1/orders", headers=tenant.admin, json=body)
        assert created.status_code == 201, created.text
        [row] = await _bills(db, tenant.id)
        totals = row.snapshot["totals"]
        assert totals["total"] == 10049 + 502 + 20000
        assert totals["round_off"] == 49 and totals["payable"] == 30600
        assert totals["change"] == 40000 - totals["total"]
        assert [g["rate"] for g in row.snapshot["gst"]] == ["5", "12"]
        assert totals["cgst"] + totals["sgst"] == totals["tax"]


async def test_webhook_pipe_order_gets_a_bill(client, tenant, db) -> None:
    """A pipe-mapped order reaches the same ingest with the pipe id as its source."""
    loc = await add_location(client, tenant, "pipe-1")

    async def body(session):  # type: ignore[no-untyped-def]
        ws = await session.get(Workspace, tenant.id)
        src = IngestSource(workspace=ws, source="pipe_square1", event_source="webhook")
        return await ingest_order(session, src, OrderIn.model_validate(
            order_body("sq-1", location="pipe-1")))
    result = await unit_of_work(db, body)
    [row] = await _bills(db, tenant.id)
    assert row.source_product == "pipe" and row.location_id == loc["id"]
    assert result["bill"]["invoice_number"] == f"PIPE/{fy_short(order_body()['occurred_at'])}/000001"


async def test_an_outlet_edit_shows_on_the_next_bill(client, tenant, db) -> None:
    """Outlets are memoised per process for the order path; an edit must not leave bills stale."""
    loc = await add_location(client, tenant, "edit-1", address="1 Old Road")
    first = await client.post("/v1/orders", headers=tenant.admin,
                              json=order_body(external_id="E-1", location="edit-1"))
    assert first.status_code == 201, first.text
    patched = await client.patch(f"/v1/locations/{loc['id']}", headers=tenant.admin,
                                 json={"address": "2 New Road"})
    assert patched.status_code == 200, patched.text
    second = await client.post("/v1/orders", headers=tenant.admin,
                               json=order_body(external_id="E-2", location="edit-1"))
    assert second.status_code == 201, second.text
    addresses = [bill.snapshot["seller"]["address"] for bill in await _bills(db, tenant.id)
                 if bill.location_id == loc["id"]]
    assert addresses == ["1 Old Road", "2 New Road"]
