"""CSV import and export: round trip, re-import is a no-op, per-row and per-file errors."""

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from typer.testing import CliRunner

from activereach.catalog import changes
from activereach.catalog.cli import run_import
from activereach.jobs.models import Job
from activereach.jobs.worker import Worker
from tests.catalog.conftest import add_location, latte, product, tax_class

HEADER = "handle,title,option1 name,option1 value,sku,barcode,price,compare at price,tax rate," \
         "hsn,category,stock:blr-1\n"


async def _workspace(client, tenant):  # type: ignore[no-untyped-def]
    tax5 = await tax_class(client, tenant, "GST 5", "5")
    tax18 = await tax_class(client, tenant, "GST 18", "18", inclusive=False)
    await add_location(client, tenant, "blr-1")
    await add_location(client, tenant, "mum-1")
    return tax5, tax18


async def _export(client, tenant) -> str:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/catalog/export", headers=tenant.admin)
    assert response.status_code == 200
    return response.text


async def _finished(client, tenant, db, import_id):  # type: ignore[no-untyped-def]
    """Run jobs until the import is finished (another test's live server may run some too)."""
    for _ in range(100):
        await Worker(db, concurrency=2).drain()
        doc = (await client.get(f"/v1/catalog/imports/{import_id}", headers=tenant.admin)).json()
        if doc["status"] in {"done", "failed"}:
            return doc
        await asyncio.sleep(0.05)
    return doc


async def _head(db, tenant) -> int:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        return await changes.head(session, tenant.id)


async def test_export_import_round_trip_and_reimport_changes_nothing(
        client, make_tenant, db, tmp_path: Path) -> None:
    source, target = await make_tenant(), await make_tenant()
    tax5, tax18 = await _workspace(client, source)
    await _workspace(client, target)
    made = await latte(client, source, tax5["id"])
    await product(client, source, handle="tee", title="Tee, \"logo\"", category="Merch",
                  tax_class_id=tax18["id"], option_names=["Size", "Colour"], variants=[
                      {"sku": "TEE-S-RED", "barcode": "4006381333931", "options": ["S", "Red"],
                       "price": 59900, "compare_at": 69900},
                      {"sku": "TEE-M-RED", "options": ["M", "Red"], "price": 59900,
                       "active": False, "tax_class_id": tax5["id"]}])
    await client.post("/v1/catalog/stock/adjustments", headers=source.admin, json={
        "adjustment_id": "a", "variant_id": made["variants"][0]["id"], "location": "mum-1",
        "set_to": "12.5"})
    exported = await _export(client, source)
    assert exported.splitlines()[0].endswith("active,stock:blr-1,stock:mum-1")
    path = tmp_path / "catalog.csv"
    path.write_text(exported, encoding="utf-8")
    report = await run_import(db, target.slug, path)
    assert report["status"] == "done" and report["errors"] == [], report
    assert report["counts"]["products_created"] == 2 and report["counts"]["variants_created"] == 5
    assert await _export(client, target) == exported
    before = await _head(db, target)
    again = await run_import(db, target.slug, path, rows_per_transaction=2)
    assert again["counts"]["products_unchanged"] == 2 and again["counts"]["variants_unchanged"] == 5
    assert "products_updated" not in again["counts"] and "variants_created" not in again["counts"]
    assert await _head(db, target) == before  # no change-log entries: tills see nothing new


async def test_row_errors_skip_the_whole_product_and_apply_the_rest(client, tenant, db,
                                                                    tmp_path: Path) -> None:
    await _workspace(client, tenant)
    await product(client, tenant, handle="taken", title="Taken", variants=[{"sku": "DUP", "price": 1}])
    rows = [
        "good,Good,Size,S,GOOD-S,,10.00,,5,2101,Coffee,4\n",
        "good,,,M,GOOD-M,,12.00,,5,,,\n",
        "half,Half,Size,S,HALF-S,,10.00,,5,,,\n",
        "half,,,M,HALF-M,4006381333932,10.00,,5,,,\n",
        "neg,Neg,,,NEG,,-1.00,,5,,,\n",
        "tax,Tax,,,TAX,,1.00,,7,,,\n",
        "dup,Dup,,,DUP,,1.00,,5,,,\n",
        "qty,Qty,,,QTY,,1.00,,5,,,many\n",
    ]
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    report = await run_import(db, tenant.slug, path)
    problems = {(p["line"], p["column"]) for p in report["errors"]}
    assert {(5, "barcode"), (6, "price"), (7, "tax rate"), (8, "sku"), (9, "stock:blr-1")} <= problems
    reasons = " ".join(p["reason"] for p in report["errors"])
    assert "check digit" in reasons and "negative" in reasons and "unknown tax class" in reasons
    assert "already used by variant var_" in reasons
    assert report["counts"]["products_created"] == 1 and report["counts"]["products_failed"] == 5
    listed = (await client.get("/v1/catalog/variants", headers=tenant.admin,
                               params={"q": "HALF"})).json()["data"]
    assert listed == []  # nothing half-applied
    good = (await client.get("/v1/catalog/stock", headers=tenant.admin,
                             params={"location": "blr-1"})).json()["data"]
    assert [(row["sku"], row["quantity"]) for row in good] == [("GOOD-S", "4")]


