"""Console fixtures: users made through the service, and sign-in through the real form."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx2
import pytest
from sqlalchemy import func, select, update

from activereach.console.service import create_user
from activereach.jobs.models import Job
from activereach.jobs.worker import Worker
from activereach.kit.db import Database, unit_of_work, utcnow

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def make_user(db: Database, slug: str, role: str = "owner") -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    await unit_of_work(db, lambda s: create_user(s, workspace_slug=slug, email=email, role=role,
                                                 password=PASSWORD))
    return email


async def sign_in(client: httpx2.AsyncClient, email: str, workspace: str = "") -> str:
    """Sign in through the form; returns the CSRF token of the new session."""
    token = csrf_of((await client.get("/login")).text)
    response = await client.post("/login", data={"csrf_token": token, "email": email,
                                                 "password": PASSWORD, "workspace": workspace})
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


@pytest.fixture
def console_user(db):  # type: ignore[no-untyped-def]
    async def factory(slug: str, role: str = "owner") -> str:
        return await make_user(db, slug, role)
    return factory


@pytest.fixture
def drain(db):  # type: ignore[no-untyped-def]
    """Run the workspace's jobs the way the worker would, until none is left.

    The browser tests' live server runs a worker on the same database, so a job may be leased
    by it when our drain finds nothing due: wait for those, and pull retries forward."""
    async def run(workspace_id: str) -> None:
        for _ in range(600):
            await Worker(db).drain()
            async with db.session() as session:
                await session.execute(update(Job).where(
                    Job.workspace_id == workspace_id, Job.status == "queued",
                    Job.run_at > utcnow()).values(run_at=utcnow()))
                pending = await session.scalar(select(func.count()).select_from(Job).where(
                    Job.workspace_id == workspace_id, Job.status.in_(("queued", "running"))))
            if not pending:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"jobs of {workspace_id} never finished")
    return run


async def whatsapp_sale(client: httpx2.AsyncClient, tenant, drain,  # type: ignore[no-untyped-def]
                        code: str = "blr-1") -> tuple[dict, dict]:
    """A console-provider WhatsApp channel and one in-store sale at outlet ``code``, its jobs
    run: (the outlet, the order reply), with one receipt in the outbox."""
    from tests.conftest import add_location, order_body

    outlet = await add_location(client, tenant, code)
    put = await client.put("/v1/messaging/channels/whatsapp", headers=tenant.admin,
                           json={"provider": "console"})
    assert put.status_code == 200, put.text
    order = await client.post("/v1/orders", headers=tenant.admin,
                              json=order_body(location=outlet["id"]))
    assert order.status_code == 201, order.text
    await drain(tenant.id)
    return outlet, order.json()
