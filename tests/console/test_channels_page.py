"""Console Settings → Channels: workspace tier (owner only), outlet sender pinning (owner or
manager), write-only secrets, validation naming the field, roles, isolation and CSRF."""

from __future__ import annotations

from tests.conftest import add_location
from tests.console.conftest import sign_in

SECRET = "EAAG-very-secret-token"


async def test_workspace_tier_then_outlet_sender(client, tenant, console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug, "owner"))
    url = f"/dashboard/{tenant.slug}/settings/channels"
    page = await client.get(url)
    assert page.status_code == 200 and page.text.count("not configured") == 3
    saved = await client.post(f"{url}/whatsapp", data={
        "csrf_token": token, "provider": "whatsapp_cloud", "enabled": "on",
        "cfg.whatsapp_cloud.phone_number_id": "106540352242922",
        "sec.whatsapp_cloud.access_token": SECRET,
        # fields of a provider that was not chosen are ignored
        "cfg.console.x": "ignored"})
    assert saved.status_code == 303, saved.text
    shown = await client.get(url)
    assert SECRET not in shown.text
    assert 'data-secret="access_token">set<' in shown.text
    assert 'data-secret="app_secret">not set<' in shown.text
    api = (await client.get("/v1/messaging/channels", headers=tenant.admin)).json()["data"]
    assert api[0]["secrets_set"] == ["access_token"]
    # saving again with a blank secret keeps the stored one
    again = await client.post(f"{url}/whatsapp", data={
        "csrf_token": token, "provider": "whatsapp_cloud", "enabled": "on",
        "cfg.whatsapp_cloud.phone_number_id": "106540352242922",
        "cfg.whatsapp_cloud.api_version": "v22.0"})
    assert again.status_code == 303
    api = (await client.get("/v1/messaging/channels", headers=tenant.admin)).json()["data"]
    assert api[0]["secrets_set"] == ["access_token"] and api[0]["config"]["api_version"] == "v22.0"
    pinned = await client.post(f"{url}/whatsapp?location={loc['id']}", data={
        "csrf_token": token, "enabled": "on",
        "cfg.whatsapp_cloud.phone_number_id": "106540352299999"})
    assert pinned.status_code == 303 and loc["id"] in pinned.headers["location"]
    rows = (await client.get("/v1/messaging/channels", headers=tenant.admin)).json()["data"]
    pin = next(r for r in rows if r["tier"] == "outlet")
    assert pin["location_id"] == loc["id"]
    assert pin["config"] == {"phone_number_id": "106540352299999"}
    outlet_page = await client.get(url, params={"location": loc["id"]})
    assert "106540352299999" in outlet_page.text and "1 outlet sender" in outlet_page.text
    sms_outlet = await client.post(f"{url}/sms?location={loc['id']}", data={"csrf_token": token})
    assert sms_outlet.status_code == 422
    assert "configure sms under All outlets first" in sms_outlet.text
    unpinned = await client.post(f"{url}/whatsapp/delete?location={loc['id']}",
                                 data={"csrf_token": token})
    assert unpinned.status_code == 303
    rows = (await client.get("/v1/messaging/channels", headers=tenant.admin)).json()["data"]
    assert [r["tier"] for r in rows] == ["workspace"]


async def test_validation_names_the_field(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug, "owner"))
    url = f"/dashboard/{tenant.slug}/settings/channels"
    missing = await client.post(f"{url}/whatsapp", data={
        "csrf_token": token, "provider": "whatsapp_cloud", "enabled": "on"})
    assert missing.status_code == 422
    assert "Phone number ID: Enter the phone number ID" in missing.text
    port = await client.post(f"{url}/email", data={
        "csrf_token": token, "provider": "smtp", "cfg.smtp.host": "smtp.example.com",
        "cfg.smtp.from_address": "bills@example.com", "cfg.smtp.port": "99999"})
    assert port.status_code == 422 and "Port: Enter a whole number for port" in port.text
    assert 'value="smtp.example.com"' in port.text  # the form keeps what was typed
    wrong = await client.post(f"{url}/sms", data={"csrf_token": token, "provider": "smtp"})
    assert wrong.status_code == 422
    assert "Choose a provider: Twilio, MSG91 (DLT), Console" in wrong.text
    # A relay the operator allows (tests/conftest.py): a saved host must resolve to a public
    # address or be allowed, and the test machine may have no DNS (kit/outbound.py).
    ok = await client.post(f"{url}/email", data={
        "csrf_token": token, "provider": "smtp", "cfg.smtp.host": "localhost",
        "cfg.smtp.from_address": "bills@example.com", "cfg.smtp.port": "2525",
        "cfg.smtp.security": "tls", "sec.smtp.password": "pw"})
    assert ok.status_code == 303
    rows = (await client.get("/v1/messaging/channels", headers=tenant.admin)).json()["data"]
    assert rows[0]["config"]["port"] == 2525 and rows[0]["secrets_set"] == ["password"]
    assert (await client.post(f"{url}/fax", data={"csrf_token": token})).status_code == 404


async def test_roles_isolation_and_csrf(client, make_tenant, console_user) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    loc = await add_location(client, tenant, "blr-1")
    await client.put("/v1/messaging/channels/sms", headers=tenant.admin, json={
        "provider": "twilio", "config": {"account_sid": "AC" + "1" * 32, "from": "+15550001111"},
        "secrets": {"auth_token": "twilio-secret-value"}})
    url = f"/dashboard/{tenant.slug}/settings/channels"
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    brand = {"csrf_token": token, "provider": "console", "enabled": "on"}
    assert (await client.post(f"{url}/sms", data=brand)).status_code == 403  # owner only
    page = await client.get(url)
    assert "Only an owner can change the workspace tier" in page.text
    pinned = await client.post(f"{url}/sms?location={loc['id']}", data={
        "csrf_token": token, "enabled": "on", "cfg.twilio.from": "+15550002222"})
    assert pinned.status_code == 303  # a manager may set an outlet's sender
    assert (await client.post(f"{url}/sms?location={loc['id']}",
                              data={"enabled": "on"})).status_code == 403  # no CSRF token
    assert (await client.get(f"/dashboard/{other.slug}/settings/channels")).status_code == 404
    client.cookies.clear()
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    page = await client.get(url, params={"location": loc["id"]})
    assert page.status_code == 200 and "Save outlet sender" not in page.text
    assert "twilio-secret-value" not in page.text
    denied = await client.post(f"{url}/sms?location={loc['id']}", data={
        "csrf_token": token, "enabled": "on", "cfg.twilio.from": "+15550003333"})
    assert denied.status_code == 403
