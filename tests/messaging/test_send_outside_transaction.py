"""The provider call runs between two transactions: never inside one, and a run that dies
mid-call is repeated by its job (at least once to the provider, exactly one outbox row)."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from sqlalchemy import select, text

from activereach.jobs.models import Job
from activereach.kit.db import unit_of_work
from activereach.messaging import dispatch
from tests.messaging.conftest import configure, make_due, messages, run_jobs, sale


def _whatsapp_reply(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, json={"messaging_product": "whatsapp",
                                      "contacts": [{"input": "x", "wa_id": "x"}],
                                      "messages": [{"id": "wamid.outside-1"}]})


@pytest.fixture
def provider_client():  # type: ignore[no-untyped-def]
    """Point every send at a transport of the test's own; restore the default afterwards."""
    def install(handler):  # type: ignore[no-untyped-def]
        dispatch.client_override = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        return dispatch.client_override
    yield install
    dispatch.client_override = None


async def test_the_database_is_free_while_the_provider_answers(client, tenant, db, providers,
                                                               provider_client) -> None:
    await configure(client, tenant, providers)
    wrote: list[bool] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        # On SQLite a transaction still open here would hold the only write lock: this write
        # would wait for the send, which waits for the write.
        async def touch(session):  # type: ignore[no-untyped-def]
            await session.execute(text("UPDATE workspaces SET name = name WHERE id = :id"),
                                  {"id": tenant.id})
        await asyncio.wait_for(unit_of_work(db, touch), timeout=5)
        wrote.append(True)
        return _whatsapp_reply(request)

    provider_client(handler)
    order = await sale(client, tenant, receipt={"channel": "whatsapp"})
    await run_jobs(db)
    data = (await messages(client, tenant, order["order_id"]))["data"]
    assert wrote == [True]
    assert [(m["channel"], m["status"]) for m in data] == [("whatsapp", "sent")]


async def test_a_run_that_dies_mid_call_is_sent_again_by_its_job(client, tenant, db, providers,
                                                                 provider_client) -> None:
    await configure(client, tenant, providers)
    calls: list[str] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise RuntimeError("worker lost mid-call")  # not a provider answer
        return _whatsapp_reply(request)

    provider_client(handler)
    order = await sale(client, tenant, receipt={"channel": "whatsapp"})
    await run_jobs(db)
    async with db.read_session() as session:
        job = await session.scalar(select(Job).where(
            Job.workspace_id == tenant.id, Job.kind == "messaging.send_receipt"))
    assert job is not None and job.status == "queued" and "worker lost" in (job.last_error or "")
    assert job.payload["sending"]  # the re-run knows which outbox row was in flight
    await make_due(db)
    await run_jobs(db)
    data = (await messages(client, tenant, order["order_id"]))["data"]
    assert len(data) == 1 and data[0]["status"] == "sent" and data[0]["id"] == job.payload["sending"]
    assert len(calls) == 2
