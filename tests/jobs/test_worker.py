"""The outbox and its worker: commit-or-nothing, retries, dead letters, leases, exactly once."""

import asyncio
import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select, update

from activereach.analytics.models import DailySales
from activereach.contacts.models import Contact
from activereach.jobs.models import Job
from activereach.jobs.registry import job
from activereach.jobs.service import enqueue
from activereach.jobs.worker import Worker
from activereach.kit.db import Database, unit_of_work, utcnow
from tests.conftest import order_body
from tests.support import iso_ago

CALLS: dict[str, int] = {}


@job("test.count", retry_delays=(0, 0))
async def _count(session, job_row) -> None:  # type: ignore[no-untyped-def]
    CALLS[job_row.payload["key"]] = CALLS.get(job_row.payload["key"], 0) + 1


@job("test.always_fails", retry_delays=(0, 0))
async def _fails(session, job_row) -> None:  # type: ignore[no-untyped-def]
    CALLS[job_row.payload["key"]] = CALLS.get(job_row.payload["key"], 0) + 1
    raise RuntimeError("provider said no")


SESSIONS: dict[str, int] = {}


@job("test.batched", retry_delays=(0, 0), batch=True)
async def _batched(session, job_row) -> None:  # type: ignore[no-untyped-def]
    key = job_row.payload["key"]
    SESSIONS[key] = id(session)
    CALLS[key] = CALLS.get(key, 0) + 1
    if job_row.payload.get("fail"):
        raise RuntimeError("this one is broken")


async def _jobs(db: Database, workspace_id: str) -> list[Job]:
    async with db.read_session() as session:
        rows = await session.execute(select(Job).where(Job.workspace_id == workspace_id))
        return list(rows.scalars())


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(db, tenant) -> None:
    async def body(session):  # type: ignore[no-untyped-def]
        await enqueue(session, kind="test.count", workspace_id=tenant.id, payload={"key": "rb"})
        raise ValueError("the order failed validation after enqueueing")
    with pytest.raises(ValueError):
        await unit_of_work(db, body)
    assert await _jobs(db, tenant.id) == []
    await Worker(db).drain()
    assert "rb" not in CALLS


async def test_failures_retry_on_schedule_then_dead_letter(db, tenant) -> None:
    await unit_of_work(db, lambda s: enqueue(s, kind="test.always_fails", workspace_id=tenant.id,
                                             payload={"key": "dead"}))
    await Worker(db).drain()
    [row] = await _jobs(db, tenant.id)
    assert (row.status, row.attempts, CALLS["dead"]) == ("dead", 3, 3)
    assert "provider said no" in row.last_error


async def test_dedupe_key_enqueues_once(db, tenant) -> None:
    for _ in range(3):
        await unit_of_work(db, lambda s: enqueue(s, kind="test.count", workspace_id=tenant.id,
                                                 payload={"key": "dd"}, dedupe_key=f"dd:{tenant.id}"))
    assert len(await _jobs(db, tenant.id)) == 1


async def test_an_expired_lease_is_recovered_and_the_old_holder_cannot_finish(db, tenant) -> None:
    await unit_of_work(db, lambda s: enqueue(s, kind="test.count", workspace_id=tenant.id,
                                             payload={"key": "lease"}))
    crashed = Worker(db, name="crashed")
    mine = [j.id for j in await _jobs(db, tenant.id)]
    async with db.session() as session:  # claimed by a worker that then died: its lease ran out
        await session.execute(update(Job).where(Job.id.in_(mine)).values(
            status="running", locked_by="crashed", attempts=1,
            locked_until=utcnow() - dt.timedelta(seconds=1)))
    await Worker(db, name="rescuer").drain()
    await crashed._run(mine[0])  # the old holder wakes up: its lease is gone
    [row] = await _jobs(db, tenant.id)
    assert (row.status, CALLS["lease"]) == ("done", 1)


async def test_jobs_scheduled_in_the_future_wait(db, tenant) -> None:
    later = utcnow() + dt.timedelta(hours=1)
    await unit_of_work(db, lambda s: enqueue(s, kind="test.count", workspace_id=tenant.id,
                                             payload={"key": "later"}, run_at=later))
    await Worker(db).drain()
    [row] = await _jobs(db, tenant.id)
    assert row.status == "queued" and "later" not in CALLS


async def _seed_orders(client, tenant, count: int) -> None:  # type: ignore[no-untyped-def]
    phones = [f"98{n:08d}" for n in range(10, 20)]
    for index in range(count):
        body = order_body(f"EX-{index}", customer={"phone": phones[index % len(phones)]})
        assert (await client.post("/v1/orders", headers=tenant.admin, json=body)).status_code == 201


