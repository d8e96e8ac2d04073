"""The register flow through the HTTP API: earn on ingest, hold, commit, release, refund."""

from __future__ import annotations

from tests.loyalty.conftest import PHONE, member, place, setup_program, shopper_order


async def _hold(client, tenant, member_id: str, points: int) -> str:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/loyalty/holds", headers=tenant.admin,
                                 json={"member_id": member_id, "points": points})
    assert response.status_code == 201, response.text
    return response.json()["hold_id"]


async def test_order_earns_floor_points_on_pre_tax_amount(client, program_tenant) -> None:
    # ₹525 inclusive of 5 % GST → ₹500 pre-tax → 5 points (1 per ₹100, floored)
    result = await place(client, program_tenant, shopper_order(52500, tax_rate="5"))
    assert result["loyalty"]["earned"] == 5
    assert result["loyalty"]["balance"] == 5
    assert result["loyalty"]["pending"] == 0
    found = await member(client, program_tenant)
    assert found["available"] == 5 and found["contact_id"] == result["contact_id"]


async def test_replaying_an_order_ten_times_earns_once(client, program_tenant) -> None:
    body = shopper_order(100000)
    first = await place(client, program_tenant, body)
    for _ in range(9):
        again = await place(client, program_tenant, body, expect=200)
        assert again["replayed"] and again["loyalty"] == first["loyalty"]
    assert (await member(client, program_tenant))["available"] == 10


async def test_no_program_means_no_loyalty_block(client, tenant) -> None:
    result = await place(client, tenant, shopper_order(100000))
    assert result["loyalty"] is None


async def test_hold_then_commit_by_order(client, program_tenant) -> None:
    await place(client, program_tenant, shopper_order(300000))          # 30 points
    m = await member(client, program_tenant)
    hold = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                             json={"member_id": m["member_id"], "points": 12,
                                   "bill_total": 50000})
    assert hold.status_code == 201, hold.text
    hold_id = hold.json()["hold_id"]
    assert (await member(client, program_tenant))["spendable"] == 18
    body = shopper_order(50000, hold_id=hold_id)
    body["payments"] = [{"method": "points", "amount": 1200}, {"method": "upi", "amount": 48800}]
    result = await place(client, program_tenant, body)
    assert result["loyalty"]["redeemed"] == 12
    # earns on the part not paid with points: 500 × (50000 − 1200) / 50000 → 488 → 4 points
    assert result["loyalty"]["earned"] == 4
    assert result["loyalty"]["balance"] == 30 - 12 + 4
    reused = await client.post("/v1/orders", headers=program_tenant.admin,
                               json=shopper_order(50000, hold_id=hold_id))
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "hold_used"


async def test_over_redemption_and_bad_holds_write_nothing(client, program_tenant) -> None:
    await place(client, program_tenant, shopper_order(100000))          # 10 points
    m = await member(client, program_tenant)
    too_many = await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                                 json={"member_id": m["member_id"], "points": 11})
    assert too_many.status_code == 409
    assert too_many.json()["error"]["code"] == "insufficient_points"
    unknown = await client.post("/v1/orders", headers=program_tenant.admin,
                                json=shopper_order(10000, hold_id="lh_nope"))
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "loyalty.hold_id"
    unbacked = shopper_order(10000)
    unbacked["payments"] = [{"method": "points", "amount": 10000}]
    assert (await client.post("/v1/orders", headers=program_tenant.admin,
                              json=unbacked)).status_code == 422
    after = await member(client, program_tenant)
    assert (after["available"], after["held"]) == (10, 0)


async def test_foreign_hold_refused_and_order_rolled_back(client, program_tenant) -> None:
    await place(client, program_tenant, shopper_order(100000))
    m = await member(client, program_tenant)
    hold_id = (await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                                 json={"member_id": m["member_id"], "points": 5})).json()["hold_id"]
    other = shopper_order(20000, phone="+91 99001 22334", hold_id=hold_id)
    response = await client.post("/v1/orders", headers=program_tenant.admin, json=other)
    assert response.status_code == 409 and response.json()["error"]["code"] == "hold_foreign"
    lookup = await client.get("/v1/orders", params={"external_id": other["external_id"]},
                              headers=program_tenant.admin)
    assert lookup.status_code == 404


