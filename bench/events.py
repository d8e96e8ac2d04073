"""Online events: messages/s accepted through POST /v1/batch, next to GET /healthz in the same run.

    .venv/bin/python bench/events.py [--quick] [--db sqlite|postgres]

What an SDK sends (issue 21): gzip bodies of 100 messages, HTTP Basic auth with the write key,
a mix of track (Product Viewed), page and identify for users drawn from a pool of 2,000 (so new
and returning profiles mix), each with a context (library, ip, page) and a batch ``sentAt``.
One API process (uvicorn), no job worker, 4 keep-alive clients. /healthz through the same
server and client is the ceiling of the HTTP stack on this machine: the batch figure reads
against it. Target: ≥ 2,000 messages/s on one process.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import gzip
import json
import random
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Row,
    api_server,
    build_request,
    create_database,
    load_note,
    percentile,
    postgres,
    run_load,
    table,
)

BATCH = 100
CONCURRENCY = 4
USERS = [f"user-{n}" for n in range(2000)]
TARGET = 2000.0


def message(index: int, run: str, now: dt.datetime) -> dict:
    user = random.choice(USERS)
    base = {"messageId": f"{run}-{index}", "userId": user,
            "timestamp": (now - dt.timedelta(seconds=5)).isoformat(),
            "context": {"library": {"name": "analytics-python", "version": "2.4.0"},
                        "ip": "203.0.113.7", "page": {"path": "/p/mug"}}}
    kind = index % 10
    if kind == 0:
        return {**base, "type": "identify", "traits": {"plan": "gold", "city": "Pune"}}
    if kind < 4:
        return {**base, "type": "page", "name": "Product", "properties": {"url": "/p/mug"}}
    return {**base, "type": "track", "event": "Product Viewed",
            "properties": {"product_id": f"P-{index % 50}", "price": 299.0, "currency": "INR"}}


def batches(write_key: str, count: int, run: str) -> list[bytes]:
    """Pre-built gzip requests (built before the clock starts, as an SDK's queue holds them)."""
    auth = base64.b64encode(f"{write_key}:".encode()).decode()
    headers = {"Authorization": f"Basic {auth}", "Content-Type": "application/json",
               "Content-Encoding": "gzip"}
    now = dt.datetime.now(dt.UTC)
    out = []
    for start in range(0, count, BATCH):
        body = {"batch": [message(i, run, now) for i in range(start, start + BATCH)],
                "sentAt": now.isoformat()}
        out.append(build_request("POST", "/v1/batch", gzip.compress(json.dumps(body).encode()),
                                 headers))
    return out


async def setup_tenant(url: str) -> str:
    from activereach.kit.db import Database, unit_of_work
    from activereach.ops.migrate import upgrade
    from activereach.tenancy.workspaces import create_workspace
    upgrade(url)
    db = Database(url)
    slug = "ev" + uuid.uuid4().hex[:6]
    ws = await unit_of_work(db, lambda s: create_workspace(
        s, slug=slug, name="Bench events", country="IN", currency="INR",
        timezone="Asia/Kolkata"))
    await db.dispose()
    return ws["write_key"]


def measure(kind: str, url: str, count: int) -> list[Row]:
    write_key = asyncio.run(setup_tenant(url))
    run = uuid.uuid4().hex[:6]
    warm, timed = batches(write_key, 10 * BATCH, run + "w"), batches(write_key, count, run)
    health = [build_request("GET", "/healthz", b"", {})] * max(2000, count // 10)
    with tempfile.TemporaryDirectory() as var, api_server(url, Path(var),
                                                          worker_mode="off") as port:
        asyncio.run(run_load(port, iter(warm), concurrency=CONCURRENCY))
        seconds, latencies, errors = asyncio.run(run_load(port, iter(timed),
                                                          concurrency=CONCURRENCY))
        h_seconds, _, h_errors = asyncio.run(run_load(port, iter(health),
                                                      concurrency=CONCURRENCY))
    if errors or h_errors:
        raise SystemExit(f"{errors} batches and {h_errors} health checks failed")
    rate, health_rate = count / seconds, len(health) / h_seconds
    return [
        Row(f"messages/s accepted ({kind}, 1 process, gzip, {BATCH}/batch)", rate, "/s",
            None, f"≥ {TARGET:,.0f}/s", rate >= TARGET),
        Row(f"GET /healthz requests/s ({kind}, same server, same run)", health_rate, "/s"),
        Row(f"p50 batch latency ({kind})", percentile(latencies, 50) * 1000, "ms"),
        Row(f"p99 batch latency ({kind})", percentile(latencies, 99) * 1000, "ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    count = 3000 if args.quick else 20000
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            rows = measure("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", count)
    else:
        with postgres() as base:
            rows = measure("postgres", create_database(base, "events1"), count)
    print(table(f"Online events: POST /v1/batch, {CONCURRENCY} concurrent clients", rows,
                f"{count} messages in batches of {BATCH}; /healthz is the HTTP stack's ceiling "
                f"here. {load_note()}."))


if __name__ == "__main__":
    main()
