"""Catalog at scale: CSV import, the per-outlet till snapshot and the delta feed.

    .venv/bin/python bench/catalog.py [--quick] [--variants N] [--database-url URL]

Generates a 100,000-variant catalog CSV (``--quick``: 10,000) — products with four sizes, valid
EAN-13 barcodes, stock at two outlets — and measures, on one SQLite file by default:

* import through the same code path as ``activereach catalog import`` (time and peak RSS), next
  to a baseline that only parses the CSV and bulk-inserts the raw rows into a scratch table;
* re-import of the same file (must change nothing);
* snapshot build + transfer for one outlet through the ASGI app (brotli), and its compressed
  size, next to the baseline the issue names: one SQL query + plain ``json.dumps``;
* the delta for 100 changed variants, next to a naive ``updated_at >=`` query + ``json.dumps``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2  # noqa: E402
from sqlalchemy import Column, MetaData, String, Table, insert, select  # noqa: E402

from activereach.app import create_app  # noqa: E402
from activereach.catalog import rules  # noqa: E402
from activereach.catalog.cli import run_import  # noqa: E402
from activereach.catalog.models import PriceOverride, Product, StockLevel, Variant  # noqa: E402
from activereach.catalog.schemas import TaxClassIn  # noqa: E402
from activereach.catalog.service import create_tax_class  # noqa: E402
from activereach.config import Settings  # noqa: E402
from activereach.kit.db import Database, unit_of_work, utcnow  # noqa: E402
from activereach.ops.migrate import upgrade  # noqa: E402
from activereach.tenancy.models import Location  # noqa: E402
from activereach.tenancy.workspaces import create_workspace  # noqa: E402
from bench.common import Row, machine, table  # noqa: E402

SIZES = ["S", "M", "L", "XL"]
OUTLETS = ["blr-1", "mum-1"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ean13(n: int) -> str:
    body = f"890{n:09d}"
    return body + str(rules.gtin_check_digit(body))


def write_csv(path: Path, variants: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["handle", "title", "option1 name", "option1 value", "sku", "barcode",
                         "price", "compare at price", "tax rate", "hsn", "category",
                         *[f"stock:{code}" for code in OUTLETS]])
        for n in range(variants):
            product, size = divmod(n, len(SIZES))
            first = size == 0
            writer.writerow([f"item-{product:06d}", f"Item {product}" if first else "",
                             "Size" if first else "", SIZES[size], f"SKU-{n:07d}", ean13(n),
                             f"{100 + (n % 900)}.00", "", "18" if product % 3 else "5",
                             "6109" if first else "", f"Category {product % 40}" if first else "",
                             n % 50, (n * 7) % 50])


async def setup(db: Database) -> dict[str, str]:
    async def body(session):  # type: ignore[no-untyped-def]
        data = await create_workspace(session, slug="benchcat", name="Bench", country="IN",
                                      currency="INR", timezone="Asia/Kolkata")
        ws = data["workspace_id"]
        for code in OUTLETS:
            session.add(Location(workspace_id=ws, id=f"loc_{code}", code=code, name=code))
        for rate in ("5", "18"):
            await create_tax_class(session, ws, TaxClassIn(name=f"GST {rate}", rate=rate))
        return data
    return await unit_of_work(db, body)


async def baseline_import(db: Database, path: Path) -> float:
    """Parse the CSV and bulk-insert raw rows into a scratch table: no checks, no diffing."""
    meta = MetaData()
    scratch = Table("bench_raw_rows", meta, *[Column(f"c{i}", String) for i in range(13)])
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    start = time.perf_counter()
    async with db.session() as session:
        with path.open(newline="", encoding="utf-8") as stream:
            reader = csv.reader(stream)
            next(reader)
            batch = []
            for row in reader:
                batch.append({f"c{i}": value for i, value in enumerate(row)})
                if len(batch) == 5000:
                    await session.execute(insert(scratch), batch)
                    batch = []
            if batch:
                await session.execute(insert(scratch), batch)
    elapsed = time.perf_counter() - start
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.drop_all)
    return elapsed


async def snapshot_figures(client: httpx2.AsyncClient, headers: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    size = 0
    async with client.stream("GET", "/v1/catalog/snapshot", params={"location": "blr-1"},
                             headers={**headers, "Accept-Encoding": "br"}) as response:
        assert response.status_code == 200, response.status_code
        async for chunk in response.aiter_raw():
            size += len(chunk)
        cursor = response.headers["x-catalog-cursor"]
    return time.perf_counter() - start, size, cursor


async def baseline_snapshot(db: Database, ws: str) -> tuple[float, int]:
    """One SQL query for the same rows, serialised with plain json.dumps (no compression)."""
    start = time.perf_counter()
    async with db.read_session() as session:
        rows = (await session.execute(
            select(Variant.id, Variant.product_id, Variant.sku, Variant.barcode,
                   Variant.option_values, Variant.name, Variant.price, Variant.compare_at,
                   Variant.tax_class_id, Product.title, Product.category, Product.hsn,
                   Product.tax_class_id.label("ptax"), PriceOverride.price.label("oprice"),
                   StockLevel.quantity)
            .join(Product, (Product.workspace_id == Variant.workspace_id)
                  & (Product.id == Variant.product_id))
            .outerjoin(PriceOverride, (PriceOverride.workspace_id == Variant.workspace_id)
                       & (PriceOverride.variant_id == Variant.id)
                       & (PriceOverride.location_id == "loc_blr-1"))
            .outerjoin(StockLevel, (StockLevel.workspace_id == Variant.workspace_id)
                       & (StockLevel.variant_id == Variant.id)
                       & (StockLevel.location_id == "loc_blr-1"))
            .where(Variant.workspace_id == ws, Variant.active.is_(True),
                   Variant.deleted_at.is_(None)))).all()
    body = json.dumps([{**row._asdict(), "quantity": str(row.quantity)} for row in rows]).encode()
    return time.perf_counter() - start, len(body)


async def change_100(db: Database, ws: str) -> object:
    from activereach.catalog.schemas import VariantPatch
    from activereach.catalog.service import update_variant
    since = utcnow()

    async def body(session):  # type: ignore[no-untyped-def]
        ids = (await session.scalars(select(Variant.id).where(Variant.workspace_id == ws)
                                     .order_by(Variant.id).limit(100))).all()
        for variant_id in ids:
            await update_variant(session, ws, variant_id, VariantPatch(price=12345))
    await unit_of_work(db, body)
    return since


async def baseline_delta(db: Database, ws: str, since: object) -> float:
    start = time.perf_counter()
    async with db.read_session() as session:
        rows = (await session.execute(select(Variant.id, Variant.sku, Variant.price).where(
            Variant.workspace_id == ws, Variant.updated_at >= since))).all()
    json.dumps([row._asdict() for row in rows])
    return time.perf_counter() - start


async def run(variants: int, url: str | None, workdir: Path) -> list[Row]:
    url = url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    data = await setup(db)
    ws, headers = data["workspace_id"], {"Authorization": f"Bearer {data['admin_key']}"}
    path = workdir / "catalog.csv"
    write_csv(path, variants)
    size_mb = path.stat().st_size / 1e6
    rss_before = rss_mb()
    start = time.perf_counter()
    report = await run_import(db, "benchcat", path)
    import_s = time.perf_counter() - start
    assert report["status"] == "done" and not report["errors"], report
    rss_peak = rss_mb()
    start = time.perf_counter()
    again = await run_import(db, "benchcat", path)
    reimport_s = time.perf_counter() - start
    assert "variants_updated" not in again["counts"], again["counts"]
    base_import = await baseline_import(db, path)

    app = create_app(Settings(database_url=url, var_dir=workdir, secret_key="bench",
                              worker_mode="off"), database=db)
    app.state.db, app.state.worker = db, None
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app),
                                  base_url="http://bench") as client:
        await snapshot_figures(client, headers)  # warm caches once, like a second till would
        snap_s, snap_bytes, cursor = await snapshot_figures(client, headers)
        base_snap_s, base_bytes = await baseline_snapshot(db, ws)
        since = await change_100(db, ws)
        start = time.perf_counter()
        page = await client.get("/v1/catalog/changes", headers=headers,
                                params={"cursor": cursor, "location": "blr-1", "limit": 1000})
        delta_s = time.perf_counter() - start
        assert len(page.json()["changes"]) == 100, len(page.json()["changes"])
        base_delta_s = await baseline_delta(db, ws, since)
    await db.dispose()
    n = f"{variants:,}"
    return [
        Row(f"import {n} variants ({size_mb:.1f} MB CSV)", import_s, "s", base_import, "≤ 60 s",
            import_s <= 60),
        Row("import peak RSS (process)", rss_peak, "MB", rss_before, "≤ 400 MB", rss_peak <= 400),
        Row("re-import, nothing changed", reimport_s, "s", base_import, "≤ 60 s", reimport_s <= 60),
        Row("snapshot build+transfer (1 outlet, br)", snap_s * 1000, "ms", base_snap_s * 1000,
            "≤ 2000 ms", snap_s <= 2),
        Row("snapshot compressed size", snap_bytes / 1e6, "MB", base_bytes / 1e6, "≤ 6 MB",
            snap_bytes <= 6e6),
        Row("delta, 100 changed variants", delta_s * 1000, "ms", base_delta_s * 1000, "≤ 50 ms",
            delta_s <= 0.05),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 variants")
    parser.add_argument("--variants", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    variants = args.variants or (10_000 if args.quick else 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        rows = asyncio.run(run(variants, args.database_url, Path(tmp)))
    note = (f"{machine()}; SQLite (WAL) file; measured while other work shared the 2 cores. "
            "Baselines: import = csv parse + raw bulk insert into a scratch table (no checks); "
            "snapshot = one SQL query + json.dumps, uncompressed; delta = `updated_at >=` query "
            "+ json.dumps. Peak RSS baseline = the process before the import.")
    print(table(f"Catalog ({variants:,} variants)", rows, note))
    if any(row.passed is False for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
