"""The member page behind a bill: the open part, the one-time code (wrong, throttled, expired,
reused), the history and preferences behind it, and HTML 404s for every miss on a bill host."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from activereach.kit.db import utcnow
from activereach.member_page.models import MemberCode
from activereach.messaging.models import Message
from tests.bills.conftest import bill_host, get_page
from tests.conftest import order_body
from tests.member.conftest import (
    INTERNAL_ID,
    console_channels,
    latest_code,
    member_bill,
    page,
    post,
)
# the local SMTP server and provider fakes of the messaging tests
from tests.messaging.conftest import (  # noqa: F401
    configure,
    mailbox,
    provider_server,
    providers,
    smtp_server,
)


async def _sign_in(client, tenant, code: str) -> None:  # type: ignore[no-untyped-def]
    sent = await post(client, tenant, code, "code", {"channel": "sms"})
    assert sent.status_code == 303, sent.text
    used = await post(client, tenant, code, "verify", {"otp": await latest_code(client, tenant)})
    assert used.status_code == 303 and used.headers["location"].endswith("#history"), used.text


async def test_the_bill_links_to_an_open_member_page(client, tenant) -> None:
    await console_channels(client, tenant)
    order = await member_bill(client, tenant)
    code = order["bill"]["code"]
    bill = await get_page(client, tenant.slug, code)
    assert f'href="/b/{code}/member"' in bill.text and "You earned 30 Bloom Points" in bill.text
    response = await page(client, tenant, code)
    assert response.status_code == 200
    html = response.text
    assert "Hi Asha" in html and '<div class="big">30</div>' in html
    assert "Silver" in html and "Spend ₹7,000.00 more to reach Gold" in html  # ₹3,000 spent
    assert "Free Masala Chai" in html and "370 more Bloom Points to go" in html
    assert "Points history" in html and 'id="history"' not in html   # behind a code
    assert "+91••••••2345" in html
    assert "<script" not in html and not INTERNAL_ID.search(html)
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_code_opens_history_and_preferences_and_is_hashed_at_rest(
        client, tenant, db) -> None:
    await console_channels(client, tenant, "sms", "email")
    order = await member_bill(client, tenant)
    code = order["bill"]["code"]
    sent = await post(client, tenant, code, "code", {"channel": "sms"})
    assert sent.status_code == 303 and sent.headers["location"] == f"/b/{code}/member#verify"
    otp = await latest_code(client, tenant)
    async with db.read_session() as session:
        row = (await session.scalars(select(MemberCode).where(
            MemberCode.workspace_id == tenant.id))).one()
    assert otp not in (row.code_hash, row.sent_to) and len(row.code_hash) == 64
    assert row.sent_to == "+91••••••2345" and row.expires_at - row.created_at == dt.timedelta(
        minutes=10)
    asking = await page(client, tenant, code)
    assert "Enter the code we sent to +91••••••2345" in asking.text

    used = await post(client, tenant, code, "verify", {"otp": otp})
    assert used.status_code == 303
    cookie = used.headers["set-cookie"]
    assert f"Path=/b/{code}/member" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    opened = await page(client, tenant, code)
    assert 'id="history"' in opened.text and "Earned 30 Bloom Points" in opened.text
    assert f"Order #{order['bill']['invoice_number']}" in opened.text
    assert 'id="preferences"' in opened.text and not INTERNAL_ID.search(opened.text)


async def test_a_used_code_does_not_work_again(client, tenant) -> None:
    await console_channels(client, tenant)
    code = (await member_bill(client, tenant))["bill"]["code"]
    await _sign_in(client, tenant, code)
    client.cookies.clear()
    again = await post(client, tenant, code, "verify", {"otp": await latest_code(client, tenant)})
    assert again.status_code == 422 and "already used" in again.text
    assert "set-cookie" not in again.headers


async def test_an_expired_code_is_refused(client, tenant, db) -> None:
    await console_channels(client, tenant)
    code = (await member_bill(client, tenant))["bill"]["code"]
    await post(client, tenant, code, "code", {"channel": "sms"})
    otp = await latest_code(client, tenant)
    async with db.session() as session:
        await session.execute(update(MemberCode).where(MemberCode.workspace_id == tenant.id)
                              .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    expired = await post(client, tenant, code, "verify", {"otp": otp})
    assert expired.status_code == 422 and "expired" in expired.text
    assert "set-cookie" not in expired.headers


async def test_wrong_codes_burn_the_code_and_then_the_address_is_throttled(client, tenant) -> None:
    await console_channels(client, tenant)
    code = (await member_bill(client, tenant))["bill"]["code"]
    await post(client, tenant, code, "code", {"channel": "sms"})
    otp = await latest_code(client, tenant)
    wrong = f"{(int(otp) + 1) % 1_000_000:06d}"
    first = await post(client, tenant, code, "verify", {"otp": wrong})
    assert first.status_code == 422 and "4 tries left" in first.text
    for _ in range(3):
        await post(client, tenant, code, "verify", {"otp": wrong})
    fifth = await post(client, tenant, code, "verify", {"otp": wrong})
    assert fifth.status_code == 422 and "Too many wrong tries" in fifth.text
    throttled = await post(client, tenant, code, "verify", {"otp": otp})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    assert "text/html" in throttled.headers["content-type"] and "Too many tries" in throttled.text


async def test_codes_per_contact_are_capped(client, tenant) -> None:
    await console_channels(client, tenant)
    code = (await member_bill(client, tenant))["bill"]["code"]
    statuses = [(await post(client, tenant, code, "code", {"channel": "sms"})).status_code
                for _ in range(4)]
    assert statuses == [303, 303, 303, 429]


async def test_consent_changes_go_through_messaging_with_the_member_page_as_source(
        client, tenant) -> None:
    await console_channels(client, tenant)
    order = await member_bill(client, tenant)
    code = order["bill"]["code"]
    refused = await post(client, tenant, code, "preferences", {"consent_sms": "opted_out"})
    assert refused.status_code == 303 and refused.headers["location"].endswith("#verify")
    await _sign_in(client, tenant, code)
    saved = await post(client, tenant, code, "preferences",
                       {"consent_sms": "opted_out", "receipt_channel": "email"})
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    consent = (await client.get(f"/v1/messaging/consent/{order['contact_id']}",
                                headers=tenant.admin)).json()["channels"]
    assert consent["sms"]["status"] == "opted_out" and consent["sms"]["source"] == "member_page"
    assert consent["email"]["status"] == "unknown"     # untouched: nothing recorded
    profile = (await client.get(f"/v1/contacts/{order['contact_id']}",
                                headers=tenant.admin)).json()
    assert profile["preferred_channel"] == "email"
    # opted out of SMS: no more codes by SMS, and the page says so
    signed_out = await post(client, tenant, code, "signout", {})
    assert signed_out.status_code == 303
    client.cookies.clear()
    assert "By text message" not in (await page(client, tenant, code)).text


async def test_email_codes_reach_the_mailbox_but_not_the_outbox(client, tenant, db, providers,
                                                                 mailbox) -> None:
    await configure(client, tenant, providers, smtp_port=mailbox.port)
    code = (await member_bill(client, tenant))["bill"]["code"]
    sent = await post(client, tenant, code, "code", {"channel": "email"})
    assert sent.status_code == 303, sent.text
    [envelope] = mailbox.envelopes
    otp = re.search(rb"\b(\d{6})\b is your", envelope.content).group(1).decode()
    async with db.read_session() as session:
        msg = (await session.scalars(select(Message).where(
            Message.workspace_id == tenant.id, Message.purpose == "member_code"))).one()
    assert msg.status == "sent" and otp not in str(msg.content) and "••••••" in msg.content["text"]
    assert (await post(client, tenant, code, "verify", {"otp": otp})).status_code == 303


async def test_misses_on_the_bill_host_are_the_html_404(client, tenant) -> None:
    order = await member_bill(client, tenant)
    host = {"Host": bill_host(tenant.slug)}
    unknown = await client.get("/b/ZZZZZZZZZZ/member", headers=host)
    rewards = await client.get("/blr-1/rewards", headers=host)
    wrong_method = await client.get(f"/b/{order['bill']['code']}/rating", headers=host)
    for response in (unknown, rewards, wrong_method):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Bill not found" in response.text and "{" not in response.text.split("</style>")[1]
    api = await client.get("/v1/nothing-here")
    assert api.headers["content-type"].startswith("application/json")


async def test_posts_need_the_page_as_origin_and_a_bill_needs_a_shopper(client, tenant) -> None:
    code = (await member_bill(client, tenant))["bill"]["code"]
    host = bill_host(tenant.slug)
    cross = await client.post(f"/b/{code}/member/code", data={"channel": "sms"}, headers={
        "Host": host, "Origin": "null", "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    body = order_body()
    body.pop("customer")
    anonymous = (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()
    assert (await page(client, tenant, anonymous["bill"]["code"])).status_code == 404