async def test_release_returns_points_and_released_hold_cannot_commit(client,
                                                                      program_tenant) -> None:
    await place(client, program_tenant, shopper_order(100000))
    m = await member(client, program_tenant)
    hold_id = (await client.post("/v1/loyalty/holds", headers=program_tenant.admin,
                                 json={"member_id": m["member_id"], "points": 7})).json()["hold_id"]
    for _ in range(2):  # releasing twice is a no-op
        released = await client.post(f"/v1/loyalty/holds/{hold_id}/release",
                                     headers=program_tenant.admin)
        assert released.status_code == 200 and released.json()["status"] == "released"
    assert (await member(client, program_tenant))["spendable"] == 10
    response = await client.post("/v1/orders", headers=program_tenant.admin,
                                 json=shopper_order(20000, hold_id=hold_id))
    assert response.status_code == 409 and response.json()["error"]["code"] == "hold_expired"


async def test_refund_reverses_proportionally_and_recredits_redeemed(client,
                                                                     program_tenant) -> None:
    await place(client, program_tenant, shopper_order(100000))          # 10
    m = await member(client, program_tenant)
    hold_id = await _hold(client, program_tenant, m["member_id"], 10)
    order = await place(client, program_tenant, shopper_order(99900, hold_id=hold_id))
    assert order["loyalty"]["earned"] == 9 and order["loyalty"]["balance"] == 9
    refund = {"refund_id": "R-1", "amount": 33300}                        # a third
    first = await client.post(f"/v1/orders/{order['order_id']}/refunds", json=refund,
                              headers=program_tenant.admin)
    assert first.status_code == 201, first.text
    assert first.json()["loyalty"]["reversed"] == 3                     # floor(9 × 1/3)
    assert first.json()["loyalty"]["recredited"] == 3                   # floor(10 × 1/3)
    replay = await client.post(f"/v1/orders/{order['order_id']}/refunds", json=refund,
                               headers=program_tenant.admin)
    assert replay.status_code == 200
    rest = await client.post(f"/v1/orders/{order['order_id']}/refunds",
                             json={"refund_id": "R-2", "amount": 66600},
                             headers=program_tenant.admin)
    assert rest.status_code == 201, rest.text
    assert rest.json()["loyalty"]["reversed"] == 6 and rest.json()["loyalty"]["recredited"] == 7
    final = await member(client, program_tenant)
    assert final["available"] == 10                                     # 9 − 9 + 10
    events = (await client.get(f"/v1/contacts/{order['contact_id']}/events",
                               headers=program_tenant.admin)).json()["data"]
    assert [e["name"] for e in events].count("loyalty_points_reversed") == 2


async def test_refund_under_clamp_never_goes_negative(client, program_tenant) -> None:
    order = await place(client, program_tenant, shopper_order(100000))  # 10
    m = await member(client, program_tenant)
    hold_id = await _hold(client, program_tenant, m["member_id"], 10)
    await place(client, program_tenant, shopper_order(1000, hold_id=hold_id))
    refund = await client.post(f"/v1/orders/{order['order_id']}/refunds",
                               json={"refund_id": "R-9"}, headers=program_tenant.admin)
    assert refund.json()["loyalty"]["reversed"] == 0
    assert (await member(client, program_tenant))["available"] == 0


async def test_allow_negative_policy_keeps_the_debt(client, tenant) -> None:
    await setup_program(client, tenant, negative_policy="allow", recredit_redeemed="none")
    order = await place(client, tenant, shopper_order(100000))
    m = await member(client, tenant)
    hold_id = await _hold(client, tenant, m["member_id"], 10)
    await place(client, tenant, shopper_order(1000, hold_id=hold_id))
    await client.post(f"/v1/orders/{order['order_id']}/refunds", json={"refund_id": "R-1"},
                      headers=tenant.admin)
    assert (await member(client, tenant))["available"] == -10
    # switching to clamp keeps the existing debt (the CHECK would otherwise fail) ...
    await setup_program(client, tenant, negative_policy="clamp")
    assert (await member(client, tenant))["available"] == -10
    # ... and a debit that would go (further) below zero is now refused
    m = await member(client, tenant)
    more = await client.post(f"/v1/loyalty/members/{m['member_id']}/adjustments",
                             headers=tenant.admin,
                             json={"points": -1, "reason": "x", "idempotency_key": "neg"})
    assert more.status_code == 409


