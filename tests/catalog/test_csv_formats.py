"""Other systems' product exports (Shopify, Square, Loyverse): the pure translation of their
headers and rows, and each sample file imported through the real importer as it is, plus a
copy with one bad line whose problem is reported at that line, under the file's column name."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from activereach.catalog.csv_formats import detect, translate
from activereach.catalog.csv_read import RecordReader, groups, read_header
from tests.catalog.conftest import tax_class
from tests.catalog.test_csv import _finished
from tests.conftest import add_location

FIXTURES = Path(__file__).parent.parent / "fixtures" / "catalog"


def _raw(name: str) -> bytes:
    return (FIXTURES / f"{name}_export.csv").read_bytes()


def _header(name: str) -> list[str]:
    return next(csv.reader(io.StringIO(_raw(name).decode())))


def _products(content: bytes) -> dict[str, list[dict[str, str]]]:
    """Handle -> rows as {our column: value} (non-blank), as the importer's parser sees them."""
    stream = io.BytesIO(content)
    header, offset, line = read_header(stream)
    found: dict[str, list[dict[str, str]]] = {}
    for group, _, _ in groups(RecordReader(stream, offset=offset, line=line), header):
        found[group.handle] = [{"line": str(number), **{
            k: row[i] for k, i in [*header.columns.items(), *(
                (f"stock:{code}", i) for code, i in header.stock.items())] if row[i]}}
            for number, row in group.rows]
    return found


def _with_cell(name: str, line: int, column: str, value: str) -> bytes:
    """The sample file with one cell of one line (1 = the header) changed."""
    rows = list(csv.reader(io.StringIO(_raw(name).decode())))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


# --- the pure translation --------------------------------------------------------------

def test_formats_are_told_apart_by_their_headers() -> None:
    assert [detect(_header(n)) for n in ("shopify", "square", "loyverse")] == \
        ["shopify", "square", "loyverse"]
    assert detect(["handle", "title", "price", "stock:blr-1"]) is None  # our own
    assert detect(["Handle", "Name", "Price"]) is None                  # nobody's
    assert translate(["handle", "title", "price"]) is None
    # Shopify's newer column names ("URL handle", "SKU", "Price") read the same way.
    newer = translate(["Title", "URL handle", "SKU", "Price", "Compare-at price", "Status"])
    assert newer is not None and newer.fields == [
        "title", "handle", "sku", "price", "compare at price", "active"]


def test_shopify_rows_image_rows_default_title_taxonomy_and_status() -> None:
    products = _products(_raw("shopify"))
    assert list(products) == ["house-blend-beans", "cold-brew-bottle", "filter-papers"]
    beans = products["house-blend-beans"]
    assert [r["line"] for r in beans] == ["2", "3", "4"]  # line 5 only adds an image
    assert beans[0]["option1 name"] == "Size" and beans[0]["option2 name"] == "Grind"
    assert [r["active"] for r in beans] == ["active"] * 3  # status of the first row
    assert beans[0]["category"] == "Coffee Beans" and beans[2]["price"] == "1600.00"
    brew = products["cold-brew-bottle"][0]
    assert "option1 name" not in brew and "option1 value" not in brew  # Title / Default Title
    assert brew["category"] == "Coffee"  # blank Type: last step of Product Category
    assert products["filter-papers"][0]["active"] == "draft"
    translation = translate(_header("shopify"))
    assert translation is not None and translation.labels["price"] == "Variant Price"
    assert "Variant Inventory Qty" in translation.ignored and "Vendor" in translation.ignored


