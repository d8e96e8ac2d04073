"""Bill config API: brand tier, outlet overrides, field-by-field resolution, preview."""

from __future__ import annotations

from tests.conftest import add_location
from tests.support import ago, fy_short


async def test_brand_then_outlet_then_clear(client, tenant) -> None:
    loc = await add_location(client, tenant, "blr-9")
    empty = await client.get("/v1/bill-config", headers=tenant.admin)
    assert empty.status_code == 200 and empty.json()["values"] == {}
    brand = await client.put("/v1/bill-config", headers=tenant.admin, json={
        "brand_name": "Chai Co", "primary_color": "#0F766E", "footer_text": "Thanks!",
        "show_points": True})
    assert brand.status_code == 200, brand.text
    assert brand.json()["values"]["primary_color"] == "#0f766e"
    outlet = await client.put(f"/v1/bill-config/outlets/{loc['id']}", headers=tenant.admin,
                              json={"footer_text": "Indiranagar says hi", "show_points": False})
    assert outlet.status_code == 200 and outlet.json()["location_id"] == loc["id"]
    # the outlet can be named by its code too
    by_code = await client.get("/v1/bill-config/outlets/blr-9", headers=tenant.admin)
    assert by_code.json()["values"] == {"footer_text": "Indiranagar says hi", "show_points": False}

    resolved = (await client.get("/v1/bill-config/resolved", headers=tenant.admin,
                                 params={"location": "blr-9"})).json()
    assert resolved["values"]["brand_name"] == "Chai Co"
    assert resolved["values"]["footer_text"] == "Indiranagar says hi"
    assert resolved["values"]["show_points"] is False
    assert resolved["origins"]["footer_text"] == "outlet"
    assert resolved["origins"]["brand_name"] == "brand"

    cleared = await client.put("/v1/bill-config/outlets/blr-9", headers=tenant.admin,
                               json={"footer_text": "", "show_points": None})
    assert cleared.json()["values"] == {}
    resolved = (await client.get("/v1/bill-config/resolved", headers=tenant.admin,
                                 params={"location": "blr-9"})).json()
    assert resolved["values"]["footer_text"] == "Thanks!" and resolved["values"]["show_points"] is True

    await client.put("/v1/bill-config/outlets/blr-9", headers=tenant.admin, json={"brand_name": "X"})
    deleted = await client.delete("/v1/bill-config/outlets/blr-9", headers=tenant.admin)
    assert deleted.status_code == 204
    again = await client.delete("/v1/bill-config/outlets/blr-9", headers=tenant.admin)
    assert again.status_code == 204
    brand_only = (await client.get("/v1/bill-config/resolved", headers=tenant.admin)).json()
    assert brand_only["location_id"] is None and brand_only["values"]["brand_name"] == "Chai Co"


async def test_put_is_idempotent(client, tenant) -> None:
    body = {"brand_name": "Chai Co", "social_links": {"instagram": "https://instagram.com/c"}}
    first = (await client.put("/v1/bill-config", headers=tenant.admin, json=body)).json()
    second = (await client.put("/v1/bill-config", headers=tenant.admin, json=body)).json()
    assert first["values"] == second["values"] == body


async def test_bad_fields_are_named(client, tenant) -> None:
    cases = [({"primary_color": "red"}, "primary_color"), ({"logo_url": "javascript:x"}, "logo_url"),
             ({"invoice_prefix": "TOOLONG"}, "invoice_prefix"),
             ({"social_links": {"myspace": "https://m.com"}}, "social_links"),
             ({"gstin": "123"}, "gstin"), ({"nope": 1}, "nope")]
    for body, field in cases:
        response = await client.put("/v1/bill-config", headers=tenant.admin, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["details"][0]["field"] == field


async def test_unknown_outlet_and_auth(client, tenant, make_tenant) -> None:
    missing = await client.get("/v1/bill-config/outlets/nowhere", headers=tenant.admin)
    assert missing.status_code == 404
    assert (await client.get("/v1/bill-config")).status_code == 401
    other = await make_tenant()
    loc = await add_location(client, tenant, "mine-1")
    theirs = await client.put(f"/v1/bill-config/outlets/{loc['id']}", headers=other.admin,
                              json={"brand_name": "Hijack"})
    assert theirs.status_code == 404


async def test_preview_renders_a_sample_bill_with_the_resolved_config(client, tenant) -> None:
    await add_location(client, tenant, "prev-1")
    await client.put("/v1/bill-config", headers=tenant.admin,
                     json={"brand_name": "Chai Co", "footer_text": "Brand footer"})
    await client.put("/v1/bill-config/outlets/prev-1", headers=tenant.admin,
                     json={"footer_text": "Outlet footer", "invoice_prefix": "PV"})
    brand = await client.get("/v1/bill-preview", headers=tenant.admin)
    assert brand.status_code == 200 and brand.headers["content-type"].startswith("text/html")
    assert "Chai Co" in brand.text and "Brand footer" in brand.text and "<svg" in brand.text
    assert f"WEB/{fy_short(ago())}/000123" in brand.text
    outlet = await client.get("/v1/bill-preview", headers=tenant.admin, params={"location": "prev-1"})
    assert "Outlet footer" in outlet.text and f"PV/{fy_short(ago())}/000123" in outlet.text
    assert "Outlet prev-1" in outlet.text and "Masala Chai" in outlet.text
