"""The demo brand: console provider on every channel, seeded idempotently; a sale records its
receipt in the outbox without any credentials."""

from __future__ import annotations

from activereach.kit.db import unit_of_work
from activereach.messaging.demo import seed_demo_messaging
from activereach.tenancy.models import Workspace
from tests.messaging.conftest import messages, run_jobs, sale


async def test_console_provider_records_every_channel(client, tenant, db, providers) -> None:
    async def seed(session):  # type: ignore[no-untyped-def]
        await seed_demo_messaging(session, await session.get(Workspace, tenant.id))
    await unit_of_work(db, seed)
    await unit_of_work(db, seed)  # idempotent
    channels = (await client.get("/v1/messaging/channels", headers=tenant.admin)).json()["data"]
    assert sorted((c["channel"], c["provider"]) for c in channels) == [
        ("email", "console"), ("sms", "console"), ("whatsapp", "console")]
    orders = [await sale(client, tenant, receipt={"channel": ch})
              for ch in ("whatsapp", "sms", "email")]
    await run_jobs(db)
    for order, channel in zip(orders, ("whatsapp", "sms", "email"), strict=True):
        [msg] = (await messages(client, tenant, order["order_id"]))["data"]
        assert (msg["channel"], msg["provider"], msg["status"]) == (channel, "console", "sent")
        assert msg["provider_message_id"] == f"console_{msg['id']}"
    assert providers.calls == []
