"""Status webhooks and inbound opt-outs: valid, invalid and replayed signatures, duplicates and
out-of-order statuses, the hub.challenge handshake."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from activereach.messaging.providers.twilio import signature
from activereach.messaging.providers.whatsapp_cloud import sign
from tests.messaging.conftest import (APP_SECRET, PHONE_NUMBER_ID, TWILIO_TOKEN, configure,
                                      messages, run_jobs, sale)


def _wa_status(wamid: str, status: str, ts: int, **extra: object) -> dict[str, object]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [{"id": wamid, "status": status, "timestamp": str(ts),
                          "recipient_id": "919876543210", **extra}]}}]}]}


async def _post_wa(client, slug: str, payload: dict[str, object], secret: str = APP_SECRET):  # type: ignore[no-untyped-def]
    raw = json.dumps(payload).encode()
    return await client.post(f"/v1/messaging/webhooks/whatsapp/{slug}", content=raw, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, raw)})


async def _sent_whatsapp(client, tenant, db, providers) -> dict[str, object]:  # type: ignore[no-untyped-def]
    await configure(client, tenant, providers)
    order = await sale(client, tenant)
    await run_jobs(db)
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    return msg


async def test_statuses_out_of_order_and_duplicated_never_move_backwards(client, tenant, db,
                                                                         providers) -> None:
    msg = await _sent_whatsapp(client, tenant, db, providers)
    wamid = msg["provider_message_id"]
    for status, ts in (("read", 1764100003), ("delivered", 1764100002), ("sent", 1764100001),
                       ("read", 1764100003)):
        response = await _post_wa(client, tenant.slug, _wa_status(wamid, status, ts))
        assert response.status_code == 200, response.text
    after = (await client.get(f"/v1/messages/{msg['id']}", headers=tenant.admin)).json()
    assert after["status"] == "read"
    assert [h["status"] for h in after["status_history"]] == ["queued", "sent", "read"]
    events = (await client.get(f"/v1/contacts/{msg['contact_id']}/events",
                               headers=tenant.admin)).json()["data"]
    statuses = [e["properties"]["status"] for e in events if e["name"] == "channel_delivery_status"]
    assert sorted(statuses) == ["read", "sent"]


async def test_failed_then_delivered_wins_and_failed_after_read_is_ignored(client, tenant, db,
                                                                           providers) -> None:
    msg = await _sent_whatsapp(client, tenant, db, providers)
    wamid = msg["provider_message_id"]
    failed = _wa_status(wamid, "failed", 1764100002, errors=[{
        "code": 131049, "title": "This message was not delivered to maintain healthy ecosystem "
                                 "engagement."}])
    assert (await _post_wa(client, tenant.slug, failed)).status_code == 200
    mid = (await client.get(f"/v1/messages/{msg['id']}", headers=tenant.admin)).json()
    assert mid["status"] == "failed" and mid["error_code"] == "131049"
    await _post_wa(client, tenant.slug, _wa_status(wamid, "delivered", 1764100003))
    await _post_wa(client, tenant.slug, _wa_status(wamid, "read", 1764100004))
    await _post_wa(client, tenant.slug, failed)
    final = (await client.get(f"/v1/messages/{msg['id']}", headers=tenant.admin)).json()
    assert final["status"] == "read"
    assert [h["status"] for h in final["status_history"]] == [
        "queued", "sent", "failed", "delivered", "read"]


async def test_async_failure_falls_back_to_the_next_channel(client, tenant, db, providers) -> None:
    msg = await _sent_whatsapp(client, tenant, db, providers)
    failed = _wa_status(msg["provider_message_id"], "failed", 1764100002,
                        errors=[{"code": 131026, "title": "Message undeliverable"}])
    assert (await _post_wa(client, tenant.slug, failed)).status_code == 200
    assert (await _post_wa(client, tenant.slug, failed)).status_code == 200  # replay: one fallback
    await run_jobs(db)
    data = (await messages(client, tenant, msg["order_id"]))["data"]
    assert sorted((m["channel"], m["status"]) for m in data) == [("sms", "sent"),
                                                                 ("whatsapp", "failed")]


async def test_bad_and_missing_signatures_are_rejected(client, tenant, db, providers) -> None:
    msg = await _sent_whatsapp(client, tenant, db, providers)
    payload = _wa_status(msg["provider_message_id"], "delivered", 1764100002)
    wrong = await _post_wa(client, tenant.slug, payload, secret="not-the-secret")
    raw = json.dumps(payload).encode()
    missing = await client.post(f"/v1/messaging/webhooks/whatsapp/{tenant.slug}", content=raw)
    tampered = await client.post(
        f"/v1/messaging/webhooks/whatsapp/{tenant.slug}", content=raw.replace(b"delivered", b"read"),
        headers={"X-Hub-Signature-256": sign(APP_SECRET, raw)})
    unknown = await _post_wa(client, "no-such-brand", payload)
    assert [r.status_code for r in (wrong, missing, tampered, unknown)] == [401, 401, 401, 404]
    assert wrong.json()["error"]["code"] == "bad_signature"
    after = (await client.get(f"/v1/messages/{msg['id']}", headers=tenant.admin)).json()
    assert after["status"] == "sent"


async def test_replayed_signed_body_changes_nothing(client, tenant, db, providers) -> None:
    msg = await _sent_whatsapp(client, tenant, db, providers)
    payload = _wa_status(msg["provider_message_id"], "delivered", 1764100002)
    first = await _post_wa(client, tenant.slug, payload)
    replay = await _post_wa(client, tenant.slug, payload)
    assert (first.json()["applied"], replay.json()["applied"]) == (1, 0)
    after = (await client.get(f"/v1/messages/{msg['id']}", headers=tenant.admin)).json()
    assert [h["status"] for h in after["status_history"]] == ["queued", "sent", "delivered"]


async def test_hub_challenge_handshake(client, tenant, providers) -> None:
    await configure(client, tenant, providers)
    url = f"/v1/messaging/webhooks/whatsapp/{tenant.slug}"
    ok = await client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                       "hub.challenge": "1158201444"})
    bad = await client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                        "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text, bad.status_code) == (200, "1158201444", 403)


async def test_whatsapp_stop_reply_opts_out_and_the_next_receipt_uses_sms(client, tenant, db,
                                                                          providers) -> None:
    msg = await _sent_whatsapp(client, tenant, db, providers)
    inbound = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Asha"}, "wa_id": "919876543210"}],
            "messages": [{"from": "919876543210", "id": "wamid.IN1", "timestamp": "1764100009",
                          "type": "text", "text": {"body": "stop"}}]}}]}]}
    response = await _post_wa(client, tenant.slug, inbound)
    assert response.status_code == 200 and response.json()["consent"] == ["opt_out"]
    consent = (await client.get(f"/v1/messaging/consent/{msg['contact_id']}",
                                headers=tenant.admin)).json()
    assert consent["channels"]["whatsapp"]["status"] == "opted_out"
    assert consent["channels"]["whatsapp"]["source"] == "whatsapp_reply"
    order = await sale(client, tenant, receipt={"channel": "whatsapp"})
    await run_jobs(db)
    [second] = (await messages(client, tenant, order["order_id"]))["data"]
    assert second["channel"] == "sms" and second["status"] == "sent"


def _twilio_headers(url: str, form: dict[str, str], token: str = TWILIO_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": signature(token, url, form),
            "Content-Type": "application/x-www-form-urlencoded"}


async def test_twilio_status_callbacks_signed_and_out_of_order(client, tenant, db,
                                                               providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant, receipt={"channel": "sms"})
    await run_jobs(db)
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    url = f"http://testserver/v1/messaging/webhooks/twilio/{tenant.slug}"
    base = {"MessageSid": msg["provider_message_id"], "AccountSid": "AC" + "1" * 32,
            "From": "+15005550006", "To": "+919876543210", "ApiVersion": "2010-04-01"}
    delivered = {**base, "MessageStatus": "delivered", "SmsStatus": "delivered"}
    sent = {**base, "MessageStatus": "sent", "SmsStatus": "sent"}
    for form in (delivered, sent, delivered):
        response = await client.post(url, content=urlencode(form),
                                     headers=_twilio_headers(url, form))
        assert response.status_code == 200, response.text
    forged = await client.post(url, content=urlencode({**delivered, "MessageStatus": "failed"}),
                               headers=_twilio_headers(url, delivered))
    wrong_key = await client.post(url, content=urlencode(delivered),
                                  headers=_twilio_headers(url, delivered, token="other"))
    assert (forged.status_code, wrong_key.status_code) == (401, 401)
    after = (await client.get(f"/v1/messages/{msg['id']}", headers=tenant.admin)).json()
    assert after["status"] == "delivered"
    assert [h["status"] for h in after["status_history"]] == ["queued", "sent", "delivered"]


async def test_twilio_inbound_stop_records_sms_opt_out(client, tenant, db, providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant)
    url = f"http://testserver/v1/messaging/webhooks/twilio/{tenant.slug}"
    form = {"MessageSid": "SM" + "9" * 32, "From": "+919876543210", "To": "+15005550006",
            "Body": "STOP", "SmsStatus": "received", "NumMedia": "0"}
    response = await client.post(url, content=urlencode(form), headers=_twilio_headers(url, form))
    assert response.status_code == 200 and "<Response>" in response.text
    consent = (await client.get(f"/v1/messaging/consent/{order['contact_id']}",
                                headers=tenant.admin)).json()
    assert consent["channels"]["sms"] == {**consent["channels"]["sms"], "status": "opted_out",
                                          "source": "sms_reply", "evidence": "STOP"}
