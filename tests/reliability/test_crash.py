"""Crash tests: the API server and workers run as real processes and are SIGKILLed at seeded
random points while orders, redemptions and signed webhook deliveries stream in; clients retry
lost replies.  Afterwards nothing is lost, nothing counted twice, the points ledger balances,
every order has one bill and one receipt, and no job is stuck.

PostgreSQL: a server with the worker off and 2 ``activereach worker`` processes.  SQLite: the
single-process mode (one server with its in-process worker)."""

from __future__ import annotations

import os
import random
import uuid
from pathlib import Path

import pytest

from activereach.kit.db import Database, unit_of_work
from activereach.ops.migrate import upgrade
from activereach.tenancy.workspaces import create_workspace
from tests.reliability import crash_checks as checks
from tests.reliability.crash_cluster import Cluster, RetryingClient, drop_database, fresh_database
from tests.reliability.crash_traffic import run_traffic, set_up


async def crash_run(database_url: str, tmp_path: Path, *, operations: int,
                    rounds: int) -> dict[str, int]:
    """Traffic with kills, then every invariant (crash_checks); returns what the run did."""
    seed = int(os.environ.get("ACTIVEREACH_CRASH_SEED") or random.SystemRandom().randrange(10**6))
    print(f"crash test seed={seed} (replay with ACTIVEREACH_CRASH_SEED={seed})")
    url = fresh_database(database_url, tmp_path, f"{seed}")
    upgrade(url)
    postgres = url.startswith("postgresql")
    cluster = Cluster(url, tmp_path, workers=2 if postgres else 0)
    db = Database(url)
    api: RetryingClient | None = None
    try:
        tenant = await unit_of_work(db, lambda s: create_workspace(
            s, slug="crash" + uuid.uuid4().hex[:8], name="Crash Test", country="IN",
            currency="INR", timezone="Asia/Kolkata"))
        ws = tenant["workspace_id"]
        await cluster.start()
        api = RetryingClient(cluster.url, {"Authorization": f"Bearer {tenant['admin_key']}"})
        pipe = await set_up(api)
        ledger = await run_traffic(cluster, api, pipe["id"], seed=seed, operations=operations,
                                   rounds=rounds)
        # a guard against a stuck queue, not a timing: the soak leaves a long backlog
        await checks.wait_drained(db, ws, seconds=max(60.0, operations / 4))
        assert api.server_errors == [], api.server_errors[:5]
        assert ledger.unexpected == [], ledger.unexpected[:5]
        await checks.check_orders(db, ws, ledger)
        await checks.check_deliveries(db, ws, ledger)
        await checks.check_loyalty(db, ws, ledger)
        rerun = await checks.check_receipts_and_jobs(db, ws)
        print(f"kills={cluster.kills} failed connections retried={api.lost} "
              f"replayed orders={ledger.replayed} jobs re-run={rerun} "
              f"orders={len(ledger.orders)} deliveries={len(ledger.deliveries)} "
              f"redemptions={len(ledger.redemptions)}")
        return {"kills": len(cluster.kills), "processes": 1 + len(cluster.workers),
                "orders": len(ledger.orders), "deliveries": len(ledger.deliveries)}
    finally:
        if api is not None:
            await api.close()
        cluster.stop()
        await db.dispose()
        drop_database(url)


async def test_kills_lose_nothing_and_count_nothing_twice(database_url: str,
                                                          tmp_path: Path) -> None:
    run = await crash_run(database_url, tmp_path, operations=160, rounds=3)
    assert run["kills"] == 3 * run["processes"]  # every process was killed in every round
    assert run["orders"] > 0 and run["deliveries"] > 0


@pytest.mark.soak
async def test_soak_many_kill_rounds(database_url: str, tmp_path: Path) -> None:
    run = await crash_run(database_url, tmp_path, operations=1500, rounds=12)
    assert run["kills"] == 12 * run["processes"]
    assert run["orders"] > 0 and run["deliveries"] > 0
