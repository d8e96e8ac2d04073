"""Loyalty's cost on the ingest path, and hold→commit latency at the register.

    .venv/bin/python bench/loyalty.py [--quick] [--db sqlite|postgres]

One uvicorn process, two workspaces on the same database: one with a loyalty program (earn
rule, outlet rule, two tiers, a 7-day pending window and 12-month expiry, so every order earns,
locks an account, writes a lot, an entry, an event and schedules jobs), one without.  Both take
the same orders through ``POST /v1/orders`` with 16 keep-alive clients, in alternating rounds so
background load hits both alike; the best round of each is compared.  Then a sequential loop
measures a hold (``POST /v1/loyalty/holds``) followed by the order that commits it.

``--db postgres`` uses a fresh database on the server in ACTIVEREACH_BENCH_PG (default: the
shared test server on port 55432); it never starts or stops a server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2  # noqa: E402

from bench.common import (  # noqa: E402
    Row,
    _read_response,
    api_server,
    build_request,
    create_database,
    machine,
    percentile,
    recent_iso,
    run_load,
    table,
)

CONCURRENCY = 16
PHONES = [f"+9198{n:08d}" for n in range(1000)]


def order_body(index: int, run: str, hold_id: str | None = None,
               phone: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": f"L-{run}-{index}", "location": "bench-1", "terminal": "T1",
        "occurred_at": recent_iso(),
        "customer": {"phone": phone or random.choice(PHONES)},
        "lines": [{"sku": "LATTE-M", "name": "Latte", "quantity": "2", "unit_price": 24900,
                   "tax_rate": "5", "hsn": "2101", "category": "Coffee"},
                  {"sku": "CROISSANT", "name": "Croissant", "quantity": "1", "unit_price": 14900,
                   "tax_rate": "18", "hsn": "1905", "category": "Bakery"}],
        "payments": [{"method": "upi", "amount": 64700}],
    }
    if hold_id:
        body["loyalty"] = {"hold_id": hold_id}
    return body


async def setup(url: str) -> dict[str, str]:
    """Two workspaces (loyalty on / off), each with the outlet ``bench-1``."""
    from activereach.kit.db import Database, unit_of_work
    from activereach.loyalty import service
    from activereach.loyalty.schemas import ProgramIn, RuleIn, TierIn
    from activereach.ops.migrate import upgrade
    from activereach.tenancy.models import Location
    from activereach.tenancy.workspaces import create_workspace
    upgrade(url)
    db = Database(url)

    async def body(session):  # type: ignore[no-untyped-def]
        keys = {}
        for label in ("on", "off"):
            ws = await create_workspace(session, slug=f"loy{label}{uuid.uuid4().hex[:6]}",
                                        name=label, country="IN", currency="INR",
                                        timezone="Asia/Kolkata")
            loc = Location(workspace_id=ws["workspace_id"], id=f"loc_{label}", code="bench-1",
                           name="Bench", timezone="Asia/Kolkata", status="active", address="",
                           phone="")
            session.add(loc)
            await session.flush()
            keys[label] = ws["admin_key"]
            if label == "on":
                await service.put_program(session, ws["workspace_id"], ProgramIn(
                    name="Bench Points", pending_days=7, expiry_months=12))
                await service.put_rule(session, ws["workspace_id"], RuleIn())
                await service.put_rule(session, ws["workspace_id"], RuleIn(
                    location=loc.id, points_per_unit=2, excluded_categories=["Merch"]))
                await service.put_tier(session, ws["workspace_id"], TierIn(name="Silver",
                                                                           threshold=200000))
                await service.put_tier(session, ws["workspace_id"], TierIn(
                    name="Gold", threshold=1000000, multiplier_bp=15000))
        return keys
    keys = await unit_of_work(db, body)
    await db.dispose()
    return keys


async def ingest_round(port: int, key: str, count: int, run: str) -> float:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    requests = (build_request("POST", "/v1/orders", json.dumps(order_body(i, run)).encode(),
                              headers) for i in range(count))
    seconds, _, errors = await run_load(port, requests, concurrency=CONCURRENCY)
    if errors:
        raise SystemExit(f"{errors} orders failed")
    return count / seconds


async def interleaved(port: int, keys: dict[str, str], count: int,
                      run: str) -> dict[str, list[float]]:
    """Sequential orders alternating between the two workspaces, one keep-alive connection
    each: whatever else runs on the machine slows both sides alike, so the ratio of their
    service times is a fair throughput ratio even under contention."""
    conns = {label: await asyncio.open_connection("127.0.0.1", port) for label in keys}
    times: dict[str, list[float]] = {label: [] for label in keys}
    for index in range(count):
        for label in (("off", "on") if index % 2 == 0 else ("on", "off")):
            headers = {"Authorization": f"Bearer {keys[label]}",
                       "Content-Type": "application/json"}
            request = build_request("POST", "/v1/orders", json.dumps(
                order_body(index, f"i{label}{run}")).encode(), headers)
            reader, writer = conns[label]
            start = time.perf_counter()
            writer.write(request)
            if await _read_response(reader) != 201:
                raise SystemExit("interleaved order failed")
            times[label].append(time.perf_counter() - start)
    for _, writer in conns.values():
        writer.close()
    return times


async def hold_commit(port: int, key: str, count: int) -> tuple[list[float], list[float]]:
    """Sequential hold → committing order pairs for one member; (pair, commit) latencies."""
    headers = {"Authorization": f"Bearer {key}"}
    phone = "+919800099999"
    pair, commit = [], []
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers,
                                  timeout=60) as http:
        created = await http.post("/v1/loyalty/members", json={"phone": phone})
        member_id = created.json()["member_id"]
        await http.post(f"/v1/loyalty/members/{member_id}/adjustments",
                        json={"points": 10**6, "reason": "bench float", "idempotency_key": "b"})
        run = uuid.uuid4().hex[:6]
        for index in range(count):
            start = time.perf_counter()
            hold = await http.post("/v1/loyalty/holds", json={"member_id": member_id,
                                                               "points": 10, "bill_total": 64700})
            middle = time.perf_counter()
            order = await http.post("/v1/orders", json=order_body(
                index, "hc" + run, hold.json()["hold_id"], phone))
            end = time.perf_counter()
            if hold.status_code != 201 or order.status_code != 201:
                raise SystemExit(f"hold/commit failed: {hold.text} {order.text}")
            pair.append(end - start)
            commit.append(end - middle)
    return pair, commit


def measure(url: str, count: int, rounds: int, pairs: int) -> list[Row]:
    keys = asyncio.run(setup(url))
    best = {"on": 0.0, "off": 0.0}
    with tempfile.TemporaryDirectory() as var, api_server(url, Path(var),
                                                          worker_mode="off") as port:
        for label in ("off", "on"):  # warm-up: imports, caches, first contacts
            asyncio.run(ingest_round(port, keys[label], max(50, count // 5), f"w{label}"))
        times = asyncio.run(interleaved(port, keys, count, uuid.uuid4().hex[:6]))
        for index in range(rounds):
            for label in (("off", "on") if index % 2 == 0 else ("on", "off")):
                rate = asyncio.run(ingest_round(port, keys[label], count, f"{label}{index}"))
                best[label] = max(best[label], rate)
        pair, commit = asyncio.run(hold_commit(port, keys["on"], pairs))
    on_rate, off_rate = 1 / statistics.median(times["on"]), 1 / statistics.median(times["off"])
    return [
        Row("orders/s per client, loyalty on (interleaved)", on_rate, "/s", off_rate,
            "≥ 0.75× loyalty off", on_rate >= 0.75 * off_rate),
        Row(f"orders/s, {CONCURRENCY} clients, loyalty on (best round)", best["on"], "/s",
            best["off"]),
        Row("hold→commit p50 (hold + order)", percentile(pair, 50) * 1000, "ms"),
        Row("hold→commit p99 (hold + order)", percentile(pair, 99) * 1000, "ms"),
        Row("committing order p99", percentile(commit, 99) * 1000, "ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    count, rounds, pairs = (300, 2, 100) if args.quick else (1500, 4, 400)
    if args.db == "postgres":
        base = os.environ.get("ACTIVEREACH_BENCH_PG",
                              "postgresql+psycopg://postgres@127.0.0.1:55432")
        rows = measure(create_database(base, f"loyalty_bench_{os.getpid()}"), count, rounds, pairs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = measure(f"sqlite+aiosqlite:///{tmp}/bench.db", count, rounds, pairs)
    print(table(f"Loyalty ({args.db}): earn on the ingest path, hold→commit", rows,
                f"Interleaved: {count} orders per side, one client alternating between a "
                "workspace with the program and one without (median service time → orders/s); "
                f"then {rounds} alternating rounds of {count} orders per side with "
                f"{CONCURRENCY} keep-alive clients (best kept); one API process, same server, "
                f"same run; {pairs} sequential "
                f"hold→commit pairs.  Machine: {machine()}; measured while other work shared "
                "the 2 cores, so absolute figures are noisy — the ratio is the target."))


if __name__ == "__main__":
    main()
