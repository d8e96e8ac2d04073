"""Console Loyalty page: program, brand and outlet earning rules (scope badges), tiers, rewards,
members with balances and a member's ledger; roles, isolation, CSRF."""

from __future__ import annotations

import re

from tests.conftest import add_location, order_body
from tests.console.conftest import sign_in

PROGRAM = {"name": "Bloom Points", "points_name": "beans", "point_value": "1.00",
           "pending_days": "0", "expiry_months": "12", "min_redeem_points": "10",
           "max_redeem_share": "50", "hold_ttl_seconds": "900", "tier_window_days": "365",
           "negative_policy": "clamp", "recredit_redeemed": "proportional",
           "tier_basis": "spend", "active": "on"}


async def test_program_rules_tiers_rewards_members_and_ledger(client, tenant,
                                                              console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug, "owner"))
    base = f"/dashboard/{tenant.slug}/loyalty"
    assert "No loyalty program yet" in (await client.get(base)).text
    saved = await client.post(f"{base}/program", data={"csrf_token": token, **PROGRAM})
    assert saved.status_code == 303, saved.text
    program = (await client.get("/v1/loyalty/program", headers=tenant.admin)).json()
    assert program["max_redeem_share_bp"] == 5000 and program["point_value"] == 100
    brand = await client.post(f"{base}/rules", data={
        "csrf_token": token, "kind": "purchase", "event_name": "order_completed",
        "points_per_unit": "1", "spend_unit": "100.00", "active": "on"})
    assert brand.status_code == 303
    outlet = await client.post(f"{base}/rules?location={loc['id']}", data={
        "csrf_token": token, "kind": "purchase", "event_name": "order_completed",
        "points_per_unit": "2", "spend_unit": "100", "excluded_categories": "Merch, Gifts",
        "active": "on"})
    assert outlet.status_code == 303 and loc["id"] in outlet.headers["location"]
    tier = await client.post(f"{base}/tiers", data={"csrf_token": token, "name": "Gold",
                                                     "threshold": "1000.00", "multiplier": "1.5"})
    assert tier.status_code == 303
    reward = await client.post(f"{base}/rewards", data={
        "csrf_token": token, "name": "100 off", "kind": "fixed", "points_cost": "80",
        "amount": "100.00", "min_bill": "500", "members_only": "on", "active": "on"})
    assert reward.status_code == 303
    page = (await client.get(base)).text
    assert 'class="badge online">Brand<' in page and "Outlet · Outlet blr-1" in page
    assert "Merch, Gifts" in page and "1.5×" in page and "100 off" in page
    scoped = (await client.get(base, params={"location": loc["id"]})).text
    assert "replaced here by the outlet rule" in scoped

    order = await client.post("/v1/orders", headers=tenant.admin,
                              json=order_body(location=loc["id"]))
    assert order.status_code == 201, order.text
    earned = order.json()["loyalty"]["earned"]
    assert earned > 0
    listing = (await client.get(base, params={"location": loc["id"]})).text
    member_id = re.search(r'data-member="([^"]+)"', listing).group(1)
    assert f'<td class="num">{earned}</td>' in listing
    found = await client.get(base, params={"q": "98765 43210"})
    assert found.status_code == 303 and found.headers["location"].endswith(member_id)
    code = re.search(r"<td><code>([A-Z0-9]{8})</code></td>", listing).group(1)
    by_code = await client.get(base, params={"q": f"loyalty:{code.lower()}"})
    assert by_code.status_code == 303 and by_code.headers["location"].endswith(member_id)
    member = (await client.get(f"{base}/members/{member_id}")).text
    # the order by its number (the bill's invoice number, else the POS's), never its id
    assert 'data-kind="earn"' in member and order.json()["order_id"] not in member
    assert "Order #" in member
    assert f'data-testid="available">{earned}<' in member
    assert "100 off (80 points)" in member
    missing = await client.get(base, params={"q": "ZZZZZZZZ"})
    assert missing.status_code == 404 and "q: no loyalty member matches" in missing.text


async def test_validation_names_the_field(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug, "owner"))
    base = f"/dashboard/{tenant.slug}/loyalty"
    bad = await client.post(f"{base}/program", data={"csrf_token": token, **PROGRAM,
                                                      "point_value": "abc"})
    assert bad.status_code == 422 and "point_value: point_value must be a number" in bad.text
    bad = await client.post(f"{base}/program", data={"csrf_token": token, **PROGRAM,
                                                      "max_redeem_share": "150"})
    assert bad.status_code == 422 and "max_redeem_share:" in bad.text
    assert 'value="Bloom Points"' in bad.text  # the form keeps what was typed
    bad = await client.post(f"{base}/rules", data={"csrf_token": token, "kind": "event",
                                                   "event_name": "review_left"})
    assert bad.status_code == 422 and "fixed_points: an event rule needs" in bad.text
    bad = await client.post(f"{base}/rewards", data={"csrf_token": token, "name": "Tee",
                                                     "kind": "free_item", "points_cost": "50"})
    assert bad.status_code == 422 and "sku: a free-item reward names" in bad.text
    bad = await client.post(f"{base}/tiers", data={"csrf_token": token, "name": "Gold",
                                                   "threshold": "-1", "multiplier": "1.5"})
    assert bad.status_code == 422 and "threshold:" in bad.text


async def test_roles_isolation_and_csrf(client, make_tenant, console_user) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    loc = await add_location(client, tenant, "blr-1")
    base = f"/dashboard/{tenant.slug}/loyalty"
    rule = {"kind": "purchase", "points_per_unit": "2", "spend_unit": "100", "active": "on"}
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    assert (await client.post(f"{base}/program", data={"csrf_token": token, **PROGRAM})
            ).status_code == 403
    assert (await client.post(f"{base}/rules", data={"csrf_token": token, **rule})
            ).status_code == 403  # brand rule: owner only
    outlet = await client.post(f"{base}/rules?location={loc['id']}",
                               data={"csrf_token": token, **rule})
    assert outlet.status_code == 303  # a manager may set an outlet's rule
    assert (await client.post(f"{base}/rules?location={loc['id']}", data=rule)).status_code == 403
    assert (await client.get(f"/dashboard/{other.slug}/loyalty")).status_code == 404
    client.cookies.clear()
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    page = await client.get(base, params={"location": loc["id"]})
    assert page.status_code == 200 and "Save rule" not in page.text
    assert (await client.post(f"{base}/rules?location={loc['id']}",
                              data={"csrf_token": token, **rule})).status_code == 403
    assert (await client.get(f"{base}/members/la_nope")).status_code == 404
