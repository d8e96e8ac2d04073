"""Analytics dashboard data for a 90-day range: roll-ups vs the same figures from ``orders``.

    .venv/bin/python bench/analytics.py [--quick] [--db sqlite|postgres|both]

Seeds 1,000,000 orders (``--quick``: 50,000) across 20 outlets and 2 years with bulk inserts
(orders, refunds and both roll-up tables, computed in Python from the same rows), then times
``analytics.service.dashboard`` (all outlets and one outlet) against a baseline that computes
the same figures with SQL straight from ``orders``/``order_refunds``, and checks they are equal.
All outlets are in Asia/Kolkata (fixed +05:30), which lets the baseline use one UTC window.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from activereach.analytics.models import (  # noqa: E402
    ContactFirstDay,
    DailyContactSales,
    DailySales,
)
from activereach.analytics.queries import Scope  # noqa: E402
from activereach.analytics.service import dashboard  # noqa: E402
from activereach.kit.db import Database  # noqa: E402
from activereach.ops.migrate import upgrade  # noqa: E402
from activereach.orders.models import Order, OrderRefund  # noqa: E402
from activereach.tenancy.models import Location, Workspace  # noqa: E402
from bench.common import Row, create_database, machine, percentile, postgres, table  # noqa: E402

WS = "ws_bench_analytics"
IST = dt.timedelta(hours=5, minutes=30)
END_DAY = dt.date(2026, 11, 24)
OUTLETS = 20
RUNS = 25
BASELINE_RUNS = 25  # the full run lowers this: one orders-table pass over 1M rows takes seconds


def log(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def generate(count: int, seed: int = 1) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    start = dt.datetime.combine(END_DAY - dt.timedelta(days=729), dt.time(), dt.UTC) - IST
    span = 730 * 86400
    contacts = max(count // 5, 10)
    orders, refunds = [], []
    now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    for index in range(count):
        online = rng.random() < 0.3
        outlet = None if online else f"loc_b{rng.randrange(OUTLETS):02d}"
        source = "online" if online else ("square" if rng.random() < 0.2 else "activepos")
        total = rng.randint(5000, 300000)
        when = start + dt.timedelta(seconds=rng.randrange(span))
        contact = f"ct_b{rng.randrange(contacts):07d}" if rng.random() < 0.75 else None
        oid = f"ord_b{index:08d}"
        orders.append({"workspace_id": WS, "id": oid, "source": source, "external_id": oid,
                       "request_hash": "x", "location_id": outlet, "contact_id": contact,
                       "channel": "online" if online else "offline", "currency": "INR",
                       "status": "completed", "occurred_at": when, "created_at": now,
                       "subtotal": total, "tax_total": 0, "discount_total": 0, "shipping": 0,
                       "total": total, "paid_total": total, "change_due": 0,
                       "refunded_total": 0, "customer": {}, "extra": {}, "result": {}})
        if rng.random() < 0.02:
            amount = rng.randint(1, total)
            orders[-1]["refunded_total"] = amount
            refunds.append({"workspace_id": WS, "id": f"rf_b{index:08d}", "order_id": oid,
                            "external_id": "R", "request_hash": "x", "amount": amount,
                            "taxable": amount, "tax": 0, "lines": [], "result": {},
                            "occurred_at": when + dt.timedelta(days=rng.randint(0, 20)),
                            "created_at": now})
    return orders, refunds


def rollups(orders: list[dict], refunds: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """What the ``analytics.apply_order``/``apply_refund`` jobs would have written."""
    sales: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    people: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_id = {o["id"]: o for o in orders}

    def bump(o: dict, moment: dt.datetime, orders_: int, gross: int, refund: int) -> None:
        day = (moment + IST).date().isoformat()
        key = (day, o["location_id"] or "", o["channel"], o["source"])
        row = sales[key]
        row[0] += orders_
        row[1] += gross
        row[2] += refund
        row[3] += 1 if refund else 0
        if o["contact_id"]:
            prow = people[(day, o["location_id"] or "", o["channel"], o["contact_id"])]
            prow[0] += orders_
            prow[1] += gross
            prow[2] += refund
    for o in orders:
        bump(o, o["occurred_at"], 1, o["total"], 0)
    for r in refunds:
        bump(by_id[r["order_id"]], r["occurred_at"], 0, 0, r["amount"])
    sales_rows = [{"workspace_id": WS, "day": k[0], "location_id": k[1], "channel": k[2],
                   "source": k[3], "currency": "INR", "orders": v[0], "gross": v[1],
                   "refunds": v[2], "refund_count": v[3]} for k, v in sales.items()]
    people_rows = [{"workspace_id": WS, "day": k[0], "location_id": k[1], "channel": k[2],
                    "currency": "INR", "contact_id": k[3], "orders": v[0], "gross": v[1],
                    "refunds": v[2]} for k, v in people.items()]
    firsts: dict[str, str] = {}
    for (day, _loc, _channel, contact), values in people.items():
        if values[0] and (contact not in firsts or day < firsts[contact]):
            firsts[contact] = day
    first_rows = [{"workspace_id": WS, "currency": "INR", "contact_id": c, "first_day": d}
                  for c, d in firsts.items()]
    return sales_rows, people_rows, first_rows


def seed(sync_url: str, count: int) -> float:
    started = time.perf_counter()
    orders, refunds = generate(count)
    sales_rows, people_rows, first_rows = rollups(orders, refunds)
    log(f"generated {len(orders):,} orders, {len(refunds):,} refunds, {len(people_rows):,} "
        f"contact-day rows")
    engine = create_engine(sync_url)
    now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(Workspace.__table__.insert(), [{
            "id": WS, "slug": "bench-analytics", "name": "Bench", "country": "IN",
            "currency": "INR", "timezone": "Asia/Kolkata", "locale": "en_IN", "branding": {},
            "created_at": now}])
        conn.execute(Location.__table__.insert(), [{
            "workspace_id": WS, "id": f"loc_b{i:02d}", "code": f"b-{i:02d}", "name": f"Outlet {i}",
            "address": "", "phone": "", "timezone": "Asia/Kolkata", "status": "active",
            "created_at": now, "updated_at": now} for i in range(OUTLETS)])
    # In time order, as rows are created when orders arrive: a day's rows sit together on disk.
    orders.sort(key=lambda o: o["occurred_at"])
    refunds.sort(key=lambda r: r["occurred_at"])
    for table_, rows in ((Order.__table__, orders), (OrderRefund.__table__, refunds),
                         (DailySales.__table__, sorted(sales_rows, key=lambda r: r["day"])),
                         (DailyContactSales.__table__, sorted(people_rows, key=lambda r: r["day"])),
                         (ContactFirstDay.__table__, first_rows)):
        bulk_insert(engine, table_, rows)
        log(f"inserted {table_.name}")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _cell(value: Any, sqlite_: bool) -> Any:
    """Bypass the ORM types: naive UTC datetimes (as SQLAlchemy stores them) and JSON text."""
    if isinstance(value, dt.datetime):
        naive = value.astimezone(dt.UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite_ else naive
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def bulk_insert(engine: Any, table_: Any, rows: list[dict]) -> None:
    """COPY on PostgreSQL, one ``executemany`` on SQLite: the raw drivers, no ORM per row."""
    columns = [column.name for column in table_.columns]
    sqlite_ = engine.dialect.name == "sqlite"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if sqlite_:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table_.name} ({', '.join(columns)}) VALUES ({marks})",
                               ([_cell(r.get(c), True) for c in columns] for r in rows))
        else:
            with cursor.copy(f"COPY {table_.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row([_cell(r.get(c), False) for c in columns])
        raw.commit()
    finally:
        raw.close()


def _day_sql(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(({column} + INTERVAL '330 minutes') AS DATE)"
    return f"date({column}, '+330 minutes')"


async def direct(db: Database, scope: Scope) -> dict[str, Any]:
    """The same figures, straight from the orders table (the baseline)."""
    dialect = "postgresql" if not db.is_sqlite else "sqlite"
    lo = dt.datetime.combine(dt.date.fromisoformat(scope.start), dt.time()) - IST
    last = dt.date.fromisoformat(scope.end) + dt.timedelta(days=1)
    hi = dt.datetime.combine(last, dt.time()) - IST
    loc = "AND o.location_id = :loc" if scope.location_id else ""
    params = {"ws": scope.workspace_id, "lo": lo, "hi": hi, "loc": scope.location_id}
    win = "o.workspace_id = :ws AND o.occurred_at >= :lo AND o.occurred_at < :hi"
    rwin = "r.workspace_id = :ws AND r.occurred_at >= :lo AND r.occurred_at < :hi"
    join = "JOIN orders o ON o.workspace_id = r.workspace_id AND o.id = r.order_id"
    async with db.read_session() as s:
        async def q(sql: str) -> list[Any]:
            return list((await s.execute(text(sql), params)).all())
        day = _day_sql("o.occurred_at", dialect)
        rday = _day_sql("r.occurred_at", dialect)
        days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for d, ch, n, g in await q(f"SELECT {day}, o.channel, COUNT(*), SUM(o.total) FROM orders o "
                                   f"WHERE {win} {loc} GROUP BY 1, 2"):
            days[str(d)][0 if ch == "online" else 1] += int(g)
            days[str(d)][3] += int(n)
        for d, amount in await q(f"SELECT {rday}, SUM(r.amount) FROM order_refunds r {join} "
                                 f"WHERE {rwin} {loc} GROUP BY 1"):
            days[str(d)][2] += int(amount)
        groups: dict[str, dict[str, list[int]]] = {}
        for name, col in (("outlets", "COALESCE(o.location_id, '')"), ("sources", "o.source")):
            grouped: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
            for k, n, g in await q(f"SELECT {col}, COUNT(*), SUM(o.total) FROM orders o "
                                   f"WHERE {win} {loc} GROUP BY 1"):
                grouped[k][0:2] = [int(n), int(g)]
            for k, amount in await q(f"SELECT {col}, SUM(r.amount) FROM order_refunds r {join} "
                                     f"WHERE {rwin} {loc} GROUP BY 1"):
                grouped[k][2] += int(amount)
            groups[name] = dict(grouped)
        off = (await q(f"SELECT COALESCE(SUM(o.total), 0), COALESCE(SUM(CASE WHEN o.contact_id "
                       f"IS NOT NULL THEN o.total ELSE 0 END), 0) FROM orders o WHERE {win} {loc} "
                       f"AND o.channel = 'offline'"))[0]
        roff = (await q(f"SELECT COALESCE(SUM(r.amount), 0), COALESCE(SUM(CASE WHEN o.contact_id "
                        f"IS NOT NULL THEN r.amount ELSE 0 END), 0) FROM order_refunds r {join} "
                        f"WHERE {rwin} {loc} AND o.channel = 'offline'"))[0]
        buyers = (f"SELECT DISTINCT o.contact_id AS c FROM orders o WHERE {win} {loc} "
                  f"AND o.contact_id IS NOT NULL")
        customers, returning = (await q(
            f"SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM orders e WHERE "
            f"e.workspace_id = :ws AND e.contact_id = b.c AND e.occurred_at < :lo) THEN 1 ELSE 0 "
            f"END) FROM ({buyers}) b"))[0]
        both = (await q(
            f"SELECT COUNT(*) FROM ({buyers} AND o.channel = 'offline') b WHERE EXISTS (SELECT 1 "
            f"FROM orders e WHERE e.workspace_id = :ws AND e.contact_id = b.c AND "
            f"e.occurred_at >= :lo AND e.occurred_at < :hi AND e.channel = 'online')"))[0][0]
    return {"days": dict(days), **groups, "offline": int(off[0]) - int(roff[0]),
            "attributed": int(off[1]) - int(roff[1]), "customers": int(customers),
            "returning": int(returning or 0), "both": int(both)}


def figures(board: Any) -> dict[str, Any]:
    return {"days": {d.day: [d.online, d.offline, d.refunds, d.orders] for d in board.days
                     if d.orders or d.refunds},
            "outlets": {b.key: [b.orders, b.gross, b.refunds] for b in board.by_outlet},
            "sources": {b.key: [b.orders, b.gross, b.refunds] for b in board.by_source},
            "offline": board.offline_net, "attributed": board.attributed_offline_net,
            "customers": board.customers, "returning": board.returning_customers,
            "both": board.both_channels}


async def measure(url: str, label: str, target_ms: float) -> list[Row]:
    db = Database(url)
    rows: list[Row] = []
    try:
        for scope_name, location in (("all outlets", None), ("one outlet", "loc_b03")):
            scope = Scope(WS, (END_DAY - dt.timedelta(days=89)).isoformat(), END_DAY.isoformat(),
                          "INR", location)
            fast, slow, equal = [], [], True
            for run in range(RUNS):
                started = time.perf_counter()
                async with db.read_session() as session:
                    board = await dashboard(session, scope)
                fast.append((time.perf_counter() - started) * 1000)
                if run < BASELINE_RUNS:
                    started = time.perf_counter()
                    expected = await direct(db, scope)
                    slow.append((time.perf_counter() - started) * 1000)
                    equal = equal and figures(board) == expected
            log(f"{label} {scope_name}: dashboard p95 {percentile(fast, 95):.1f} ms, "
                f"baseline p95 {percentile(slow, 95):.1f} ms, equal={equal}")
            p95, base = percentile(fast, 95), percentile(slow, 95)
            rows.append(Row(f"{label}: dashboard p95, 90 days, {scope_name}", p95, "ms", base,
                            f"≤ {target_ms:,.0f} ms", p95 <= target_ms))
            rows.append(Row(f"{label}: figures equal the orders-table recomputation ({scope_name})",
                            1.0 if equal else 0.0, "(1 = yes)", None, "1", equal))
    finally:
        await db.dispose()
    return rows


def run_sqlite(count: int) -> list[Row]:
    path = Path(tempfile.mkdtemp(prefix="bench-analytics-")) / "bench.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    seconds = seed(f"sqlite:///{path}", count)
    rows = [Row(f"SQLite: seed {count:,} orders + roll-ups (bulk insert)", seconds, "s")]
    return rows + asyncio.run(measure(f"sqlite+aiosqlite:///{path}", "SQLite", 1000))


def run_postgres(count: int) -> list[Row]:
    """On a durable PostgreSQL server of the bench's own (bench.common.postgres)."""
    with postgres("pganalytics") as base:
        url = create_database(base, "bench_analytics")
        upgrade(url)
        seconds = seed(url, count)
        rows = [Row(f"PostgreSQL: seed {count:,} orders + roll-ups (bulk insert)", seconds, "s")]
        return rows + asyncio.run(measure(url, "PostgreSQL", 300))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 orders instead of 1,000,000")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    count = 50_000 if args.quick else 1_000_000
    global BASELINE_RUNS
    BASELINE_RUNS = RUNS if args.quick else 5
    rows: list[Row] = []
    if args.db in ("sqlite", "both"):
        rows += run_sqlite(count)
    if args.db in ("postgres", "both"):
        rows += run_postgres(count)
    note = (f"{count:,} orders, 20 outlets, 2 years, 30 % online, 75 % with a contact, 2 % "
            f"refunded; {RUNS} dashboard runs and {BASELINE_RUNS} baseline runs per scope, every "
            "baseline run also checks the figures are equal; baseline = the same figures by SQL "
            "over orders and "
            f"order_refunds in the same run. {machine()}.")
    sys.stdout.write(table(f"Analytics ({'quick' if args.quick else 'full'})", rows, note))
    if not all(row.passed is not False for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
