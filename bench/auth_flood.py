"""POST /v1/orders throughput during a flood of wrong passwords and PINs vs without it.

    .venv/bin/python bench/auth_flood.py [--quick]

One API process on SQLite (the embedded default), 32 keep-alive clients ringing up orders. The
flood runs in its own process: 64 connections, half posting wrong console passwords through the
sign-in form (CSRF token and cookie as a browser has them), half wrong staff PINs with a paired
till's device token, each as fast as the server answers. Without the guards (argon2 on the event
loop, no lockout) this took POST /v1/orders from 285 to 4 orders/s (issue 18). The target: at
least 0.8× the same run's throughput without the flood.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2  # noqa: E402

from bench.common import Row, api_server, load_note, machine, table  # noqa: E402
from bench.ingest import http_run, setup_tenant  # noqa: E402

FLOOD_CONNECTIONS = 64
PASSWORD = "bench password 1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _console_user(url: str, slug: str) -> str:
    from activereach.console.service import create_user
    from activereach.kit.db import Database, unit_of_work
    db = Database(url)
    email = f"owner@{slug}.example.com"
    await unit_of_work(db, lambda s: create_user(s, workspace_slug=slug, email=email,
                                                 role="owner", password=PASSWORD))
    await db.dispose()
    return email


async def _till(base: str, admin_key: str) -> tuple[str, str]:
    """(device token, staff id) of a paired till at the first outlet with one cashier."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    async with httpx2.AsyncClient(base_url=base, headers=admin) as http:
        term = (await http.post("/v1/locations/loc_bench1/terminals",
                                json={"terminal_id": "T-FLOOD"})).json()
        code = (await http.post(f"/v1/locations/loc_bench1/terminals/{term['id']}/pairing-code")
                ).json()["pairing_code"]
        device = (await http.post("/v1/pos/pair", json={"pairing_code": code},
                                  headers={"Authorization": ""})).json()["device_token"]
        staff = (await http.post("/v1/cashier/staff", json={"name": "Flood", "pin": "802413"})).json()
    return device, staff["id"]


async def _flood(base: str, email: str, device: str, staff_id: str, until: float) -> int:
    attempts = 0

    async def passwords(n: int) -> None:
        nonlocal attempts
        async with httpx2.AsyncClient(base_url=base, timeout=30) as http:
            token = CSRF.search((await http.get("/login")).text).group(1)  # type: ignore[union-attr]
            while time.monotonic() < until:
                who = email if n % 2 else f"guess-{n}-{attempts}@example.com"
                await http.post("/login", data={"csrf_token": token, "email": who,
                                                "password": f"wrong-{attempts}"})
                attempts += 1

    async def pins() -> None:
        nonlocal attempts
        async with httpx2.AsyncClient(base_url=base, timeout=30,
                                      headers={"Authorization": f"Bearer {device}"}) as http:
            while time.monotonic() < until:
                await http.post(f"/v1/pos/staff/{staff_id}/verify", json={"pin": "000000"})
                attempts += 1
    half = FLOOD_CONNECTIONS // 2
    await asyncio.gather(*(passwords(n) for n in range(half)), *(pins() for _ in range(half)))
    return attempts


def _flood_process(base: str, email: str, device: str, staff_id: str, seconds: float,
                   out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    start = time.monotonic()
    attempts = asyncio.run(_flood(base, email, device, staff_id, start + seconds))
    out.put((attempts, time.monotonic() - start))


def measure(count: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        ws, admin_key, _ = asyncio.run(setup_tenant(url))
        from activereach.kit.db import Database

        async def slug_of() -> str:
            from sqlalchemy import select

            from activereach.tenancy.models import Workspace
            db = Database(url)
            async with db.read_session() as session:
                slug = await session.scalar(select(Workspace.slug).where(Workspace.id == ws))
            await db.dispose()
            return str(slug)
        email = asyncio.run(_console_user(url, asyncio.run(slug_of())))
        with api_server(url, Path(tmp), worker_mode="off") as port:
            base = f"http://127.0.0.1:{port}"
            device, staff_id = asyncio.run(_till(base, admin_key))
            asyncio.run(http_run(port, admin_key, 200, "warm"))
            quiet_s, _, quiet_err = asyncio.run(http_run(port, admin_key, count, "quiet"))
            out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
            flood = multiprocessing.Process(target=_flood_process, args=(
                base, email, device, staff_id, quiet_s * 1.6 + 3, out))
            flood.start()
            time.sleep(2)   # the flood is under way (and has locked itself out) before we measure
            flood_s, _, flood_err = asyncio.run(http_run(port, admin_key, count, "flood"))
            attempts, flood_span = out.get(timeout=600)
            flood.join()
            # and once more after it: the database grew meanwhile, so the baseline is the mean
            # of the runs on either side of the flood
            after_s, _, after_err = asyncio.run(http_run(port, admin_key, count, "after"))
    if quiet_err or flood_err or after_err:
        raise SystemExit(f"{quiet_err + flood_err + after_err} order requests failed")
    quiet, loud = (count / quiet_s + count / after_s) / 2, count / flood_s
    return [
        Row("orders/s during the flood (64 connections)", loud, "/s", quiet,
            "≥ 0.8× without the flood", loud >= 0.8 * quiet),
        Row("orders/s without the flood (baseline: mean of before and after)", quiet, "/s"),
        Row("wrong sign-in attempts answered per second", attempts / flood_span, "/s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 3000 if args.quick else 10000
    rows = measure(count)
    print(table("Auth flood: POST /v1/orders while 64 connections send wrong passwords and PINs",
                rows, f"{count} orders per figure, 32 clients, one API process on SQLite; the "
                "flood: 32 connections of wrong console passwords (the real email and made-up "
                "ones), 32 of wrong PINs for one staff member on a paired till. Default guards: "
                "5 failures per account and address, then a lockout (60 s, doubling); a 1 s pause "
                f"before every refusal; argon2 in one thread at a time. {machine()}. {load_note()}."))


if __name__ == "__main__":
    main()
