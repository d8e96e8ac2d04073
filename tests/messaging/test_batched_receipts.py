"""Receipts sent by one worker batch: loaded set-wise, yet each order resolved as if alone."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import event

from activereach.jobs.service import enqueue
from tests.messaging.conftest import configure, messages, run_jobs, sale


def _count_reads(db, workspace_id: str) -> tuple[Counter[str], object]:  # type: ignore[no-untyped-def]
    """SELECTs per table that name this workspace (jobs other tests left behind may run too)."""
    reads: Counter[str] = Counter()

    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        values = params.values() if isinstance(params, dict) else params
        if statement.lstrip().upper().startswith("SELECT") and workspace_id in values:
            for table in ("orders", "messages", "contact_identities"):
                if f"FROM {table} " in statement.replace("\n", " ") + " ":
                    reads[table] += 1
    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    return reads, count


async def test_a_batch_resolves_each_order_as_a_lone_run_would(client, tenant, db,
                                                               providers) -> None:
    await configure(client, tenant, providers)
    await run_jobs(db)  # jobs earlier tests left queued would share (and split) this batch
    opted = await sale(client, tenant, customer={"phone": "+91 98765 41001", "name": "Ravi"})
    response = await client.put(f"/v1/messaging/consent/{opted['contact_id']}/whatsapp",
                                headers=tenant.admin, json={"status": "opted_out"})
    assert response.status_code == 200, response.text
    plain = await sale(client, tenant, customer={"phone": "+91 98765 41002"})
    again = await sale(client, tenant, customer={"phone": "+91 98765 41002"})
    anonymous = await sale(client, tenant, customer=None)
    printed = await sale(client, tenant, receipt={"channel": "print"},
                         customer={"phone": "+91 98765 41003"})
    chose_sms = await sale(client, tenant, receipt={"channel": "sms"},
                           customer={"phone": "+91 98765 41004"})
    reads, listener = _count_reads(db, tenant.id)
    try:
        await run_jobs(db)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", listener)

    async def sent(order: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        return [(m["channel"], m["status"])
                for m in (await messages(client, tenant, order["order_id"]))["data"]]
    assert await sent(opted) == [("sms", "sent")]
    assert await sent(plain) == await sent(again) == [("whatsapp", "sent")]
    assert await sent(chose_sms) == [("sms", "sent")]
    assert await sent(anonymous) == await sent(printed) == []
    assert (await messages(client, tenant, printed["order_id"]))["dispatch"]["reason"] == \
        "print: cashier_chose_print"
    if db.is_sqlite:
        # one batch per job kind: the receipt batch reads orders, messages and identities once
        # (the outcome transaction reads its messages once more), the roll-up batch its orders
        assert reads == {"orders": 2, "messages": 2, "contact_identities": 1}, reads


async def test_two_receipt_jobs_of_one_order_in_one_batch_send_once(client, tenant, db,
                                                                    providers) -> None:
    await configure(client, tenant, providers)
    order = await sale(client, tenant)
    async with db.session() as session:
        await enqueue(session, kind="messaging.send_receipt", workspace_id=tenant.id,
                      payload={"order_id": order["order_id"]}, dedupe_key="twin" + tenant.id)
    await run_jobs(db)
    data = (await messages(client, tenant, order["order_id"]))["data"]
    assert [(m["channel"], m["status"]) for m in data] == [("whatsapp", "sent")]
    assert len(providers.of("whatsapp")) == 1
