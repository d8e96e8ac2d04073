"""Connected products → Active Bill: brand tier, outlet overrides, fallback, preview, roles."""

from __future__ import annotations

import html
from typing import Any

import pytest

from activereach.console.active_bill import parse

from tests.conftest import add_location
from tests.console.conftest import sign_in

PAGE = "connected-products/active-bill"


def _url(tenant, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/dashboard/{tenant.slug}/{PAGE}{suffix}"


async def _resolved(client, tenant,  # type: ignore[no-untyped-def]
                    location: str | None = None) -> dict[str, Any]:
    params = {"location": location} if location else {}
    response = await client.get("/v1/bill-config/resolved", headers=tenant.admin, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_owner_saves_the_brand_tier(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    page = await client.get(_url(tenant))
    assert page.status_code == 200
    assert "Editing the <strong>brand tier</strong>" in page.text and 'srcdoc="' in page.text
    saved = await client.post(_url(tenant), data={
        "csrf_token": token, "brand_name": "Chai Co", "primary_color": "#AA3300",
        "footer_text": "Thank you, come again!", "show_review": "off",
        "review_url": "https://g.page/chai", "social_instagram": "https://instagram.com/chai",
        "legal_name": "Chai Co Pvt Ltd"})
    assert saved.status_code == 303 and saved.headers["location"] == _url(tenant)
    stored = (await client.get("/v1/bill-config", headers=tenant.admin)).json()["values"]
    assert stored == {"brand_name": "Chai Co", "primary_color": "#aa3300",
                      "footer_text": "Thank you, come again!", "show_review": False,
                      "review_url": "https://g.page/chai", "legal_name": "Chai Co Pvt Ltd",
                      "social_links": {"instagram": "https://instagram.com/chai"}}
    again = await client.get(_url(tenant))
    assert "Active Bill settings saved for all outlets (brand)." in again.text
    assert 'value="Thank you, come again!"' not in again.text  # a textarea, not an input
    assert ">Thank you, come again!</textarea>" in again.text
    # The preview is the sample bill rendered with the saved config (escaped inside srcdoc).
    assert html.escape("<p>Thank you, come again!</p>") in again.text
    preview = await client.get(_url(tenant, "/preview"))
    assert preview.status_code == 200 and "Thank you, come again!" in preview.text
    assert "--brand:#aa3300" in preview.text and "Leave a review" not in preview.text
    assert "frame-ancestors 'self'" in preview.headers["content-security-policy"]


async def test_outlet_override_resolves_for_that_outlet_only(client, tenant,
                                                           console_user) -> None:
    one = await add_location(client, tenant, "blr-1")
    two = await add_location(client, tenant, "blr-2")
    token = await sign_in(client, await console_user(tenant.slug))
    await client.post(_url(tenant), data={"csrf_token": token, "footer_text": "From the brand",
                                          "accent_color": "#112233"})
    page = await client.get(_url(tenant), params={"location": one["id"]})
    assert "Editing the overrides of outlet <strong>Outlet blr-1</strong>" in page.text
    assert 'placeholder="From the brand"' in page.text
    assert "blank inherits the brand value “#112233”" in page.text
    saved = await client.post(_url(tenant), params={"location": one["id"]}, data={
        "csrf_token": token, "footer_text": "See you at CMH Road", "show_rating": "off"})
    assert saved.status_code == 303 and saved.headers["location"].endswith(
        f"?location={one['id']}")
    first, second = await _resolved(client, tenant, one["id"]), await _resolved(client, tenant,
                                                                                 two["id"])
    assert first["values"]["footer_text"] == "See you at CMH Road"
    assert first["origins"]["footer_text"] == "outlet" and first["values"]["show_rating"] is False
    assert first["values"]["accent_color"] == "#112233"  # not overridden: the brand's
    assert second["values"]["footer_text"] == "From the brand"
    assert (await _resolved(client, tenant))["values"]["footer_text"] == "From the brand"
    outlet_page = await client.get(_url(tenant), params={"location": one["id"]})
    assert "Active Bill settings saved for Outlet blr-1." in outlet_page.text
    assert "Overridden here: Footer text, Star rating strip." in outlet_page.text
    mine = await client.get(_url(tenant, "/preview"), params={"location": one["id"]})
    other = await client.get(_url(tenant, "/preview"), params={"location": two["id"]})
    assert "See you at CMH Road" in mine.text and "Rate this order" not in mine.text
    assert "From the brand" in other.text and "Rate this order" in other.text
    assert "See you at CMH Road" not in other.text


async def test_clearing_a_field_falls_back_and_reset_clears_all(client, tenant,
                                                              console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    await client.post(_url(tenant), data={"csrf_token": token, "footer_text": "Brand footer",
                                          "primary_color": "#000000"})
    scoped = {"location": loc["id"]}
    await client.post(_url(tenant), params=scoped, data={
        "csrf_token": token, "footer_text": "Outlet footer", "primary_color": "#ffffff"})
    assert (await _resolved(client, tenant, loc["id"]))["values"]["footer_text"] == "Outlet footer"
    cleared = await client.post(_url(tenant), params=scoped, data={
        "csrf_token": token, "footer_text": "", "primary_color": "#ffffff"})
    assert cleared.status_code == 303
    resolved = await _resolved(client, tenant, loc["id"])
    assert resolved["values"]["footer_text"] == "Brand footer"
    assert resolved["origins"]["footer_text"] == "brand"
    assert resolved["values"]["primary_color"] == "#ffffff"
    reset = await client.post(_url(tenant), params=scoped, data={"csrf_token": token,
                                                                 "action": "reset"})
    assert reset.status_code == 303
    resolved = await _resolved(client, tenant, loc["id"])
    assert resolved["values"]["primary_color"] == "#000000"
    assert set(resolved["origins"].values()) <= {"brand", "default"}
    outlet_tier = await client.get(f"/v1/bill-config/outlets/{loc['id']}", headers=tenant.admin)
    assert outlet_tier.json()["values"] == {}


async def test_fields_the_form_does_not_show_are_kept(client, tenant, console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    put = await client.put(f"/v1/bill-config/outlets/{loc['id']}", headers=tenant.admin,
                           json={"legal_name": "Outlet LLP", "footer_text": "old"})
    assert put.status_code == 200, put.text
    token = await sign_in(client, await console_user(tenant.slug))
    await client.post(_url(tenant), params={"location": loc["id"]},
                      data={"csrf_token": token, "footer_text": "new"})
    values = (await client.get(f"/v1/bill-config/outlets/{loc['id']}",
                               headers=tenant.admin)).json()["values"]
    assert values == {"legal_name": "Outlet LLP", "footer_text": "new"}


@pytest.mark.parametrize(("field", "value", "named"), [
    ("primary_color", "red", "Primary colour (primary_color): a colour is #rrggbb"),
    ("footer_text", "x" * 501, "Footer text (footer_text): String should have at most 500"),
    ("review_url", "ftp://example.com", "Review link target (review_url): review_url must be"),
    ("social_instagram", "javascript:alert(1)", "Instagram link (social_instagram): must be"),
    ("invoice_prefix", "TOOLONG", "Invoice prefix (invoice_prefix): 1–4 letters"),
])
async def test_validation_errors_name_the_field(client, tenant, console_user, field: str,
                                                value: str, named: str) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    for scope in ({}, {"location": loc["id"]}):
        bad = await client.post(_url(tenant), params=scope, data={
            "csrf_token": token, "footer_text": "kept on the form", field: value})
        assert bad.status_code == 422, (scope, bad.text[:300])
        assert named in html.unescape(bad.text) and 'aria-invalid="true"' in bad.text
        assert "Not saved — please fix" in bad.text
        assert (await client.get("/v1/bill-config", headers=tenant.admin)).json()["values"] == {}
        draft = await client.post(_url(tenant, "/preview"), params=scope,
                                  data={"csrf_token": token, field: value})
        assert draft.status_code == 422 and "Preview not updated" in draft.text


async def test_draft_preview_renders_unsaved_values(client, tenant, console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    await client.post(_url(tenant), data={"csrf_token": token, "refund_policy": "Brand policy"})
    draft = await client.post(_url(tenant, "/preview"), params={"location": loc["id"]},
                              data={"csrf_token": token, "footer_text": "Draft footer"})
    assert draft.status_code == 200
    assert "Draft footer" in draft.text and "Brand policy" in draft.text
    assert "default-src 'none'" in draft.headers["content-security-policy"]
    tier = await client.get(f"/v1/bill-config/outlets/{loc['id']}", headers=tenant.admin)
    assert tier.json()["values"] == {}


async def test_roles_analyst_read_only_manager_outlets_only(client, tenant,
                                                          console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    scoped = {"location": loc["id"]}
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    page = await client.get(_url(tenant), params=scoped)
    assert page.status_code == 200 and 'id="save"' not in page.text and " disabled" in page.text
    for scope in ({}, scoped):
        refused = await client.post(_url(tenant), params=scope,
                                    data={"csrf_token": token, "footer_text": "nope"})
        assert refused.status_code == 403
    draft = await client.post(_url(tenant, "/preview"), params=scoped,
                              data={"csrf_token": token, "footer_text": "Just looking"})
    assert draft.status_code == 200 and "Just looking" in draft.text  # stores nothing
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    brand_page = await client.get(_url(tenant))
    assert 'id="save"' not in brand_page.text and "brand settings are owner-only" in brand_page.text
    brand = await client.post(_url(tenant), data={"csrf_token": token, "footer_text": "nope"})
    assert brand.status_code == 403
    outlet = await client.post(_url(tenant), params=scoped,
                               data={"csrf_token": token, "footer_text": "Manager's"})
    assert outlet.status_code == 303
    assert (await _resolved(client, tenant, loc["id"]))["values"]["footer_text"] == "Manager's"
    assert (await _resolved(client, tenant))["values"]["footer_text"] is None


async def test_other_workspace_is_404_and_csrf_less_post_is_403(client, tenant, make_tenant,
                                                               console_user) -> None:
    other = await make_tenant()
    token = await sign_in(client, await console_user(tenant.slug))
    assert (await client.get(_url(other))).status_code == 404
    assert (await client.get(_url(other, "/preview"))).status_code == 404
    assert (await client.post(_url(other), data={"csrf_token": token})).status_code == 404
    for path in ("", "/preview"):
        bare = await client.post(_url(tenant, path), data={"footer_text": "x"})
        wrong = await client.post(_url(tenant, path), data={"csrf_token": "forged",
                                                            "footer_text": "x"})
        assert bare.status_code == wrong.status_code == 403
    assert (await client.get("/v1/bill-config", headers=tenant.admin)).json()["values"] == {}
    assert (await client.get(_url(tenant), params={"location": "nope"})).status_code == 404


async def test_nav_link_and_script_are_served(client, tenant, console_user) -> None:
    await sign_in(client, await console_user(tenant.slug))
    page = await client.get(f"/dashboard/{tenant.slug}/analytics")
    assert f'href="/dashboard/{tenant.slug}/{PAGE}"' in page.text
    script = await client.get("/console-static/active-bill.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert 'getAttribute("data-preview")' in script.text


def test_parse_switches_social_links_and_kept_fields() -> None:
    existing = {"legal_name": "Kept LLP", "footer_text": "old",
                "social_links": {"x": "https://x.com/a"}}
    body, shown, errors = parse({"footer_text": "  ", "show_points": "off", "show_rating": "",
                                 "social_website": "https://chai.example"},
                                outlet=True, existing=existing)
    assert errors == {} and body is not None
    assert body.tier_values() == {"legal_name": "Kept LLP", "show_points": False,
                                  "social_links": {"website": "https://chai.example"}}
    assert shown["footer_text"] == "" and shown["legal_name"] == "Kept LLP"
    body, _, errors = parse({"social_x": "x.com/a", "state_code": "299"}, outlet=False,
                            existing={})
    assert body is None and set(errors) == {"social_x", "state_code"}