def test_square_rows_handles_variations_archive_tax_and_outlet_names() -> None:
    products = _products(_raw("square"))
    assert list(products) == ["caffe-latte", "butter-croissant", "cold-brew",
                              "pumpkin-spice-latte"]
    latte = products["caffe-latte"]
    assert [(r["option1 name"], r["option1 value"]) for r in latte] == [
        ("Size", "Small"), ("Size", "Large")]
    assert latte[0]["tax rate"] == "5" and latte[0]["category"] == "Coffee"
    croissant = products["butter-croissant"][0]
    assert "option1 name" not in croissant  # one "Regular" variation: no option
    assert croissant["stock:Indiranagar"] == "24" and croissant["stock:Koramangala"] == "10"
    assert croissant["barcode"] == "8901234560051"
    brew = products["cold-brew"]
    assert [(r["option1 name"], r["option1 value"]) for r in brew] == [
        ("Variation", "Bottle 300 ml"), ("Variation", "Bottle 1 L")]
    assert products["pumpkin-spice-latte"][0]["active"] == "false"
    bracketed = translate(["Item Name", "Variation Name", "Price", "Current Quantity [MG Road]"])
    assert bracketed is not None and bracketed.fields[3] == "stock:MG Road"
    assert bracketed.labels["handle"] == "Item Name" and bracketed.stock_by_name


def test_loyverse_rows_components_and_store_columns() -> None:
    products = _products(_raw("loyverse"))
    assert list(products) == ["masala-chai", "veg-puff", "chai-and-puff"]
    assert [r["option1 value"] for r in products["masala-chai"]] == ["Regular", "Large"]
    puff = products["veg-puff"][0]
    assert puff["stock:Indiranagar"] == "30" and puff["stock:Whitefield"] == "12"
    assert puff["price"] == "45.00" and puff["tax rate"] == "5"
    assert [r["line"] for r in products["chai-and-puff"]] == ["5"]  # line 6: a component
    older = translate(["Handle", "SKU", "Name", "Sold by weight", "Price [Main]", "Price [Two]"])
    assert older is not None and older.fields[4:] == ["price", ""]  # first store's price
    assert older.labels["price"] == "Price [Main]"
    assert older.ignored == ["Sold by weight", "Price [Two]"]


# --- through the real importer ---------------------------------------------------------

async def _brand(client, tenant) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    tax = await tax_class(client, tenant, "GST 5", "5")
    outlet = await add_location(client, tenant, "blr-1", name="Indiranagar")
    return {"tax": tax, "outlet": outlet}


async def _import(client, tenant, db,  # type: ignore[no-untyped-def]
                  content: bytes, filename: str):
    response = await client.post("/v1/catalog/imports", headers=tenant.admin,
                                 files={"file": (filename, content, "text/csv")})
    assert response.status_code == 202, response.text
    return await _finished(client, tenant, db, response.json()["id"])


async def _catalog(client, tenant) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/catalog/products?limit=100", headers=tenant.admin)
    return {p["handle"]: p for p in response.json()["data"]}


async def _stock(client, tenant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/catalog/stock?location=blr-1&limit=100",
                                headers=tenant.admin)
    return {row["sku"]: row["quantity"] for row in response.json()["data"]}


async def test_shopify_export_imports_as_it_is(client, tenant, db) -> None:
    await _brand(client, tenant)
    done = await _import(client, tenant, db, _raw("shopify"), "products_export.csv")
    assert done["status"] == "done" and done["errors"] == [], done
    assert done["counts"]["products_created"] == 3 and done["counts"]["variants_created"] == 5
    catalog = await _catalog(client, tenant)
    beans = catalog["house-blend-beans"]
    assert beans["title"] == "House Blend Coffee Beans" and beans["option_names"] == [
        "Size", "Grind"]
    assert [(v["sku"], v["options"], v["price"], v["compare_at"]) for v in beans["variants"]] == [
        ("HB-250-WB", ["250 g", "Whole bean"], 45000, 52000),
        ("HB-250-FG", ["250 g", "Filter grind"], 45000, 52000),
        ("HB-1K-WB", ["1 kg", "Whole bean"], 160000, None)]
    assert beans["image_url"].endswith("/house-blend.jpg")
    brew = catalog["cold-brew-bottle"]
    assert brew["option_names"] == [] and brew["category"] == "Coffee"
    assert brew["variants"][0]["barcode"] == "8901234560044"
    assert catalog["filter-papers"]["variants"][0]["active"] is False  # a draft
    again = await _import(client, tenant, db, _raw("shopify"), "products_export.csv")
    assert again["counts"].get("variants_unchanged") == 5, again


