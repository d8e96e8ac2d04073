"""Console pages: every page in every chip-strip scope, outlets, terminals, contacts."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import add_location, order_body
from tests.console.conftest import sign_in
from tests.support import iso_ago

PAGES = ("analytics", "contacts", "settings/general", "settings/locations", "settings/audit")


async def test_every_page_renders_for_every_scope(client, tenant, console_user, drain) -> None:
    loc = await add_location(client, tenant, "blr-1")
    await add_location(client, tenant, "blr-2", gstin=None, name="Second")
    placed = await client.post("/v1/orders", headers=tenant.admin,
                               json=order_body(location=loc["id"]))
    await drain(tenant.id)
    await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}"
    contact = f"contacts/{placed.json()['contact_id']}"
    for scope in ("", "all", loc["id"], loc["code"]):
        for path in (*PAGES, contact, f"settings/locations/{loc['id']}", "analytics.csv"):
            response = await client.get(f"{base}/{path}", params={"location": scope})
            assert response.status_code == 200, (path, scope, response.text[:200])
            if not path.endswith(".csv"):
                assert "All outlets" in response.text and "Outlet blr-1" in response.text
    scoped = await client.get(f"{base}/analytics", params={"location": loc["id"]})
    assert "Scope: <strong>Outlet blr-1</strong>" in scoped.text
    assert (await client.get(f"{base}/analytics", params={"location": "nope"})).status_code == 404


async def test_empty_workspace_shows_empty_states(client, tenant, console_user) -> None:
    await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}"
    assert "No sales in this range" in (await client.get(f"{base}/analytics")).text
    assert "No contacts yet" in (await client.get(f"{base}/contacts")).text
    assert "No outlets yet" in (await client.get(f"{base}/settings/locations")).text


async def test_create_outlet_validates_gstin_and_state(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/settings/locations"
    bad = await client.post(url, data={"csrf_token": token, "code": "mum-1", "name": "Bandra",
                                       "gstin": "27AABCB1234C1ZX"})
    assert bad.status_code == 422 and "GSTIN checksum does not match" in bad.text
    mismatch = await client.post(url, data={"csrf_token": token, "code": "mum-1", "name": "Bandra",
                                            "gstin": "27AABCB1234C1ZE", "state_code": "29"})
    assert mismatch.status_code == 422 and "does not match the GSTIN" in mismatch.text
    good = await client.post(url, data={"csrf_token": token, "code": "mum-1", "name": "Bandra",
                                        "gstin": "27AABCB1234C1ZE", "timezone": "Asia/Kolkata"})
    assert good.status_code == 303
    listing = await client.get(url)
    assert "Outlet Bandra created." in listing.text and "27AABCB1234C1ZE" in listing.text
    assert "State 27" in listing.text
    again = await client.post(url, data={"csrf_token": token, "code": "mum-1", "name": "Dup"})
    assert again.status_code == 422 and "already exists" in again.text


async def test_edit_outlet_and_outlet_tier_general(client, tenant, console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}"
    edit = await client.post(f"{base}/settings/locations/{loc['id']}", data={
        "csrf_token": token, "name": "Indiranagar", "gstin": "29AABCB1234C1ZA",
        "state_code": "27", "status": "active"})
    assert edit.status_code == 422 and "does not match" in edit.text
    edit = await client.post(f"{base}/settings/locations/{loc['id']}", data={
        "csrf_token": token, "name": "Indiranagar", "gstin": "29AABCB1234C1ZA",
        "state_code": "29", "status": "active", "phone": "+91 80 1234"})
    assert edit.status_code == 303
    outlet_tier = await client.post(f"{base}/settings/general?location={loc['id']}", data={
        "csrf_token": token, "name": "Indiranagar HQ", "timezone": "Asia/Dubai"})
    assert outlet_tier.status_code == 303 and f"location={loc['id']}" in outlet_tier.headers["location"]
    shown = (await client.get(f"/v1/locations/{loc['id']}", headers=tenant.admin)).json()
    assert shown["name"] == "Indiranagar HQ" and shown["timezone"] == "Asia/Dubai"
    brand = (await client.get("/v1/workspace", headers=tenant.admin)).json()
    assert brand["name"].startswith("Test ")  # the brand tier is untouched


async def test_brand_general_settings_validate_and_save(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/settings/general"
    form = {"csrf_token": token, "name": "Chai Point", "logo_url": "https://cdn.example/logo.png",
            "primary_color": "#112233", "accent_color": "", "country": "IN", "currency": "INR",
            "timezone": "Asia/Kolkata"}
    bad = await client.post(url, data={**form, "primary_color": "red", "timezone": "Mars/Base"})
    assert bad.status_code == 422
    assert "a colour like #6b3e26" in bad.text and "unknown IANA timezone" in bad.text
    assert (await client.post(url, data=form)).status_code == 303
    page = await client.get(url)
    assert "Brand settings saved." in page.text and 'value="#112233"' in page.text
    assert "Chai Point" in page.text


async def test_terminals_pairing_code_shown_once_revoke_activate(client, tenant,
                                                                 console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/settings/locations/{loc['id']}/terminals"
    assert (await client.post(base, data={"csrf_token": token, "terminal_id": "T1"})).status_code == 303
    dup = await client.post(base, data={"csrf_token": token, "terminal_id": "T1"})
    assert dup.status_code == 422 and "already exists" in dup.text
    terms = (await client.get(f"/v1/locations/{loc['id']}/terminals", headers=tenant.admin)).json()
    pk = terms[0]["id"]
    posted = await client.post(f"{base}/{pk}/pairing-code", data={"csrf_token": token})
    assert posted.status_code == 303  # post/redirect/get: a reload shows, never re-issues
    issued = await client.get(posted.headers["location"])
    code = re.search(r'data-testid="pairing-code">([A-Z0-9]+)<', issued.text).group(1)
    paired = await client.post("/v1/pos/pair", json={"pairing_code": code})
    assert paired.status_code == 200, paired.text
    assert code not in (await client.get(f"/dashboard/{tenant.slug}/settings/locations")).text
    assert (await client.post(f"{base}/{pk}/revoke", data={"csrf_token": token})).status_code == 303
    device = {"Authorization": f"Bearer {paired.json()['device_token']}"}
    assert (await client.get("/v1/pos/me", headers=device)).status_code in (401, 403)
    assert (await client.post(f"{base}/{pk}/activate", data={"csrf_token": token})).status_code == 303
    assert "active" in (await client.get(f"/v1/locations/{loc['id']}/terminals",
                                         headers=tenant.admin)).json()[0]["status"]


@pytest.mark.parametrize("query", ["+91 98765 43210", "9876543210", "ASHA@example.com"])
async def test_contact_search_finds_the_profile(client, tenant, console_user, query) -> None:
    loc = await add_location(client, tenant, "blr-1")
    await client.post("/v1/orders", headers=tenant.admin, json=order_body(location=loc["id"]))
    await client.post("/v1/orders", headers=tenant.admin, json=order_body(channel="online"))
    await sign_in(client, await console_user(tenant.slug))
    found = await client.get(f"/dashboard/{tenant.slug}/contacts", params={"q": query})
    assert found.status_code == 303
    profile = await client.get(found.headers["location"])
    assert "+919876543210" in profile.text and "asha@example.com" in profile.text
    assert profile.text.count('data-event="order_completed"') == 2
    assert "Outlet blr-1" in profile.text and "in-store" in profile.text


async def test_contact_search_misses_and_bad_input(client, tenant, console_user) -> None:
    await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/contacts"
    assert "No contact with phone" in (await client.get(url, params={"q": "+91 91234 56789"})).text
    assert "Phone:" in (await client.get(url, params={"q": "12"})).text


async def test_contacts_list_and_timeline_paginate(client, tenant, console_user) -> None:
    for index in range(30):
        await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            customer={"phone": f"+91 98765 {index:05d}"}))
    for index in range(27):
        await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            customer={"phone": "+91 90000 00001"},
            occurred_at=iso_ago(days=60 - index, at=dt.time(10))))
    await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/contacts"
    first = await client.get(url)
    older = re.search(r'href="([^"]+cursor=[^"]+)">Older', first.text).group(1)
    second = await client.get(older.replace("&amp;", "&"))
    assert second.status_code == 200 and "« Newest" in second.text
    names = lambda html: set(re.findall(r'contacts/(ct_[A-Za-z0-9]+)"', html))  # noqa: E731
    assert len(names(first.text)) == 25 and names(first.text).isdisjoint(names(second.text))
    found = await client.get(url, params={"q": "+91 90000 00001"})
    profile = await client.get(found.headers["location"])
    assert profile.text.count('data-event="order_completed"') == 25
    more = re.search(r'href="([^"]+cursor=[^"]+)">Older', profile.text).group(1)
    rest = await client.get(more.replace("&amp;", "&"))
    assert rest.text.count('data-event="order_completed"') == 2


async def test_console_errors_are_html_pages_and_the_favicon_exists(client, tenant,
                                                                     console_user) -> None:
    """A person never sees the API's JSON: a missing console page is an HTML 404 in words."""
    await sign_in(client, await console_user(tenant.slug, "owner"))
    missing = await client.get(f"/dashboard/{tenant.slug}/catalog/products/nope")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "Page not found" in missing.text and '{"error"' not in missing.text
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    # The API keeps its JSON shape.
    api = await client.get("/v1/nothing-here")
    assert api.headers["content-type"].startswith("application/json")
