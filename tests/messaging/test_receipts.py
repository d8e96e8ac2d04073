"""Channel resolution, fallback, consent, idempotency under replay, and the messaging API."""

from __future__ import annotations

from sqlalchemy import select, text

from activereach.jobs.service import enqueue
from activereach.messaging import dispatch
from activereach.messaging.models import ChannelSetting
from tests.conftest import add_location, order_body
from tests.messaging.conftest import (ACCESS_TOKEN, APP_SECRET, configure, messages, run_jobs,
                                      sale)
from tests.support import iso_ago


async def test_cashier_choice_wins_over_preference_and_default(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant, receipt={"channel": "sms"})
    await run_jobs(db)
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["channel"] == "sms"


async def test_preferred_channel_then_country_default(client, make_tenant, db, providers) -> None:
    us = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    await configure(client, us, providers)
    order = await sale(client, us, currency="USD", customer={"phone": "+1 415 555 0100",
                                                            "email": "sam@example.com"})
    await run_jobs(db)
    [msg] = (await messages(client, us, order["order_id"]))["data"]
    assert msg["channel"] == "sms" and msg["recipient"] == "+14155550100"  # default outside India
    batch = {"batch": [{"type": "identify", "messageId": "m-pref-1", "userId": "u-sam",
                        "traits": {"phone": "+1 415 555 0100", "preferred_channel": "email"}}]}
    assert (await client.post("/v1/batch", json=batch, headers=us.writer)).status_code == 200
    await client.put("/v1/messaging/channels/email", headers=us.admin, json={"provider": "console"})
    again = await sale(client, us, currency="USD", customer={"phone": "+1 415 555 0100",
                                                            "email": "sam@example.com"})
    await run_jobs(db)
    [second] = (await messages(client, us, again["order_id"]))["data"]
    assert second["channel"] == "email" and second["recipient"] == "sam@example.com"


