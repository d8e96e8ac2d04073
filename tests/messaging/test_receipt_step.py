"""The till's receipt step: the status of its sale's receipt, a resend, another channel — only
for the till's own outlet, in people's words (masked addresses, no ids)."""

from __future__ import annotations

import re
import uuid

from tests.conftest import order_body, signed_till
from tests.messaging.conftest import configure, run_jobs

PHONE = "+91 98450 77777"


async def _sale(client, tenant, till) -> str:  # type: ignore[no-untyped-def]
    body = order_body(customer={"phone": PHONE})
    body.pop("external_id")
    cid = str(uuid.uuid4())
    reply = await client.post("/v1/pos/orders", headers=till.headers, json=till.sign({
        **body, "client_order_id": cid, "receipt": {"channel": "sms"}}))
    assert reply.status_code == 201, reply.text
    return cid


async def test_status_resend_and_another_channel(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    till = await signed_till(client, tenant, terminal_id="T3")
    cid = await _sale(client, tenant, till)
    await run_jobs(db)
    status = (await client.get(f"/v1/pos/orders/{cid}/receipt", headers=till.headers)).json()
    assert [m["channel"] for m in status["messages"]] == ["sms"]
    assert status["messages"][0]["status"] in {"sent", "delivered"}
    assert status["messages"][0]["to"].endswith("7777") and "•" in status["messages"][0]["to"]
    assert not re.search(r"\b(msg|ord|ct)_", str(status))

    again = await client.post(f"/v1/pos/orders/{cid}/receipt", headers=till.headers,
                              json={"channel": "sms", "request_id": "req-resend-1"})
    assert again.status_code == 202, again.text
    repeat = await client.post(f"/v1/pos/orders/{cid}/receipt", headers=till.headers,
                               json={"channel": "sms", "request_id": "req-resend-1"})
    assert len(repeat.json()["messages"]) == 2   # the retried request sent once
    other = await client.post(f"/v1/pos/orders/{cid}/receipt", headers=till.headers,
                              json={"channel": "whatsapp", "request_id": "req-wa-1"})
    assert other.status_code == 202, other.text
    await run_jobs(db)
    status = (await client.get(f"/v1/pos/orders/{cid}/receipt", headers=till.headers)).json()
    assert sorted(m["channel"] for m in status["messages"]) == ["sms", "sms", "whatsapp"]
    assert all(m["status"] in {"sent", "delivered"} for m in status["messages"])


async def test_email_needs_an_address_and_opt_outs_are_kept(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    till = await signed_till(client, tenant, terminal_id="T4")
    cid = await _sale(client, tenant, till)
    no_email = await client.post(f"/v1/pos/orders/{cid}/receipt", headers=till.headers,
                                 json={"channel": "email", "request_id": "req-email-1"})
    assert no_email.status_code == 422
    contact = (await client.get("/v1/contacts", params={"phone": PHONE},
                                headers=tenant.admin)).json()["id"]
    await client.put(f"/v1/messaging/consent/{contact}/whatsapp", headers=tenant.admin,
                     json={"status": "opted_out", "source": "counter"})
    refused = await client.post(f"/v1/pos/orders/{cid}/receipt", headers=till.headers,
                                json={"channel": "whatsapp", "request_id": "req-wa-2"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "opted_out"


async def test_a_till_sees_only_its_outlets_sales(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    mine = await signed_till(client, tenant, "blr-5", terminal_id="T5")
    other = await signed_till(client, tenant, "mum-6", terminal_id="T6")
    cid = await _sale(client, tenant, mine)
    seen = await client.get(f"/v1/pos/orders/{cid}/receipt", headers=other.headers)
    assert seen.status_code == 404
    unknown = await client.get(f"/v1/pos/orders/{uuid.uuid4()}/receipt", headers=mine.headers)
    assert unknown.status_code == 404
