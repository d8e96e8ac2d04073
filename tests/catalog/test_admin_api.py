"""Admin API: CRUD, duplicates, bad input, filters and cursor pagination."""

from tests.catalog.conftest import add_location, latte, product, tax_class


async def test_product_with_variants_round_trips_and_replays(client, tenant) -> None:
    tax = await tax_class(client, tenant)
    created = await latte(client, tenant, tax["id"])
    assert [v["name"] for v in created["variants"]] == ["Small", "Medium", "Large"]
    shown = (await client.get(f"/v1/catalog/products/{created['id']}", headers=tenant.admin)).json()
    assert shown["variants"][1]["sku"] == "LATTE-M" and shown["tax_class_id"] == tax["id"]
    replay = await client.post("/v1/catalog/products", headers=tenant.admin, json={
        "handle": "latte", "title": "Latte", "category": "Coffee", "hsn": "2101",
        "tax_class_id": tax["id"], "option_names": ["Size"], "variants": [
            {"sku": "LATTE-S", "options": ["Small"], "price": 19900},
            {"sku": "LATTE-M", "options": ["Medium"], "price": 24900},
            {"sku": "LATTE-L", "options": ["Large"], "price": 28900}]})
    assert replay.status_code == 200 and replay.json()["id"] == created["id"]
    clash = await client.post("/v1/catalog/products", headers=tenant.admin,
                              json={"handle": "latte", "title": "Other"})
    assert clash.status_code == 409 and created["id"] in clash.json()["error"]["message"]


async def test_duplicate_sku_or_barcode_is_409_naming_the_other_variant(client, tenant) -> None:
    tax = await tax_class(client, tenant)
    first = await latte(client, tenant, tax["id"])
    other = await product(client, tenant, handle="tea", title="Tea", tax_class_id=tax["id"],
                          variants=[{"sku": "TEA", "barcode": "4006381333931", "price": 100}])
    response = await client.post(f"/v1/catalog/products/{other['id']}/variants",
                                 headers=tenant.admin, json={"sku": "LATTE-M", "price": 1})
    body = response.json()["error"]
    assert response.status_code == 409 and body["code"] == "duplicate_sku"
    assert body["details"]["variant_id"] == first["variants"][1]["id"]
    assert first["variants"][1]["id"] in body["message"]
    patch = await client.patch(f"/v1/catalog/variants/{first['variants'][0]['id']}",
                               headers=tenant.admin, json={"barcode": "4006381333931"})
    assert patch.status_code == 409
    assert patch.json()["error"]["details"]["variant_id"] == other["variants"][0]["id"]


async def test_bad_input_gets_a_clear_error_naming_the_field(client, tenant) -> None:
    tax = await tax_class(client, tenant)
    cases = [
        ({"handle": "a", "title": "A", "variants": [{"barcode": "4006381333932", "price": 1}]},
         "variants[0].barcode", "check digit"),
        ({"handle": "b", "title": "B", "variants": [{"price": -5}]}, "variants.0.price", ""),
        ({"handle": "c", "title": "C", "tax_class_id": "tax_nope"}, "tax_class_id", "unknown"),
        ({"handle": "d", "title": "D", "option_names": ["a", "b", "c", "d"]}, "option_names",
         "at most 3"),
        ({"handle": "e", "title": "E", "option_names": ["Size"], "variants": [{"price": 1}]},
         "variants[0].options", "needs 1"),
        ({"handle": "f", "title": "F", "hsn": "abc"}, "hsn", "HSN"),
    ]
    for body, field, words in cases:
        response = await client.post("/v1/catalog/products", headers=tenant.admin, json=body)
        assert response.status_code == 422, (body, response.text)
        error = response.json()["error"]
        assert error["details"][0]["field"] == field, error
        assert words in error["message"]
    var = (await latte(client, tenant, tax["id"]))["variants"][0]
    unknown = await client.put(f"/v1/catalog/variants/{var['id']}/prices/nowhere",
                               headers=tenant.admin, json={"price": 100})
    assert unknown.status_code == 422 and unknown.json()["error"]["details"][0]["field"] == "location"
    rate = await client.post("/v1/catalog/tax-classes", headers=tenant.admin,
                             json={"name": "bad", "rate": "120"})
    assert rate.status_code == 422


