"""The contact timeline in people's words: invoice numbers, outlet and reward names, ₹ by
Babel, times in the outlet's zone; no ids or event names in what the page shows."""

from __future__ import annotations

import html as html_lib
import re

from tests.conftest import add_location
from tests.console.conftest import sign_in
from tests.loyalty.conftest import member, place, setup_program, shopper_order
from tests.member.conftest import INTERNAL_ID

EVENT_NAMES = ("order_completed", "loyalty_points_earned", "loyalty_points_redeemed",
               "channel_delivery_status")


def visible_text(page: str) -> str:
    """The page as a person reads it: no tags, no attributes (links keep ids in their URLs)."""
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


async def test_the_timeline_names_orders_rewards_and_outlets(client, tenant, console_user) -> None:
    loc = await add_location(client, tenant, "blr-1", name="Indiranagar",
                             timezone="Asia/Kolkata")
    await setup_program(client, tenant)
    first = await place(client, tenant, shopper_order(200000, location=loc["id"]))   # 20 points
    m = await member(client, tenant)
    reward = (await client.post("/v1/loyalty/rewards", headers=tenant.admin, json={
        "name": "₹100 off", "kind": "fixed", "points_cost": 8, "amount": 10000})).json()
    hold = (await client.post("/v1/loyalty/holds", headers=tenant.admin, json={
        "member_id": m["member_id"], "reward_id": reward["id"], "bill_total": 30000})).json()
    body = shopper_order(30000, hold_id=hold["hold_id"], location=loc["id"])
    body["lines"][0].update(discount=10000, reward_discount=10000)   # a reward is a discount
    body["payments"] = [{"method": "upi", "amount": 20000}]
    await place(client, tenant, body)
    await sign_in(client, await console_user(tenant.slug))
    page = await client.get(f"/dashboard/{tenant.slug}/contacts/{first['contact_id']}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert f"Order #{first['bill']['invoice_number']} at Indiranagar" in text
    assert "₹2,000.00" in text and "Redeemed 8 points" in text and "₹100 off" in text
    assert "Earned 20 points" in text and " IST" in text and "When (UTC)" not in text
    assert not INTERNAL_ID.search(text), INTERNAL_ID.search(text)
    assert not any(name in text for name in EVENT_NAMES)
    assert page.text.count('data-event="order_completed"') == 2   # the rows keep their kind


async def test_page_views_count_as_visits_online(client, tenant, console_user) -> None:
    order = await place(client, tenant, shopper_order(20000))
    identify = {"userId": "u-visits", "traits": {"phone": "9845012345"}}
    await client.post("/v1/identify", headers=tenant.writer, json={**identify, "messageId": "v-0"})
    for n in range(3):
        sent = await client.post("/v1/page", headers=tenant.writer, json={
            "userId": "u-visits", "messageId": f"v-{n + 1}", "name": "Menu"})
        assert sent.status_code == 200, sent.text
    await sign_in(client, await console_user(tenant.slug))
    page = await client.get(f"/dashboard/{tenant.slug}/contacts/{order['contact_id']}")
    assert 'data-testid="online-visits"' in page.text
    assert re.search(r"Visits online\s*</div>\s*<div class=\"value\">3<", page.text), page.text