async def test_no_recipient_means_no_message_and_a_reason(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    anonymous = await sale(client, tenant, customer=None)
    no_email = await sale(client, tenant, receipt={"channel": "email"},
                          customer={"phone": "+91 98765 40000"})
    printed = await sale(client, tenant, receipt={"channel": "print"})
    await run_jobs(db)
    a = await messages(client, tenant, anonymous["order_id"])
    assert a["data"] == [] and a["dispatch"]["outcome"] == "not_sent"
    assert a["dispatch"]["reason"] == "any: no_contact"
    p = await messages(client, tenant, printed["order_id"])
    assert p["data"] == [] and p["dispatch"]["reason"] == "print: cashier_chose_print"
    # email chosen but unknown (and not configured): falls back to the phone channels
    [msg] = (await messages(client, tenant, no_email["order_id"]))["data"]
    assert msg["channel"] == "whatsapp"


async def test_only_unreachable_channels_records_each_reason(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant, customer={"email": "only@example.com", "name": "Mo"})
    await run_jobs(db)
    data = await messages(client, tenant, order["order_id"])
    assert data["data"] == []
    assert data["dispatch"]["reason"] == ("whatsapp: no_phone; sms: no_phone; "
                                          "email: channel_not_configured")


async def test_opted_out_channel_is_never_used(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    first = await sale(client, tenant)
    contact = first["contact_id"]
    for channel in ("whatsapp", "sms"):
        response = await client.put(f"/v1/messaging/consent/{contact}/{channel}",
                                    headers=tenant.admin,
                                    json={"status": "opted_out", "source": "counter"})
        assert response.status_code == 200, response.text
    await run_jobs(db)
    data = await messages(client, tenant, first["order_id"])
    assert data["data"] == []
    assert data["dispatch"]["reason"] == ("whatsapp: opted_out; sms: opted_out; "
                                          "email: channel_not_configured")
    profile = (await client.get(f"/v1/contacts/{contact}", headers=tenant.admin)).json()
    assert profile["consent"]["sms"]["status"] == "opted_out"
    assert len(providers.calls) == 0


async def test_opt_out_between_retries_stops_the_send(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    providers.reply("whatsapp", 503, {"error": {"message": "unavailable", "code": 2}})
    order = await sale(client, tenant, receipt={"channel": "whatsapp"})
    await run_jobs(db)
    await client.put(f"/v1/messaging/consent/{order['contact_id']}/whatsapp", headers=tenant.admin,
                     json={"status": "opted_out"})
    from tests.messaging.conftest import make_due  # noqa: PLC0415
    await make_due(db)
    await run_jobs(db)
    by_channel = {m["channel"]: m for m in (await messages(client, tenant, order["order_id"]))["data"]}
    assert by_channel["whatsapp"]["status"] == "failed"
    assert by_channel["whatsapp"]["error_code"] == "opted_out"
    assert by_channel["sms"]["status"] == "sent"
    assert len(providers.of("whatsapp")) == 1


async def test_job_replay_and_order_replay_send_one_receipt(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    body = order_body(receipt={"channel": "whatsapp"})
    first = await client.post("/v1/orders", json=body, headers=tenant.admin)
    again = await client.post("/v1/orders", json=body, headers=tenant.admin)
    assert (first.status_code, again.status_code) == (201, 200)
    order_id = first.json()["order_id"]
    await run_jobs(db)
    # the same job kind for the same order, enqueued again under other keys, and run directly
    async with db.session() as session:
        for key in ("replay-1", "replay-2"):
            await enqueue(session, kind="messaging.send_receipt", workspace_id=tenant.id,
                          payload={"order_id": order_id}, dedupe_key=key + tenant.id)
    await run_jobs(db)
    async with db.session() as session:
        await dispatch.send_receipt(session, tenant.id, order_id)
    data = (await messages(client, tenant, order_id))["data"]
    assert len(data) == 1 and len(providers.of("whatsapp")) == 1


async def test_credentials_are_encrypted_at_rest_and_never_returned(client, tenant, db,
                                                                    providers) -> None:
    await configure(client, tenant, providers)
    listing = (await client.get("/v1/messaging/channels", headers=tenant.admin)).text
    assert ACCESS_TOKEN not in listing and APP_SECRET not in listing
    wa = next(c for c in (await client.get("/v1/messaging/channels", headers=tenant.admin)
                          ).json()["data"] if c["channel"] == "whatsapp")
    assert wa["secrets_set"] == ["access_token", "app_secret", "verify_token"]
    async with db.session() as session:
        raw = (await session.execute(text(
            "SELECT secrets FROM messaging_channels WHERE workspace_id = :ws AND channel = "
            "'whatsapp'"), {"ws": tenant.id})).scalar_one()
    assert ACCESS_TOKEN not in raw and raw.startswith("gAAAA")  # a Fernet token
    # updating config without secrets keeps the stored ones
    response = await client.put("/v1/messaging/channels/whatsapp", headers=tenant.admin, json={
        "provider": "whatsapp_cloud", "config": {"phone_number_id": "999", "base_url": providers.url}})
    assert response.json()["secrets_set"] == ["access_token", "app_secret", "verify_token"]


async def test_channel_settings_are_validated(client, tenant) -> None:
    cases = [
        ("whatsapp", {"provider": "twilio", "config": {"account_sid": "AC1", "from": "+1"}},
         "provider"),
        ("whatsapp", {"provider": "whatsapp_cloud", "config": {}}, "config.phone_number_id"),
        ("sms", {"provider": "twilio", "config": {"account_sid": "AC1"}}, "config.from"),
        ("sms", {"provider": "msg91", "config": {"sender": "BRWBLM", "colour": "red"}},
         "config.colour"),
        ("email", {"provider": "smtp", "config": {"host": "h", "from_address": "a@b.c"},
                   "secrets": {"token": "x"}}, "secrets.token"),
    ]
    for channel, body, field in cases:
        response = await client.put(f"/v1/messaging/channels/{channel}", json=body,
                                    headers=tenant.admin)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["field"] == field


async def test_outlet_pins_its_own_whatsapp_number(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    loc = await add_location(client, tenant, "blr-pin")
    response = await client.put("/v1/messaging/channels/whatsapp/outlets/blr-pin",
                                headers=tenant.admin, json={"config": {"phone_number_id": "777"}})
    assert response.status_code == 200 and response.json()["tier"] == "outlet"
    bad = await client.put("/v1/messaging/channels/whatsapp/outlets/blr-pin", headers=tenant.admin,
                           json={"config": {"base_url": "http://evil"}})
    assert bad.status_code == 422
    await sale(client, tenant, location=loc["id"])
    await sale(client, tenant)
    await run_jobs(db)
    paths = sorted(c.path for c in providers.of("whatsapp"))
    assert paths == ["/v21.0/106540352242922/messages", "/v21.0/777/messages"]
    async with db.session() as session:
        rows = (await session.scalars(select(ChannelSetting).where(
            ChannelSetting.workspace_id == tenant.id))).all()
    assert {(r.channel, r.location_id) for r in rows} >= {("whatsapp", loc["id"])}


async def test_outbox_filters_resend_and_preview(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant)
    await sale(client, tenant, receipt={"channel": "sms"})
    await run_jobs(db)
    sms = (await client.get("/v1/messages", params={"channel": "sms"}, headers=tenant.admin)).json()
    sent = (await client.get("/v1/messages", params={"status": "sent"}, headers=tenant.admin)).json()
    future = (await client.get("/v1/messages", params={"since": iso_ago(days=-365, tz="UTC")},
                               headers=tenant.admin)).json()
    assert [m["channel"] for m in sms["data"]] == ["sms"] and len(sent["data"]) == 2
    assert future["data"] == []
    bad = await client.get("/v1/messages", params={"status": "lost"}, headers=tenant.admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "status"
    [original] = (await messages(client, tenant, order["order_id"]))["data"]
    headers = {**tenant.admin, "Idempotency-Key": "resend-1"}
    r1 = await client.post(f"/v1/messages/{original['id']}/resend", headers=headers)
    r2 = await client.post(f"/v1/messages/{original['id']}/resend", headers=headers)
    assert (r1.status_code, r2.status_code) == (202, 202) and r1.json()["id"] == r2.json()["id"]
    await run_jobs(db)
    resent = (await client.get(f"/v1/messages/{r1.json()['id']}", headers=tenant.admin)).json()
    assert resent["status"] == "sent" and resent["resend_of"] == original["id"]
    assert len(providers.of("whatsapp")) == 2
    preview = await client.post("/v1/messaging/preview", headers=tenant.admin,
                                json={"order_id": order["order_id"]})
    body = preview.json()
    assert preview.status_code == 200 and set(body["channels"]) == {"whatsapp", "sms", "email"}
    assert body["channels"]["whatsapp"]["content"]["button_suffix"] == order["bill"]["code"]
    assert body["would_send"]["channel"] == "whatsapp"
    assert body["channels"]["sms"]["content"]["text"].endswith("/" + order["bill"]["code"])
    assert body["channels"]["email"]["content"]["subject"].startswith("Your bill ")


async def test_templates_dlt_rules_and_preview_errors(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant, receipt={"channel": "sms"})
    mismatch = await client.put("/v1/messaging/templates/sms", headers=tenant.admin, json={
        "dlt_text": "Bill {#var#} is ready", "variables": ["invoice_number", "amount"]})
    unknown = await client.put("/v1/messaging/templates/whatsapp", headers=tenant.admin, json={
        "template_name": "store_receipt_v1", "language": "en", "body_params": ["shoe_size"]})
    assert (mismatch.status_code, unknown.status_code) == (422, 422)
    assert unknown.json()["error"]["details"][0]["field"] == "body_params[0]"
    long_url = await client.put("/v1/messaging/templates/sms", headers=tenant.admin, json={
        "dlt_text": "Your bill from {#var#}: {#var#}", "variables": ["brand", "url"]})
    assert long_url.status_code == 200, long_url.text
    preview = await client.post("/v1/messaging/preview", headers=tenant.admin,
                                json={"order_id": order["order_id"], "channel": "sms"})
    assert preview.status_code == 422 and "DLT allows 30" in preview.json()["error"]["message"]
    await run_jobs(db)
    by_channel = {m["channel"]: m for m in (await messages(client, tenant, order["order_id"]))["data"]}
    assert by_channel["sms"]["status"] == "failed"
    assert by_channel["sms"]["error_code"] == "template_error"
    assert by_channel["whatsapp"]["status"] == "sent"  # fell back
    ok = await client.put("/v1/messaging/templates/sms", headers=tenant.admin, json={
        "dlt_text": "Dear customer, bill {#var#} of {#var#} - {#var#}",
        "variables": ["invoice_number", "amount", "brand"]})
    assert ok.status_code == 200
    listing = (await client.get("/v1/messaging/templates", headers=tenant.admin)).json()
    assert listing["sms"]["default"] is False and listing["email"]["default"] is True



async def test_delete_channel_then_again_is_404(client, tenant, providers) -> None:
    await configure(client, tenant, providers)
    first = await client.delete("/v1/messaging/channels/sms", headers=tenant.admin)
    again = await client.delete("/v1/messaging/channels/sms", headers=tenant.admin)
    unpin = await client.delete("/v1/messaging/channels/sms/outlets/nowhere", headers=tenant.admin)
    assert (first.status_code, again.status_code, unpin.status_code) == (204, 404, 404)
