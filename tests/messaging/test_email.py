"""Email receipts to a real SMTP server (aiosmtpd, STARTTLS required) on loopback."""

from __future__ import annotations

from email import message_from_bytes, policy

from tests.messaging.conftest import configure, messages, run_jobs, sale


async def test_email_receipt_arrives_as_multipart_mime(client, tenant, db, providers,
                                                       mailbox) -> None:
    await configure(client, tenant, providers, smtp_port=mailbox.port)
    order = await sale(client, tenant, receipt={"channel": "email"})
    await run_jobs(db)
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "bills@brew.test" and envelope.rcpt_tos == ["asha@example.com"]
    mime = message_from_bytes(envelope.content, policy=policy.default)
    bill = order["bill"]
    assert mime["Subject"] == f"Your bill {bill['invoice_number']} from Test {tenant.slug}"
    assert mime["From"] == "Brew & Bloom <bills@brew.test>" and mime["To"] == "asha@example.com"
    assert mime.get_content_type() == "multipart/alternative"
    text = mime.get_body(("plain",)).get_content()
    html = mime.get_body(("html",)).get_content()
    assert "Hi Asha," in text and f"View your bill: {bill['url']}" in text and "₹498.00" in text
    assert f'<a href="{bill["url"]}">View your bill</a>' in html
    assert "2 × Latte (M)" in html and "&amp;" not in text
    [msg] = (await messages(client, tenant, order["order_id"]))["data"]
    assert msg["status"] == "sent" and msg["provider"] == "smtp"
    assert mime["Message-ID"].strip("<>") == msg["provider_message_id"]
    assert mime["X-ActiveReach-Message"] == msg["id"]
    assert msg["content"]["subject"] == mime["Subject"]


async def test_smtp_550_is_permanent(client, tenant, db, providers, mailbox) -> None:
    await configure(client, tenant, providers, smtp_port=mailbox.port)
    await client.delete("/v1/messaging/channels/whatsapp", headers=tenant.admin)
    await client.delete("/v1/messaging/channels/sms", headers=tenant.admin)
    order = await sale(client, tenant, receipt={"channel": "email"},
                       customer={"email": "gone@bounce.test", "name": "Ravi"})
    await run_jobs(db)
    data = await messages(client, tenant, order["order_id"])
    [msg] = data["data"]
    assert msg["status"] == "failed" and msg["error_code"] == "smtp_550" and msg["attempts"] == 1
    assert data["dispatch"]["outcome"] == "not_sent"
