"""The ActivePOS pre-issue pool: reserved codes + invoice numbers, used exactly by their orders."""

from __future__ import annotations

import uuid

from activereach.bills.codes import looks_like_code
from activereach.kit.db import unit_of_work
from activereach.orders.schemas import OrderIn
from activereach.orders.service import IngestSource, ingest_order
from activereach.tenancy.models import Workspace
from tests.conftest import add_location, order_body
from tests.support import ago, fy_short


async def _device(client, tenant, code: str):  # type: ignore[no-untyped-def]
    loc = await add_location(client, tenant, code)
    term = (await client.post(f"/v1/locations/{loc['id']}/terminals", headers=tenant.admin,
                              json={"terminal_id": "T1"})).json()
    pairing = (await client.post(
        f"/v1/locations/{loc['id']}/terminals/{term['id']}/pairing-code",
        headers=tenant.admin)).json()
    paired = (await client.post("/v1/pos/pair",
                                json={"pairing_code": pairing["pairing_code"]})).json()
    return loc, {"Authorization": f"Bearer {paired['device_token']}"}


async def _pos_order(db, tenant, location_id: str, metadata: dict | None) -> dict:  # type: ignore[no-untyped-def]
    async def body(session):  # type: ignore[no-untyped-def]
        ws = await session.get(Workspace, tenant.id)
        src = IngestSource(workspace=ws, source="activepos", client_order_id=str(uuid.uuid4()),
                           location_id=location_id, terminal_id="T1", event_source="pos")
        return await ingest_order(session, src, OrderIn.model_validate(
            order_body(metadata=metadata)))
    return await unit_of_work(db, body)


async def test_pool_is_topped_up_idempotently_and_used_exactly(client, tenant, db) -> None:
    loc, device = await _device(client, tenant, "pool-1")
    first = await client.post("/v1/pos/bill-codes", headers=device, json={"count": 3})
    assert first.status_code == 200, first.text
    pool = first.json()["codes"]
    fy = fy_short(ago())  # reserved now: this financial year's numbers
    assert [c["invoice_number"] for c in pool] == [
        f"POOL/{fy}/000001", f"POOL/{fy}/000002", f"POOL/{fy}/000003"]
    assert all(looks_like_code(c["code"]) and c["url"].endswith(c["code"]) for c in pool)
    again = await client.post("/v1/pos/bill-codes", headers=device, json={"count": 3})
    assert again.json()["codes"] == pool

    used = pool[1]
    result = await _pos_order(db, tenant, loc["id"], {"bill_code": used["code"],
                                                      "invoice_number": used["invoice_number"]})
    assert result["bill"]["code"] == used["code"]
    assert result["bill"]["invoice_number"] == used["invoice_number"]
    # An order without a reservation continues the series after the pool.
    plain = await _pos_order(db, tenant, loc["id"], None)
    assert plain["bill"]["invoice_number"] == f"POOL/{fy}/000004"
    # Using the same reservation twice does not hand out its code again.
    twice = await _pos_order(db, tenant, loc["id"], {"bill_code": used["code"],
                                                     "invoice_number": used["invoice_number"]})
    assert twice["bill"]["code"] != used["code"]

    topped = (await client.post("/v1/pos/bill-codes", headers=device, json={"count": 3})).json()
    assert [c["invoice_number"] for c in topped["codes"]] == [
        f"POOL/{fy}/000001", f"POOL/{fy}/000003", f"POOL/{fy}/000006"]


async def test_another_outlets_reservation_is_not_used(client, tenant, db) -> None:
    _, device = await _device(client, tenant, "own-1")
    other = await add_location(client, tenant, "other-1")
    pool = (await client.post("/v1/pos/bill-codes", headers=device, json={"count": 1})).json()
    reserved = pool["codes"][0]
    result = await _pos_order(db, tenant, other["id"], {"bill_code": reserved["code"],
                                                        "invoice_number": reserved["invoice_number"]})
    assert result["bill"]["code"] != reserved["code"]
    assert result["bill"]["invoice_number"] == f"OTHE/{fy_short(ago())}/000001"


async def test_pool_needs_a_device_token(client, tenant) -> None:
    response = await client.post("/v1/pos/bill-codes", headers=tenant.admin, json={"count": 1})
    assert response.status_code == 401
    _, device = await _device(client, tenant, "cnt-1")
    too_many = await client.post("/v1/pos/bill-codes", headers=device, json={"count": 500})
    assert too_many.status_code == 422 and too_many.json()["error"]["details"][0]["field"] == "count"
