"""POST /v1/pos/orders: device-token orders, idempotent on the till's client UUID, each signed
by the staff member who rang it up (tests/security/test_pos_money_rules.py has the rules)."""

import asyncio
import uuid

from tests.conftest import SignedTill, add_location, order_body, signed_till


async def _device(client, tenant) -> tuple[dict, SignedTill]:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant, terminal_id="T7")
    return till.location, till


def _pos_body(client_order_id: str) -> dict:
    body = order_body()
    body.pop("external_id")
    return {**body, "client_order_id": client_order_id}


async def test_outlet_and_terminal_come_from_the_token(client, tenant) -> None:
    loc, till = await _device(client, tenant)
    cid = str(uuid.uuid4())
    response = await client.post("/v1/pos/orders", headers=till.headers,
                                 json=till.sign(_pos_body(cid)))
    assert response.status_code == 201, response.text
    result = response.json()
    assert (result["location_id"], result["terminal_id"], result["source"]) == (loc["id"], "T7", "activepos")
    assert result["external_id"] == cid and result["channel"] == "offline"
    events = (await client.get(f"/v1/contacts/{result['contact_id']}/events", headers=tenant.admin)).json()
    assert events["data"][0]["source"] == "pos"


async def test_three_parallel_submissions_of_one_sale_make_one_order(client, tenant) -> None:
    _, till = await _device(client, tenant)
    body = till.sign(_pos_body(str(uuid.uuid4())))
    replies = await asyncio.gather(*[client.post("/v1/pos/orders", headers=till.headers, json=body)
                                     for _ in range(3)])
    assert sorted(r.status_code for r in replies) == [200, 200, 201]
    assert len({r.json()["order_id"] for r in replies}) == 1


async def test_another_outlet_in_the_body_is_refused(client, tenant) -> None:
    _, till = await _device(client, tenant)
    other = await add_location(client, tenant, code="other-1", gstin="27AABCB1234C1ZE")
    body = till.sign({**_pos_body(str(uuid.uuid4())), "location": other["id"]})
    assert (await client.post("/v1/pos/orders", headers=till.headers, json=body)).status_code == 403


async def test_admin_keys_and_bad_uuids_are_refused(client, tenant) -> None:
    _, till = await _device(client, tenant)
    assert (await client.post("/v1/pos/orders", headers=tenant.admin,
                              json=till.sign(_pos_body(str(uuid.uuid4()))))).status_code == 401
    bad = await client.post("/v1/pos/orders", headers=till.headers, json=_pos_body("x" * 36))
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "client_order_id"
