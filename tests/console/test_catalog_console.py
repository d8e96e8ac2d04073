"""Catalog management in the console: new product (options → grid), add a variant, archive and
unarchive (the till's delta drops it), tax classes, stock adjustments, CSV export, the larger
upload limit, another system's export through the upload; every write in the audit log; roles."""

from __future__ import annotations

from sqlalchemy import select

from activereach.audit.models import AuditEntry
from tests.catalog.conftest import latte, paired_till, tax_class
from tests.conftest import add_location
from tests.console.conftest import csrf_of, sign_in


async def _actions(db, ws_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return list((await session.scalars(select(AuditEntry.action).where(
            AuditEntry.workspace_id == ws_id).order_by(AuditEntry.at))).all())


async def test_new_product_two_options_grid_then_archive(client, tenant, console_user,
                                                          db) -> None:
    tax = await tax_class(client, tenant)
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    base = f"/dashboard/{tenant.slug}/catalog"
    step1 = {"csrf_token": token, "title": "Flat White", "category": "Coffee",
             "tax_class_id": tax["id"], "opt1_name": "Size", "opt1_values": "Small, Large",
             "opt2_name": "Milk", "opt2_values": "Dairy, Oat", "step": "grid"}
    empty = await client.post(f"{base}/new", data={"csrf_token": token, "step": "grid",
                                                   "opt1_values": "S"})
    assert empty.status_code == 422
    assert "Enter a name" in empty.text and "Name this option" in empty.text
    assert "String should" not in empty.text
    grid = await client.post(f"{base}/new", data=step1)
    assert grid.status_code == 200
    assert 'value="FLAT-WHITE-SMALL-DAIRY"' in grid.text and 'value="FLAT-WHITE-LARGE-OAT"' in grid.text
    rows = {f"sku-{i}": sku for i, sku in enumerate(
        ["FW-S-D", "FW-S-O", "FW-L-D", "FW-L-O"])}
    prices = {f"price-{i}": p for i, p in enumerate(["180", "200.50", "220", "240"])}
    bad = await client.post(f"{base}/new", data={**step1, **rows, **prices, "step": "create",
                                                 "price-1": "", "barcode-2": "4006381333932"})
    assert bad.status_code == 422
    assert "Enter a price such as 249.00" in bad.text and "check digit" in bad.text
    made = await client.post(f"{base}/new", data={**step1, **rows, **prices, "step": "create",
                                                  "barcode-2": "4006381333931"})
    assert made.status_code == 303, made.text
    product_id = made.headers["location"].rsplit("/", 1)[-1]
    doc = (await client.get(f"/v1/catalog/products/{product_id}", headers=tenant.admin)).json()
    assert doc["option_names"] == ["Size", "Milk"] and doc["tax_class_id"] == tax["id"]
    assert [(v["sku"], v["options"], v["price"]) for v in doc["variants"]] == [
        ("FW-S-D", ["Small", "Dairy"], 18000), ("FW-S-O", ["Small", "Oat"], 20050),
        ("FW-L-D", ["Large", "Dairy"], 22000), ("FW-L-O", ["Large", "Oat"], 24000)]
    page = await client.get(f"{base}/products/{product_id}")
    assert "₹200.50" in page.text or 'value="200.50"' in page.text

    confirm = await client.get(f"{base}/products/{product_id}/archive")
    assert confirm.status_code == 200 and "Archive product" in confirm.text
    done = await client.post(f"{base}/products/{product_id}/archive",
                             data={"csrf_token": token})
    assert done.status_code == 303
    doc = (await client.get(f"/v1/catalog/products/{product_id}", headers=tenant.admin)).json()
    assert doc["active"] is False
    listing = await client.get(base)
    assert 'data-product="flat-white"' not in listing.text
    archived = await client.get(base, params={"status": "archived"})
    assert 'data-product="flat-white"' in archived.text
    assert {"catalog.product.create", "catalog.product.archive"} <= set(
        await _actions(db, tenant.id))


async def test_archive_reaches_the_till_and_unarchive_brings_it_back(client, tenant,
                                                                     console_user) -> None:
    tax = await tax_class(client, tenant)
    made = await latte(client, tenant, tax["id"])
    loc = await add_location(client, tenant, "blr-1")
    till = await paired_till(client, tenant, loc)
    head = (await client.get("/v1/catalog/changes?cursor=0", headers=till)).json()["cursor"]
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/catalog"
    medium = made["variants"][1]["id"]
    assert (await client.get(f"{base}/variants/{medium}/archive")).status_code == 200
    await client.post(f"{base}/variants/{medium}/archive", data={"csrf_token": token})
    delta = (await client.get(f"/v1/catalog/changes?cursor={head}", headers=till)).json()
    assert [(c["id"], c["deleted"]) for c in delta["changes"]] == [(medium, True)]
    await client.post(f"{base}/products/{made['id']}/archive", data={"csrf_token": token})
    delta = (await client.get(f"/v1/catalog/changes?cursor={delta['cursor']}",
                              headers=till)).json()
    assert all(c["deleted"] for c in delta["changes"]) and len(delta["changes"]) == 4
    await client.post(f"{base}/products/{made['id']}/unarchive", data={"csrf_token": token})
    delta = (await client.get(f"/v1/catalog/changes?cursor={delta['cursor']}",
                              headers=till)).json()
    live = {c["id"] for c in delta["changes"] if not c["deleted"]}
    assert made["id"] in live and made["variants"][0]["id"] in live and medium not in live


async def test_add_variant(client, tenant, console_user) -> None:
    tax = await tax_class(client, tenant)
    made = await latte(client, tenant, tax["id"])
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/catalog/products/{made['id']}/variants/new"
    assert (await client.get(url)).status_code == 200
    bad = await client.post(url, data={"csrf_token": token, "opt-0": "Small", "price": ""})
    assert bad.status_code == 422 and "Enter a price" in bad.text
    clash = await client.post(url, data={"csrf_token": token, "opt-0": "Small", "price": "1"})
    assert clash.status_code == 422 and "repeats" in clash.text
    ok = await client.post(url, data={"csrf_token": token, "opt-0": "Venti", "price": "329"})
    assert ok.status_code == 303
    doc = (await client.get(f"/v1/catalog/products/{made['id']}", headers=tenant.admin)).json()
    assert doc["variants"][-1]["sku"] == "LATTE-VENTI" and doc["variants"][-1]["price"] == 32900


async def test_tax_classes_edit_and_retire(client, tenant, console_user, db) -> None:
    used = await tax_class(client, tenant, "GST 5", "5")
    await latte(client, tenant, used["id"])
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/catalog/tax-classes"
    listing = await client.get(base)
    assert "GST 5" in listing.text and "1 product" in listing.text
    bad = await client.post(base, data={"csrf_token": token, "name": "", "rate": "abc",
                                        "hsn": "12x"})
    assert bad.status_code == 422 and "Enter a name" in bad.text
    assert "as a number" in bad.text and "2 to 8 digits" in bad.text
    made = await client.post(base, data={"csrf_token": token, "name": "GST 18", "rate": "18",
                                         "inclusive": "no", "hsn": "9963"})
    assert made.status_code == 303
    classes = (await client.get("/v1/catalog/tax-classes", headers=tenant.admin)).json()["data"]
    new = next(c for c in classes if c["name"] == "GST 18")
    assert new["inclusive"] is False and new["hsn"] == "9963"
    taken = await client.post(f"{base}/{new['id']}", data={"csrf_token": token, "name": "GST 5",
                                                           "rate": "18"})
    assert taken.status_code == 422 and "already has this name" in taken.text
    saved = await client.post(f"{base}/{new['id']}", data={"csrf_token": token,
                                                           "name": "GST 12", "rate": "12",
                                                           "inclusive": "yes", "hsn": ""})
    assert saved.status_code == 303
    shown = (await client.get(f"/v1/catalog/tax-classes/{new['id']}", headers=tenant.admin)).json()
    assert (shown["name"], shown["rate"], shown["inclusive"]) == ("GST 12", "12", True)
    page = await client.get(f"{base}/{used['id']}")
    assert "cannot be retired while products use it" in page.text
    assert (await client.get(f"{base}/{new['id']}/retire")).status_code == 200
    gone = await client.post(f"{base}/{new['id']}/retire", data={"csrf_token": token})
    assert gone.status_code == 303
    assert (await client.get(f"/v1/catalog/tax-classes/{new['id']}", headers=tenant.admin)
            ).status_code == 404
    refused = await client.post(f"{base}/{used['id']}/retire", data={"csrf_token": token})
    assert refused.status_code == 409 and "in use" in refused.text
    actions = await _actions(db, tenant.id)
    assert {"catalog.tax_class.create", "catalog.tax_class.update",
            "catalog.tax_class.retire"} <= set(actions)


async def test_stock_adjustments_and_history(client, tenant, console_user, db) -> None:
    tax = await tax_class(client, tenant)
    made = await latte(client, tenant, tax["id"])
    loc = await add_location(client, tenant, "blr-1", )
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/catalog/products/{made['id']}/stock"
    everywhere = await client.get(url)
    assert "choose one in the strip above" in everywhere.text
    page = await client.get(url, params={"location": loc["id"]})
    key = page.text.split('name="key" value="', 1)[1].split('"', 1)[0]
    small = made["variants"][0]["id"]
    form = {"csrf_token": csrf_of(page.text), "key": key, "variant_id": small,
            "kind": "receive", "quantity": "24", "reason": "Delivery"}
    bad = await client.post(f"{url}?location={loc['id']}", data={**form, "quantity": "-1",
                                                                  "reason": ""})
    assert bad.status_code == 422 and "Say why" in bad.text and "0 or more" in bad.text
    assert (await client.post(f"{url}?location={loc['id']}", data=form)).status_code == 303
    again = await client.post(f"{url}?location={loc['id']}", data=form)  # double submit
    assert again.status_code == 303
    page = await client.get(url, params={"location": loc["id"]})
    form["key"] = page.text.split('name="key" value="', 1)[1].split('"', 1)[0]
    await client.post(f"{url}?location={loc['id']}", data={**form, "kind": "writeoff",
                                                            "quantity": "2", "reason": "Spilt"})
    page = await client.get(url, params={"location": loc["id"]})
    form["key"] = page.text.split('name="key" value="', 1)[1].split('"', 1)[0]
    await client.post(f"{url}?location={loc['id']}", data={**form, "kind": "count",
                                                            "quantity": "20", "reason": "Count"})
    stock = (await client.get("/v1/catalog/stock?location=blr-1", headers=tenant.admin)).json()
    assert [(s["variant_id"], s["quantity"]) for s in stock["data"]] == [(small, "20")]
    page = await client.get(url, params={"location": loc["id"]})
    assert "Written off: Spilt" in page.text and "+24" in page.text and "-2" in page.text
    assert (await _actions(db, tenant.id)).count("catalog.stock.adjust") == 3


async def test_export_round_trips_and_roles(client, tenant, console_user) -> None:
    tax = await tax_class(client, tenant)
    await latte(client, tenant, tax["id"])
    await sign_in(client, await console_user(tenant.slug, "analyst"))
    base = f"/dashboard/{tenant.slug}/catalog"
    exported = await client.get(f"{base}/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    api = await client.get("/v1/catalog/export", headers=tenant.admin)
    assert exported.text == api.text and "LATTE-M" in exported.text
    listing = await client.get(base)
    assert "Export CSV" in listing.text and "New product" not in listing.text
    assert (await client.get(f"{base}/new")).status_code == 403


async def test_upload_over_the_api_limit_but_within_the_console_limit(client, tenant,
                                                                      console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    rows = "".join(f"p{i},Product {i},,,P-{i},,{i % 500}.00\n" for i in range(40_000))
    content = ("handle,title,option1 name,option1 value,sku,barcode,price\n" + rows).encode()
    assert len(content) > 1_048_576
    posted = await client.post(f"/dashboard/{tenant.slug}/catalog/imports",
                               data={"csrf_token": token},
                               files={"file": ("big.csv", content, "text/csv")})
    assert posted.status_code == 303, posted.text[:500]
    api = await client.post("/v1/catalog/imports", headers=tenant.admin,
                            files={"file": ("big.csv", content, "text/csv")})
    assert api.status_code == 413


async def test_upload_over_the_console_limit_says_so(client, tenant, console_user,
                                                     settings) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    limit = settings.catalog_upload_max_bytes
    content = b"handle,price\n" + b"x" * (limit + 10)
    posted = await client.post(f"/dashboard/{tenant.slug}/catalog/imports",
                               data={"csrf_token": token},
                               files={"file": ("huge.csv", content, "text/csv")})
    assert posted.status_code == 413 and "the console takes files up to 20.0 MiB" in posted.text
    assert "<html" in posted.text.lower()


async def test_console_imports_a_square_export_reporting_its_own_columns(
        client, tenant, console_user, drain) -> None:
    """Another system's export as it is, through the console's upload: the format's line on the
    page, the products in, and a bad GTIN reported at its line under Square's column name."""
    from tests.catalog.test_csv_formats import _with_cell
    await tax_class(client, tenant, "GST 5", "5")
    await add_location(client, tenant, "blr-1", name="Indiranagar")
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    base = f"/dashboard/{tenant.slug}/catalog"
    listing = await client.get(base)
    assert 'id="import-formats"' in listing.text and "Loyverse items export" in listing.text
    content = _with_cell("square", 4, "GTIN", "8901234560050")
    posted = await client.post(f"{base}/imports", data={"csrf_token": token},
                               files={"file": ("catalog-2026-12-07.csv", content, "text/csv")})
    assert posted.status_code == 303, posted.text
    await drain(tenant.id)
    report = (await client.get(posted.headers["location"])).text
    assert 'data-testid="import-status">done<' in report
    assert 'data-testid="products-created">3<' in report
    assert '<td class="num">4</td><td><code>GTIN</code></td>' in report, report
    products = (await client.get("/v1/catalog/products?q=Cold", headers=tenant.admin)).json()
    assert [p["option_names"] for p in products["data"]] == [["Variation"]]
