"""The till feed: snapshot (compressed, ETag, scoped to the till's outlet) and the delta feed."""

import datetime as dt

from activereach.catalog import changes
from activereach.kit.db import unit_of_work
from tests.catalog.conftest import (
    add_location,
    apply_changes,
    decode,
    latte,
    paired_till,
    state,
    tax_class,
    variants,
)


async def _catalog(client, tenant):  # type: ignore[no-untyped-def]
    tax = await tax_class(client, tenant)
    blr = await add_location(client, tenant, "blr-1")
    mum = await add_location(client, tenant, "mum-1")
    made = await latte(client, tenant, tax["id"])
    await client.put(f"/v1/catalog/variants/{made['variants'][1]['id']}/prices/blr-1",
                     headers=tenant.admin, json={"price": 22900})
    return tax, blr, mum, made


async def test_snapshot_is_compact_compressed_and_has_an_etag(client, tenant) -> None:
    tax, blr, mum, made = await _catalog(client, tenant)
    response = await client.get("/v1/catalog/snapshot", headers={**tenant.admin,
                                "Accept-Encoding": "gzip"}, params={"location": "blr-1"})
    assert response.status_code == 200, response.text
    assert response.headers["content-encoding"] == "gzip"
    snap = decode(response)
    assert snap["location"]["id"] == blr["id"] and snap["cursor"] == response.headers["x-catalog-cursor"]
    assert [p["title"] for p in snap["products"]] == ["Latte"]
    assert "title" not in snap["variant_fields"]  # product fields only once
    assert isinstance(snap["variants"][0], list)  # rows, field names given once
    prices = {v["sku"]: v["price"] for v in variants(snap)}
    assert prices == {"LATTE-S": 19900, "LATTE-M": 22900, "LATTE-L": 28900}
    assert snap["tax_classes"][0]["rate"] == "5"
    mumbai = decode(await client.get("/v1/catalog/snapshot", headers=tenant.admin,
                                     params={"location": "mum-1"}))
    assert {v["sku"]: v["price"] for v in variants(mumbai)}["LATTE-M"] == 24900
    again = await client.get("/v1/catalog/snapshot", params={"location": "blr-1"}, headers={
        **tenant.admin, "Accept-Encoding": "gzip", "If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    brotli = await client.get("/v1/catalog/snapshot", params={"location": "blr-1"},
                              headers={**tenant.admin, "Accept-Encoding": "br"})
    assert brotli.headers["content-encoding"] == "br" and decode(brotli) == snap


async def test_device_token_is_scoped_to_its_outlet(client, tenant) -> None:
    _, blr, mum, _ = await _catalog(client, tenant)
    till = await paired_till(client, tenant, blr)
    own = await client.get("/v1/catalog/snapshot", headers=till)
    assert own.status_code == 200 and decode(own)["location"]["id"] == blr["id"]
    named = await client.get("/v1/catalog/snapshot", headers=till, params={"location": "blr-1"})
    assert named.status_code == 200
    other = await client.get("/v1/catalog/snapshot", headers=till, params={"location": "mum-1"})
    assert other.status_code == 403
    other_changes = await client.get("/v1/catalog/changes", headers=till,
                                     params={"cursor": "0", "location": mum["id"]})
    assert other_changes.status_code == 403
    assert (await client.get("/v1/catalog/changes", headers=till,
                             params={"cursor": "0"})).status_code == 200
    admin_without = await client.get("/v1/catalog/snapshot", headers=tenant.admin)
    assert admin_without.status_code == 422
    unknown = await client.get("/v1/catalog/snapshot", headers=tenant.admin,
                               params={"location": "nowhere"})
    assert unknown.status_code == 422
    assert (await client.get("/v1/catalog/products", headers=till)).status_code in (401, 403)


async def test_changes_report_updates_and_tombstones_and_page(client, tenant) -> None:
    _, blr, _, made = await _catalog(client, tenant)
    snap = decode(await client.get("/v1/catalog/snapshot", headers=tenant.admin,
                                   params={"location": "blr-1"}))
    small, medium, large = made["variants"]
    await client.patch(f"/v1/catalog/variants/{small['id']}", headers=tenant.admin,
                       json={"price": 18900})
    await client.patch(f"/v1/catalog/variants/{large['id']}", headers=tenant.admin,
                       json={"active": False})
    await client.delete(f"/v1/catalog/variants/{medium['id']}", headers=tenant.admin)
    await client.put(f"/v1/catalog/variants/{small['id']}/prices/mum-1", headers=tenant.admin,
                     json={"price": 1})  # another outlet: not in blr's feed
    current, cursor, pages = state(snap), snap["cursor"], 0
    while True:
        page = (await client.get("/v1/catalog/changes", headers=tenant.admin,
                                 params={"cursor": cursor, "location": "blr-1", "limit": 1})).json()
        apply_changes(current, page)
        cursor, pages = page["cursor"], pages + 1
        if not page["has_more"]:
            break
    assert pages == 3
    assert set(current["variants"]) == {small["id"]}
    assert current["variants"][small["id"]]["price"] == 18900
    fresh = decode(await client.get("/v1/catalog/snapshot", headers=tenant.admin,
                                    params={"location": "blr-1"}))
    assert current == state(fresh) and cursor == fresh["cursor"]


async def test_cursor_older_than_retention_is_410_and_bad_cursor_is_422(client, tenant, db) -> None:
    await _catalog(client, tenant)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    await unit_of_work(db, lambda s: changes.prune(s, tenant.id, older_than=future))
    gone = await client.get("/v1/catalog/changes", headers=tenant.admin,
                            params={"cursor": "1", "location": "blr-1"})
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "cursor_expired"
    snap = decode(await client.get("/v1/catalog/snapshot", headers=tenant.admin,
                                   params={"location": "blr-1"}))
    fine = await client.get("/v1/catalog/changes", headers=tenant.admin,
                            params={"cursor": snap["cursor"], "location": "blr-1"})
    assert fine.status_code == 200 and fine.json()["changes"] == []
    for bad in ("abc", "99999999"):
        response = await client.get("/v1/catalog/changes", headers=tenant.admin,
                                    params={"cursor": bad, "location": "blr-1"})
        assert response.status_code == 422
