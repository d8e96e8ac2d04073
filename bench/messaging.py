"""Receipt dispatch: receipts per second through the worker to a local fake WhatsApp Cloud API,
and the time from an order's commit to the provider receiving its request.

    .venv/bin/python bench/messaging.py [--quick]

The fake provider runs in its own process (uvicorn) and stamps each request's arrival time.
Phase 1 ingests N orders with the worker off, then times ``Worker.drain`` over their receipt jobs
(throughput); the baseline is the same number of template sends posted straight to the fake
provider with the same client and concurrency (the ceiling without the database and worker).
Phase 2 runs the worker alongside a steady stream of sales (woken after each commit, as the API
does) and reports p50/p99 commit → provider request.  SQLite (WAL), one process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2  # noqa: E402

from activereach.config import Settings  # noqa: E402
from activereach.jobs.worker import Worker  # noqa: E402
from activereach.kit import crypto, outbound  # noqa: E402
from activereach.kit.db import Database, unit_of_work  # noqa: E402
from activereach.logs import configure_logging  # noqa: E402
from activereach.messaging import dispatch  # noqa: E402
from activereach.messaging.channels import put_channel  # noqa: E402
from activereach.ops.migrate import upgrade  # noqa: E402
from activereach.orders.schemas import OrderIn  # noqa: E402
from activereach.orders.service import IngestSource, ingest_order  # noqa: E402
from activereach.tenancy.models import Workspace  # noqa: E402
from activereach.tenancy.workspaces import create_workspace  # noqa: E402
from bench.common import Row, load_note, percentile, recent_iso, table  # noqa: E402

FAKE = '''
import time
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
arrivals = {}
async def send(request: Request):
    body = await request.json()
    arrivals[body.get("biz_opaque_callback_data", "")] = time.time()
    return JSONResponse({"messaging_product": "whatsapp",
                         "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                         "messages": [{"id": "wamid." + str(len(arrivals))}]})
async def stats(request: Request):
    return JSONResponse(arrivals)
async def reset(request: Request):
    arrivals.clear()
    return JSONResponse({})
app = Starlette(routes=[Route("/{v}/{p}/messages", send, methods=["POST"]),
                        Route("/stats", stats), Route("/reset", reset, methods=["POST"])])
'''


def order(i: int) -> OrderIn:
    return OrderIn.model_validate({
        "external_id": f"B-{i}", "occurred_at": recent_iso(), "currency": "INR",
        "customer": {"phone": f"+91 98{i % 100000000:08d}", "name": "Asha"},
        "lines": [{"name": "Latte", "quantity": "1", "unit_price": 24900, "tax_rate": "5"}],
        "receipt": {"channel": "whatsapp"}})


async def ingest(db: Database, ws: Workspace, i: int) -> str:
    result = await unit_of_work(db, lambda s: ingest_order(s, IngestSource(ws, "api"), order(i)))
    return result["order_id"]


async def setup(db: Database, fake_url: str) -> Workspace:
    async def body(session):  # type: ignore[no-untyped-def]
        data = await create_workspace(session, slug="benchmsg", name="Bench", country="IN",
                                      currency="INR", timezone="Asia/Kolkata")
        await put_channel(session, data["workspace_id"], "whatsapp", provider="whatsapp_cloud",
                          enabled=True, config={"phone_number_id": "1065", "base_url": fake_url},
                          secrets={"access_token": "bench-token"})
        return data["workspace_id"]
    ws_id = await unit_of_work(db, body)
    async with db.session() as session:
        ws = await session.get(Workspace, ws_id)
    assert ws is not None
    return ws


async def baseline(fake_url: str, count: int, concurrency: int) -> float:
    """Sends per second straight to the fake provider: same client, same body shape."""
    body = {"messaging_product": "whatsapp", "to": "919800000000", "type": "template",
            "biz_opaque_callback_data": "", "template": {"name": "x", "language": {"code": "en"}}}
    async with httpx2.AsyncClient() as client:
        queue = list(range(count))

        async def run() -> None:
            while queue:
                queue.pop()
                body["biz_opaque_callback_data"] = f"base:{len(queue)}"
                await client.post(f"{fake_url}/v21.0/1065/messages", json=body,
                                  headers={"Authorization": "Bearer x"})
        start = time.perf_counter()
        await asyncio.gather(*(run() for _ in range(concurrency)))
        return count / (time.perf_counter() - start)


async def latency(db: Database, ws: Workspace, fake_url: str, count: int, start_at: int,
                  rate: float) -> list[float]:
    """Sales at ``rate``/s with the worker running; ms from commit to provider arrival."""
    worker = Worker(db, concurrency=8, poll_seconds=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    committed: dict[str, float] = {}
    for i in range(start_at, start_at + count):
        order_id = await ingest(db, ws, i)
        committed[order_id] = time.time()
        worker.wake()
        await asyncio.sleep(1 / rate)
    for _ in range(400):
        if await db_pending(db) == 0:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    async with httpx2.AsyncClient() as client:
        arrivals = (await client.get(f"{fake_url}/stats")).json()
    ids = await message_ids(db, ws.id, list(committed))
    return [(arrivals[f"msg:{mid}"] - committed[oid]) * 1000 for oid, mid in ids.items()
            if f"msg:{mid}" in arrivals]


async def db_pending(db: Database) -> int:
    from sqlalchemy import func, select  # noqa: PLC0415

    from activereach.jobs.models import Job  # noqa: PLC0415
    async with db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Job).where(
            Job.status.in_(("queued", "running")), Job.kind.like("messaging.%"))) or 0)


async def message_ids(db: Database, ws_id: str, order_ids: list[str]) -> dict[str, str]:
    from sqlalchemy import select  # noqa: PLC0415

    from activereach.messaging.models import Message  # noqa: PLC0415
    async with db.read_session() as session:
        rows = await session.execute(select(Message.order_id, Message.id).where(
            Message.workspace_id == ws_id, Message.order_id.in_(order_ids)))
        return {oid: mid for oid, mid in rows.all()}


async def main(quick: bool) -> None:
    configure_logging("warning")   # the worker's start/stop lines would land in the report
    n = 400 if quick else 3000
    lat_n = 100 if quick else 500
    tmp = Path(tempfile.mkdtemp(prefix="bench-msg-"))
    url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    # The fake provider listens on loopback: the operator allows it (kit/outbound.py).
    crypto.use_settings(Settings(database_url=url, var_dir=tmp, secret_key="bench",
                                 outbound_allow_hosts="127.0.0.1"))
    (tmp / "fake.py").write_text(FAKE)
    port = 18000 + (int(time.time()) % 1000)
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "fake:app", "--port", str(port), "--log-level", "warning",
        "--app-dir", str(tmp))
    fake_url = f"http://127.0.0.1:{port}"
    db = Database(url)
    try:
        await wait_up(fake_url)
        ws = await setup(db, fake_url)
        for i in range(n):
            await ingest(db, ws, i)
        dispatch.client_override = outbound.client(hosts=())   # the checked path, as served
        gc.freeze()   # as `activereach worker` does once started
        start = time.perf_counter()
        ran = await Worker(db, concurrency=16).drain()
        rate = n / (time.perf_counter() - start)
        base = await baseline(fake_url, n, 16)
        samples = await latency(db, ws, fake_url, lat_n, n, rate=50)
        rows = [
            Row("receipts dispatched/s (worker → provider)", rate, "/s", base, "≥ 200/s",
                rate >= 200),
            Row("commit → provider request p50", percentile(samples, 50), "ms"),
            Row("commit → provider request p99", percentile(samples, 99), "ms", None, "report"),
        ]
        note = (f"SQLite (WAL), {n} receipts drained ({ran} jobs incl. roll-ups), latency over "
                f"{len(samples)} sales at 50/s with the worker running; baseline = direct posts "
                f"to the fake provider (no DB, no worker). {load_note()}.")
        print(table("Messaging (SQLite)", rows, note))
    finally:
        if dispatch.client_override is not None:
            await dispatch.client_override.aclose()
        fake.terminate()
        await fake.wait()
        await db.dispose()


async def wait_up(url: str) -> None:
    async with httpx2.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(f"{url}/stats")
                return
            except httpx2.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("fake provider did not start")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args().quick))
