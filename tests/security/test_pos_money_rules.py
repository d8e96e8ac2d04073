"""Issue 18, finding 7: the server enforces the till's money rules on every POS order.

The review's attacks, with a device token and no staff: a 24,800 discount on a 24,900 line,
``payments: []``, and thirty offline points tenders backed by one member's 100 points.  Each is
now refused (no staff proof, or a proof that breaks a rule online) or, made offline, accepted
and flagged for a manager with the money nothing backs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select, update

from activereach.cashier.models import CashierStaffKey, PosOrderFlag
from activereach.kit.db import utcnow
from activereach.loyalty.models import LoyaltyAccount
from tests.conftest import order_body, signed_till
from tests.console.conftest import make_user, sign_in
from tests.support import iso_ago

PHONE = "+91 98450 77777"


def _sale(**overrides: Any) -> dict[str, Any]:
    """A till sale rung up just now (an older one arrives late: it counts as made offline)."""
    body = order_body(**{"occurred_at": iso_ago(), **overrides})
    body.pop("external_id")
    return {**body, "client_order_id": str(uuid.uuid4())}


def _discounted(discount: int = 24800) -> dict[str, Any]:
    return _sale(lines=[{"sku": "CAKE", "name": "Cake", "quantity": "1", "unit_price": 24900,
                         "tax_rate": "5", "tax_inclusive": True, "discount": discount}],
                 payments=[{"method": "cash", "amount": 24900 - discount}])


def _points_sale(points: int = 100) -> dict[str, Any]:
    return _sale(customer={"phone": PHONE}, loyalty={"offline_points": points},
                 lines=[{"sku": "BOX", "name": "Gift box", "quantity": "1",
                         "unit_price": points * 100, "tax_rate": "0", "tax_inclusive": True}],
                 payments=[{"method": "points", "amount": points * 100, "reference": "offline"}])


async def _member(client, tenant, balance: int, policy: str = "clamp") -> None:  # type: ignore[no-untyped-def]
    program = await client.put("/v1/loyalty/program", headers=tenant.admin, json={
        "name": "Chai Points", "point_value": 100, "pending_days": 0, "negative_policy": policy})
    assert program.status_code == 200, program.text
    member = (await client.post("/v1/loyalty/members", json={"phone": PHONE},
                                headers=tenant.admin)).json()
    adjusted = await client.post(f"/v1/loyalty/members/{member['member_id']}/adjustments",
                                 headers=tenant.admin, json={"points": balance, "reason": "gift",
                                                             "idempotency_key": "gift"})
    assert adjusted.status_code in (200, 201), adjusted.text


async def _redeemed(db, ws: str) -> int:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        return int(await session.scalar(select(func.sum(LoyaltyAccount.lifetime_redeemed)).where(
            LoyaltyAccount.workspace_id == ws)) or 0)


async def _post(client, till, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return await client.post("/v1/pos/orders", headers=till.headers, json=body)


def _code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


async def test_a_device_token_alone_cannot_place_any_of_the_reviewed_orders(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await _member(client, tenant, 100)
    for body in (_discounted(), _sale(payments=[]), _points_sale()):
        refused = await _post(client, till, body)
        assert refused.status_code == 422 and _code(refused) == "staff_proof_required", refused.text
    # a made-up key id, a real key id with a guessed signature, a signature over other content
    signed = till.sign(_discounted(), offline=True)
    for proof in ({**signed["proof"], "key_id": "skey_forged"},
                  {**signed["proof"], "signature": "A" * 43}):
        forged = await _post(client, till, {**signed, "proof": proof})
        assert forged.status_code == 422 and _code(forged) == "staff_proof_invalid", forged.text
    tampered = till.sign(_discounted(100), offline=True)
    tampered["lines"][0]["discount"], tampered["payments"][0]["amount"] = 24800, 100
    bad = await _post(client, till, tampered)
    assert bad.status_code == 422 and _code(bad) == "staff_proof_invalid"
    assert await _redeemed(db, tenant.id) == 0


async def test_a_key_from_another_till_proves_nothing(client, tenant) -> None:  # type: ignore[no-untyped-def]
    mine = await signed_till(client, tenant, "blr-1")
    other = await signed_till(client, tenant, "blr-2", gstin="27AABCB1234C1ZE")
    body = other.sign(_sale())
    stolen = await _post(client, mine, body)
    assert stolen.status_code == 422 and _code(stolen) == "staff_proof_invalid"
    ok = await _post(client, other, body)
    assert ok.status_code == 201 and ok.json()["cashier"]["name"] == "Kiran"


async def test_an_over_limit_discount_needs_a_managers_signed_approval(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await till.sign_in(client, tenant, "Meera", pin="1357", role="manager")
    await till.sign_in(client, tenant, "Ravi", pin="2468")
    online = await _post(client, till, till.sign(_discounted()))
    assert online.status_code == 422 and _code(online) == "till_rules"
    assert online.json()["error"]["details"] == [{
        "rule": "discount", "field": "lines[0].discount",
        "message": "a discount of 24800 on 24900 is above the limit and has no manager's approval"}]
    by_cashier = await client.post("/v1/pos/orders", headers=till.headers,
                                   json=till.sign(_discounted(), approvals={1: "Ravi"}))
    assert by_cashier.status_code == 422 and "Ravi is not a manager" in by_cashier.text
    approved = till.sign(_discounted(), approvals={1: "Meera"})
    ok = await _post(client, till, approved)
    assert ok.status_code == 201, ok.text
    # the approval is bound to its order: copied onto another sale it approves nothing
    copied = till.sign(_discounted())
    copied["proof"]["approvals"] = approved["proof"]["approvals"]
    again = await _post(client, till, copied)
    assert again.status_code == 422 and _code(again) == "till_rules"
    within = await _post(client, till, till.sign(_discounted(2490)))
    assert within.status_code == 201, within.text  # exactly 10 %: no approval needed


async def test_payments_must_cover_the_total_online_and_are_flagged_offline(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    unpaid = await _post(client, till, till.sign(_sale(payments=[])))
    assert unpaid.status_code == 422 and unpaid.json()["error"]["details"][0]["rule"] == "payments"
    offline = await client.post("/v1/pos/orders", headers=till.headers,
                                json=till.sign(_sale(payments=[]), offline=True))
    assert offline.status_code == 201, offline.text  # the sale happened: it is never dropped
    review = offline.json()["review"]
    assert review["status"] == "flagged" and review["uncovered"] == 49800
    assert [r["rule"] for r in review["reasons"]] == ["payments"]
    flags = (await client.get("/v1/cashier/flags", headers=tenant.admin)).json()["data"]
    assert [(f["order_id"], f["staff_name"], f["uncovered"]) for f in flags] == [
        (offline.json()["order_id"], "Kiran", 49800)]


async def test_thirty_offline_points_tenders_spend_the_allowance_once(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await _member(client, tenant, 100)
    replies = [await client.post("/v1/pos/orders", headers=till.headers,
                                 json=till.sign(_points_sale(), offline=True)) for _ in range(30)]
    assert [r.status_code for r in replies] == [201] * 30
    assert "review" not in replies[0].json()
    flagged = [r.json()["review"] for r in replies[1:]]
    assert all(f["uncovered"] == 10000 and f["reasons"][0]["rule"] == "points" for f in flagged)
    assert await _redeemed(db, tenant.id) == 100
    async with db.read_session() as session:
        rows = (await session.execute(select(PosOrderFlag).where(
            PosOrderFlag.workspace_id == tenant.id))).scalars().all()
    assert len(rows) == 29 and sum(f.uncovered for f in rows) == 290000
    # made online, the same uncovered tender is refused instead
    online = await _post(client, till, till.sign(_points_sale()))
    assert online.status_code == 422 and online.json()["error"]["details"][0]["rule"] == "points"


async def test_under_allow_the_debt_stops_at_the_tills_daily_allowance(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    await client.put("/v1/cashier/settings", headers=tenant.admin, json={"offline_redeem_cap": 300})
    await _member(client, tenant, 100, policy="allow")
    replies = [await client.post("/v1/pos/orders", headers=till.headers,
                                 json=till.sign(_points_sale(), offline=True)) for _ in range(5)]
    assert [("review" in r.json()) for r in replies] == [False, False, False, True, True]
    assert "allowance" in replies[3].json()["loyalty"]["offline_redemption"]["reason"]
    assert await _redeemed(db, tenant.id) == 300


async def test_staff_that_cannot_sign_are_refused_online_and_flagged_offline(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    body_online, body_offline = till.sign(_sale()), till.sign(_sale(), offline=True)
    gone = await client.post("/v1/cashier/staff", headers=tenant.admin,
                             json={"name": "Kiran", "pin": "2580", "active": False})
    assert gone.status_code == 200
    refused = await _post(client, till, body_online)
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["rule"] == "staff"
    kept = await _post(client, till, body_offline)
    assert kept.status_code == 201 and kept.json()["review"]["reasons"][0]["rule"] == "staff"


async def test_an_expired_key_still_vouches_for_sales_made_before_it_expired(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    async with db.session() as session:
        await session.execute(update(CashierStaffKey).where(
            CashierStaffKey.workspace_id == tenant.id,
        ).values(expires_at=utcnow() - dt.timedelta(hours=1)))
    made_then = till.sign(_sale(occurred_at=iso_ago(hours=2)), offline=True)
    ok = await _post(client, till, made_then)
    assert ok.status_code == 201 and "review" not in ok.json()
    now = await _post(client, till, till.sign(_sale()))
    assert now.status_code == 422 and "expired" in now.json()["error"]["message"]
    late = till.sign(_sale(occurred_at=iso_ago(minutes=30)))  # signed "online", synced late
    flagged = await _post(client, till, late)
    assert flagged.status_code == 201 and flagged.json()["review"]["reasons"][0]["rule"] == "staff"


async def test_a_manager_sees_flagged_orders_in_the_console(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    flagged = await client.post("/v1/pos/orders", headers=till.headers,
                                json=till.sign(_discounted(), offline=True))
    assert flagged.status_code == 201 and flagged.json()["review"]["status"] == "flagged"
    csrf = await sign_in(client, await make_user(db, tenant.slug, "manager"))
    page = await client.get(f"/dashboard/{tenant.slug}/flagged-orders")
    assert page.status_code == 200 and flagged.json()["order_id"] in page.text
    assert "has no manager&#39;s approval" in page.text and "Kiran" in page.text
    flag_id = flagged.json()["review"]["flag_id"]
    done = await client.post(f"/dashboard/{tenant.slug}/flagged-orders/{flag_id}/resolve",
                             data={"csrf_token": csrf})
    assert done.status_code == 303
    assert (await client.get("/v1/cashier/flags", headers=tenant.admin)).json()["data"] == []
    resolved = (await client.get("/v1/cashier/flags", params={"status": "resolved"},
                                 headers=tenant.admin)).json()["data"]
    assert resolved[0]["resolved_by"].startswith("manager-")


async def test_a_new_pin_ends_the_old_key_but_not_the_sales_it_signed_before(client, tenant) -> None:  # type: ignore[no-untyped-def]
    till = await signed_till(client, tenant)
    before = till.sign(_sale(occurred_at=iso_ago(minutes=1)), offline=True)
    changed = await client.post("/v1/cashier/staff", headers=tenant.admin,
                                json={"name": "Kiran", "pin": "9753", "location": "blr-1"})
    assert changed.status_code == 200, changed.text
    after = await _post(client, till, till.sign(_sale()))
    assert after.status_code == 422 and "revoked" in after.json()["error"]["message"]
    kept = await _post(client, till, before)
    assert kept.status_code == 201 and "review" not in kept.json()
    await till.sign_in(client, tenant, "Kiran", pin="9753", location="blr-1")
    again = await _post(client, till, till.sign(_sale()))
    assert again.status_code == 201, again.text


async def test_sign_order_command_signs_what_the_server_verifies(client, tenant) -> None:  # type: ignore[no-untyped-def]
    """``activereach sign-order`` (the README tour's till) produces a proof the server accepts,
    and an edited total after signing is refused."""
    import json

    from typer.testing import CliRunner

    from activereach.cli import app

    till = await signed_till(client, tenant)
    key = json.dumps(till.keys["Kiran"])
    ran = CliRunner().invoke(app, ["sign-order", "--staff-key", key], input=json.dumps(_sale()))
    assert ran.exit_code == 0, ran.output
    signed = json.loads(ran.stdout)
    assert (await client.post("/v1/pos/orders", json=signed, headers=till.headers)).status_code == 201
    edited = {**signed, "client_order_id": str(uuid.uuid4())}
    refused = await client.post("/v1/pos/orders", json=edited, headers=till.headers)
    assert refused.status_code == 422 and _code(refused) == "staff_proof_invalid"
    bad = CliRunner().invoke(app, ["sign-order", "--staff-key", "{}"], input="{}")
    assert bad.exit_code == 2 and "cannot sign" in bad.output
