"""The catalog in the ingest path: lines filled from the catalog, stock moved by sale and refund."""

from tests.catalog.conftest import add_location, latte, tax_class
from tests.conftest import order_body


async def _setup(client, tenant):  # type: ignore[no-untyped-def]
    tax = await tax_class(client, tenant, rate="5")
    loc = await add_location(client, tenant, "blr-1")
    made = await latte(client, tenant, tax["id"])
    medium = made["variants"][1]
    await client.put(f"/v1/catalog/variants/{medium['id']}/prices/blr-1", headers=tenant.admin,
                     json={"price": 22900})
    await client.post("/v1/catalog/stock/adjustments", headers=tenant.admin, json={
        "adjustment_id": "open", "sku": "LATTE-M", "location": "blr-1", "set_to": "3"})
    return loc, made, medium


async def _stock(client, tenant, variant_id):  # type: ignore[no-untyped-def]
    rows = (await client.get("/v1/catalog/stock", headers=tenant.admin,
                             params={"variant_id": variant_id})).json()["data"]
    return rows[0]["quantity"]


async def test_sku_only_line_is_filled_at_the_outlet_price_and_moves_stock(client, tenant) -> None:
    loc, made, medium = await _setup(client, tenant)
    body = order_body(location="blr-1", lines=[{"sku": "LATTE-M", "quantity": "2"}],
                      payments=[{"method": "cash", "amount": 45800}])
    response = await client.post("/v1/orders", headers=tenant.admin, json=body)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["totals"]["total"] == 45800  # 2 × the outlet's 229.00, tax inclusive
    assert result["catalog"] == {"matched_lines": 1, "negative_stock": []}
    order = (await client.get(f"/v1/orders/{result['order_id']}", headers=tenant.admin)).json()
    line = order["lines"][0]
    assert (line["name"], line["variant"], line["unit_price"]) == ("Latte", "Medium", 22900)
    assert line["hsn"] == "2101" and float(line["tax_rate"]) == 5.0
    assert await _stock(client, tenant, medium["id"]) == "1"
    replay = await client.post("/v1/orders", headers=tenant.admin, json=body)
    assert replay.json()["replayed"] is True
    assert await _stock(client, tenant, medium["id"]) == "1"

    refund = await client.post(f"/v1/orders/{result['order_id']}/refunds", headers=tenant.admin,
                               json={"refund_id": "R1", "lines": [{"line_no": 1, "quantity": "1"}]})
    assert refund.status_code == 201, refund.text
    assert await _stock(client, tenant, medium["id"]) == "2"
    await client.post(f"/v1/orders/{result['order_id']}/refunds", headers=tenant.admin,
                      json={"refund_id": "R1", "lines": [{"line_no": 1, "quantity": "1"}]})
    assert await _stock(client, tenant, medium["id"]) == "2"


async def test_own_price_custom_items_and_unknown_sku(client, tenant) -> None:
    await _setup(client, tenant)
    own = order_body(location="blr-1", lines=[
        {"sku": "LATTE-M", "quantity": "1", "unit_price": 20000},
        {"sku": "NOT-IN-CATALOG", "name": "Gift wrap", "quantity": "1", "unit_price": 5000}],
        payments=[{"method": "card", "amount": 25000}])
    response = await client.post("/v1/orders", headers=tenant.admin, json=own)
    assert response.status_code == 201, response.text
    order = (await client.get(f"/v1/orders/{response.json()['order_id']}",
                              headers=tenant.admin)).json()
    assert [line["unit_price"] for line in order["lines"]] == [20000, 5000]
    assert order["lines"][0]["name"] == "Latte" and order["lines"][1]["name"] == "Gift wrap"
    unknown = order_body(location="blr-1", lines=[{"sku": "NOPE", "quantity": "1"}], payments=[])
    bad = await client.post("/v1/orders", headers=tenant.admin, json=unknown)
    assert bad.status_code == 422 and "unit_price" in bad.json()["error"]["message"]


async def test_negative_stock_is_allowed_reported_and_listable(client, tenant) -> None:
    _, made, medium = await _setup(client, tenant)
    body = order_body(location="blr-1", lines=[{"sku": "LATTE-M", "quantity": "5"}], payments=[])
    result = (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()
    assert result["catalog"]["negative_stock"] == [
        {"variant_id": medium["id"], "location_id": result["location_id"], "quantity": "-2"}]
    negative = (await client.get("/v1/catalog/stock", headers=tenant.admin,
                                 params={"negative": "true", "location": "blr-1"})).json()["data"]
    assert [(row["sku"], row["quantity"]) for row in negative] == [("LATTE-M", "-2")]


async def test_barcode_as_sku_and_untracked_stock(client, tenant) -> None:
    tax = await tax_class(client, tenant, rate="18")
    await add_location(client, tenant, "blr-1")
    mug = (await client.post("/v1/catalog/products", headers=tenant.admin, json={
        "handle": "mug", "title": "Mug", "tax_class_id": tax["id"],
        "variants": [{"sku": "MUG", "barcode": "4006381333931", "price": 49900}]})).json()
    body = order_body(location="blr-1", lines=[{"sku": "4006381333931", "quantity": "1"}],
                      payments=[{"method": "upi", "amount": 49900}])
    result = await client.post("/v1/orders", headers=tenant.admin, json=body)
    assert result.status_code == 201, result.text
    order = (await client.get(f"/v1/orders/{result.json()['order_id']}",
                              headers=tenant.admin)).json()
    assert order["lines"][0]["sku"] == "MUG" and order["lines"][0]["tax"] == 7612
    stock = (await client.get("/v1/catalog/stock", headers=tenant.admin,
                              params={"variant_id": mug["variants"][0]["id"]})).json()["data"]
    assert stock == []  # not tracked: a sale does not start tracking
