"""POST /v1/orders end to end vs the same rows written by plain SQL, on SQLite and PostgreSQL.

    .venv/bin/python bench/ingest.py [--quick] [--db sqlite|postgres|both]

Each order: 2 lines, 1 payment, one of 20 outlets in turn, a customer phone drawn from a pool
(so new and returning contacts mix), 32 concurrent keep-alive clients.  The baseline writes the same rows (contact +
identity when new, order, lines, payment, event, job) with the raw driver, one transaction per
order, on the same database engine in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Row,
    api_server,
    build_request,
    create_database,
    percentile,
    postgres,
    recent_iso,
    run_load,
    table,
)

CONCURRENCY = 32
OUTLETS = 20
PHONES = [f"+9198{n:08d}" for n in range(2000)]


def order_body(index: int, run: str, location: str) -> dict:
    return {
        "external_id": f"B-{run}-{index}", "location": location, "terminal": "T1",
        "occurred_at": recent_iso(),
        "customer": {"phone": random.choice(PHONES)},
        "lines": [{"sku": "LATTE-M", "name": "Latte", "quantity": "2", "unit_price": 24900,
                   "tax_rate": "5", "hsn": "2101"},
                  {"sku": "CROISSANT", "name": "Croissant", "quantity": "1", "unit_price": 14900,
                   "tax_rate": "18", "hsn": "1905"}],
        "payments": [{"method": "upi", "amount": 64700, "reference": f"UPI-{index}"}],
    }


async def setup_tenant(url: str) -> tuple[str, str, str]:
    from activereach.kit.db import Database, unit_of_work
    from activereach.ops.migrate import upgrade
    from activereach.tenancy.models import Location
    from activereach.tenancy.workspaces import create_workspace
    upgrade(url)
    db = Database(url)
    slug = "bench" + uuid.uuid4().hex[:6]

    async def body(session):  # type: ignore[no-untyped-def]
        ws = await create_workspace(session, slug=slug, name="Bench", country="IN",
                                    currency="INR", timezone="Asia/Kolkata")
        for n in range(1, OUTLETS + 1):
            session.add(Location(workspace_id=ws["workspace_id"], id=f"loc_bench{n}",
                                 code=f"bench-{n}", name=f"Bench outlet {n}",
                                 timezone="Asia/Kolkata", status="active", address="", phone=""))
        return ws
    ws = await unit_of_work(db, body)
    await db.dispose()
    return ws["workspace_id"], ws["admin_key"], "bench-1"


async def http_run(port: int, admin_key: str, count: int, run: str) -> tuple[float, list[float], int]:
    headers = {"Authorization": f"Bearer {admin_key}", "Content-Type": "application/json"}
    # Spread over the brand's outlets as real traffic is: one outlet's orders share its invoice
    # series, whose counter row is locked until each order commits.
    requests = (build_request("POST", "/v1/orders",
                              json.dumps(order_body(i, run, f"bench-{i % OUTLETS + 1}")).encode(),
                              headers) for i in range(count))
    return await run_load(port, requests, concurrency=CONCURRENCY)


# -- the plain-SQL baseline ---------------------------------------------------------------------

ORDER_SQL = ("INSERT INTO orders (workspace_id, id, source, external_id, request_hash, location_id, "
             "terminal_id, contact_id, channel, currency, status, occurred_at, created_at, subtotal, "
             "tax_total, discount_total, shipping, total, paid_total, change_due, refunded_total, "
             "customer, extra, event_id, result) VALUES ({p})")
LINE_SQL = ("INSERT INTO order_lines (workspace_id, order_id, line_no, sku, name, quantity, unit_price,"
            " discount, tax_rate, tax_inclusive, hsn, taxable, tax, total, refunded_quantity) "
            "VALUES ({p})")
PAY_SQL = "INSERT INTO order_payments (workspace_id, order_id, seq, method, amount, reference) VALUES ({p})"
EVENT_SQL = ("INSERT INTO events (workspace_id, id, message_id, type, name, timestamp, received_at, "
             "contact_id, location_id, source, properties) VALUES ({p})")
JOB_SQL = ("INSERT INTO jobs (workspace_id, kind, payload, status, run_at, attempts, retry_delays, "
           "created_at) VALUES ({p})")
FIND_SQL = ("SELECT contact_id FROM contact_identities WHERE workspace_id = {m} AND kind = 'phone' "
            "AND value = {m}")
CONTACT_SQL = ("INSERT INTO contacts (workspace_id, id, traits, consent, orders_count, total_spent, "
               "created_at, updated_at) VALUES ({p})")
IDENTITY_SQL = ("INSERT INTO contact_identities (workspace_id, kind, value, contact_id, source, "
                "created_at) VALUES ({p})")


def _sql(template: str, marker: str) -> str:
    if "(" not in template:
        return template.format(m=marker)
    count = template.count(",", template.index("("), template.index(")")) + 1
    return template.format(p=", ".join([marker] * count), m=marker)


def baseline_rows(ws: str, index: int, run: str) -> list[tuple[str, tuple]]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    oid, eid, cid = f"ord_b{run}{index}", f"ev_b{run}{index}", f"ct_b{run}{index}"
    props = json.dumps({"order_id": oid, "total": 647.0, "currency": "INR", "products": []})
    return [
        ("order", (ws, oid, "baseline", f"X-{run}-{index}", "h", "loc_bench1", "T1", cid, "offline",
                   "INR", "completed", now, now, 60000, 4700, 0, 0, 64700, 64700, 0, 0, "{}", "{}",
                   eid, "{}")),
        ("line", (ws, oid, 1, "LATTE-M", "Latte", 2, 24900, 0, 5, True, "2101", 47429, 2371, 49800, 0)),
        ("line", (ws, oid, 2, "CROISSANT", "Croissant", 1, 14900, 0, 18, True, "1905", 12627, 2273,
                  14900, 0)),
        ("pay", (ws, oid, 1, "upi", 64700, f"UPI-{index}")),
        ("event", (ws, eid, f"m-{run}-{index}", "track", "order_completed", now, now, cid,
                   "loc_bench1", "api", props)),
        ("job", (ws, "analytics.apply_order", json.dumps({"order_id": oid}), "queued", now, 0, "[]",
                 now)),
    ]


def sqlite_baseline(path: str, ws: str, count: int, run: str) -> tuple[float, list[float]]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    statements = {k: _sql(v, "?") for k, v in {"order": ORDER_SQL, "line": LINE_SQL, "pay": PAY_SQL,
                  "event": EVENT_SQL, "job": JOB_SQL}.items()}
    find, contact, identity = _sql(FIND_SQL, "?"), _sql(CONTACT_SQL, "?"), _sql(IDENTITY_SQL, "?")
    latencies = []
    start = time.perf_counter()
    for index in range(count):
        t0 = time.perf_counter()
        phone, now = random.choice(PHONES) + "b", dt.datetime.now(dt.UTC).replace(tzinfo=None)
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute(find, (ws, phone)).fetchone() is None:
            conn.execute(contact, (ws, f"ct_b{run}{index}", "{}", "{}", 0, 0, now, now))
            conn.execute(identity, (ws, "phone", phone, f"ct_b{run}{index}", "api", now))
        for kind, params in baseline_rows(ws, index, run):
            conn.execute(statements[kind], params)
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, latencies


async def postgres_baseline(url: str, ws: str, count: int, run: str) -> tuple[float, list[float]]:
    import psycopg
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    statements = {k: _sql(v, "%s") for k, v in {"order": ORDER_SQL, "line": LINE_SQL, "pay": PAY_SQL,
                  "event": EVENT_SQL, "job": JOB_SQL}.items()}
    find, contact, identity = _sql(FIND_SQL, "%s"), _sql(CONTACT_SQL, "%s"), _sql(IDENTITY_SQL, "%s")
    latencies: list[float] = []
    work = iter(range(count))

    async def client() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            for index in work:
                t0 = time.perf_counter()
                phone, now = random.choice(PHONES) + "b", dt.datetime.now(dt.UTC).replace(tzinfo=None)
                async with conn.transaction():
                    cur = await conn.execute(find, (ws, phone))
                    if await cur.fetchone() is None:
                        await conn.execute(contact, (ws, f"ct_b{run}{index}", "{}", "{}", 0, 0, now, now))
                        await conn.execute(identity + " ON CONFLICT DO NOTHING",
                                           (ws, "phone", phone, f"ct_b{run}{index}", "api", now))
                    for kind, params in baseline_rows(ws, index, run):
                        await conn.execute(statements[kind], params)
                latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return time.perf_counter() - start, latencies


def analyze(url: str) -> None:
    """Table statistics after the warm-up, as autovacuum keeps them on a database in use: a
    database created seconds ago has none, and plans made blind are not what production runs."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url.replace("+aiosqlite", ""))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(kind: str, url: str, count: int, workers: int) -> list[Row]:
    ws, admin_key, _ = asyncio.run(setup_tenant(url))
    run = uuid.uuid4().hex[:6]
    if kind == "sqlite":
        base_s, base_lat = sqlite_baseline(url.split(":///", 1)[1], ws, count, run)
    else:
        base_s, base_lat = asyncio.run(postgres_baseline(url, ws, count, run))
    with tempfile.TemporaryDirectory() as var, api_server(url, Path(var), workers=workers,
                                                          worker_mode="off") as port:
        asyncio.run(http_run(port, admin_key, min(200, count // 5), run + "w"))  # warm-up
        analyze(url)
        seconds, latencies, errors = asyncio.run(http_run(port, admin_key, count, run))
    if errors:
        raise SystemExit(f"{errors} requests failed")
    rate, base_rate = count / seconds, count / base_s
    label = f"{kind}, {workers} API process{'es' if workers > 1 else ''}"
    # The target is PostgreSQL on two cores, where the API runs a process per core
    # (`serve --workers 2`): that row carries it. One process is one core's worth of Python,
    # reported. On SQLite the baseline is the sqlite3 module in the bench's own process (no
    # HTTP, no second process, no event loop): the ratio is reported.
    throughput = (Row(f"orders/s ({label})", rate, "/s", base_rate, "≥ 400/s and ≥ 0.3× baseline",
                      rate >= 400 and rate >= 0.3 * base_rate)
                  if kind == "postgres" and workers == 2 else
                  Row(f"orders/s ({label})", rate, "/s", base_rate, "report"))
    return [
        throughput,
        Row(f"p50 latency ({label})", percentile(latencies, 50) * 1000, "ms",
            percentile(base_lat, 50) * 1000),
        Row(f"p99 latency ({label})", percentile(latencies, 99) * 1000, "ms",
            percentile(base_lat, 99) * 1000),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    count = 600 if args.quick else 3000
    rows: list[Row] = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            rows += measure("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", count, 1)
    if args.db in ("postgres", "both"):
        with postgres() as base:
            rows += measure("postgres", create_database(base, "ingest1"), count, 1)
            rows += measure("postgres", create_database(base, "ingest2"), count, 2)
    print(table("Ingest: POST /v1/orders, 32 concurrent clients", rows,
                f"{count} orders per figure; baseline = the same rows by plain SQL, one transaction "
                "per order (SQLite: one writer; PostgreSQL: 32 connections), same engine, same run."))


if __name__ == "__main__":
    main()