async def test_filters_search_and_cursor_pagination(client, tenant) -> None:
    tax = await tax_class(client, tenant)
    await latte(client, tenant, tax["id"])
    for index in range(5):
        await product(client, tenant, handle=f"cake-{index}", title=f"Cake {index}",
                      category="Bakery", active=index % 2 == 0,
                      variants=[{"sku": f"CAKE-{index}", "price": 100 + index}])
    seen, cursor = [], None
    while True:
        params = {"category": "Bakery", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/catalog/products", headers=tenant.admin, params=params)).json()
        seen += [p["handle"] for p in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"cake-{i}" for i in range(5)]
    inactive = (await client.get("/v1/catalog/products", headers=tenant.admin,
                                 params={"active": "false"})).json()["data"]
    assert {p["handle"] for p in inactive} == {"cake-1", "cake-3"}
    by_sku = (await client.get("/v1/catalog/products", headers=tenant.admin,
                               params={"q": "LATTE-M"})).json()["data"]
    assert [p["handle"] for p in by_sku] == ["latte"]
    variants = (await client.get("/v1/catalog/variants", headers=tenant.admin,
                                 params={"q": "cake 3"})).json()["data"]
    assert [v["sku"] for v in variants] == ["CAKE-3"]
    future = (await client.get("/v1/catalog/products", headers=tenant.admin,
                               params={"updated_since": "2999-01-01T00:00:00Z"})).json()
    assert future["data"] == []


async def test_deleting_leaves_a_tombstone_and_frees_the_sku(client, tenant) -> None:
    tax = await tax_class(client, tenant)
    made = await latte(client, tenant, tax["id"])
    variant = made["variants"][0]
    gone = await client.delete(f"/v1/catalog/variants/{variant['id']}", headers=tenant.admin)
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    assert (await client.get(f"/v1/catalog/variants/{variant['id']}",
                             headers=tenant.admin)).status_code == 404
    again = await client.post(f"/v1/catalog/products/{made['id']}/variants", headers=tenant.admin,
                              json={"sku": "LATTE-S", "options": ["Small"], "price": 20900})
    assert again.status_code == 201 and again.json()["id"] != variant["id"]
    in_use = await client.delete(f"/v1/catalog/tax-classes/{tax['id']}", headers=tenant.admin)
    assert in_use.status_code == 409


async def test_price_overrides_and_stock_adjustments(client, tenant) -> None:
    tax = await tax_class(client, tenant)
    loc = await add_location(client, tenant, "blr-1")
    var = (await latte(client, tenant, tax["id"]))["variants"][1]
    put = await client.put(f"/v1/catalog/variants/{var['id']}/prices/blr-1", headers=tenant.admin,
                           json={"price": 22900})
    assert put.status_code == 200 and put.json()["location_id"] == loc["id"]
    listed = (await client.get("/v1/catalog/price-overrides", headers=tenant.admin,
                               params={"location": "blr-1"})).json()["data"]
    assert [(o["variant_id"], o["price"]) for o in listed] == [(var["id"], 22900)]
    body = {"adjustment_id": "count-1", "sku": "LATTE-M", "location": "blr-1", "set_to": "10"}
    first = await client.post("/v1/catalog/stock/adjustments", headers=tenant.admin, json=body)
    replay = await client.post("/v1/catalog/stock/adjustments", headers=tenant.admin, json=body)
    assert first.status_code == 201 and replay.status_code == 200
    assert replay.json()["replayed"] is True and replay.json()["quantity"] == "10"
    delta = await client.post("/v1/catalog/stock/adjustments", headers=tenant.admin, json={
        "adjustment_id": "waste-1", "variant_id": var["id"], "location": loc["id"], "delta": "-2.5"})
    assert delta.json()["quantity"] == "7.5"
    both = await client.post("/v1/catalog/stock/adjustments", headers=tenant.admin, json={
        "adjustment_id": "x", "sku": "LATTE-M", "location": "blr-1", "delta": "1", "set_to": "2"})
    assert both.status_code == 422