async def test_bad_files_are_refused_up_front(client, tenant) -> None:
    await _workspace(client, tenant)
    cases = [
        (b"handle;title;price\nx;X;1\n", "semicolon"),
        ("handle,title,price\nx,Caf\u00e9,1\n".encode("latin-1").replace(b"title", b"t\xe9tle"),
         "UTF-8"),
        (b"handle,title\nx,X\n", "price"),
        (b"handle,price,stock:nowhere\nx,1,2\n", "unknown location"),
        (b"handle,price,option4 name\nx,1,a\n", "at most 3 option"),
        (b"", "empty"),
    ]
    for content, words in cases:
        response = await client.post("/v1/catalog/imports", headers={
            **tenant.admin, "Content-Type": "text/csv"}, content=content)
        assert response.status_code == 422, (content, response.text)
        assert words in response.json()["error"]["message"], response.text


async def test_upload_runs_as_a_job_with_a_progress_report(client, tenant, db) -> None:
    await _workspace(client, tenant)
    body = HEADER + "".join(f"p{i},P{i},,,P{i},,{i}.00,,5,,,{i}\n" for i in range(1, 8)) + \
        "bad,Bad,,,BAD,,x,,5,,,\n"
    files = {"file": ("menu.csv", body.encode(), "text/csv")}
    response = await client.post("/v1/catalog/imports", headers=tenant.admin, files=files)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["filename"] == "menu.csv"
    done = await _finished(client, tenant, db, queued["id"])
    assert done["status"] == "done" and done["progress"] == 1.0
    assert done["counts"]["products_created"] == 7 and done["counts"]["rows"] == 8
    assert done["errors"][0] == {"line": 9, "column": "price", "reason": "price must be a number"}


def test_cli_import_and_export(tenant, database_url, tmp_path: Path, monkeypatch) -> None:
    from activereach.cli import app
    from activereach.config import get_settings
    monkeypatch.setenv("ACTIVEREACH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        source = tmp_path / "in.csv"
        source.write_text("handle,title,price\nbeans,Beans,599.00\n", encoding="utf-8")
        runner = CliRunner()
        result = runner.invoke(app, ["catalog", "import", str(source), "--workspace", tenant.slug])
        assert result.exit_code == 0, result.output
        out = tmp_path / "out.csv"
        result = runner.invoke(app, ["catalog", "export", str(out), "--workspace", tenant.slug])
        assert result.exit_code == 0, result.output
        assert out.read_text().splitlines()[1].startswith("beans,Beans,,,,,,,,,599.00,")
        missing = runner.invoke(app, ["catalog", "import", str(source), "--workspace", "nope"])
        assert missing.exit_code != 0
    finally:
        get_settings.cache_clear()


async def test_upload_resumes_chunk_by_chunk(client, tenant, db, monkeypatch) -> None:
    import activereach.catalog.jobs as catalog_jobs
    monkeypatch.setattr(catalog_jobs, "ROWS_PER_JOB", 3)
    await _workspace(client, tenant)
    body = HEADER + "".join(f"c{i},C{i},Size,S,C{i}-S,,{i}.00,,5,,,\n"
                            f"c{i},,,M,C{i}-M,,{i}.50,,5,,,\n" for i in range(1, 6))
    response = await client.post("/v1/catalog/imports", headers={
        **tenant.admin, "Content-Type": "text/csv"}, content=body.encode())
    done = await _finished(client, tenant, db, response.json()["id"])
    async with db.read_session() as session:
        chunks = await session.scalar(select(func.count()).select_from(Job).where(
            Job.dedupe_key.like(f"catalog.import:{done['id']}:%")))
    assert chunks >= 3 and done["status"] == "done", done
    assert done["counts"]["products_created"] == 5 and done["counts"]["variants_created"] == 10
    assert done["bytes_read"] == len(body.encode())