async def test_contact_profile_and_timeline_show_loyalty(client, program_tenant) -> None:
    result = await place(client, program_tenant, shopper_order(100000))
    contact = (await client.get(f"/v1/contacts/{result['contact_id']}",
                                headers=program_tenant.admin)).json()
    assert contact["loyalty"]["available"] == 10
    events = (await client.get(f"/v1/contacts/{result['contact_id']}/events",
                               headers=program_tenant.admin)).json()["data"]
    assert "loyalty_points_earned" in {e["name"] for e in events}


async def test_lookup_by_code_and_enrol_at_checkout(client, program_tenant) -> None:
    created = await client.post("/v1/loyalty/members", headers=program_tenant.admin,
                                json={"phone": "98450 55555", "name": "Ravi"})
    assert created.status_code == 201, created.text
    code = created.json()["member_code"]
    again = await client.post("/v1/loyalty/members", headers=program_tenant.admin,
                              json={"phone": "+91 98450 55555"})
    assert again.status_code == 200 and again.json()["member_id"] == created.json()["member_id"]
    by_qr = await client.get("/v1/loyalty/members", params={"code": f"loyalty:{code.lower()}"},
                             headers=program_tenant.admin)
    assert by_qr.status_code == 200 and by_qr.json()["member_id"] == created.json()["member_id"]
    # a till that scanned the code names the order's customer by the member's phone
    assert (by_qr.json()["phone"], by_qr.json()["name"]) == ("+919845055555", "Ravi")
    bad = await client.get("/v1/loyalty/members", params={"phone": "12"},
                           headers=program_tenant.admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "phone"
    missing = await client.get("/v1/loyalty/members", params={"phone": PHONE},
                               headers=program_tenant.admin)
    assert missing.status_code == 404


async def test_rule_changes_apply_to_the_next_order(client, program_tenant) -> None:
    first = await place(client, program_tenant, shopper_order(100000))
    await client.post("/v1/loyalty/rules", headers=program_tenant.admin,
                      json={"points_per_unit": 2, "spend_unit": 10000})
    second = await place(client, program_tenant, shopper_order(100000))
    await client.post("/v1/loyalty/rules", headers=program_tenant.admin,
                      json={"points_per_unit": 2, "spend_unit": 10000, "active": False})
    third = await place(client, program_tenant, shopper_order(100000))
    assert [o["loyalty"]["earned"] for o in (first, second, third)] == [10, 20, 0]


async def test_a_program_edit_applies_to_the_next_order(client, program_tenant) -> None:
    """The order path memoises the program per process; pausing it must take effect at once."""
    earned = await place(client, program_tenant, shopper_order(50000, external_id="P-1"))
    assert earned["loyalty"]["earned"] > 0
    response = await client.put("/v1/loyalty/program", headers=program_tenant.admin, json={
        "name": "Test Points", "pending_days": 0, "min_redeem_points": 0,
        "max_redeem_share_bp": 10000, "point_value": 100, "active": False})
    assert response.status_code == 200, response.text
    paused = await place(client, program_tenant, shopper_order(50000, external_id="P-2"))
    assert paused["loyalty"] is None


async def test_a_refund_replay_returns_the_loyalty_part_of_the_reply(client, program_tenant) -> None:
    """The stored refund reply includes what participants added (it once kept only the core)."""
    placed = await place(client, program_tenant, shopper_order(50000, external_id="RR-1"))
    body = {"refund_id": "RR-1-R", "amount": 25000}
    url = f"/v1/orders/{placed['order_id']}/refunds"
    first = await client.post(url, json=body, headers=program_tenant.admin)
    again = await client.post(url, json=body, headers=program_tenant.admin)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["loyalty"]["reversed"] > 0
    assert again.json()["loyalty"] == first.json()["loyalty"]
