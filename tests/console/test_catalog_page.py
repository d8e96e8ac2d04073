"""Console catalog page: search and pages, product edit (brand and outlet tier), CSV import with
progress and the row report, roles, workspace isolation and CSRF."""

from __future__ import annotations

import re

from tests.catalog.conftest import latte, product, tax_class
from tests.conftest import add_location
from tests.console.conftest import sign_in

CSV = ("handle,title,option1 name,option1 value,sku,barcode,price,tax rate,category,stock:blr-1\n"
       "mocha,Mocha,Size,Small,MOCHA-S,,219.00,5,Coffee,10\n"
       "mocha,Mocha,Size,Large,MOCHA-L,,259.00,5,Coffee,\n"
       "scone,Scone,,,SCONE,4006381333932,99.00,5,Bakery,\n"
       "muffin,Muffin,,,MUFFIN,,-5,5,Bakery,\n")


async def _import(client, base: str, token: str, content: str,  # type: ignore[no-untyped-def]
                  drain, ws_id: str):
    posted = await client.post(f"{base}/catalog/imports", data={"csrf_token": token},
                               files={"file": ("menu.csv", content.encode(), "text/csv")})
    assert posted.status_code == 303, posted.text
    url = posted.headers["location"]
    running = await client.get(url)
    assert running.status_code == 200
    assert "0 / 4 rows" in running.text and 'http-equiv="refresh"' in running.text
    await drain(ws_id)
    return await client.get(url)


async def test_csv_import_shows_progress_then_row_report(client, tenant, console_user,
                                                          drain) -> None:
    await tax_class(client, tenant, "GST 5", "5")
    await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    base = f"/dashboard/{tenant.slug}"
    report = await _import(client, base, token, CSV, drain, tenant.id)
    text = report.text
    assert 'data-testid="import-status">done<' in text and "4 / 4 rows" in text
    assert 'http-equiv="refresh"' not in text
    assert 'data-testid="products-created">1<' in text  # mocha; scone's barcode is bad
    assert 'data-testid="variants-created">2<' in text
    assert 'data-testid="products-failed">2<' in text
    assert re.search(r"<td class=\"num\">4</td><td><code>barcode</code></td><td>[^<]*check digit",
                     text), text
    assert re.search(r"<td class=\"num\">5</td><td><code>price</code></td>", text)
    again = await _import(client, base, token, CSV, drain, tenant.id)
    assert 'data-testid="products-unchanged">1<' in again.text
    assert 'data-testid="variants-unchanged">2<' in again.text
    listing = await client.get(f"{base}/catalog")
    assert "Mocha" in listing.text and "menu.csv" in listing.text


