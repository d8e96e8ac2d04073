"""Receipt operations: the member's default receipt channel at the till, and the gaps in a
terminal's receipt and pre-issued invoice sequences that ops can read."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update

from activereach.cashier.rules import default_receipt_channel, missing_numbers
from activereach.contacts.models import Contact
from activereach.messaging.rules import Reach
from tests.cashier.test_staff import _till
from tests.conftest import order_body, signed_till

PHONE = "+91 98450 77777"


def test_missing_numbers() -> None:
    assert missing_numbers([]) == []
    assert missing_numbers([3, 1, 2]) == []
    assert missing_numbers([1, 2, 5, 7]) == [3, 4, 6]
    assert missing_numbers([2, 3], upto=5) == [4, 5]


def test_default_channel_follows_the_preference_only_when_it_can_reach() -> None:
    both = Reach(phone="+919845077777", email="a@example.com",
                 configured=frozenset({"sms", "email"}))
    assert default_receipt_channel("email", both, "IN") == "email"
    assert default_receipt_channel(None, both, "IN") == "sms"  # WhatsApp is not configured
    assert default_receipt_channel("whatsapp", both, "IN") == "sms"
    assert default_receipt_channel("none", both, "IN") == "none"
    no_email = Reach(phone="+919845077777", configured=frozenset({"email"}))
    assert default_receipt_channel("email", no_email, "IN") == "print"
    opted_out = Reach(phone="+919845077777", opted_out=frozenset({"sms"}),
                      configured=frozenset({"sms"}))
    assert default_receipt_channel("sms", opted_out, "IN") == "print"


async def _channels(client, tenant) -> None:  # type: ignore[no-untyped-def]
    """SMS and email configured (never called here: only their presence matters)."""
    sms = {"provider": "msg91", "config": {
        "template_id": "6630f1d2d6fc05", "sender": "BRWBLM", "dlt_entity_id": "1201159543060917386",
        "dlt_template_id": "1207161234567890123", "base_url": "http://127.0.0.1:9"},
        "secrets": {"authkey": "k"}}
    email = {"provider": "smtp", "config": {
        "host": "127.0.0.1", "port": 9, "security": "none", "from_address": "bills@brew.test"},
        "secrets": {}}
    for channel, body in (("sms", sms), ("email", email)):
        response = await client.put(f"/v1/messaging/channels/{channel}", json=body,
                                    headers=tenant.admin)
        assert response.status_code == 200, response.text


async def test_the_till_preselects_the_members_reachable_preference(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    _, device = await _till(client, tenant)
    await client.put("/v1/loyalty/program", headers=tenant.admin, json={"name": "Chai Points"})
    member = (await client.post("/v1/loyalty/members", json={"phone": PHONE},
                                headers=tenant.admin)).json()
    url = f"/v1/pos/members/{member['member_id']}/receipt-channel"
    bare = (await client.get(url, headers=device)).json()
    assert (bare["channel"], bare["has_phone"], bare["has_email"]) == ("print", True, False)
    await _channels(client, tenant)
    assert (await client.get(url, headers=device)).json()["channel"] == "sms"
    async with db.session() as session:
        await session.execute(update(Contact).where(Contact.workspace_id == tenant.id)
                              .values(preferred_channel="email"))
    no_address = (await client.get(url, headers=device)).json()
    assert (no_address["channel"], no_address["preferred_channel"]) == ("sms", "email")
    assert no_address["reachable"] == {"whatsapp": False, "sms": True, "email": False}
    # the email field at the till puts an address on the contact: now the preference wins
    body = order_body(customer={"phone": PHONE, "email": "member@example.com"})
    assert (await client.post("/v1/orders", json=body, headers=tenant.admin)).status_code == 201
    reply = (await client.get(url, headers=device)).json()
    assert (reply["channel"], reply["has_email"]) == ("email", True)
    assert (await client.get("/v1/pos/members/la_nope/receipt-channel",
                             headers=device)).status_code == 404


def _pos_order(seq: int, code: dict[str, Any] | None) -> dict[str, Any]:
    body = order_body(metadata={"terminal_seq": seq, **({"bill_code": code["code"],
                                "invoice_number": code["invoice_number"]} if code else {})})
    body.pop("external_id")
    return {**body, "client_order_id": str(uuid.uuid4())}


async def test_gaps_in_a_terminals_receipt_sequence_are_flagged(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    loc, device = till.location, till.headers
    codes = (await client.post("/v1/pos/bill-codes", json={"count": 5},
                               headers=device)).json()["codes"]
    for seq in (1, 2, 4):
        reply = await client.post("/v1/pos/orders", json=till.sign(_pos_order(seq, codes[seq - 1])),
                                  headers=device)
        assert reply.status_code == 201, reply.text
    gaps = await client.get("/v1/cashier/receipt-gaps", headers=tenant.admin)
    assert gaps.status_code == 200, gaps.text
    assert gaps.json()["terminals_with_gaps"] == 1
    [row] = gaps.json()["data"]
    assert row["terminal_id"] == f"T-{loc['code']}" and row["has_gaps"]
    assert row["receipt_seq"] == {"first": 1, "last": 4, "missing": [3], "missing_count": 1}
    assert row["invoice_missing_count"] == 1
    assert row["invoice_gaps"][0]["missing"] == [codes[2]["invoice_number"]]
    # the late sale arrives: no gap left (the unused codes 5.. are above the last used one)
    late = await client.post("/v1/pos/orders", json=till.sign(_pos_order(3, codes[2])),
                             headers=device)
    assert late.status_code == 201, late.text
    closed = (await client.get("/v1/cashier/receipt-gaps", params={"location": loc["code"]},
                               headers=tenant.admin)).json()
    assert closed["terminals_with_gaps"] == 0 and closed["data"][0]["receipt_seq"]["missing"] == []
    assert (await client.get("/v1/cashier/receipt-gaps", headers=device)).status_code in (401, 403)