async def assert_rollups_exact(db, tenant, count: int) -> None:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        orders = await session.scalar(select(func.sum(DailySales.orders))
                                      .where(DailySales.workspace_id == tenant.id))
        per_contact = await session.scalar(select(func.sum(Contact.orders_count))
                                           .where(Contact.workspace_id == tenant.id))
    assert orders == count and per_contact == count
    statuses = {j.status for j in await _jobs(db, tenant.id)}
    assert statuses == {"done"}


async def test_several_worker_processes_run_each_job_exactly_once(client, db, tenant, database_url,
                                                                  is_postgres, tmp_path) -> None:
    count = 120
    await _seed_orders(client, tenant, count)
    if not is_postgres:  # SQLite runs one in-process worker by design
        await asyncio.gather(Worker(db).drain())
        await assert_rollups_exact(db, tenant, count)
        return
    env = {**os.environ, "ACTIVEREACH_DATABASE_URL": database_url, "ACTIVEREACH_SECRET_KEY": "t",
           "ACTIVEREACH_WORKER_POLL_SECONDS": "0.05", "ACTIVEREACH_WORKER_CONCURRENCY": "8"}
    procs = [subprocess.Popen([sys.executable, "-m", "activereach.cli", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"w{i}.log", "wb"))
             for i in range(3)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(j.status == "done" for j in await _jobs(db, tenant.id)):
                break
            await asyncio.sleep(0.2)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
    await assert_rollups_exact(db, tenant, count)


async def test_batchable_jobs_share_one_transaction(db, tenant) -> None:
    async def body(session):  # type: ignore[no-untyped-def]
        for n in range(5):
            await enqueue(session, kind="test.batched", workspace_id=tenant.id,
                          payload={"key": f"b{n}"})
    await unit_of_work(db, body)
    await Worker(db).drain()
    # SQLite batches them into one transaction; PostgreSQL keeps one transaction per job.
    sessions = {SESSIONS[f"b{n}"] for n in range(5)}
    assert len(sessions) == 1 if db.is_sqlite else len(sessions) > 1
    assert {row.status for row in await _jobs(db, tenant.id)} == {"done"}


async def test_a_failing_job_in_a_batch_fails_alone(db, tenant) -> None:
    async def body(session):  # type: ignore[no-untyped-def]
        for n in range(4):
            await enqueue(session, kind="test.batched", workspace_id=tenant.id,
                          payload={"key": f"f{n}", "fail": n == 2})
    await unit_of_work(db, body)
    await Worker(db).drain()
    by_key = {row.payload["key"]: row for row in await _jobs(db, tenant.id)}
    assert {k: r.status for k, r in by_key.items()} == {
        "f0": "done", "f1": "done", "f2": "dead", "f3": "done"}
    if db.is_sqlite:
        # the batch stopped at the culprit and rolled back; then each job ran alone (the culprit
        # until it was dead), so f3, never reached in the batch, ran exactly once
        assert [CALLS[f"f{n}"] for n in range(4)] == [2, 2, 4, 1]
    else:
        assert [CALLS[f"f{n}"] for n in range(4)] == [1, 1, 3, 1]
    assert "this one is broken" in by_key["f2"].last_error


async def test_contact_summary_from_one_batch_keeps_first_and_last_order(client, db,
                                                                          tenant) -> None:
    # Three orders of one shopper, arriving out of order, rolled up in one worker batch (on
    # SQLite the summary update is deferred to the batch's end and sent as one executemany).
    times = [iso_ago(days=5, at=dt.time(9)), iso_ago(days=23, at=dt.time(18, 30)),
             iso_ago(days=1, at=dt.time(12))]
    for index, at in enumerate(times):
        body = order_body(f"SUM-{index}", occurred_at=at)
        assert (await client.post("/v1/orders", headers=tenant.admin, json=body)).status_code == 201
    await Worker(db, concurrency=4).drain()
    async with db.read_session() as session:
        [contact] = (await session.scalars(select(Contact).where(
            Contact.workspace_id == tenant.id))).all()
    assert contact.orders_count == 3 and contact.total_spent == 3 * 49800
    assert contact.first_order_at == dt.datetime.fromisoformat(times[1]).astimezone(dt.UTC)
    assert contact.last_order_at == dt.datetime.fromisoformat(times[2]).astimezone(dt.UTC)
    await assert_rollups_exact(db, tenant, 3)