async def test_import_rejects_a_bad_file_naming_the_column(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/catalog/imports"
    bad = await client.post(url, data={"csrf_token": token},
                            files={"file": ("x.csv", b"handle,title\nx,X\n", "text/csv")})
    assert bad.status_code == 422 and "column price" in bad.text
    empty = await client.post(url, data={"csrf_token": token},
                              files={"file": ("x.csv", b"", "text/csv")})
    assert empty.status_code == 422 and "file: choose a CSV" in empty.text


async def test_search_pagination_and_outlet_chip(client, tenant, console_user) -> None:
    tax = await tax_class(client, tenant)
    made = await latte(client, tenant, tax["id"])
    await product(client, tenant, handle="scone", title="Scone", variants=[
        {"sku": "SCONE", "barcode": "4006381333931", "price": 9900}])
    loc = await add_location(client, tenant, "blr-1")
    medium = made["variants"][1]["id"]
    await client.put(f"/v1/catalog/variants/{medium}/prices/blr-1", headers=tenant.admin,
                     json={"price": 22900})
    await sign_in(client, await console_user(tenant.slug, "analyst"))
    base = f"/dashboard/{tenant.slug}/catalog"
    for q in ("latt", "LATTE-M", "4006381333931"):
        found = await client.get(base, params={"q": q})
        expected = "Scone" if q.startswith("4006") else "Latte"
        other = "Latte" if expected == "Scone" else "Scone"
        assert expected in found.text and f">{other}</a>" not in found.text, q
    paged = await client.get(base, params={"cursor": made["id"]})
    assert "Scone" in paged.text and ">Latte</a>" not in paged.text
    scoped = await client.get(base, params={"location": loc["id"]})
    assert "229.00 <span class=\"badge offline\">override</span>" in scoped.text
    assert "Import a CSV" not in scoped.text  # analyst: no write forms


async def test_edit_product_brand_and_outlet_tier(client, tenant, console_user) -> None:
    tax = await tax_class(client, tenant)
    made = await latte(client, tenant, tax["id"])
    loc = await add_location(client, tenant, "blr-1")
    small, medium, large = (v["id"] for v in made["variants"])
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/catalog/products/{made['id']}"
    form = {"csrf_token": token, "title": "Caffe Latte", "category": "Coffee",
            f"price-{small}": "199.00", f"price-{medium}": "259.00", f"price-{large}": "289.00",
            f"barcode-{small}": "", f"barcode-{medium}": "4006381333931",
            f"barcode-{large}": ""}
    bad = await client.post(url, data={**form, f"price-{large}": "abc"})
    assert bad.status_code == 422 and "Price of LATTE-L: price must be a number" in bad.text
    bad = await client.post(url, data={**form, f"barcode-{small}": "4006381333932"})
    assert bad.status_code == 422 and "Barcode of LATTE-S:" in bad.text
    assert "check digit" in bad.text
    saved = await client.post(url, data=form)
    assert saved.status_code == 303
    shown = (await client.get(f"/v1/catalog/products/{made['id']}", headers=tenant.admin)).json()
    assert shown["title"] == "Caffe Latte"
    by_sku = {v["sku"]: v for v in shown["variants"]}
    assert by_sku["LATTE-M"]["price"] == 25900 and by_sku["LATTE-M"]["barcode"] == "4006381333931"
    # The edit form never switches a variant off: archiving has its own confirmation page.
    assert by_sku["LATTE-L"]["active"] is True
    outlet = await client.post(f"{url}?location={loc['id']}", data={
        "csrf_token": token, f"price-{medium}": "239.50", f"price-{small}": ""})
    assert outlet.status_code == 303 and loc["id"] in outlet.headers["location"]
    overrides = (await client.get("/v1/catalog/price-overrides?location=blr-1",
                                  headers=tenant.admin)).json()["data"]
    assert [(o["variant_id"], o["price"]) for o in overrides] == [(medium, 23950)]
    page = await client.get(f"{url}?location={loc['id']}")
    assert 'value="239.50"' in page.text


async def test_analyst_forbidden_other_workspace_404_and_csrf(client, make_tenant,
                                                              console_user) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    tax = await tax_class(client, tenant)
    made = await latte(client, tenant, tax["id"])
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    url = f"/dashboard/{tenant.slug}/catalog/products/{made['id']}"
    page = await client.get(url)
    assert page.status_code == 200 and "<button type=\"submit\">Save" not in page.text
    denied = await client.post(url, data={"csrf_token": token, "title": "X"})
    assert denied.status_code == 403
    denied = await client.post(f"/dashboard/{tenant.slug}/catalog/imports",
                               data={"csrf_token": token},
                               files={"file": ("x.csv", b"handle,price\nx,1\n", "text/csv")})
    assert denied.status_code == 403
    assert (await client.get(f"/dashboard/{other.slug}/catalog")).status_code == 404
    client.cookies.clear()
    owner_token = await sign_in(client, await console_user(tenant.slug, "owner"))
    assert owner_token
    no_csrf = await client.post(url, data={"title": "X"})
    assert no_csrf.status_code == 403
    assert (await client.get(f"/dashboard/{tenant.slug}/catalog/products/prod_nope")
            ).status_code == 404