async def test_square_export_imports_as_it_is(client, tenant, db) -> None:
    brand = await _brand(client, tenant)
    done = await _import(client, tenant, db, _raw("square"), "catalog-2026-12-07.csv")
    assert done["status"] == "done" and done["errors"] == [], done
    catalog = await _catalog(client, tenant)
    assert set(catalog) == {"caffe-latte", "butter-croissant", "cold-brew", "pumpkin-spice-latte"}
    latte = catalog["caffe-latte"]
    assert latte["tax_class_id"] == brand["tax"]["id"] and latte["option_names"] == ["Size"]
    assert [(v["sku"], v["price"]) for v in latte["variants"]] == [
        ("LAT-S", 18000), ("LAT-L", 22000)]
    assert catalog["cold-brew"]["option_names"] == ["Variation"]
    assert catalog["pumpkin-spice-latte"]["variants"][0]["active"] is False
    # Indiranagar is the outlet blr-1 (by name); Koramangala is no outlet here: ignored.
    assert await _stock(client, tenant) == {"CRO-01": "24", "CB-300": "18", "CB-1L": "6"}


async def test_loyverse_export_imports_as_it_is(client, tenant, db) -> None:
    await _brand(client, tenant)
    done = await _import(client, tenant, db, _raw("loyverse"), "export_items.csv")
    assert done["status"] == "done" and done["errors"] == [], done
    assert done["counts"]["products_created"] == 3 and done["counts"]["variants_created"] == 4
    catalog = await _catalog(client, tenant)
    chai = catalog["masala-chai"]
    assert [(v["sku"], v["options"], v["price"]) for v in chai["variants"]] == [
        ("10001", ["Regular"], 6000), ("10002", ["Large"], 9000)]
    assert catalog["chai-and-puff"]["variants"][0]["price"] == 9500
    assert await _stock(client, tenant) == {"10003": "30"}


@pytest.mark.parametrize(("name", "line", "column", "value", "reason", "handle_column"), [
    ("shopify", 3, "Variant Price", "4,50.x", "price must be a number", "Handle"),
    ("square", 4, "GTIN", "8901234560050", "bad EAN-13 check digit", "Item Name"),
    ("loyverse", 4, "In stock [Indiranagar]", "lots", "'lots' is not a number", "Handle"),
])
async def test_a_bad_line_is_reported_at_its_line_and_column(
        client, tenant, db, name: str, line: int, column: str, value: str, reason: str,
        handle_column: str) -> None:
    await _brand(client, tenant)
    done = await _import(client, tenant, db, _with_cell(name, line, column, value), "bad.csv")
    assert done["status"] == "done", done
    problem, skipped = done["errors"]
    assert (problem["line"], problem["column"]) == (line, column), done["errors"]
    assert reason in problem["reason"]
    assert skipped["column"] == handle_column and "skipped" in skipped["reason"]
    assert done["counts"]["products_failed"] == 1
    assert done["counts"]["products_created"] == {"shopify": 2, "square": 3, "loyverse": 2}[name]


async def test_cli_import_of_an_export_in_small_chunks(client, tenant, db) -> None:
    """The CLI's loop over chunks: two rows a transaction, so a chunk ends between a composite
    item and its skipped component row, and the store columns stay resolved chunk after chunk."""
    from activereach.catalog.cli import run_import
    await _brand(client, tenant)
    doc = await run_import(db, tenant.slug, FIXTURES / "loyverse_export.csv",
                           rows_per_transaction=2)
    assert doc["status"] == "done" and doc["errors"] == [], doc
    assert doc["counts"]["products_created"] == 3 and doc["counts"]["variants_created"] == 4
    assert await _stock(client, tenant) == {"10003": "30"}
