"""Each HTTP provider against a local server that checks the request as the provider documents
it and answers with documented successes and errors (429 + Retry-After, 5xx, permanent 4xx)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import parse_qs

from sqlalchemy import select

from activereach.jobs.models import Job
from tests.messaging.conftest import (ACCESS_TOKEN, MSG91_KEY, PHONE_NUMBER_ID, TWILIO_SID,
                                      TWILIO_TOKEN, configure, make_due, messages, run_jobs, sale)


async def test_whatsapp_template_send_is_the_documented_request(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant, receipt={"channel": "whatsapp"})
    await run_jobs(db)
    [call] = providers.of("whatsapp")
    assert call.method == "POST" and call.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert call.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert call.headers["content-type"] == "application/json"
    body = json.loads(call.body)
    code = order["bill"]["code"]
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert body == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "919876543210",
        "type": "template", "biz_opaque_callback_data": f"msg:{msg['id']}",
        "template": {"name": "active_bill_receipt", "language": {"code": "en"}, "components": [
            {"type": "body", "parameters": [
                {"type": "text", "text": "Asha"}, {"type": "text", "text": f"Test {tenant.slug}"},
                {"type": "text", "text": order["bill"]["invoice_number"]},
                {"type": "text", "text": "₹498.00"}]},
            {"type": "button", "sub_type": "url", "index": "0",
             "parameters": [{"type": "text", "text": code}]}]}}
    assert msg["status"] == "sent" and msg["provider_message_id"].startswith("wamid.")
    assert msg["channel"] == "whatsapp" and msg["recipient"] == "+919876543210"
    assert [h["status"] for h in msg["status_history"]] == ["queued", "sent"]
    assert msg["content"]["button_suffix"] == code and msg["attempts"] == 1


async def test_429_honours_retry_after_then_succeeds(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    providers.reply("whatsapp", 429, {"error": {"message": "(#130429) Rate limit hit",
                                                "type": "OAuthException", "code": 130429}},
                    {"Retry-After": "120"})
    order = await sale(client, tenant)
    before = dt.datetime.now(dt.UTC)
    await run_jobs(db)
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["status"] == "queued" and msg["error_code"] == "130429" and msg["attempts"] == 1
    retry_at = dt.datetime.fromisoformat(msg["next_attempt_at"])
    assert dt.timedelta(seconds=115) < retry_at - before < dt.timedelta(seconds=130)
    async with db.session() as session:
        job = await session.scalar(select(Job).where(
            Job.kind == "messaging.deliver", Job.payload["message_id"].as_string() == msg["id"]))
        assert job is not None and job.status == "queued" and job.run_at == retry_at
    await make_due(db)
    await run_jobs(db)
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["status"] == "sent" and msg["attempts"] == 2 and msg["error_code"] is None
    assert len(providers.of("whatsapp")) == 2


async def test_5xx_backs_off_and_retries(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    providers.reply("whatsapp", 503, {"error": {"message": "Service temporarily unavailable",
                                                "code": 2}})
    providers.reply("whatsapp", 500, {"error": {"message": "An unknown error occurred",
                                                "code": 1}})
    order = await sale(client, tenant)
    await run_jobs(db)
    first = (await messages(client, tenant, order["order_id"]))["data"][0]
    await make_due(db)
    await run_jobs(db)
    second = (await messages(client, tenant, order["order_id"]))["data"][0]
    await make_due(db)
    await run_jobs(db)
    final = (await messages(client, tenant, order["order_id"]))["data"][0]
    assert (first["status"], first["error_code"], first["attempts"]) == ("queued", "2", 1)
    assert (second["status"], second["error_code"], second["attempts"]) == ("queued", "1", 2)
    assert (final["status"], final["attempts"]) == ("sent", 3)


async def test_unreachable_endpoint_is_transient(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    closed = "http://127.0.0.1:9"  # discard port: nothing listens, connection refused
    # No fallback channel: its later retries must not reach the fake server of other tests.
    await client.delete("/v1/messaging/channels/sms", headers=tenant.admin)
    await client.put("/v1/messaging/channels/whatsapp", headers=tenant.admin, json={
        "provider": "whatsapp_cloud", "config": {"phone_number_id": PHONE_NUMBER_ID,
                                                 "base_url": closed}, "secrets": {}})
    order = await sale(client, tenant)
    await run_jobs(db)
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["status"] == "queued" and msg["error_code"] == "connection_error"
    assert msg["next_attempt_at"] is not None


async def test_permanent_error_records_the_code_and_falls_back_to_sms(client, tenant, db,
                                                                      providers) -> None:
    await configure(client, tenant, providers)
    providers.reply("whatsapp", 400, {"error": {
        "message": "(#131026) Message undeliverable", "type": "OAuthException", "code": 131026,
        "error_data": {"messaging_product": "whatsapp", "details": "not on WhatsApp"}}})
    order = await sale(client, tenant)
    await run_jobs(db)
    data = (await messages(client, tenant, order["order_id"]))
    by_channel = {m["channel"]: m for m in data["data"]}
    assert by_channel["whatsapp"]["status"] == "failed"
    assert by_channel["whatsapp"]["error_code"] == "131026"
    assert by_channel["whatsapp"]["attempts"] == 1  # permanent: no retry
    assert by_channel["sms"]["status"] == "sent" and by_channel["sms"]["provider"] == "twilio"
    assert data["dispatch"]["outcome"] == "sent" and data["dispatch"]["channel"] == "sms"
    assert len(providers.of("whatsapp")) == 1 and len(providers.of("twilio")) == 1


async def test_twilio_send_is_form_encoded_with_basic_auth(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant, receipt={"channel": "sms"})
    await run_jobs(db)
    [call] = providers.of("twilio")
    assert call.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    auth = base64.b64decode(call.headers["authorization"].removeprefix("Basic ")).decode()
    assert auth == f"{TWILIO_SID}:{TWILIO_TOKEN}"
    form = {k: v[0] for k, v in parse_qs(call.body.decode()).items()}
    code = order["bill"]["code"]
    assert form["To"] == "+919876543210" and form["From"] == "+15005550006"
    assert form["StatusCallback"] == f"http://testserver/v1/messaging/webhooks/twilio/{tenant.slug}"
    assert form["Body"] == (f"Thank you for your order from Test {tenant.slug}. Bill "
                            f"{order['bill']['invoice_number']} for ₹498.00: "
                            f"{order['bill']['url'].rsplit('/', 1)[0]}/{code}")
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["provider_message_id"].startswith("SM") and msg["status"] == "sent"


async def test_twilio_invalid_number_is_permanent_and_falls_back_to_email(client, tenant, db,
                                                                          providers) -> None:
    await configure(client, tenant, providers)
    await client.put("/v1/messaging/channels/email", headers=tenant.admin,
                     json={"provider": "console"})
    await client.delete("/v1/messaging/channels/whatsapp", headers=tenant.admin)
    providers.reply("twilio", 400, {"code": 21211, "message": "The 'To' number is not valid.",
                                    "more_info": "https://www.twilio.com/docs/errors/21211",
                                    "status": 400})
    order = await sale(client, tenant)
    await run_jobs(db)
    data = await messages(client, tenant, order["order_id"])
    by_channel = {m["channel"]: m for m in data["data"]}
    assert by_channel["sms"]["status"] == "failed" and by_channel["sms"]["error_code"] == "21211"
    assert by_channel["email"]["status"] == "sent" and by_channel["email"]["provider"] == "console"


async def test_twilio_429_then_retries_run_out(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    await client.delete("/v1/messaging/channels/whatsapp", headers=tenant.admin)
    for _ in range(6):
        providers.reply("twilio", 429, {"code": 20429, "message": "Too Many Requests",
                                        "status": 429}, {"Retry-After": "1"})
    order = await sale(client, tenant)
    for _ in range(6):
        await run_jobs(db)
        await make_due(db)
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["status"] == "failed" and msg["error_code"] == "20429" and msg["attempts"] == 6
    assert len(providers.of("twilio")) == 6


async def test_msg91_flow_request_and_dlt_text(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers, sms="msg91")
    order = await sale(client, tenant, receipt={"channel": "sms"})
    await run_jobs(db)
    [call] = providers.of("msg91")
    assert call.path == "/api/v5/flow/" and call.headers["authkey"] == MSG91_KEY
    body = json.loads(call.body)
    assert body == {"template_id": "6630f1d2d6fc05", "sender": "BRWBLM", "route": "4",
                    "recipients": [{"mobiles": "919876543210", "VAR1": f"Test {tenant.slug}",
                                    "VAR2": order["bill"]["invoice_number"], "VAR3": "₹498.00",
                                    "VAR4": order["bill"]["code"]}]}
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["provider"] == "msg91" and msg["status"] == "sent"
    assert msg["provider_message_id"].startswith("3763646c")


async def test_msg91_error_reply_is_permanent(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers, sms="msg91")
    providers.reply("msg91", 400, {"type": "error", "message": "Template ID missing or invalid",
                                   "code": "418"})
    order = await sale(client, tenant, receipt={"channel": "sms"})
    await run_jobs(db)
    data = (await messages(client, tenant, order["order_id"]))["data"]
    by_channel = {m["channel"]: m for m in data}
    assert by_channel["sms"]["status"] == "failed" and by_channel["sms"]["error_code"] == "418"
    assert by_channel["whatsapp"]["status"] == "sent"  # the fallback after the cashier's choice
