"""Console Messages (outbox) page: filters (status, channel, outlet chip, dates), one message
with its rendered content and status history, resend, roles, isolation and CSRF."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import add_location
from tests.console.conftest import sign_in, whatsapp_sale
from tests.support import ago


async def _receipt(client, tenant,  # type: ignore[no-untyped-def]
                   drain) -> tuple[dict, dict, dict]:
    """A console-provider WhatsApp channel and one in-store sale at blr-1: one receipt."""
    mum = await add_location(client, tenant, "mum-1", gstin=None)
    blr, order = await whatsapp_sale(client, tenant, drain)
    return blr, mum, order


def _message_id(html: str) -> str:
    match = re.search(r'data-message="(msg_[^"]+)"', html)
    assert match, html
    return match.group(1)


async def test_outbox_filters_detail_and_resend(client, tenant, console_user, drain) -> None:
    blr, mum, order = await _receipt(client, tenant, drain)
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    base = f"/dashboard/{tenant.slug}/messages"
    listing = await client.get(base)
    assert listing.status_code == 200 and "+91••••••3210" in listing.text
    assert "+919876543210" not in listing.text   # masked, as everywhere in the app
    assert f'/orders/{order["order_id"]}' in listing.text
    msg_id = _message_id(listing.text)
    assert 'data-status="sent"' in listing.text
    for params, shown in (({"status": "sent"}, True), ({"status": "failed"}, False),
                          ({"channel": "whatsapp"}, True), ({"channel": "sms"}, False),
                          ({"location": blr["id"]}, True), ({"location": mum["id"]}, False),
                          ({"from": "2000-01-01", "to": "2000-01-02"}, False),
                          ({"from": "2000-01-01"}, True)):
        page = await client.get(base, params=params)
        assert page.status_code == 200 and (msg_id in page.text) is shown, params
    detail = await client.get(f"{base}/{msg_id}")
    assert detail.status_code == 200
    assert "URL button suffix" in detail.text and "Status history" in detail.text
    assert ">sent<" in detail.text and f'/orders/{order["order_id"]}' in detail.text
    key = re.search(r'name="resend_key" value="([^"]+)"', detail.text).group(1)
    first = await client.post(f"{base}/{msg_id}/resend",
                              data={"csrf_token": token, "resend_key": key})
    assert first.status_code == 303
    again = await client.post(f"{base}/{msg_id}/resend",
                              data={"csrf_token": token, "resend_key": key})
    assert again.headers["location"] == first.headers["location"]  # a double submit: one resend
    await drain(tenant.id)
    resent = await client.get(first.headers["location"])
    assert 'data-testid="message-status">sent<' in resent.text and "Resend of" in resent.text
    assert msg_id in resent.text
    assert "Resends" in (await client.get(f"{base}/{msg_id}")).text


async def test_outbox_filter_validation_names_the_field(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/messages"
    bad = await client.get(base, params={"status": "lost"})
    assert bad.status_code == 422 and "Status: one of queued" in bad.text
    today = ago().date()
    bad = await client.get(base, params={"from": today.strftime("%d/%m/%Y")})
    assert bad.status_code == 422 and "From: a date like" in bad.text
    bad = await client.get(base, params={"from": today.isoformat(),
                                         "to": (today - dt.timedelta(days=24)).isoformat()})
    assert bad.status_code == 422 and "To: must not be before from" in bad.text
    assert "No messages yet" in (await client.get(base)).text
    missing = await client.post(f"{base}/msg_nope/resend",
                                data={"csrf_token": token, "resend_key": "abcdefghij"})
    assert missing.status_code == 404


async def test_resend_refused_for_analyst_csrf_and_other_workspace(client, make_tenant,
                                                                   console_user, drain) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    await _receipt(client, tenant, drain)
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    base = f"/dashboard/{tenant.slug}/messages"
    msg_id = _message_id((await client.get(base)).text)
    detail = await client.get(f"{base}/{msg_id}")
    assert detail.status_code == 200 and "Resend this receipt" not in detail.text
    denied = await client.post(f"{base}/{msg_id}/resend",
                               data={"csrf_token": token, "resend_key": "abcdefghij"})
    assert denied.status_code == 403
    assert (await client.get(f"/dashboard/{other.slug}/messages")).status_code == 404
    no_csrf = await client.post(f"{base}/{msg_id}/resend", data={"resend_key": "abcdefghij"})
    assert no_csrf.status_code == 403


async def test_resend_to_opted_out_channel_is_refused(client, tenant, console_user,
                                                     drain) -> None:
    _, _, order = await _receipt(client, tenant, drain)
    opted = await client.put(f"/v1/messaging/consent/{order['contact_id']}/whatsapp",
                             headers=tenant.admin, json={"status": "opted_out"})
    assert opted.status_code == 200, opted.text
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/messages"
    msg_id = _message_id((await client.get(base)).text)
    refused = await client.post(f"{base}/{msg_id}/resend",
                                data={"csrf_token": token, "resend_key": "abcdefghij"})
    assert refused.status_code == 409 and "opted out of whatsapp" in refused.text
